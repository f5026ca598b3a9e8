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


class SourceText:
    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data

    def position(self, node: Node) -> tuple[int, int]:
        """1-based line and character column of the start of `node`."""
        row, byte_col = node.start_point
        line_start = node.start_byte - byte_col
        column = len(self.data[line_start:node.start_byte].decode("utf-8", "replace")) + 1
        return row + 1, column

    def snippet(self, node: Node) -> str:
        row, byte_col = node.start_point
        line_start = node.start_byte - byte_col
        line_end = self.data.find(b"\n", node.start_byte)
        if line_end < 0:
            line_end = len(self.data)
        before = self.data[line_start:node.start_byte].decode("utf-8", "replace")
        after = self.data[node.start_byte:line_end].decode("utf-8", "replace").rstrip("\r")
        line = before + after
        if len(line.strip()) <= SNIPPET_WIDTH:
            return line.strip()
        start = max(0, len(before) - SNIPPET_WIDTH // 4)
        end = min(len(line), start + SNIPPET_WIDTH)
        window = line[start:end].strip()
        return ("…" if start > 0 else "") + window + ("…" if end < len(line) else "")

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
        current = current.parent
    return False
