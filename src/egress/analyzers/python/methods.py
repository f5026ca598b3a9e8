"""Wrappers reached through classes: constructors, instance and class attributes.

Request details read a host or URL back to where it was written
(``strings.py``): a method's parameter to the arguments of its call sites,
``self.host`` to what the class's methods assign to it.  What real
packages add on top, and what this module supplies:

- a constructor's parameters receive the arguments of the class's calls
  (``Client('mail.example.org')`` gives ``__init__``'s ``host``), also for a
  subclass in the same file that keeps the base ``__init__`` or calls
  ``super().__init__(host)``;
- ``self.BASE``, ``cls.BASE`` and ``Client.BASE`` read a class-level constant
  when no instance attribute of that name is assigned, through the
  in-file base classes too.

``MethodStrings`` is ``Strings`` with those two answers; the data-flow pass
reads attributes through ``attribute_bindings``.  Both run only at network
call sites, from memoised evaluations.
"""

from __future__ import annotations

from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.ir import Attr, Call, Name
from egress.analyzers.python.scopes import Binding, ClassInfo, Scope
from egress.analyzers.python.strings import MAX_READINGS, Origin, Strings
from egress.analyzers.python.values import ClassVal, SelfVal

_FINAL = 1 << 60
_MAX_BASES = 5


def attribute_bindings(ev: Evaluator, e: Attr, scope: Scope, order: int) -> list[Binding]:
    """What ``self.x`` / ``cls.x`` / ``Client.x`` may hold: its assignments, all of them plain.

    Instance attributes (assigned in any method) come first; a class-level
    binding answers when there is none; then the in-file bases.  Empty when
    the receiver is no class of this file or some binding is not a plain
    assignment (the reading is then dynamic).
    """
    for v in ev.eval(e.value, scope, order):
        if isinstance(v, (SelfVal, ClassVal)):
            found = _attribute(ev, v.cls, e.attr, isinstance(v, SelfVal), 0)
            if found:
                return found
    return []


def _attribute(ev: Evaluator, info: ClassInfo, attr: str, instance: bool, depth: int) -> list[Binding]:
    bindings: list[Binding] = list(info.attrs.get(attr, ())) if instance else []
    if not bindings and info.scope is not None:
        bindings = list(info.scope.bindings.get(attr, ()))
    if bindings:
        return bindings if all(b.kind == "assign" and b.value is not None for b in bindings) else []
    if depth >= _MAX_BASES:
        return []
    for base in info.bases:
        for bv in ev.eval(base, info.outer, _FINAL):
            if isinstance(bv, ClassVal):
                found = _attribute(ev, bv.cls, attr, instance, depth + 1)
                if found:
                    return found
    return []


def _is_super_call(call: Call) -> bool:
    """``super().__init__(…)`` / ``super(C, self).__init__(…)``."""
    func = call.func
    return isinstance(func, Attr) and func.attr == "__init__" and isinstance(func.value, Call) \
        and isinstance(func.value.func, Name) and func.value.func.id == "super"


class MethodStrings(Strings):
    """``Strings`` that also follow constructors to the class's calls and read class-level constants."""

    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self._constructors: dict[int, list[tuple[Call, Scope, int]]] = {}

    def _call_sites(self, func: Scope) -> list[tuple[Call, Scope, int]]:
        owner = func.parent.cls if func.parent is not None and func.parent.kind == "class" else None
        if owner is None or self._function_name(func) != "__init__":
            return super()._call_sites(func)
        if id(func) not in self._constructors:          # memoised: a constructor's sites are asked per parameter
            self._constructors[id(func)] = self._construction_sites(func, owner)
        return list(self._constructors[id(func)])

    def _construction_sites(self, func: Scope, owner: ClassInfo) -> list[tuple[Call, Scope, int]]:
        found = super()._call_sites(func)
        for cls in self._constructed_as(owner):
            for call, scope, order in self._index().get(cls.name, ()):
                if any(isinstance(v, ClassVal) and v.cls is cls for v in self.ev.eval(call.func, scope, order)):
                    found.append((call, scope, order))
        for call, scope, order in self._index().get("__init__", ()):
            if _is_super_call(call) and self._derives(scope, owner):
                found.append((call, scope, order))       # super().__init__(host) in a subclass's __init__
        return found

    def _derives(self, scope: Scope, owner: ClassInfo) -> bool:
        """Whether ``scope`` is a method of a class whose in-file base is ``owner``."""
        cls = scope.parent.cls if scope.parent is not None and scope.parent.kind == "class" else None
        return cls is not None and cls is not owner and any(
            isinstance(v, ClassVal) and v.cls is owner for base in cls.bases for v in self.ev.eval(base, cls.outer, _FINAL))

    def _constructed_as(self, owner: ClassInfo) -> list[ClassInfo]:
        """The class and its in-file subclasses (one level) that keep its ``__init__``."""
        classes = [owner]
        for scope in self.ev.program.scopes:
            info = scope.cls
            if info is None or info is owner or info.scope is None or "__init__" in info.scope.bindings:
                continue
            if any(isinstance(v, ClassVal) and v.cls is owner
                   for base in info.bases for v in self.ev.eval(base, info.outer, _FINAL)):
                classes.append(info)
        return classes

    def origins(self, func: Scope, param: str) -> list[Origin]:
        """As ``Strings.origins``; a default some callers take and others override names those callers.

        ``Backup('b', 2525)`` beside ``Mailer('m')`` must not give ``b:587``: the
        default reading carries the line of each call that takes it, so host and
        port are paired per call site (``requests_detail._same_call_site``).
        """
        found = super().origins(func, param)
        default = next((o for o in found if o.note == "default argument"), None)
        if default is None or all(o is default for o in found):
            return found
        index = func.params.index(param)
        position = index - 1 if func.parent is not None and func.parent.kind == "class" else index
        lines = [call.line for call, _, _ in self._call_sites(func)
                 if param not in dict(call.keywords) and not 0 <= position < len(call.args)]
        rest = [o for o in found if o is not default]
        return (rest + [Origin(default.expr, default.scope, default.order, f"default argument at line {line}")
                        for line in dict.fromkeys(lines)])[:MAX_READINGS] if lines else found

    def _self_attribute(self, e: Attr, scope: Scope, order: int) -> list[Binding]:
        return attribute_bindings(self.ev, e, scope, order)
