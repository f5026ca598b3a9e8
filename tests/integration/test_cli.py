"""The command line as a user meets it: output formats, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from egress.cli import main
from tests.tarballs import write_tgz as _tgz

FIXTURE = {
    "package/package.json": json.dumps({"name": "fixture-client", "version": "1.0.0", "main": "index.js"}),
    "package/index.js": "const https = require('https');\nmodule.exports = (u) => https.get(u);\n",
    "package/test/t.js": "const http = require('http');\nhttp.get('http://localhost');\n",
}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_report_of_a_tarball(tmp_path: Path) -> None:
    tgz = _tgz(tmp_path / "fixture-client-1.0.0.tgz", FIXTURE)
    code, out, err = _run("scan", str(tgz), "--format", "json", "--cache-dir", str(tmp_path / "c"))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema_version"] == "1.0" and doc["tool_version"]
    [pkg] = doc["packages"]
    assert (pkg["ecosystem"], pkg["name"], pkg["version"], pkg["verdict"]) == ("npm", "fixture-client", "1.0.0", "network")
    [alert] = pkg["alerts"]
    assert {k: alert[k] for k in ("type", "severity", "api", "module", "file", "line", "column", "confidence")} == {
        "type": "networkAccess", "severity": "medium", "api": "https.get", "module": "https", "file": "index.js",
        "line": 2, "column": 25, "confidence": "high"}
    assert alert["snippet"] == "module.exports = (u) => https.get(u);"
    assert [(f["api"], f["file"], f["role"]) for f in pkg["other_findings"]] == [("http.get", "test/t.js", "test")]
    assert pkg["files_analysed"] == 2 and pkg["not_analysed"] == []


def test_fail_on_and_output_file(tmp_path: Path) -> None:
    tgz = _tgz(tmp_path / "p.tgz", FIXTURE)
    out_file = tmp_path / "report.json"
    code, out, err = _run("scan", str(tgz), "--format", "json", "-o", str(out_file), "--fail-on", "medium",
                          "--cache-dir", str(tmp_path / "c"))
    assert code == 1 and out == ""
    assert json.loads(out_file.read_text())["summary"]["network"] == 1
    code, _, _ = _run("scan", str(tgz), "--fail-on", "high", "--cache-dir", str(tmp_path / "c"))
    assert code == 0


def test_table_lists_package_verdict_api_and_first_evidence(tmp_path: Path) -> None:
    tgz = _tgz(tmp_path / "p.tgz", FIXTURE)
    code, out, _ = _run("scan", str(tgz), "--cache-dir", str(tmp_path / "c"))
    assert code == 0
    row = next(line for line in out.splitlines() if "fixture-client@1.0.0" in line)
    assert "network" in row and "https.get" in row and "index.js:2" in row
    code, out, _ = _run("scan", str(tgz), "-v", "--cache-dir", str(tmp_path / "c"))
    assert "module.exports = (u) => https.get(u);" in out
    assert "test/t.js:2:1  http.get" in out
    assert f"  at {tgz}\n" in out


def test_unparsable_file_makes_the_verdict_partial(tmp_path: Path) -> None:
    members = {"package/package.json": json.dumps({"name": "broken", "version": "0.1.0"}),
               "package/index.js": "function (((( {\n  let = = ;\n"}
    code, out, err = _run("scan", str(_tgz(tmp_path / "b.tgz", members)), "--format", "json",
                          "--cache-dir", str(tmp_path / "c"))
    assert code == 0, err
    [pkg] = json.loads(out)["packages"]
    assert pkg["verdict"] == "partial"
    assert [n["file"] for n in pkg["not_analysed"]] == ["index.js"]
    assert pkg["not_analysed"][0]["reason"].startswith("syntax error")
    # asked to skip it: the file names no signal, so it is only read
    code, out, err = _run("scan", str(tmp_path / "b.tgz"), "--format", "json", "--skip-syntax-check",
                          "--cache-dir", str(tmp_path / "c"))
    [pkg] = json.loads(out)["packages"]
    assert (code, pkg["verdict"], pkg["not_analysed"]) == (0, "none", [])


@pytest.mark.parametrize("make_target, message", [
    (lambda tmp: str(tmp / "missing-dir"), "no such file or directory"),
    (lambda tmp: str(_truncated(tmp)), "corrupt"),
    (lambda tmp: "npm:", "npm"),
    (lambda tmp: "npm:Bad Name@1", "npm"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, make_target, message: str) -> None:
    code, out, err = _run("scan", make_target(tmp_path), "--cache-dir", str(tmp_path / "c"))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("egress: error:") and message in lines[0], err
    assert "Traceback" not in err


def _truncated(tmp: Path) -> Path:
    good = _tgz(tmp / "good.tgz", FIXTURE).read_bytes()
    bad = tmp / "bad.tgz"
    bad.write_bytes(good[: len(good) // 2])
    return bad


@pytest.mark.network
def test_unknown_npm_package_is_exit_2(tmp_path: Path) -> None:
    code, out, err = _run("scan", "npm:egress-no-such-package-xq7@1.0.0", "--cache-dir", str(tmp_path / "c"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not found" in err


def test_no_target_is_a_usage_error() -> None:
    code, _, err = _run("scan")
    assert code == 2 and "nothing to scan" in err
