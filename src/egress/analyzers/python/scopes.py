"""Scopes and bindings, filled by a front end through ``Builder``.

Both front ends walk their own tree once and call the ``Builder``; the
result (``Program``) is what the analysis reads.  Bindings keep the
expression they were bound to, so values are worked out lazily and only
for names that matter.  Python's rule that a name assigned anywhere in a
function is local to all of it is what makes a parameter or local
variable called ``socket`` not the module.

``order`` numbers statements in source order: a use sees the bindings
made before it in its own scope (the last unconditional one and any
conditional ones after it), and the final state of enclosing scopes.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from egress.analyzers.python.ir import Attr, Expr, Name, Opaque, Seq, dotted

#: Roles of an expression root.
PLAIN, ASSIGNED, TYPING = "plain", "assigned", "typing"


@dataclass(eq=False, slots=True)
class ImportRec:
    """One name bound by an import (or a literal ``__import__``)."""

    module: str              # module as written: "six.moves.urllib.request"
    name: str | None         # from-import: the imported name; None for `import m`
    asname: str | None
    bound: str               # the local name bound
    line: int
    col: int
    scope: "Scope"
    dynamic: bool = False    # __import__ / importlib.import_module
    local: bool = False      # relative import: ``module`` keeps its dots (".transport", ".")
    how: str = ""            # dynamic: how the name was obtained ("decoded base64 → socket")


@dataclass(eq=False, slots=True)
class ClassInfo:
    name: str
    bases: tuple[Expr, ...]
    outer: "Scope"
    line: int
    col: int
    scope: "Scope | None" = None
    attrs: dict[str, list["Binding"]] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class Binding:
    order: int
    conditional: bool
    kind: str                        # import, assign, unknown, self, def, class
    scope: "Scope"
    value: Expr | None = None        # assign: the bound expression
    imp: ImportRec | None = None
    info: "ClassInfo | Scope | None" = None


@dataclass(eq=False, slots=True)
class Scope:
    kind: str                        # module, function, class
    parent: "Scope | None"
    in_function: bool
    cls: ClassInfo | None = None     # class scope: its class
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    roots: list[tuple[Expr, int, str]] = field(default_factory=list)    # expr, order, role
    returns: list[tuple[Expr, int]] = field(default_factory=list)
    stars: list[ImportRec] = field(default_factory=list)               # from m import *
    local_stars: list[ImportRec] = field(default_factory=list)         # from .m import *
    params: tuple[str, ...] = ()                                        # function parameters, in order
    defaults: dict[str, Expr] = field(default_factory=dict)            # parameter -> default value


@dataclass(eq=False, slots=True)
class Program:
    module: Scope
    imports: list[ImportRec]
    path_attrs: dict[str, list[Binding]]     # "conn.sock" = ... outside classes
    scopes: list[Scope]
    local_imports: list[ImportRec] = field(default_factory=list)   # relative imports


class Builder:
    """Receives a front end's statements; ``program`` is the result."""

    def __init__(self) -> None:
        module = Scope("module", None, False)
        self.program = Program(module, [], {}, [module])
        self._scope = module
        self._order = 0
        self._cond: list[int] = [0]

    # -- statements -------------------------------------------------------
    def stmt(self) -> None:
        """Called before each statement: advances the source order."""
        self._order += 1

    def expr(self, e: Expr | None, *, assigned: bool = False, typing: bool = False) -> None:
        """An expression evaluated here (walked for calls).

        ``assigned``: its value is bound to a name (its uses are seen there);
        ``typing``: an annotation, a use that is never network.
        """
        if e is not None:
            role = ASSIGNED if assigned else TYPING if typing else PLAIN
            self._scope.roots.append((e, self._order, role))

    def return_(self, e: Expr | None) -> None:
        if e is not None:
            self._scope.roots.append((e, self._order, ASSIGNED))
            self._scope.returns.append((e, self._order))

    @contextmanager
    def conditional(self) -> Iterator[None]:
        self._cond[-1] += 1
        try:
            yield
        finally:
            self._cond[-1] -= 1

    def import_(self, module: str, asname: str | None, line: int, col: int) -> None:
        bound = asname or module.split(".")[0]
        rec = ImportRec(module, None, asname, bound, line, col, self._scope)
        self.program.imports.append(rec)
        self._bind(bound, Binding(self._order, self._conditional(), "import", self._scope, imp=rec))

    def import_from(self, module: str, level: int, names: list[tuple[str, str | None]],
                    line: int, col: int) -> None:
        for name, asname in names:
            if level:
                self._local_import("." * level + module, name, asname, line, col)
                continue
            rec = ImportRec(module, name, asname, asname or name, line, col, self._scope)
            self.program.imports.append(rec)
            if name == "*":
                self._scope.stars.append(rec)
                continue
            self._bind(rec.bound, Binding(self._order, self._conditional(), "import", self._scope, imp=rec))

    def _local_import(self, module: str, name: str, asname: str | None, line: int, col: int) -> None:
        rec = ImportRec(module, name, asname, asname or name, line, col, self._scope, local=True)
        self.program.local_imports.append(rec)
        if name == "*":
            self._scope.local_stars.append(rec)
        else:
            self._bind(rec.bound, Binding(self._order, self._conditional(), "import", self._scope, imp=rec))

    def assign(self, target: Expr, value: Expr | None) -> None:
        """Bind ``target`` to ``value`` (None: a value we cannot know)."""
        if isinstance(target, Name):
            kind = "assign" if value is not None else "unknown"
            self._bind(target.id, Binding(self._order, self._conditional(), kind, self._scope, value=value))
        elif isinstance(target, Seq):
            # ``a, b = x, y``: pairwise when both sides are displays of one length
            pairs = isinstance(value, Seq) and len(value.items) == len(target.items)
            for i, item in enumerate(target.items):
                self.assign(item, value.items[i] if pairs else None)  # type: ignore[union-attr]
        elif isinstance(target, Attr) and value is not None:
            binding = Binding(self._order, self._conditional(), "assign", self._scope, value=value)
            cls = self._self_class(target.value)
            if cls is not None:
                cls.attrs.setdefault(target.attr, []).append(binding)
            else:
                path = dotted(target)
                if path is not None:
                    self.program.path_attrs.setdefault(path, []).append(binding)

    def assign_iterated(self, target: Expr, iterable: Expr) -> None:
        """``for k, v in os.environ.items()``: each name holds an item of ``iterable``.

        Its value is unknown (an ``Opaque`` of the iterable: nothing to evaluate), but the
        data it carries is the iterable's, which the data-flow pass reads through it.
        """
        if isinstance(target, Name):
            item = Opaque(iterable.line, iterable.col, (iterable,))
            self._bind(target.id, Binding(self._order, self._conditional(), "assign", self._scope, value=item))
        elif isinstance(target, Seq):
            for element in target.items:
                self.assign_iterated(element, iterable)
        else:
            self.assign(target, None)

    def bind_unknown(self, name: str) -> None:
        self._bind(name, Binding(self._order, self._conditional(), "unknown", self._scope))

    def declare_global(self, names: list[str]) -> None:
        self._scope.globals.update(names)

    def begin_function(self, name: str | None, params: list[str],
                       defaults: dict[str, Expr] | None = None) -> None:
        outer = self._scope
        scope = Scope("function", outer, True, params=tuple(params), defaults=dict(defaults or {}))
        if name is not None:
            self._bind(name, Binding(self._order, self._conditional(), "def", outer, info=scope))
        self._enter(scope)
        for i, param in enumerate(params):
            if i == 0 and outer.kind == "class" and outer.cls is not None:
                self._bind(param, Binding(0, False, "self", scope, info=outer.cls))
            else:
                self._bind(param, Binding(0, False, "unknown", scope))

    def end_function(self) -> None:
        self._leave()

    def begin_class(self, name: str, bases: tuple[Expr, ...], line: int, col: int) -> None:
        outer = self._scope
        info = ClassInfo(name, bases, outer, line, col)
        self._bind(name, Binding(self._order, self._conditional(), "class", outer, info=info))
        scope = Scope("class", outer, outer.in_function, cls=info)
        info.scope = scope
        self._enter(scope)

    def end_class(self) -> None:
        self._leave()

    # -- internals --------------------------------------------------------
    def _conditional(self) -> bool:
        return self._cond[-1] > 0

    def _bind(self, name: str, binding: Binding) -> None:
        scope = self._scope
        if name in scope.globals:
            scope = self.program.module
            binding.conditional = True
        scope.bindings.setdefault(name, []).append(binding)

    def _enter(self, scope: Scope) -> None:
        self.program.scopes.append(scope)
        self._scope = scope
        self._cond.append(0)

    def _leave(self) -> None:
        assert self._scope.parent is not None
        self._scope = self._scope.parent
        self._cond.pop()

    def _self_class(self, base: Expr) -> ClassInfo | None:
        """The class whose instance ``base`` is, when it is a method's ``self``."""
        if not isinstance(base, Name):
            return None
        scope: Scope | None = self._scope
        while scope is not None and scope.kind == "function":
            bindings = scope.bindings.get(base.id)
            if bindings:
                first = bindings[0]
                return first.info if first.kind == "self" else None  # type: ignore[return-value]
            scope = scope.parent
        return None
