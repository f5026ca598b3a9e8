"""The name gate: one pass says which fixed names a file mentions; absent ones are never searched.

It may call a name present that is no identifier (inside `$fetch`, a string);
it must never call absent a name that occurs as an identifier.
"""

from __future__ import annotations

from egress.analyzers.javascript.analyzer import JavaScriptAnalyzer
from egress.analyzers.javascript.scope import NameGate
from egress.model import SourceFile


def test_absent_only_when_no_word_occurrence() -> None:
    gate = NameGate(["fetch", "self", "WebSocket", "require"])
    data = b"const $fetch = 1; const myself = 2; // WebSocket\n"
    assert gate.absent(data) == frozenset({"self", "require"})
    assert gate.absent(b"") == gate.names


def test_gated_names_still_found_where_they_occur() -> None:
    source = SourceFile("index.js", b"const myself = 1;\nself.fetch('https://example.org/x');\nfetch(u);\n")
    found = [(f.api, f.line, f.column) for f in JavaScriptAnalyzer().analyze(source).findings]
    assert found == [("fetch", 2, 1), ("fetch", 3, 1)]
