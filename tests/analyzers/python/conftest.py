"""Helpers shared by the Python analyzer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.python import PythonAnalyzer
from egress.model import FileAnalysis, FindingKind, SourceFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pypi"


@pytest.fixture(scope="session")
def analyzer() -> PythonAnalyzer:
    return PythonAnalyzer()


@pytest.fixture(scope="session")
def analyze(analyzer: PythonAnalyzer):
    """Analyze ``<fixture>/<file>`` with its package-relative path."""

    def run(rel: str) -> FileAnalysis:
        fixture, _, inner = rel.partition("/")
        return analyzer.analyze(SourceFile(inner, (FIXTURES / fixture / inner).read_bytes()))

    return run


def triples(analysis: FileAnalysis) -> set[tuple[FindingKind, str, int]]:
    return {(f.kind, f.api, f.line) for f in analysis.findings}


def one(analysis: FileAnalysis, api: str, line: int):
    matches = [f for f in analysis.findings if f.api == api and f.line == line]
    assert len(matches) == 1, analysis.findings
    return matches[0]
