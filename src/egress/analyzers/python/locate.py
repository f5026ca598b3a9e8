"""Source positions as findings show them: 1-based character columns, snippets.

Both parsers give UTF-8 byte columns; a reader counts characters.
"""

from __future__ import annotations

from egress.analyzers.python.ir import Attr, BinOp, Call, Const, Expr, FStr, Name, Seq, Slice, Subscript
from egress.model import TraceStep

SNIPPET_WIDTH = 160


class Locator:
    def __init__(self, path: str, lines: list[str]) -> None:
        self.path = path
        self._lines = lines

    @property
    def lines(self) -> list[str]:
        return self._lines

    def column(self, line: int, byte_col: int) -> int:
        text = self._line(line)
        if text.isascii():
            return byte_col + 1
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "ignore")) + 1

    def snippet(self, line: int, column: int) -> str:
        """The stripped line, or a window around ``column`` when very long."""
        text = self._line(line).strip()
        if len(text) <= SNIPPET_WIDTH:
            return text
        raw = self._line(line)
        start = max(0, column - 1 - SNIPPET_WIDTH // 2)
        return raw[start:start + SNIPPET_WIDTH].strip()

    def step(self, expr_or_line: Expr | int, byte_col: int, note: str) -> TraceStep:
        line = expr_or_line if isinstance(expr_or_line, int) else expr_or_line.line
        return TraceStep(self.path, line, self.column(line, byte_col), note)

    def _line(self, line: int) -> str:
        return self._lines[line - 1] if 0 < line <= len(self._lines) else ""


def render(expr: Expr, depth: int = 0) -> str:
    """A short source-like rendering of an expression, for notes."""
    if depth > 6:
        return "..."
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return f"{render(expr.value, depth + 1)}.{expr.attr}"
    if isinstance(expr, Const):
        text = repr(expr.value)
        return text if len(text) <= 60 else text[:57] + "..."
    if isinstance(expr, BinOp):
        return f"{render(expr.left, depth + 1)} {expr.op} {render(expr.right, depth + 1)}"
    if isinstance(expr, Call):
        args = ", ".join(render(a, depth + 1) for a in expr.args[:3])
        return f"{render(expr.func, depth + 1)}({args}{', ...' if len(expr.args) > 3 else ''})"
    if isinstance(expr, Seq):
        return "[" + ", ".join(render(a, depth + 1) for a in expr.items[:4]) + "]"
    if isinstance(expr, Subscript):
        if isinstance(expr.index, Slice):
            index = ":".join("" if p is None else render(p, depth + 1)
                             for p in (expr.index.lower, expr.index.upper, expr.index.step))
            index = index.removesuffix(":") if expr.index.step is None else index
        else:
            index = render(expr.index, depth + 1)
        return f"{render(expr.value, depth + 1)}[{index}]"
    if isinstance(expr, FStr):
        inner = "".join(p.value if isinstance(p, Const) and isinstance(p.value, str)
                        else "{" + render(p, depth + 1) + "}" for p in expr.parts)
        return "f" + repr(inner)
    return "<expr>"
