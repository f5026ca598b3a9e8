"""check(): the parse-only path for files the pre-filter proved irrelevant."""

from __future__ import annotations

import pytest

from egress.analyzers.python import PythonAnalyzer
from egress.model import SourceFile


@pytest.mark.parametrize("data, error", [
    (b"x = 1\n", None),
    (b'print "python 2"\n', None),                     # read by the tree-sitter front end
    (b"def (:\n", "syntax error at line 1"),
    (b"\xff\xfe\x00bad", "cannot decode: invalid or missing encoding declaration"),
])
def test_check_reports_only_whether_the_file_can_be_read(data: bytes, error: str | None) -> None:
    result = PythonAnalyzer().check(SourceFile("m.py", data))
    assert (result.findings, result.error) == ((), error)
