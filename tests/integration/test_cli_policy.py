"""`scan --policy` and `scan --baseline` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from egress.cli import main
from tests.tarballs import write_tgz


def _tgz(path: Path) -> Path:
    members = {
        "package/package.json": json.dumps({"name": "tiny-client", "version": "1.2.0"}),
        "package/index.js": "const https = require('https');\nexports.get = (u) => https.get(u);\n"
                            "exports.f = (u) => fetch(u);\n",
    }
    return write_tgz(path, members)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_policy_allows_one_api_and_counts_it(tmp_path: Path) -> None:
    tgz = _tgz(tmp_path / "t.tgz")
    policy = tmp_path / "egress.toml"
    policy.write_text('[actions]\nnetworkAccess = "error"\n\n[[allow]]\necosystem = "npm"\nname = "tiny-client"\n'
                      'apis = ["fetch"]\nreason = "fetch goes to our own API"\n')
    code, out, err = _run("scan", str(tgz), "--policy", str(policy), "--format", "json",
                          "--cache-dir", str(tmp_path / "c"))
    doc = json.loads(out)
    assert [a["api"] for a in doc["packages"][0]["alerts"]] == ["https.get"]
    assert [h["count"] for h in doc["policy"]["hidden"]] == [1]
    assert code == 1 and doc["policy"]["failing"] is True      # https.get remains, with action error


def test_invalid_policy_is_rejected_before_scanning(tmp_path: Path) -> None:
    policy = tmp_path / "egress.toml"
    policy.write_text('[actions]\nnetworkAccess = true\n')
    code, out, err = _run("scan", str(_tgz(tmp_path / "t.tgz")), "--policy", str(policy),
                          "--cache-dir", str(tmp_path / "c"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "egress.toml:2" in err


def test_baseline_reports_only_what_is_new(tmp_path: Path) -> None:
    tgz = _tgz(tmp_path / "t.tgz")
    baseline = tmp_path / "baseline.json"
    code, _, err = _run("baseline", "write", str(baseline), str(tgz), "--cache-dir", str(tmp_path / "c"))
    assert code == 0, err
    code, out, err = _run("scan", str(tgz), "--baseline", str(baseline), "--format", "json",
                          "--cache-dir", str(tmp_path / "c"), "--fail-on", "low")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["summary"], doc["packages"]) == (
        {"added": 0, "removed": 0, "changed": 0, "gained_severity": None}, [])
    # the package gains a call: only that is reported, and --fail-on judges it
    changed = tmp_path / "t2.tgz"
    write_tgz(changed, {
        "package/package.json": json.dumps({"name": "tiny-client", "version": "1.2.0"}),
        "package/index.js": "const https = require('https');\nexports.get = (u) => https.get(u);\n"
                            "exports.f = (u) => fetch(u);\nrequire('net').connect(9, '203.0.113.7');\n",
    })
    code, out, err = _run("scan", str(changed), "--baseline", str(baseline), "--format", "json",
                          "--cache-dir", str(tmp_path / "c"), "--fail-on", "medium")
    doc = json.loads(out)
    assert code == 1, err
    assert doc["summary"]["changed"] == 1
    assert "net.connect" in json.dumps(doc["packages"])


def test_policy_summary_reaches_markdown_and_html(tmp_path: Path) -> None:
    tgz = _tgz(tmp_path / "t.tgz")
    policy = tmp_path / "egress.toml"
    policy.write_text('[[allow]]\necosystem = "npm"\nname = "tiny-client"\napis = ["fetch"]\n'
                      'reason = "fetch goes to our own API"\n')
    for fmt in ("markdown", "html"):
        code, out, err = _run("scan", str(tgz), "--policy", str(policy), "--format", fmt,
                              "--cache-dir", str(tmp_path / "c"))
        assert code == 0, err
        assert "hidden by policy: 1" in out and "fetch goes to our own API" in out
