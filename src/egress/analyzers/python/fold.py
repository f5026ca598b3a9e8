"""Constant folding of module names given to ``__import__``/``import_module``.

Kept apart so that more folders (base64 payloads, ``chr`` sequences,
slicing) can be added without touching the analysis: each folder takes an
expression and the ``fold`` function itself (for sub-expressions) and
returns a string or None.  ``Resolve`` maps a name to the expressions it
may be bound to; a name folds only when all of them fold to one value.
"""

from __future__ import annotations

from typing import Callable

from egress.analyzers.python.ir import Attr, BinOp, Call, Const, Expr, Name, Seq

Resolve = Callable[[Name], list[Expr] | None]
Folder = Callable[[Expr, "Callable[[Expr], str | None]"], "str | None"]

_MAX_DEPTH = 20


def _const(expr: Expr, _fold: Callable[[Expr], str | None]) -> str | None:
    if isinstance(expr, Const) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, Const) and isinstance(expr.value, bytes):
        try:
            return expr.value.decode("ascii")
        except UnicodeDecodeError:
            return None
    return None


def _concat(expr: Expr, fold: Callable[[Expr], str | None]) -> str | None:
    if isinstance(expr, BinOp) and expr.op == "+":
        left = fold(expr.left)
        right = fold(expr.right) if left is not None else None
        if left is not None and right is not None:
            return left + right
    return None


def _join(expr: Expr, fold: Callable[[Expr], str | None]) -> str | None:
    """``"".join(["soc", "ket"])`` and ``".".join(("urllib", "request"))``."""
    if (isinstance(expr, Call) and isinstance(expr.func, Attr) and expr.func.attr == "join"
            and len(expr.args) == 1 and not expr.keywords and isinstance(expr.args[0], Seq)):
        sep = fold(expr.func.value)
        parts = [fold(item) for item in expr.args[0].items]
        if sep is not None and all(p is not None for p in parts):
            return sep.join(parts)  # type: ignore[arg-type]
    return None


FOLDERS: tuple[Folder, ...] = (_const, _concat, _join)


def prefix(expr: Expr, resolve: Resolve) -> str:
    """The constant start of a string expression (``"." + name`` -> ``"."``)."""
    whole = fold(expr, resolve)
    if whole is not None:
        return whole
    if isinstance(expr, BinOp) and expr.op == "+":
        left = fold(expr.left, resolve)
        return left + prefix(expr.right, resolve) if left is not None else prefix(expr.left, resolve)
    return ""


def fold(expr: Expr, resolve: Resolve, folders: tuple[Folder, ...] = FOLDERS) -> str | None:
    """The string ``expr`` always evaluates to, or None when not constant."""

    def go(e: Expr, depth: int) -> str | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(e, Name):
            bound = resolve(e)
            if not bound:
                return None
            values = {go(b, depth + 1) for b in bound}
            return values.pop() if len(values) == 1 else None
        for folder in folders:
            result = folder(e, lambda sub: go(sub, depth + 1))
            if result is not None:
                return result
        return None

    return go(expr, 0)
