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
class Opaque(Expr):
    """Any other expression; only its sub-expressions matter."""

    children: tuple[Expr, ...]
    kind: str = ""                 # "subscript" for x[i], for notes


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
    return ()


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
