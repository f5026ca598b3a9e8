"""Helpers shared by the JavaScript analyzer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.model import FileAnalysis, SourceFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "npm"


@pytest.fixture(scope="session")
def analyzer() -> JavaScriptAnalyzer:
    return JavaScriptAnalyzer()


@pytest.fixture(scope="session")
def analyze(analyzer: JavaScriptAnalyzer):
    """Analyze `<fixture>/<file>` with its package-relative path."""

    def run(rel: str) -> FileAnalysis:
        fixture, _, inner = rel.partition("/")
        data = (FIXTURES / fixture / inner).read_bytes()
        return analyzer.analyze(SourceFile(inner, data))

    return run
