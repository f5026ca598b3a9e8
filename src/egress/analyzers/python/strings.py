"""What a string expression is known to be, with ``<dynamic>`` for the rest.

Request details need more than constant folding: a URL is often a
constant prefix plus something known only at run time
(``BASE + "/v1/" + name``), and a host is often a parameter whose default
or whose callers in the same file say what it is.  ``Strings.pieces``
gives the few readings an expression may have (each a ``Piece``: the text
with ``<dynamic>`` holes and notes on how it was worked out); the
parameter hops are one level deep and every reading list is capped, so the
cost stays small and is paid only at network call sites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.ir import Attr, BinOp, Call, Choice, Expr, FStr, Name, Seq, children
from egress.analyzers.python.scopes import Binding, Scope
from egress.analyzers.python.values import FuncVal, SelfVal
from egress.destinations import DYNAMIC

MAX_READINGS = 4
MAX_DEPTH = 6
_FINAL = 1 << 60
_PERCENT = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdrifxXo]")
_BRACES = re.compile(r"\{[^{}]*\}")
_HOME = frozenset({"pathlib.Path.home", "Path.home"})


@dataclass(frozen=True)
class Piece:
    """One reading of a string expression: ``value`` is set when it is wholly constant."""

    text: str
    notes: tuple[str, ...] = ()
    value: object = None

    @property
    def dynamic(self) -> bool:
        return DYNAMIC in self.text


UNKNOWN = Piece(DYNAMIC)


@dataclass(frozen=True)
class Origin:
    """An expression a parameter receives: a call site's argument or the default."""

    expr: Expr
    scope: Scope
    order: int
    note: str


class Strings:
    """String readings and parameter origins for one file (lazy, memoised)."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self._sites: dict[str, list[tuple[Call, Scope, int]]] | None = None
        self._names: dict[int, str] = {}
        self._memo: dict[int, list[Piece]] = {}

    # -- parameters ---------------------------------------------------------
    @staticmethod
    def param_binding(name: str, bindings: list[Binding] | None) -> Scope | None:
        """The function scope ``name`` is a parameter of, when that is what the use sees."""
        if not bindings:
            return None
        for b in bindings:
            if b.kind == "unknown" and b.order == 0 and b.scope.kind == "function" and name in b.scope.params:
                return b.scope
        return None

    def origins(self, func: Scope, param: str) -> list[Origin]:
        """Call-site arguments (same file, one level) and the default a parameter may get."""
        index = func.params.index(param)
        method = func.parent is not None and func.parent.kind == "class"
        position = index - 1 if method else index
        out: list[Origin] = []
        defaulted = False
        for call, scope, order in self._call_sites(func):
            keywords = dict(call.keywords)
            if param in keywords:
                out.append(Origin(keywords[param], scope, order, f"argument at line {call.line}"))
            elif 0 <= position < len(call.args) and not any(k is None for k in keywords):
                out.append(Origin(call.args[position], scope, order, f"argument at line {call.line}"))
            else:
                defaulted = True
        default = func.defaults.get(param)
        if default is not None and (defaulted or not out):
            parent = func.parent if func.parent is not None else func
            out.append(Origin(default, parent, _FINAL, "default argument"))
        return out[:MAX_READINGS]

    def _call_sites(self, func: Scope) -> list[tuple[Call, Scope, int]]:
        name = self._function_name(func)
        if name is None:
            return []
        found = []
        for call, scope, order in self._index().get(name, ()):
            if any(isinstance(v, FuncVal) and v.scope is func for v in self.ev.eval(call.func, scope, order)):
                found.append((call, scope, order))
        return found

    def _function_name(self, func: Scope) -> str | None:
        key = id(func)
        if key not in self._names and func.parent is not None:
            for name, bindings in func.parent.bindings.items():
                if any(b.kind == "def" and b.info is func for b in bindings):
                    self._names[key] = name
                    break
        return self._names.get(key)

    def _index(self) -> dict[str, list[tuple[Call, Scope, int]]]:
        """Every call in the file by the name it calls (``f(...)``, ``x.f(...)``), built once."""
        if self._sites is None:
            self._sites = {}
            for scope in self.ev.program.scopes:
                for root, order, _ in scope.roots:
                    for e in _walk(root):
                        if isinstance(e, Call):
                            name = e.func.id if isinstance(e.func, Name) else \
                                e.func.attr if isinstance(e.func, Attr) else None
                            if name is not None:
                                self._sites.setdefault(name, []).append((e, scope, order))
        return self._sites

    def calls_in(self, scope: Scope) -> list[tuple[Call, int]]:
        """The calls written directly in ``scope`` (not in nested functions), with their order."""
        return [(e, order) for root, order, _ in scope.roots for e in _walk(root) if isinstance(e, Call)]

    # -- readings -----------------------------------------------------------
    def pieces(self, e: Expr, scope: Scope, order: int, depth: int = 0) -> list[Piece]:
        """The readings of ``e`` (at least one; ``UNKNOWN`` when nothing is constant)."""
        folded = self.ev.fold(e, scope, order)
        value = folded.value
        if isinstance(value, bytes):
            value = folded.text
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return [Piece(str(value), (), value)]
        if depth > MAX_DEPTH:
            return [UNKNOWN]
        key = id(e)
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        self._memo[key] = [UNKNOWN]          # cycle guard: a reading in progress is unknown
        found = _dedupe(self._pieces(e, scope, order, depth + 1)) or [UNKNOWN]
        self._memo[key] = found
        return found

    def _pieces(self, e: Expr, scope: Scope, order: int, depth: int) -> list[Piece]:
        if isinstance(e, Name):
            bindings = self.ev.visible_bindings(e.id, scope, order)
            func = self.param_binding(e.id, bindings)
            if func is not None:
                out = []
                for o in self.origins(func, e.id):
                    out += [_noted(p, o.note) for p in self.pieces(o.expr, o.scope, o.order, depth)]
                return out
            if bindings and all(b.kind == "assign" and b.value is not None for b in bindings):
                out = []
                for b in bindings:
                    out += self.pieces(b.value, b.scope, b.order, depth)  # type: ignore[arg-type]
                return out
            return [UNKNOWN]
        if isinstance(e, Attr):
            out = []
            for b in self._self_attribute(e, scope, order):
                out += self.pieces(b.value, b.scope, b.order, depth)  # type: ignore[arg-type]
            return out or [UNKNOWN]
        if isinstance(e, BinOp) and e.op == "+":
            return [Piece(a.text + b.text, a.notes + b.notes) for a in self.pieces(e.left, scope, order, depth)
                    for b in self.pieces(e.right, scope, order, depth)]
        if isinstance(e, BinOp) and e.op == "%":
            items = e.right.items if isinstance(e.right, Seq) else (e.right,)
            args = [self.pieces(i, scope, order, depth)[0] for i in items]
            return [_substitute(_PERCENT, p, args) for p in self.pieces(e.left, scope, order, depth)]
        if isinstance(e, FStr):
            text, notes = "", ()
            for part in e.parts:
                first = self.pieces(part, scope, order, depth)[0]
                text, notes = text + first.text, notes + first.notes
            return [Piece(text, notes)]
        if isinstance(e, Choice):
            out = []
            for option in e.options:
                out += self.pieces(option, scope, order, depth)
            return out
        if isinstance(e, Call):
            return self._call(e, scope, order, depth)
        return [UNKNOWN]

    def _self_attribute(self, e: Attr, scope: Scope, order: int) -> list[Binding]:
        """``self.host`` in a method: what the class's methods assign to it (all assignments)."""
        for v in self.ev.eval(e.value, scope, order):
            if isinstance(v, SelfVal):
                bindings = v.cls.attrs.get(e.attr, [])
                if bindings and all(b.kind == "assign" and b.value is not None for b in bindings):
                    return bindings
        return []

    def _is_this_file(self, e: Expr, scope: Scope, order: int) -> bool:
        """`__file__` (not rebound), or `os.path.abspath(__file__)` / `realpath`."""
        if isinstance(e, Call) and len(e.args) == 1 and \
                self.ev.qualify(e.func, scope, order) in ("os.path.abspath", "os.path.realpath"):
            e = e.args[0]
        return isinstance(e, Name) and e.id == "__file__" and self.ev.visible_bindings("__file__", scope, order) is None

    def _call(self, e: Call, scope: Scope, order: int, depth: int) -> list[Piece]:
        func = e.func
        name = self.ev.qualify(func, scope, order) or ""
        if name in _HOME:
            return [Piece("~")]
        if name in ("os.path.expanduser", "str") and len(e.args) == 1:
            return self.pieces(e.args[0], scope, order, depth)
        if name == "os.path.dirname" and len(e.args) == 1 and self._is_this_file(e.args[0], scope, order):
            return [Piece(FILE_FOLDER)]         # `os.path.dirname(__file__)`: this file's folder
        if name == "os.path.join" and e.args:
            parts = [self.pieces(a, scope, order, depth)[0] for a in e.args]
            return [Piece("/".join(p.text.rstrip("/") for p in parts), sum((p.notes for p in parts), ()))]
        if isinstance(func, Attr):
            if func.attr in ("encode", "decode", "strip", "rstrip", "lstrip"):
                return self.pieces(func.value, scope, order, depth)
            if func.attr == "format":
                args = [self.pieces(a, scope, order, depth)[0] for a in e.args]
                return [_substitute(_BRACES, p, args) for p in self.pieces(func.value, scope, order, depth)]
        return [UNKNOWN]


#: What ``os.path.dirname(__file__)`` reads as: the folder of the file being analysed.
FILE_FOLDER = "<this file's folder>"


def _substitute(pattern: re.Pattern[str], template: Piece, args: list[Piece]) -> Piece:
    """``'%s:%d' % (h, p)`` / ``'{}/x'.format(h)``: holes filled in order; unknown when they do not match."""
    if template.dynamic:
        return Piece(pattern.sub(DYNAMIC, template.text), template.notes)
    holes = pattern.findall(template.text)
    if len(holes) != len(args):
        return Piece(pattern.sub(DYNAMIC, template.text), template.notes)
    it: Iterator[Piece] = iter(args)
    notes = template.notes + sum((a.notes for a in args), ())
    return Piece(pattern.sub(lambda _m: next(it).text, template.text), notes)


def _noted(p: Piece, note: str) -> Piece:
    return Piece(p.text, p.notes + (note,), p.value) if note not in p.notes else p


def _dedupe(pieces: list[Piece]) -> list[Piece]:
    seen: dict[str, Piece] = {}
    for p in pieces:
        seen.setdefault(p.text, p)
    return list(seen.values())[:MAX_READINGS]


def _walk(root: Expr) -> Iterator[Expr]:
    stack = [root]
    while stack:
        e = stack.pop()
        yield e
        stack.extend(children(e))
