"""Positions, snippets and context of nodes, as reported in findings.

tree-sitter counts columns in bytes; findings count characters of the
line (1-based), so a line with non-ASCII text before the call still
points at the call.  Minified bundles have lines of megabytes: the
snippet is then a window around the column, with `…` marking the cuts.
"""

from __future__ import annotations

from tree_sitter import Node

from egress.model import TraceStep

from .scope import FUNCTION_NODES

SNIPPET_WIDTH = 160
_FIELDS = frozenset({"field_definition", "public_field_definition"})


class SourceText:
    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data

    def position(self, node: Node) -> tuple[int, int]:
        """1-based line and character column of the start of `node`."""
        row, byte_col = node.start_point
        prefix = self.data[node.start_byte - byte_col:node.start_byte]
        column = byte_col if prefix.isascii() else len(prefix.decode("utf-8", "replace"))
        return row + 1, column + 1

    def snippet(self, node: Node) -> str:
        """The line of `node`, stripped; a window around it when the line is long."""
        at = node.start_byte
        line_start = at - node.start_point[1]
        line_end = self.data.find(b"\n", at)
        if line_end < 0:
            line_end = len(self.data)
        # Decode at most a few windows of bytes: a bundle's line can be megabytes.
        lo = max(line_start, at - 4 * SNIPPET_WIDTH)
        hi = min(line_end, at + 4 * SNIPPET_WIDTH)
        before = self.data[lo:at].decode("utf-8", "ignore")
        line = before + self.data[at:hi].decode("utf-8", "ignore").rstrip("\r")
        cut_left, cut_right = lo > line_start, hi < line_end
        if not cut_left and not cut_right and len(line.strip()) <= SNIPPET_WIDTH:
            return line.strip()
        start = max(0, len(before) - SNIPPET_WIDTH // 4)
        end = min(len(line), start + SNIPPET_WIDTH)
        window = line[start:end].strip()
        return ("…" if start > 0 or cut_left else "") + window + ("…" if end < len(line) or cut_right else "")

    def step(self, node: Node, note: str) -> TraceStep:
        line, column = self.position(node)
        return TraceStep(self.path, line, column, note)

    def text(self, node: Node | None, limit: int = 200) -> str:
        if node is None:
            return ""
        text = self.data[node.start_byte:min(node.end_byte, node.start_byte + limit * 4)].decode("utf-8", "replace")
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


def in_function(node: Node) -> bool:
    """True when `node` is inside a function body (runs when called, not at import)."""
    current = node.parent
    while current is not None:
        if current.type in FUNCTION_NODES:
            return True
        if current.type in _FIELDS and not any(c.type == "static" for c in current.children if not c.is_named):
            return True            # an instance field initializer runs at `new`, not at import
        current = current.parent
    return False
