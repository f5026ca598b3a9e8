"""Lazy evaluation of expressions to the values of ``values.py``.

Values are worked out on demand and memoised per expression node, so a
file costs one pass over its expressions plus the bindings that lead to
network modules.  Evaluation is pure: findings are made by ``walk.py``.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import replace

from egress.analyzers.python import fold
from egress.analyzers.python import from_ast
from egress.analyzers.python.ir import Attr, BinOp, Call, Choice, Const, Expr, FStr, Name, Seq, Subscript, dotted
from egress.analyzers.python.locate import Locator, render
from egress.analyzers.python.scopes import Binding, ClassInfo, ImportRec, Program, Scope
from egress.analyzers.python.values import (
    ClassVal, DynImport, FuncVal, InstVal, LocalVal, MemVal, MethodVal, ModVal, SelfVal, SysModules, Value,
)
from egress.catalog import Catalog, ModuleEntry
from egress.model import Capability, TraceStep

Values = tuple[Value, ...]
_MAX_VALUES = 8
_FINAL = 1 << 60            # "order" of a use that sees a scope's final state
_NAMESPACES = frozenset({"globals", "vars", "locals"})


def member_capability(entry: ModuleEntry, member: str) -> Capability | None:
    """A listed member's capability; ALL_CAPS and dunder names are constants."""
    cap = entry.members.get(member)
    if cap is not None or member in entry.members:
        return cap
    if is_constant(member):
        return Capability.HELPER
    return entry.unlisted


def is_constant(member: str) -> bool:
    """``AF_INET``, ``PROTOCOL_SSLv23``, ``__version__``: values, not functions."""
    if member.isupper() or (member.startswith("__") and member.endswith("__")):
        return True
    head = member.split("_", 1)[0]
    return "_" in member and len(head) >= 2 and head.isupper()


def import_note(rec: ImportRec) -> str:
    if rec.dynamic:
        return f"{rec.module} loaded dynamically"
    alias = f" as {rec.asname}" if rec.asname else ""
    if rec.name is None:
        return f"import {rec.module}{alias}"
    return f"from {rec.module} import {rec.name}{alias}"


class Evaluator:
    def __init__(self, catalog: Catalog, program: Program, loc: Locator) -> None:
        self.catalog = catalog
        self.program = program
        self.loc = loc
        self._memo: dict[int, Values] = {}
        self._imports: dict[int, Values] = {}
        self._dynamic: dict[int, ImportRec] = {}
        self._builtins: ImportRec | None = None
        self._eval_texts: dict[int, Expr | None] = {}     # eval(...) call -> the expression its text reads as
        self._passed = None                                  # passed.PassedIn: made at the first parameter

    @property
    def dynamic_imports(self) -> list[ImportRec]:
        return list(self._dynamic.values())

    # -- expressions ------------------------------------------------------
    def eval(self, e: Expr, scope: Scope, order: int) -> Values:
        key = id(e)
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        self._memo[key] = ()               # cycle guard: a value in progress is unknown
        result = self._eval(e, scope, order)
        self._memo[key] = result
        return result

    def _eval(self, e: Expr, scope: Scope, order: int) -> Values:
        if isinstance(e, Name):
            return self.lookup(e.id, scope, order)
        if isinstance(e, Attr):
            base = self.eval(e.value, scope, order)
            out = _union(self.attribute(v, e.attr, e) for v in base)
            if not out:
                path = dotted(e)
                bindings = self.program.path_attrs.get(path) if path else None
                if bindings:
                    out = _union(self.binding_values(b) for b in bindings)
            return out
        if isinstance(e, Call):
            func = e.func
            if isinstance(func, Name) and func.id == "getattr" and len(e.args) >= 2 \
                    and self.visible_bindings("getattr", scope, order) is None:
                folded = self.fold(e.args[1], scope, order)
                attr = folded.text
                if attr is not None:
                    how = folded.note(self.source(e.args[1], scope, order))
                    return _union(tuple(_with_how(a, how) for a in self.attribute(v, attr, e))
                                  for v in self.eval(e.args[0], scope, order))
            if isinstance(func, Attr) and func.attr == "get" and e.args \
                    and any(isinstance(v, SysModules) for v in self.eval(func.value, scope, order)):
                # `sys.modules.get('socket')`: as `sys.modules['socket']`
                return self._subscript(Subscript(e.line, e.col, func.value, e.args[0]), scope, order)
            if isinstance(func, Name) and func.id == "eval" and len(e.args) == 1 \
                    and self.visible_bindings("eval", scope, order) is None:
                expression = self._evaluated_text(e, scope, order)
                if expression is not None:      # `eval('__import__("socket")')`: what the text evaluates to
                    return self.eval(expression, scope, order)
            if isinstance(func, Name) and func.id == "vars" and len(e.args) == 1 \
                    and self.visible_bindings("vars", scope, order) is None:
                # `vars(builtins)['exec']`: a module's namespace, read like `builtins.__dict__`
                return tuple(ModVal(f"{v.name}.__dict__", v.origin, v.trace)
                             for v in self.eval(e.args[0], scope, order) if isinstance(v, ModVal))
            return _union(self.call(v, e, scope, order) for v in self.callees(e, scope, order))
        if isinstance(e, Choice):
            return _union(self.eval(o, scope, order) for o in e.options)
        if isinstance(e, Subscript):
            return self._subscript(e, scope, order)
        return ()

    def callees(self, call: Call, scope: Scope, order: int) -> Values:
        """What a call calls; for ``self.connection_class(host, port)`` also the value the method returns.

        A method that takes only ``self`` cannot be called on an instance with
        arguments: the attribute is a property, and what it returns is called.
        """
        values = self.eval(call.func, scope, order)
        returned = [self.eval(r, v.scope, o) for v in values
                    if self._property_call(v, call, scope, order) for r, o in v.scope.returns]  # type: ignore[union-attr]
        return _union([values, *returned]) if returned else values

    def _property_call(self, v: Value, call: Call, scope: Scope, order: int) -> bool:
        """``self.prop(args)`` where ``prop`` is a method taking only ``self`` (an unbound ``C.f(obj)`` is not)."""
        if not isinstance(v, FuncVal) or not _self_only(v.scope) or not (call.args or call.keywords) \
                or not isinstance(call.func, Attr):
            return False
        receivers = self.eval(call.func.value, scope, order)
        return bool(receivers) and all(isinstance(r, SelfVal) for r in receivers)

    def _subscript(self, e: Subscript, scope: Scope, order: int) -> Values:
        """``builtins.__dict__['__import__']``, ``sys.modules['socket']``, ``globals()['__builtins__']``."""
        key = self.fold(e.index, scope, order).text
        if key is None:
            return ()
        base = e.value
        if isinstance(base, Call) and isinstance(base.func, Name) and base.func.id in _NAMESPACES \
                and not base.args and self.visible_bindings(base.func.id, scope, order) is None:
            return self.lookup(key, self.program.module, _FINAL)
        out: list[Values] = []
        for v in self.eval(base, scope, order):
            if isinstance(v, ModVal) and v.name.endswith(".__dict__"):
                out.append(self.attribute(ModVal(v.name[:-len(".__dict__")], v.origin, v.trace), key, e))
            elif isinstance(v, ModVal) and v.name == "builtins":
                out.append(self.attribute(v, key, e))
            elif isinstance(v, SysModules):
                rec = self._dynamic.get(id(e))
                if rec is None:
                    rec = ImportRec(key, None, key, key.split(".")[0], e.line, e.col, scope, dynamic=True,
                                    how=f"via sys.modules[{key!r}]")
                    self._dynamic[id(e)] = rec
                out.append(self.import_values(rec))
        return _union(out)

    def _evaluated_text(self, call: Call, scope: Scope, order: int) -> Expr | None:
        """The expression a constant ``eval`` argument reads as: names, attributes, calls, constants only."""
        key = id(call)
        if key not in self._eval_texts:
            self._eval_texts[key] = None
            text = self.fold(call.args[0], scope, order).text
            if text is not None and len(text) <= 1000:
                try:
                    tree = ast.parse(text.strip(), mode="eval")
                except (SyntaxError, ValueError, MemoryError, RecursionError):
                    tree = None
                if tree is not None:
                    self._eval_texts[key] = from_ast.simple_expression(tree.body, call.line, call.col)
        return self._eval_texts[key]

    def bound_to(self, e: Expr, scope: Scope, order: int) -> Expr:
        """The one expression a name is bound to (``e`` itself otherwise)."""
        if isinstance(e, Name):
            bound = self._resolver(scope, order)(e)
            if bound and len(bound) == 1:
                return bound[0]
        return e

    def fold(self, e: Expr, scope: Scope, order: int) -> fold.Folded:
        return fold.evaluate(e, self._resolver(scope, order), self._qualifier(scope, order))

    def source(self, e: Expr, scope: Scope, order: int) -> str:
        """How ``e`` reads once a name bound to one expression is replaced by it (for notes)."""
        for _ in range(5):
            if not isinstance(e, Name):
                break
            bound = self._resolver(scope, order)(e)
            if not bound or len(bound) != 1:
                break
            e = bound[0]
        return render(e)

    def qualify(self, e: Expr, scope: Scope, order: int) -> str | None:
        """The library name a callee stands for: ``b64decode`` imported from base64 -> ``base64.b64decode``."""
        if isinstance(e, Attr):
            base = self.qualify(e.value, scope, order)
            return f"{base}.{e.attr}" if base else None
        if not isinstance(e, Name):
            return None
        bindings = self.visible_bindings(e.id, scope, order)
        if bindings is None:
            return e.id
        names = set()
        for b in bindings:
            if b.kind != "import" or b.imp is None or b.imp.local or b.imp.dynamic:
                return None
            rec = b.imp
            if rec.name is None:
                names.add(rec.module if rec.asname else rec.module.split(".")[0])
            else:
                names.add(f"{rec.module}.{rec.name}")
        return names.pop() if len(names) == 1 else None

    def _qualifier(self, scope: Scope, order: int) -> fold.Qualify:
        return lambda e: self.qualify(e, scope, order)

    # -- names ------------------------------------------------------------
    def visible_bindings(self, name: str, scope: Scope, order: int) -> list[Binding] | None:
        """The bindings a use of ``name`` may see, innermost scope first."""
        current: Scope | None = scope
        first = True
        while current is not None:
            if current.kind == "class" and not first:
                current = current.parent
                continue
            if name in current.globals:
                current, first = self.program.module, False
            bindings = current.bindings.get(name)
            if bindings:
                return _select(bindings, order if first else _FINAL)
            current, first = current.parent, False
        return None

    def lookup(self, name: str, scope: Scope, order: int) -> Values:
        bindings = self.visible_bindings(name, scope, order)
        if bindings is not None:
            return _union(self.binding_values(b) for b in bindings)
        for rec in self.program.module.stars:
            entry = self.catalog.module(rec.module)
            if entry is not None and name in entry.members:
                return (MemVal(entry.name, name, entry.members[name], rec, (self._import_step(rec),)),)
        if name == "__import__":
            return (DynImport("__import__", None),)
        if name == "__builtins__":
            return (ModVal("builtins", self._builtins_rec(), ()),)
        for rec in self.program.module.local_stars:
            if not _is_builtin(name):
                return (LocalVal(rec, name),)
        return ()

    def _builtins_rec(self) -> ImportRec:
        """The implicit ``__builtins__`` (never reported as an import)."""
        if self._builtins is None:
            self._builtins = ImportRec("builtins", None, None, "__builtins__", 0, 0, self.program.module,
                                       dynamic=True)
        return self._builtins

    def binding_values(self, b: Binding) -> Values:
        kind = b.kind
        if kind == "assign":
            assert b.value is not None
            return self.eval(b.value, b.scope, b.order)
        if kind == "import":
            assert b.imp is not None
            return self.import_values(b.imp)
        if kind == "self":
            return (SelfVal(b.info),)  # type: ignore[arg-type]
        if kind == "class":
            return (ClassVal(b.info),)  # type: ignore[arg-type]
        if kind == "def":
            return (FuncVal(b.info),)  # type: ignore[arg-type]
        if kind == "unknown" and b.order == 0 and b.scope.kind == "function":
            return self._passed_in(b)
        return ()

    def _passed_in(self, b: Binding) -> Values:
        """A parameter's network values from this file's calls (``passed.PassedIn``)."""
        if self._passed is None:
            from egress.analyzers.python.passed import PassedIn

            self._passed = PassedIn(self)
        return self._passed.values(b)

    # -- imports ----------------------------------------------------------
    def import_values(self, rec: ImportRec) -> Values:
        key = id(rec)
        if key not in self._imports:
            self._imports[key] = self._import_values(rec)
        return self._imports[key]

    def _import_values(self, rec: ImportRec) -> Values:
        if rec.local:
            return (LocalVal(rec, rec.name),)
        trace = (self._import_step(rec),)
        if rec.name is None:
            name = rec.module if rec.asname else rec.module.split(".")[0]
            return (self.module_value(name, rec, trace),)
        return self.attribute(self.module_value(rec.module, rec, trace), rec.name, None)

    def _import_step(self, rec: ImportRec) -> TraceStep:
        return self.loc.step(rec.line, rec.col, import_note(rec))

    def module_value(self, name: str, rec: ImportRec, trace: tuple[TraceStep, ...]) -> ModVal:
        entry = self.catalog.module(name)
        return ModVal(entry.name if entry else name, rec, trace)

    def target_module(self, rec: ImportRec) -> str:
        """The catalogued module an import brings in (canonical name)."""
        full = rec.module if rec.name is None else f"{rec.module}.{rec.name}"
        entry = self.catalog.module(full) or self.catalog.module(rec.module)
        return entry.name if entry else full

    # -- attributes -------------------------------------------------------
    def attribute(self, v: Value, attr: str, e: Expr | None) -> Values:
        if isinstance(v, ModVal):
            sub = f"{v.name}.{attr}"
            entry = self.catalog.module(sub)
            if entry is not None:
                return (ModVal(entry.name, v.origin, v.trace),)
            if sub == "importlib.import_module":
                return (DynImport("importlib.import_module", v.origin),)
            if sub in ("builtins.__import__", "importlib.__import__"):
                return (DynImport("__import__", v.origin, _hidden_via(e)),)
            if sub == "sys.modules":
                return (SysModules(v.origin),)
            parent = self.catalog.module(v.name)
            if parent is not None:
                return (MemVal(parent.name, attr, member_capability(parent, attr), v.origin, v.trace),)
            return (ModVal(sub, v.origin, v.trace),)
        if isinstance(v, MemVal):       # socket.socket.connect(sock, addr): an unbound method
            entry = self.catalog.module(v.module)
            cls_name = entry.returns.get(v.member) if entry else None
            cls = self.catalog.classes.get(cls_name) if cls_name else None
            if cls is not None and attr in cls.methods:
                return (MethodVal(InstVal(cls.name, v.module, v.origin, v.trace), attr, cls.methods[attr]),)
            return ()
        if isinstance(v, InstVal):
            cls = self.catalog.classes.get(v.cls)
            if cls is not None and attr in cls.methods:
                return (MethodVal(v, attr, cls.methods[attr]),)
            return ()
        if isinstance(v, (SelfVal, ClassVal)):
            return self._class_attribute(v.cls, attr, 0)
        if isinstance(v, LocalVal) and len(v.attrs) < 4:
            return (LocalVal(v.origin, v.member, v.attrs + (attr,)),)
        return ()

    def _class_attribute(self, info: ClassInfo, attr: str, depth: int) -> Values:
        bindings = list(info.attrs.get(attr, ()))
        if info.scope is not None:
            bindings += info.scope.bindings.get(attr, ())
        if bindings:
            return _union(self.binding_values(b) for b in bindings)
        if depth > 5:
            return ()
        out: list[Values] = []
        for base in info.bases:
            for bv in self.eval(base, info.outer, _FINAL):
                if isinstance(bv, ClassVal):
                    out.append(self._class_attribute(bv.cls, attr, depth + 1))
                elif isinstance(bv, MemVal):
                    inst = self._instance_of(bv, info.line, info.col, f"{info.name} subclasses {bv.api}")
                    if inst is not None:
                        out.append(self.attribute(inst, attr, None))
        return _union(out)

    def _instance_of(self, mv: MemVal, line: int, col: int, note: str) -> InstVal | None:
        entry = self.catalog.module(mv.module)
        cls = entry.returns.get(mv.member) if entry else None
        if cls is None:
            return None
        return InstVal(cls, mv.module, mv.origin, mv.trace + (self.loc.step(line, col, note),))

    # -- calls ------------------------------------------------------------
    def call(self, v: Value, call: Call, scope: Scope, order: int) -> Values:
        if isinstance(v, MemVal):
            inst = self._instance_of(v, call.line, call.col, f"{v.api}() created")
            return (replace(inst, made=(v.api, call, scope, order)),) if inst else ()
        if isinstance(v, MethodVal):
            cls = self.catalog.classes.get(v.inst.cls)
            new = cls.returns.get(v.method) if cls else None
            if new is None:
                return ()
            step = self.loc.step(call.line, call.col, f"{v.api}() created")
            return (InstVal(new, v.inst.module, v.inst.origin, v.inst.trace + (step,)),)
        if isinstance(v, ClassVal):
            base = self.network_base(v.cls)
            if base is not None:
                inst = self._instance_of(base, call.line, call.col, f"{v.cls.name}() created")
                return (inst,) if inst else ()
            return (SelfVal(v.cls),)
        if isinstance(v, FuncVal):
            if self._property_call(v, call, scope, order):
                return ()                    # a property's value called (see ``callees``)
            wrapped = self._wrapped_import(v, call, scope, order)
            if wrapped:
                return wrapped
            return _union(self.eval(r, v.scope, o) for r, o in v.scope.returns)
        if isinstance(v, DynImport):
            rec = self.dynamic_import(v, call, scope, order)
            return self.import_values(rec) if rec else ()
        if isinstance(v, LocalVal):
            last = v.attrs[-1] if v.attrs else v.member
            if last and last[:1].isupper():      # `Client()`: an instance; its methods are linked too
                return (v,)
        return ()

    def _wrapped_import(self, v: "FuncVal", call: Call, scope: Scope, order: int) -> Values:
        """`def imp(n): return __import__(n)`: a call `imp('socket')` imports what its caller names."""
        params = v.scope.params
        for r, o in v.scope.returns:
            if not (isinstance(r, Call) and r.args and isinstance(r.args[0], Name) and r.args[0].id in params):
                continue
            position = params.index(r.args[0].id)
            if position >= len(call.args):
                continue
            for dv in self.eval(r.func, v.scope, o):
                if isinstance(dv, DynImport):
                    here = Call(line=call.line, col=call.col, func=r.func, args=(call.args[position], *r.args[1:]),
                                keywords=r.keywords)
                    rec = self.dynamic_import(dv, here, scope, order)
                    if rec is not None:
                        return self.import_values(rec)
        return ()

    def network_base(self, info: ClassInfo, depth: int = 0) -> MemVal | None:
        """The catalogued network class a local class derives from, if any."""
        if depth > 5:
            return None
        for base in info.bases:
            for bv in self.eval(base, info.outer, _FINAL):
                if isinstance(bv, MemVal) and bv.capability not in (None, Capability.HELPER):
                    return bv
                if isinstance(bv, ClassVal):
                    found = self.network_base(bv.cls, depth + 1)
                    if found is not None:
                        return found
        return None

    def dynamic_import(self, v: DynImport, call: Call, scope: Scope, order: int) -> ImportRec | None:
        """The import a literal ``__import__``/``import_module`` call makes."""
        if id(call) in self._dynamic:
            return self._dynamic[id(call)]
        arg = call.args[0] if call.args else dict(call.keywords).get("name")
        folded = self.fold(arg, scope, order) if arg is not None else fold.Folded()
        name = folded.text
        if not name:
            return None
        # __import__("a.b") gives the top package "a"; an asname means "the module itself".
        whole = v.api != "__import__" or _has_fromlist(call)
        how = "; ".join(n for n in (folded.note(self.source(arg, scope, order)) if arg is not None else "",
                                    f"via {v.via}" if v.via else "") if n)
        rec = ImportRec(name, None, name if whole else None, name.split(".")[0], call.line, call.col,
                        scope, dynamic=True, how=how)
        self._dynamic[id(call)] = rec
        return rec

    def module_name(self, call: Call, scope: Scope, order: int) -> str | None:
        """The constant first argument of a call, when it folds to a string."""
        arg = call.args[0] if call.args else dict(call.keywords).get("name")
        return self.fold(arg, scope, order).text if arg is not None else None

    def is_relative_import(self, call: Call, scope: Scope, order: int) -> bool:
        """``import_module("." + name, __package__)``, ``__import__(n, g, l, f, 1)``: within the package."""
        arg = call.args[0] if call.args else dict(call.keywords).get("name")
        if arg is not None and fold.prefix(arg, self._resolver(scope, order)).startswith("."):
            return True
        if arg is not None and _starts_with_own_name(arg):
            return True
        level = call.args[4] if len(call.args) > 4 else dict(call.keywords).get("level")
        return isinstance(level, Const) and isinstance(level.value, int) and level.value > 0

    def resolver(self, scope: Scope, order: int) -> fold.Resolve:
        return self._resolver(scope, order)

    def _resolver(self, scope: Scope, order: int) -> fold.Resolve:
        def resolve(name: Name) -> list[Expr] | None:
            bindings = self.visible_bindings(name.id, scope, order)
            if not bindings or any(b.kind != "assign" for b in bindings):
                return None
            return [b.value for b in bindings if b.value is not None]

        return resolve


def _self_only(func: Scope) -> bool:
    """A method whose only parameter is ``self`` (no ``*args``: that would be a parameter too)."""
    return func.parent is not None and func.parent.kind == "class" and len(func.params) == 1


def _starts_with_own_name(e: Expr) -> bool:
    """``__name__ + '.backends.' + x``, ``f'{__package__}.plugins.{x}'``: a submodule of this package."""
    while isinstance(e, BinOp) and e.op == "+":
        e = e.left
    if isinstance(e, FStr) and e.parts:
        e = e.parts[0]
    return isinstance(e, Name) and e.id in ("__name__", "__package__")


def _hidden_via(e: Expr | None) -> str:
    """How a hidden ``__import__`` was reached, for the note (plain ``builtins.__import__`` is not hidden)."""
    if isinstance(e, (Subscript, Call)):
        return render(e)
    if isinstance(e, Attr) and (not isinstance(e.value, Name) or e.value.id == "__builtins__"):
        return render(e)
    return ""


def _with_how(v: Value, how: str) -> Value:
    return replace(v, how=how) if how and isinstance(v, MemVal) else v


def _is_builtin(name: str) -> bool:
    return hasattr(builtins, name)


def _has_fromlist(call: Call) -> bool:
    arg = call.args[3] if len(call.args) > 3 else dict(call.keywords).get("fromlist")
    if arg is None:
        return False
    if isinstance(arg, Const):
        return bool(arg.value)
    return not (isinstance(arg, Seq) and not arg.items)


def _select(bindings: list[Binding], order: int) -> list[Binding]:
    """Bindings a use at ``order`` sees: the last unconditional one before it and later conditional ones."""
    before = [b for b in bindings if b.order < order] or bindings
    start = 0
    for i, b in enumerate(before):
        if not b.conditional:
            start = i
    return before[start:]


def _union(groups) -> Values:
    out: list[Value] = []
    for group in groups:
        for v in group:
            if v not in out:
                out.append(v)
                if len(out) >= _MAX_VALUES:
                    return tuple(out)
    return tuple(out)

