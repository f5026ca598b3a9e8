"""The three formats through the command line: ``--format`` reads FORMATS, nothing else to wire."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from egress.cli import main

from tests.report.conftest import DATA, FIXTURE


def _scan(tmp_path: Path, fmt: str) -> str:
    out = tmp_path / f"report.{fmt}"
    done = CliRunner().invoke(main, ["scan", str(FIXTURE), "--format", fmt, "-o", str(out),
                                     "--cache-dir", str(tmp_path / "cache"), "-j", "1"])
    assert done.exit_code == 0, done.output
    return out.read_text(encoding="utf-8")


def test_sarif_from_the_command_line(tmp_path: Path) -> None:
    log = json.loads(_scan(tmp_path, "sarif"))
    schema = json.loads((DATA / "sarif-2.1.0-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == [
        "networkAccess", "dynamicRequire", "networkViaDependency"]


def test_markdown_from_the_command_line(tmp_path: Path) -> None:
    text = _scan(tmp_path, "markdown")
    assert text.startswith("### egress: 1 package, 1 with network access\n")
    assert "- **networkAccess** (medium) `https.request` at `index.js:5`\n" in text


def test_html_from_the_command_line(tmp_path: Path) -> None:
    page = _scan(tmp_path, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert '<a href="#pkg-1">report-pkg@1.0.0</a>' in page
