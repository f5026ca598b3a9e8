"""Scan results the report tests render: one from the real pipeline, one built by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from egress.engine import ScanOptions, scan
from egress.model import (
    Alert, Capability, Confidence, Ecosystem, FileRole, Finding, FindingKind, NotAnalysed,
    PackageResult, ScanResult, Severity, Timing, TraceStep, Verdict,
)
from egress.sources.npm_folder import NpmFolderSource

DATA = Path(__file__).resolve().parent.parent / "data"
FIXTURE = DATA / "report-pkg"


def scan_folder(path: Path) -> ScanResult:
    return scan(NpmFolderSource(path).collect(), ScanOptions(jobs=1))


@pytest.fixture(scope="session")
def fixture_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture package at an absolute path of its own (so its location is absolute)."""
    target = tmp_path_factory.mktemp("report") / "report-pkg"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="session")
def real_result(fixture_copy: Path) -> ScanResult:
    result = scan_folder(fixture_copy)
    assert result.errors == ()
    return result


def _finding(kind: FindingKind, api: str, module: str, file: str, line: int, column: int, snippet: str,
             **extra) -> Finding:
    return Finding(kind=kind, api=api, module=module, capability=Capability.REQUEST, file=file, line=line,
                   column=column, snippet=snippet, confidence=extra.pop("confidence", Confidence.HIGH), **extra)


def constructed_result() -> ScanResult:
    """Three packages: network (medium), dependency only (low), partial; one clean; one error."""
    get = _finding(FindingKind.NETWORK, "https.request", "https", "lib/http.js", 12, 5,
                   "const req = https.request(options)",
                   trace=(TraceStep("lib/http.js", 1, 15, "require 'https'"),))
    dep = _finding(FindingKind.DEPENDENCY, "axios", "axios", "index.js", 3, 15, "const axios = require('axios')",
                   confidence=Confidence.MEDIUM, note="imports network client axios", timing=Timing.IMPORT)
    test_call = _finding(FindingKind.NETWORK, "fetch", "<global>", "test/a.test.js", 2, 1, "fetch(url)",
                         role=FileRole.TEST)
    net = PackageResult(
        ecosystem=Ecosystem.NPM, name="@acme/net", version="2.0.0", verdict=Verdict.NETWORK,
        alerts=(Alert("networkAccess", Severity.MEDIUM, get),), files_analysed=4, not_analysed=(),
        locations=("node_modules/@acme/net",), findings=(get, test_call), artifact_kind="folder")
    wrapper = PackageResult(
        ecosystem=Ecosystem.NPM, name="wrapper", version="1.0.0", verdict=Verdict.NONE,
        alerts=(Alert("networkViaDependency", Severity.LOW, dep),), files_analysed=2, not_analysed=(),
        locations=("node_modules/wrapper",), findings=(dep,), artifact_kind="folder")
    partial = PackageResult(
        ecosystem=Ecosystem.PYPI, name="odd", version="0.1", verdict=Verdict.PARTIAL, alerts=(),
        files_analysed=1, not_analysed=(NotAnalysed("odd/bad.py", "syntax error at line 3"),),
        locations=("pypi:odd==0.1",), artifact_kind="wheel", filename="odd-0.1-py3-none-any.whl")
    clean = PackageResult(
        ecosystem=Ecosystem.NPM, name="left-pad", version="1.3.0", verdict=Verdict.NONE, alerts=(),
        files_analysed=1, not_analysed=(), locations=("node_modules/left-pad",), artifact_kind="folder")
    return ScanResult(packages=(wrapper, clean, partial, net),
                      errors=("npm:nope@1.0.0: npm package not found: nope",))
