"""The small common form both front ends (stdlib ``ast``, tree-sitter) produce.

Detection is written once, against this form: expressions are reduced to
the few shapes the passes look at (names, attribute chains, calls,
constants, string concatenation, alternatives); everything else is an
``Opaque`` node that only carries its sub-expressions so that nested calls
are still seen.  Statements are not kept: a front end reports them to a
``Builder`` (see ``scopes.py``) as bindings and expression roots.

Columns are 0-based UTF-8 byte offsets within the line, as both parsers
give them; findings convert them to 1-based characters.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(eq=False, slots=True)
class Expr:
    line: int
    col: int


@dataclass(eq=False, slots=True)
class Name(Expr):
    id: str


@dataclass(eq=False, slots=True)
class Attr(Expr):
    value: Expr
    attr: str


@dataclass(eq=False, slots=True)
class Call(Expr):
    func: Expr
    args: tuple[Expr, ...]
    keywords: tuple[tuple[str | None, Expr], ...]


@dataclass(eq=False, slots=True)
class Const(Expr):
    value: object          # str, bytes, int, float, bool, None


@dataclass(eq=False, slots=True)
class BinOp(Expr):
    op: str                # "+", "%", ... (only "+" is folded today)
    left: Expr
    right: Expr


@dataclass(eq=False, slots=True)
class Choice(Expr):
    """``a or b``, ``x if c else y``: the value is one of the options."""

    options: tuple[Expr, ...]
    extra: tuple[Expr, ...] = ()   # evaluated but not the value (the test)


@dataclass(eq=False, slots=True)
class Seq(Expr):
    """A tuple/list display: kept so that folding can read constant lists."""

    items: tuple[Expr, ...]


@dataclass(eq=False, slots=True)
class FStr(Expr):
    """An f-string: constant ``Const`` pieces and the expressions formatted in.

    A piece with a conversion or format spec is an ``Opaque`` (never folded).
    """

    parts: tuple[Expr, ...]


@dataclass(eq=False, slots=True)
class Subscript(Expr):
    """``value[index]``; ``index`` is a ``Slice`` for ``value[a:b:c]``."""

    value: Expr
    index: Expr


@dataclass(eq=False, slots=True)
class Slice(Expr):
    lower: Expr | None
    upper: Expr | None
    step: Expr | None


@dataclass(eq=False, slots=True)
class Dict(Expr):
    """A dict display; a ``None`` key is a ``**mapping`` entry."""

    keys: tuple[Expr | None, ...]
    values: tuple[Expr, ...]


@dataclass(eq=False, slots=True)
class Opaque(Expr):
    """Any other expression; only its sub-expressions matter."""

    children: tuple[Expr, ...]
    kind: str = ""


def children(expr: Expr) -> tuple[Expr, ...]:
    """Direct sub-expressions, for walks that must see every call."""
    if isinstance(expr, Attr):
        return (expr.value,)
    if isinstance(expr, Call):
        return (expr.func, *expr.args, *(v for _, v in expr.keywords))
    if isinstance(expr, BinOp):
        return (expr.left, expr.right)
    if isinstance(expr, Choice):
        return (*expr.options, *expr.extra)
    if isinstance(expr, Seq):
        return expr.items
    if isinstance(expr, Opaque):
        return expr.children
    if isinstance(expr, FStr):
        return expr.parts
    if isinstance(expr, Subscript):
        return (expr.value, expr.index)
    if isinstance(expr, Slice):
        return tuple(p for p in (expr.lower, expr.upper, expr.step) if p is not None)
    if isinstance(expr, Dict):
        return (*(k for k in expr.keys if k is not None), *expr.values)
    return ()


def shift(expr: Expr, lines: int, cols: int) -> None:
    """Move ``expr`` (parsed on its own) to where it sits in the file: ``cols`` applies to its first line."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.line == 1:
            e.col += cols
        e.line += lines
        stack.extend(children(e))


def dotted(expr: Expr) -> str | None:
    """``a.b.c`` for a pure attribute chain on a name, else None."""
    parts: list[str] = []
    while isinstance(expr, Attr):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))
