"""Grammars, parsers and the choice of grammar per file.

TypeScript files get the TypeScript grammar (`.tsx` the TSX one).  Plain
JavaScript is parsed with the JavaScript grammar first; when that tree has
errors the file is retried with the TypeScript grammars, because many
`.js` files on npm carry Flow-style type annotations.  Whichever parse is
clean wins; when none is, the caller gets the JavaScript tree and the line
of its first error, so findings are still reported but the file is marked
not analysed (never a false clean).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

JS_SUFFIXES = (".js", ".cjs", ".mjs")
JSX_SUFFIXES = (".jsx",)
TS_SUFFIXES = (".ts", ".mts", ".cts")
TSX_SUFFIXES = (".tsx",)


@dataclass(frozen=True)
class ParseResult:
    tree: tree_sitter.Tree
    error_line: int | None      # 1-based line of the first ERROR/MISSING node


class Parsers:
    """One parser per grammar, built once per analyzer instance (parsers are not shareable)."""

    def __init__(self) -> None:
        self._js = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))
        self._ts = tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript()))
        self._tsx = tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_tsx()))

    def _order(self, path: str) -> tuple[tree_sitter.Parser, ...]:
        if path.endswith(TSX_SUFFIXES):
            return (self._tsx,)
        if path.endswith(TS_SUFFIXES):
            return (self._ts,)
        if path.endswith(JSX_SUFFIXES):
            return (self._js, self._tsx)
        return (self._js, self._ts, self._tsx)

    def parse(self, path: str, data: bytes) -> ParseResult:
        first: ParseResult | None = None
        for parser in self._order(path):
            tree = parser.parse(data)
            if tree.root_node.has_error and parser is not self._js and _TYPE_MODIFIER.search(data):
                tree = parser.parse(_TYPE_MODIFIER.sub(_blank, data))     # same offsets, same lines
            if not tree.root_node.has_error:
                return ParseResult(tree, None)
            if first is None:
                first = ParseResult(tree, first_error_line(tree.root_node))
        assert first is not None
        return first


#: Type-parameter modifiers newer than the TypeScript grammar (`<in T>`, `<out T>`, `<const T>`, TS 4.7
#: and 5.0): types only, never run, so they are blanked for a retry when the file does not parse.
_TYPE_MODIFIER = re.compile(rb"([<,]\s*(?:/\*(?:[^*]|\*(?!/))*\*/\s*|//[^\n]*\n\s*)*)"
                            rb"((?:in\s+out|in|out|const)\s+)(?=[A-Za-z_$][\w$]*\s*(?:[,>=]|extends\b))")


def _blank(match: "re.Match[bytes]") -> bytes:
    return match.group(1) + re.sub(rb"[^\s]", b" ", match.group(2))


def first_error_line(root: tree_sitter.Node) -> int:
    """The line of the first ERROR or MISSING node, descending only into erroneous subtrees."""
    node = root
    while True:
        for child in node.children:
            if child.is_error or child.is_missing:
                return child.start_point.row + 1
            if child.has_error:
                node = child
                break
        else:
            return node.start_point.row + 1
