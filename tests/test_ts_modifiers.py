"""TypeScript type-parameter modifiers newer than the grammar (`in`, `out`, `const`) do not make a file unparsable."""

from __future__ import annotations

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.model import FindingKind, SourceFile

CODE = b"""import https from 'node:https';
export interface Box<
  /** variance */
  out Shape extends object = {},
  in Key = string,
> { shape: Shape; key(k: Key): void }
export function first<const T extends readonly unknown[]>(x: T) { return x[0]; }
https.get('https://api.example.com/v1');
"""


def test_variance_and_const_type_parameters_parse_and_keep_positions() -> None:
    result = JavaScriptAnalyzer().analyze(SourceFile("box.ts", CODE))
    assert result.error is None
    assert [(f.api, f.line, f.column) for f in result.findings if f.kind is FindingKind.NETWORK] == [
        ("https.get", 8, 1)]


def test_a_real_syntax_error_is_still_one() -> None:
    result = JavaScriptAnalyzer().analyze(SourceFile("bad.ts", b"export interface A<out T> { x: T\nconst = ;\n"))
    assert result.error is not None and result.error.startswith("syntax error at line")
