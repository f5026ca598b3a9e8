"""Cross-file facts of one Python file: what it hands out, what it uses of its own package.

The engine's linker joins them across the files of a package; a file alone
only says what it can see.  Conventions the linker relies on:

``LocalUse.specifier`` is the module as written.  Relative imports keep
their dots: ``from .transport import send; send(u)`` -> (".transport",
member "send"); ``from . import transport; transport.send(u)`` -> (".",
member "transport", attribute "send"); ``from .transport import Client;
Client().get()`` -> (".transport", "Client", attribute "get").  An absolute
import is the package's own when its top-level name is a folder on the
file's own path (``pkg/client.py`` importing ``pkg.transport``; stdlib and
catalogued names never are): ``import pkg.transport;
pkg.transport.send(u)`` -> ("pkg.transport", member None, attribute
"send"); the linker keeps those naming a module of the same distribution.
``attribute`` may be dotted (``t.Client.get``).

``ExportFact``: a top-level function (``name``) or a method
(``name``=class, ``member_of``=method) whose body, or a local function it
calls (a fixpoint over the file's functions; note "via f()"), reaches a
network API: ``api`` at the first such call.  A module-level alias of a
network API (note "alias").  A function that reaches the network only
through another local module: ``via_specifier``/``via_member`` as in
``LocalUse`` (``via_member`` dotted as ``member.attribute`` when an
attribute is used), one per function and target, at its first use.  Module-level imports from
local modules are re-exports (``from .transport import send`` -> name
"send", via ".transport"/"send"; ``from .transport import *`` -> name "*",
via_member "*").
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import PurePosixPath

from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.ir import Expr
from egress.analyzers.python.locate import Locator
from egress.analyzers.python.scopes import ImportRec, Program, Scope
from egress.analyzers.python.values import NETWORK, FuncVal, LocalVal, MemVal, MethodVal, ModVal
from egress.catalog import Catalog
from egress.linker import CALLS_LOCAL_MODULE
from egress.model import ExportFact, Finding, LocalUse

_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__", "builtins"}


def catalog_roots(catalog: Catalog) -> frozenset[str]:
    return frozenset({m.split(".")[0] for m in catalog.modules} | {d.split(".")[0] for d in catalog.dependencies})


@dataclass(frozen=True)
class OwnNames:
    """Top-level names an absolute import of the package itself may start with (``name in own``).

    For ``pkg/client.py`` the file's folders (``pkg``).  A file at the package root
    (``setup.py``, a root module) imports its neighbours by bare name (``import _build_helper``),
    so there any name that is neither stdlib nor catalogued may be the package's own; the
    linker keeps only the uses that resolve to a file of the package.
    """

    names: frozenset[str]
    roots: frozenset[str] = frozenset()
    at_root: bool = False

    def __contains__(self, name: object) -> bool:
        if name in self.names:
            return True
        return self.at_root and isinstance(name, str) and name.isidentifier() and name not in _STDLIB \
            and name not in self.roots


def own_names(path: str, roots: frozenset[str]) -> OwnNames:
    """The names an absolute import of the package itself may start with, for the file at ``path``."""
    folders = PurePosixPath(path).parent.parts
    return OwnNames(frozenset(part for part in folders if part.isidentifier() and part not in _STDLIB
                              and part not in roots), roots, at_root=not folders)


def is_local_candidate(rec: ImportRec, own: OwnNames) -> bool:
    """A relative import, or an absolute one of the package's own top-level name."""
    return rec.local or (not rec.dynamic and rec.module.split(".")[0] in own)


def linkable_names(program: Program, kinds: frozenset[str] = frozenset({"import", "def", "class", "self"})
                   ) -> frozenset[str]:
    """Names whose uses can make a cross-file fact (by default: calls through imports, defs, classes, ``self``)."""
    return frozenset(name for scope in program.scopes for name, bindings in scope.bindings.items()
                     if any(b.kind in kinds for b in bindings))


def local_use(own: OwnNames, v: LocalVal | ModVal, loc: Locator, at: Expr, in_function: bool,
              called: bool) -> LocalUse | None:
    """The ``LocalUse`` a value used at ``at`` amounts to, if it comes from a local module."""
    if isinstance(v, LocalVal):
        spec, member, attribute = v.origin.module, v.member, ".".join(v.attrs) or None
    else:
        rec = v.origin
        if rec is None or not is_local_candidate(rec, own):
            return None
        if rec.name is None:
            base = rec.module if v.name == rec.module or v.name.startswith(rec.module + ".") \
                else rec.module.split(".")[0]
            spec, member = base, None
            attribute = v.name[len(base) + 1:] or None
        else:
            spec, member = rec.module, rec.name
            full = f"{rec.module}.{rec.name}"
            attribute = v.name[len(full) + 1:] or None if v.name.startswith(full) else None
    if not called and member is None and attribute is None:
        return None              # the module object handed on: nothing to link
    column = loc.column(at.line, at.col)
    return LocalUse(spec, member, at.line, column, loc.snippet(at.line, column), in_function, attribute, called)


def collect(program: Program, scoped: list[tuple[Scope, Finding]], calls: list[tuple[Scope, Scope]],
            uses: list[tuple[Scope, LocalUse]], ev: Evaluator, loc: Locator,
            own: OwnNames) -> tuple[tuple[ExportFact, ...], tuple[LocalUse, ...]]:
    """``(exports, local_uses)`` of a walked file."""
    names = _function_names(program)
    direct: dict[int, list[Finding]] = {}
    edges: dict[int, list[Scope]] = {}
    through: dict[int, list[LocalUse]] = {}
    for scope, f in scoped:
        for owner in _functions_around(scope):
            direct.setdefault(id(owner), []).append(f)
    for scope, callee in calls:
        for owner in _functions_around(scope):
            edges.setdefault(id(owner), []).append(callee)
    for scope, use in uses:
        if use.called:
            for owner in _functions_around(scope):
                through.setdefault(id(owner), []).append(use)

    best: dict[int, tuple[Finding, str | None]] = {
        key: (min(found, key=lambda f: (f.line, f.column)), None) for key, found in direct.items()}
    vias: dict[int, list[LocalUse]] = {key: list(found) for key, found in through.items()}
    for _ in range(len(program.scopes) + 1):          # a fixpoint: callers of network functions
        changed = False
        for key, callees in edges.items():
            for callee in callees:
                if key not in best and id(callee) in best:
                    best[key] = (best[id(callee)][0], names.get(id(callee), "?"))
                    changed = True
                if id(callee) in vias and id(callee) != key:
                    have = vias.setdefault(key, [])
                    for use in vias[id(callee)]:
                        if use not in have:
                            have.append(use)
                            changed = True
        if not changed:
            break

    exports: list[ExportFact] = []
    for name, member_of, scope in _exported_functions(program):
        exports += _function_facts(name, member_of, best.get(id(scope)), vias.get(id(scope), []))
    exports += _aliases(program, ev, loc, best, names)
    exports += _reexports(program, own)
    unique_exports = list(dict.fromkeys(exports))
    unique_exports.sort(key=lambda e: (e.line, e.column, e.name or "", e.member_of or "", e.via_specifier,
                                       e.via_member or ""))
    local_uses = sorted(dict.fromkeys(use for _, use in uses), key=lambda u: (u.line, u.column))
    return tuple(unique_exports), tuple(local_uses)


def _function_facts(name: str, member_of: str | None, best: tuple[Finding, str | None] | None,
                    vias: list[LocalUse]) -> list[ExportFact]:
    if best is not None:
        f, callee = best
        return [ExportFact(name, f.api, f.module, f.capability, f.line, f.column, member_of=member_of,
                           note=f"via {callee}()" if callee else "")]
    out: dict[tuple[str, str | None], ExportFact] = {}      # one per target: its first use
    for use in sorted(vias, key=lambda u: (u.line, u.column)):
        member = use.member if use.attribute is None else \
            use.attribute if use.member is None else f"{use.member}.{use.attribute}"
        out.setdefault((use.specifier, member), ExportFact(
            name, line=use.line, column=use.column, via_specifier=use.specifier, via_member=member,
            member_of=member_of, note=CALLS_LOCAL_MODULE))
    return list(out.values())


def _aliases(program: Program, ev: Evaluator, loc: Locator, best: dict, names: dict) -> list[ExportFact]:
    module = program.module
    out: list[ExportFact] = []
    for name, bindings in module.bindings.items():
        for b in bindings:
            if b.kind != "assign" or b.value is None:
                continue
            line, column = b.value.line, loc.column(b.value.line, b.value.col)
            for v in ev.eval(b.value, module, b.order):
                if isinstance(v, (MemVal, MethodVal)) and v.capability in NETWORK:
                    mod = v.module if isinstance(v, MemVal) else v.inst.module
                    out.append(ExportFact(name, v.api, mod, v.capability, line, column, note="alias"))
                elif isinstance(v, FuncVal) and id(v.scope) in best:
                    f, _ = best[id(v.scope)]
                    out.append(ExportFact(name, f.api, f.module, f.capability, f.line, f.column,
                                          note=f"alias of {names.get(id(v.scope), '?')}()"))
                elif isinstance(v, LocalVal):
                    member = ".".join(x for x in (v.member, *v.attrs) if x) or None
                    out.append(ExportFact(name, line=line, column=column, via_specifier=v.origin.module,
                                          via_member=member, note="alias"))
    return out


def _reexports(program: Program, own: OwnNames) -> list[ExportFact]:
    out = []
    for rec in program.local_imports + program.imports:
        if rec.scope is not program.module or rec.name is None or rec.dynamic:
            continue
        if is_local_candidate(rec, own):
            out.append(ExportFact("*" if rec.name == "*" else rec.bound, line=rec.line, column=rec.col + 1,
                                  via_specifier=rec.module, via_member=rec.name, note="re-export"))
    return out


def _exported_functions(program: Program) -> list[tuple[str, str | None, Scope]]:
    out: list[tuple[str, str | None, Scope]] = []
    for name, bindings in program.module.bindings.items():
        for b in bindings:
            if b.kind == "def" and isinstance(b.info, Scope):
                out.append((name, None, b.info))
            elif b.kind == "class" and b.info is not None and getattr(b.info, "scope", None) is not None:
                for method, mbs in b.info.scope.bindings.items():  # type: ignore[union-attr]
                    out += [(name, method, mb.info) for mb in mbs if mb.kind == "def" and isinstance(mb.info, Scope)]
    return out


def _function_names(program: Program) -> dict[int, str]:
    names: dict[int, str] = {}
    for scope in program.scopes:
        for name, bindings in scope.bindings.items():
            for b in bindings:
                if b.kind == "def" and b.info is not None:
                    names[id(b.info)] = name
    return names


def _functions_around(scope: Scope) -> list[Scope]:
    out = []
    current: Scope | None = scope
    while current is not None:
        if current.kind == "function":
            out.append(current)
        current = current.parent
    return out
