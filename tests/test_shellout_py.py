"""Python code that shells out to network tools: subprocess, os.system/popen/exec*/spawn*, asyncio (issue #5).

Each fixture under tests/fixtures/shellout/py is one form; the tests assert
the exact api, line, column, capability, note and destinations, and that
the negatives (`ls`, a local `system`, 'curl' in a log line, a command that
is not constant) give no network finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.python import PythonAnalyzer
from egress.catalog import load_catalog
from egress.engine import ScanOptions, scan
from egress.model import Ecosystem, FindingKind, PackageArtifact, SourceFile
from egress.prefilter import PreFilter

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shellout"
PY = FIXTURES / "py"


def _analyse(name: str):
    result = PythonAnalyzer().analyze(SourceFile(name, (PY / name).read_bytes()))
    assert result.error is None
    return result.findings


def _rows(name: str) -> list[tuple]:
    return [(f.kind.value, f.api, f.file, f.line, f.column, f.capability.value, f.note,
             tuple(d.text for d in f.destinations)) for f in _analyse(name)]


POSITIVES = {
    "run_curl.py": [("network", "subprocess.run → curl", "run_curl.py", 5, 5, "request", "runs curl",
                     ("https://x.example/i.sh",))],
    "aliases.py": [
        ("network", "subprocess.call → wget", "aliases.py", 5, 1, "request", "runs wget", ("http://203.0.113.7/p",)),
        ("network", "subprocess.check_output → netcat", "aliases.py", 6, 1, "connect", "runs netcat",
         ("203.0.113.9:4444",)),
        ("network", "os.system → netcat", "aliases.py", 7, 1, "connect", "runs netcat", ("203.0.113.5:4444",)),
        ("network", "os.popen → curl", "aliases.py", 8, 1, "request", "runs curl", ("http://fold.example/",)),
    ],
    "exec_spawn.py": [
        ("network", "os.execlp → curl", "exec_spawn.py", 3, 1, "request", "runs curl", ("http://b.example/",)),
        ("network", "os.spawnv → wget", "exec_spawn.py", 4, 1, "request", "runs wget", ("http://c.example/",)),
    ],
    "popen_getoutput.py": [
        ("network", "subprocess.Popen → ssh", "popen_getoutput.py", 7, 5, "connect", "runs ssh", ("<dynamic>",)),
        ("network", "subprocess.getoutput → curl", "popen_getoutput.py", 8, 12, "request", "runs curl",
         ("https://status.example/ping",)),
    ],
    "more_forms.py": [
        ("network", "subprocess.check_call → wget", "more_forms.py", 6, 1, "request", "runs wget",
         ("https://k.example/a",)),
        ("network", "subprocess.getstatusoutput → curl", "more_forms.py", 7, 1, "request", "runs curl",
         ("https://g.example/s",)),
        ("network", "os.spawnlp → curl", "more_forms.py", 8, 1, "request", "runs curl", ("https://s.example/",)),
        ("network", "subprocess.Popen → curl", "more_forms.py", 9, 1, "request", "runs curl; through sh -c",
         ("http://203.0.113.20/x",)),
    ],
    "python2.py": [("network", "os.system → wget", "python2.py", 3, 1, "request", "runs wget",
                    ("http://py2.example/a",))],   # read by the tree-sitter front end
    "evasions.py": [                                   # getattr, __import__, import_module, exec of a string
        ("network", "os.system → curl", "evasions.py", 4, 1, "request", "runs curl", ("http://g.example/",)),
        ("network", "os.popen → wget", "evasions.py", 5, 1, "request", "runs wget", ("http://i.example/",)),
        ("network", "subprocess.run → curl", "evasions.py", 6, 1, "request", "runs curl", ("http://m.example/",)),
        ("network", "os.system → curl", "evasions.py", 7, 1, "request",
         "in payload (constant string, depth 1), payload line 2; runs curl", ("http://e.example/",)),
    ],
    "asyncio_sub.py": [
        ("network", "asyncio.create_subprocess_shell → curl", "asyncio_sub.py", 5, 11, "request", "runs curl",
         ("http://d.example/<dynamic>",)),
        ("network", "asyncio.create_subprocess_exec → wget", "asyncio_sub.py", 6, 11, "request", "runs wget",
         ("http://e.example/",)),
    ],
}


@pytest.mark.parametrize("name", sorted(POSITIVES))
def test_each_form_is_a_network_finding_at_the_call(name: str) -> None:
    assert _rows(name) == POSITIVES[name]


def test_the_finding_carries_module_snippet_trace_and_confidence() -> None:
    [found] = _analyse("run_curl.py")
    assert (found.module, found.snippet, found.confidence.value, found.in_function) == (
        "subprocess", "subprocess.run(['curl', '-o', path, 'https://x.example/i.sh'])", "high", True)
    assert [(s.line, s.column, s.note) for s in found.trace] == [(1, 1, "import subprocess")]


def test_destinations_are_classified_like_any_request() -> None:
    wget, *_ = _analyse("aliases.py")
    assert [(d.text, d.known, d.host, d.classes) for d in wget.destinations] == [
        ("http://203.0.113.7/p", "full", "203.0.113.7", ("ip-literal", "public"))]
    ssh, _ = _analyse("popen_getoutput.py")
    assert [(d.known, d.classes) for d in ssh.destinations] == [("dynamic", ("dynamic-host",))]


def test_an_asyncio_import_used_to_shell_out_is_not_also_import_only() -> None:
    assert {f.kind for f in _analyse("asyncio_sub.py")} == {FindingKind.NETWORK}


def test_data_the_command_carries_is_traced_like_a_request_body() -> None:
    found = _analyse("exfil_env.py")
    assert [(f.api, f.line, f.data_sources, tuple(d.text for d in f.destinations)) for f in found] == [
        ("subprocess.run → curl", 4, ("env AWS_SECRET_ACCESS_KEY",), ("https://collect.example/t",)),
        ("os.system → curl", 5, ("file ~/.npmrc",), ("https://collect.example/n",)),
    ]


def test_inline_interpreter_code_is_analysed_as_a_payload() -> None:
    [found] = _analyse("inline_python.py")
    assert (found.kind, found.api, found.line, found.column) == (FindingKind.NETWORK, "urllib.request.urlopen", 4, 1)
    assert found.note == "in inline code of subprocess.run → python -c (depth 1), payload line 1"
    assert [d.text for d in found.destinations] == ["http://f.example/"]


@pytest.mark.parametrize("name", ["neg_ls.py", "neg_local_system.py", "neg_log.py", "neg_dynamic.py"])
def test_negatives_give_no_network_finding(name: str) -> None:
    assert [f for f in _analyse(name) if f.kind is FindingKind.NETWORK] == []
    assert _analyse(name) == ()


@pytest.mark.parametrize("name", sorted([*POSITIVES, "inline_python.py", "exfil_env.py"]))
def test_the_prefilter_keeps_every_positive(name: str) -> None:
    prefilter = PreFilter(load_catalog(Ecosystem.NPM), load_catalog(Ecosystem.PYPI))
    assert prefilter.wants(name, (PY / name).read_bytes())


def test_through_the_pipeline_a_shell_out_is_network_access_and_an_ip_is_suspicious() -> None:
    folder = FIXTURES / "pypi-runtime"
    files = sorted(p for p in folder.rglob("*.py"))

    def read(want):
        for path in files:
            rel = path.relative_to(folder).as_posix()
            if want(rel):
                yield SourceFile(rel, path.read_bytes())

    artifact = PackageArtifact(Ecosystem.PYPI, "shellpkg", "1.0", read_files=read, metadata={"kind": "folder"})
    [pkg] = scan([artifact], ScanOptions(jobs=1)).packages
    assert (pkg.verdict.value, pkg.files_analysed) == ("network", 2)
    assert sorted((a.type, a.severity.value, a.finding.file, a.finding.line, a.finding.column, a.api)
                  for a in pkg.alerts) == [
        ("networkAccess", "medium", "shellpkg/__init__.py", 5, 12, "subprocess.run → curl"),
        ("suspiciousDestination", "high", "shellpkg/__init__.py", 5, 12, "subprocess.run → curl"),
    ]


@pytest.mark.parametrize(("text", "wanted"), [
    (b"import platform\nprint(platform.system())\n", False),      # `system(` alone is everywhere
    (b"import os\nprint(os.path.join('a', 'b'))\n", False),
    (b"from os import path, system\nsystem(c)\n", True),
    (b"from os import (\n    path,\n    popen,\n)\n", True),
    (b"import os as o\no.system(c)\n", True),
    (b"import os\nos.execv(p, a)\n", True),
    (b"import subprocess\n", True),
])
def test_the_prefilter_signal_of_launchers(text: bytes, wanted: bool) -> None:
    prefilter = PreFilter(load_catalog(Ecosystem.NPM), load_catalog(Ecosystem.PYPI))
    assert prefilter.wants("m.py", text) is wanted
