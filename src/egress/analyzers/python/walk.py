"""The one pass that turns evaluated expressions into findings.

Every expression root of every scope is visited once.  A call whose
callee evaluates to a network API is a finding; a network API that is
taken as a value without being called (passed to ``functools.partial``,
returned) is one at medium confidence.  Along the way each import is
marked by how it was used, which decides the "imported but not used for
I/O" finding at the end: an import used only for constants and helpers
gives none.
"""

from __future__ import annotations

from egress.analyzers.python import fold, ipc
from egress.analyzers.python.evaluate import Evaluator, is_constant, member_capability
from egress.analyzers.python.facts import OwnNames, catalog_roots, local_use, own_names
from egress.analyzers.python.ir import Attr, Call, Choice, Expr, Name, children
from egress.analyzers.python.locate import Locator, render
from egress.analyzers.python.payload import RUNNERS, CodeRunner
from egress.analyzers.python.requests_detail import RequestDetails
from egress.analyzers.python.shellout import ShellOut, launched
from egress.analyzers.python.scopes import ASSIGNED, PLAIN, TYPING, ClassInfo, ImportRec, Program, Scope
from egress.analyzers.python.values import (
    NETWORK, ClassVal, DynImport, FuncVal, LocalVal, MemVal, MethodVal, ModVal, Value,
)
from egress.catalog import Catalog
from egress.destinations import DYNAMIC, classify
from egress.model import Capability, Confidence, Destination, Finding, FindingKind, LocalUse, TraceStep

_TYPE_CHECKS = frozenset({"isinstance", "issubclass", "hasattr"})
_BUILTINS = _TYPE_CHECKS | {"getattr"} | RUNNERS
_FILE_LOADERS = frozenset({"importlib.util.spec_from_file_location"})
_SOCKET_TYPES = {"SOCK_STREAM": "SOCK_STREAM (TCP)", "SOCK_DGRAM": "SOCK_DGRAM (UDP)",
                 "SOCK_RAW": "SOCK_RAW (raw)", "SOCK_SEQPACKET": "SOCK_SEQPACKET"}
_SOCKET_FAMILIES = {"AF_UNIX": "AF_UNIX (local)", "AF_PACKET": "AF_PACKET (raw link layer)"}


class Walker:
    """``depth``: 0 for a file, n for a payload n ``exec`` levels down.

    ``only``: for a file that names no network module nor dynamic loader,
    the names whose calls (and references) can still make cross-file facts;
    other callees and references are not evaluated (they could give nothing).
    """

    def __init__(self, catalog: Catalog, ev: Evaluator, loc: Locator, depth: int = 0) -> None:
        self.catalog = catalog
        # a file with no network signal: only calls / references through these names
        self.only: tuple[frozenset[str], frozenset[str]] | None = None
        self.ev = ev
        self.loc = loc
        self.depth = depth
        self.found: dict[tuple, Finding] = {}
        self.marks: dict[int, set[str]] = {}
        self.code = CodeRunner(self)
        # what the cross-file facts are made of (see facts.py)
        self.scoped: list[tuple[Scope, Finding]] = []      # network findings and their scope
        self.calls: list[tuple[Scope, Scope]] = []          # caller scope, local function called
        self.uses: list[tuple[Scope, LocalUse]] = []        # uses of the package's own modules
        self._roots: OwnNames | None = None
        self._details: RequestDetails | None = None      # made at the first network call
        self._shell: ShellOut | None = None               # made at the first call that starts a program
        self._builtins_imported: bool | None = None
        self.launches: list[str] = []       # package files started as new Python processes (shellout.py)

    @property
    def _names_builtins(self) -> bool:
        """Whether the file imports ``builtins`` (then a plain name may be ``exec`` imported under another)."""
        if self._builtins_imported is None:
            self._builtins_imported = any(rec.module in ("builtins", "__builtin__")
                                          for rec in self.ev.program.imports)
        return self._builtins_imported

    @property
    def own(self) -> OwnNames:
        """Top-level names an absolute import of the file's own package may have (see facts.py)."""
        if self._roots is None:
            self._roots = own_names(self.loc.path, catalog_roots(self.catalog))
        return self._roots

    def run(self, program: Program) -> list[Finding]:
        for scope in program.scopes:
            if scope.cls is not None:
                self._class_bases(scope.cls)
        for scope in program.scopes:
            for expr, order, role in scope.roots:
                self._visit(expr, scope, order, role)
        self._import_findings(program.imports + self.ev.dynamic_imports)
        return sorted(self.found.values(), key=lambda f: (f.line, f.column, f.kind, f.api))

    def _class_bases(self, info: ClassInfo) -> None:
        """``class C(http.client.HTTPConnection)``: the subclass is network code."""
        for base in info.bases:
            for v in self.ev.eval(base, info.outer, 1 << 60):
                if isinstance(v, MemVal) and v.capability in NETWORK:
                    self.add(FindingKind.NETWORK, v.api, v.module, v.capability, base, info.outer, v.trace,
                              f"subclassed by {info.name}", Confidence.MEDIUM)
                    self._mark(v.origin, "network")

    # -- traversal --------------------------------------------------------
    def _visit(self, e: Expr, scope: Scope, order: int, role: str = PLAIN) -> None:
        if isinstance(e, Call):
            func = e.func
            builtin = self.builtin(func, scope, order)
            if builtin == "getattr" and len(e.args) >= 2:
                attr = self.ev.module_name(Call(e.line, e.col, func, e.args[1:2], ()), scope, order)
                if attr is not None:     # getattr(ssl, "PROTOCOL_TLS"): an attribute
                    self._on_reference(e, scope, order, role)
                    self._prefix(e.args[0], scope, order)
                    for arg in e.args[1:]:
                        self._visit(arg, scope, order)
                    return
                self._computed_attribute(e, scope, order)
            elif builtin in RUNNERS:
                self.code.run(e, builtin, scope, order)
            self._on_call(e, scope, order)
            self._prefix(func.value if isinstance(func, Attr) else func, scope, order)
            arg_role = TYPING if builtin in _TYPE_CHECKS else PLAIN
            for arg in e.args:
                self._visit(arg, scope, order, arg_role)
            for _, value in e.keywords:
                self._visit(value, scope, order)
        elif isinstance(e, (Name, Attr)):
            self._on_reference(e, scope, order, role)
            if isinstance(e, Attr):
                self._prefix(e.value, scope, order)
        elif isinstance(e, Choice):
            for option in e.options:
                self._visit(option, scope, order, role)
            for extra in e.extra:
                self._visit(extra, scope, order)
        else:
            for child in children(e):
                self._visit(child, scope, order, TYPING if role == TYPING else PLAIN)

    def builtin(self, func: Expr, scope: Scope, order: int) -> str | None:
        """The name of the builtin a callee is, when not shadowed."""
        if isinstance(func, Name) and func.id in _BUILTINS \
                and self.ev.visible_bindings(func.id, scope, order) is None:
            return func.id
        if isinstance(func, Name) and not self._names_builtins:
            return None
        # `builtins.exec`, `getattr(builtins, 'ex' + 'ec')`, `vars(builtins)['exec']`, `from builtins import exec as run`
        for v in self.ev.eval(func, scope, order):
            if isinstance(v, ModVal) and v.name.startswith("builtins.") and v.name[9:] in _BUILTINS:
                return v.name[9:]
        return None

    def _prefix(self, e: Expr, scope: Scope, order: int) -> None:
        """The base of an attribute chain: only calls inside it matter."""
        while isinstance(e, Attr):
            e = e.value
        if not isinstance(e, Name):
            self._visit(e, scope, order)

    def _computed_attribute(self, call: Call, scope: Scope, order: int) -> None:
        """``getattr(socket, name)``: an attribute of a network module that cannot be known."""
        for v in self.ev.eval(call.args[0], scope, order):
            entry = self.catalog.module(v.name) if isinstance(v, ModVal) else None
            if entry is not None and (entry.unlisted is not Capability.HELPER or NETWORK & set(entry.members.values())):
                head = fold.prefix(call.args[1], self.ev.resolver(scope, order))
                if head and is_constant(head + "X"):
                    return               # getattr(ssl, "PROTOCOL_" + name): a family of constants
                folded = self.ev.fold(call.args[1], scope, order)
                note = "fold budget exceeded" if folded.exceeded else \
                    f"computed attribute of {entry.name}: {render(call)}"
                self.code.unresolved(FindingKind.DYNAMIC_REQUIRE, "getattr", entry.name, call, scope, note,
                                     Confidence.LOW)
                return

    # -- calls and references ---------------------------------------------
    def _on_call(self, call: Call, scope: Scope, order: int) -> None:
        if self.only is not None and _root_name(call.func) not in self.only[0]:
            return
        made = False
        for v in self.ev.callees(call, scope, order):      # a property's value called too
            self._mark_use(v)
            if isinstance(v, FuncVal):
                self.calls.append((scope, v.scope))
            elif isinstance(v, (LocalVal, ModVal)):
                self._local_use(v, call, scope, True)
            if made:
                continue
            if isinstance(v, MemVal) and v.capability in NETWORK:
                if ipc.local_creation(self.ev, v.api, call, scope, order):
                    continue                               # an AF_UNIX socket: local IPC (ipc.py)
                note = _socket_note(call) if v.api in ("socket.socket", "socket.fromfd") else ""
                note = "; ".join(n for n in (v.how, v.origin.how, note) if n)
                self.add(FindingKind.NETWORK, v.api, v.module, v.capability, call, scope, v.trace, note,
                         details=(call, order))
                made = True
            elif isinstance(v, MethodVal) and v.capability in NETWORK:
                peer = ipc.peer(self.ev, v, call, scope, order)   # a local socket, or one that sends nothing
                if peer == ipc.LOCAL:
                    continue
                how = v.inst.origin.how if v.inst.origin is not None else ""
                how = "; ".join(n for n in (how, ipc.SILENT_NOTE if peer == ipc.SILENT else "") if n)
                self.add(FindingKind.NETWORK, v.api, v.inst.module, v.capability, call, scope, v.inst.trace, how,
                         details=None if peer == ipc.SILENT else (call, order))
                made = True
            elif (launch := launched(v)) is not None:        # subprocess.run & co.: shellout.py
                self._shell = self._shell or ShellOut(self)
                made = self._shell.call(call, v, *launch, scope, order)  # type: ignore[arg-type]
            elif isinstance(v, ModVal) and v.name in _FILE_LOADERS:
                self.code.load_file(call, v.name, scope, order)
                made = True
            elif isinstance(v, ClassVal):
                base = self.ev.network_base(v.cls)
                if base is not None and base.capability is not None:
                    step = self.loc.step(v.cls.line, v.cls.col, f"class {v.cls.name} subclasses {base.api}")
                    self.add(FindingKind.NETWORK, base.api, base.module, base.capability, call, scope,
                              base.trace + (step,), f"via subclass {v.cls.name}")
                    made = True
            elif isinstance(v, DynImport):
                if self.ev.dynamic_import(v, call, scope, order) is None \
                        and not self.ev.is_relative_import(call, scope, order):
                    arg = call.args[0] if call.args else None
                    module = "builtins" if v.api == "__import__" else "importlib"
                    imported = self.ev.import_values(v.origin) if v.origin else ()
                    # `from importlib import import_module` binds the loader itself: no trace of its own
                    trace = getattr(imported[0], "trace", ()) if imported else ()
                    exceeded = arg is not None and self.ev.fold(arg, scope, order).exceeded
                    note = "fold budget exceeded" if exceeded else render(arg) if arg is not None else ""
                    if v.via:
                        note = f"{note}; via {v.via}" if note else f"via {v.via}"
                    strings = self.code.strings_note()
                    self.add(FindingKind.DYNAMIC_REQUIRE, v.api, module, Capability.CONNECT, call, scope,
                             trace, f"{note}; {strings}" if strings else note, Confidence.LOW)
                    made = True

    def _local_use(self, v: LocalVal | ModVal, at: Expr, scope: Scope, called: bool) -> None:
        use = local_use(self.own, v, self.loc, at, scope.in_function, called)
        if use is not None:
            self.uses.append((scope, use))

    def _on_reference(self, e: Expr, scope: Scope, order: int, role: str) -> None:
        if self.only is not None and _root_name(e) not in self.only[1]:
            return
        assigned = role == ASSIGNED
        for v in self.ev.eval(e, scope, order):
            if role == TYPING:
                self._mark_helper(v)
                continue
            if isinstance(v, (LocalVal, ModVal)) and not assigned:
                self._local_use(v, e, scope, False)
            if isinstance(v, MethodVal) and ipc.local_instance(self.ev, v.inst):
                continue                                   # a method of an AF_UNIX socket handed on
            if isinstance(v, (MemVal, MethodVal)) and v.capability in NETWORK \
                    and v.capability is not Capability.SOCKET:
                if not assigned:
                    module = v.module if isinstance(v, MemVal) else v.inst.module
                    trace = v.trace if isinstance(v, MemVal) else v.inst.trace
                    self.add(FindingKind.NETWORK, v.api, module, v.capability, e, scope, trace,
                              "referenced, not called", Confidence.MEDIUM)
                    self._mark(v.origin if isinstance(v, MemVal) else v.inst.origin, "network")
                return
            if isinstance(v, MemVal):
                self._mark(v.origin, "helper" if v.capability is Capability.HELPER else "opaque")
            elif isinstance(v, ModVal) and not assigned:
                self._mark(v.origin, self._module_use(v))

    def _mark_helper(self, v: Value) -> None:
        if isinstance(v, (MemVal, ModVal)):
            self._mark(v.origin, "helper")
        elif isinstance(v, MethodVal):
            self._mark(v.inst.origin, "helper")

    def _mark_use(self, v: Value) -> None:
        if isinstance(v, MemVal):
            use = "network" if v.capability in NETWORK else "helper" if v.capability is Capability.HELPER else "opaque"
            self._mark(v.origin, use)
        elif isinstance(v, MethodVal):
            self._mark(v.inst.origin, "network" if v.capability in NETWORK else "helper")
        elif isinstance(v, ModVal):
            self._mark(v.origin, self._module_use(v))

    def _module_use(self, v: ModVal) -> str:
        """A network module passed around is opaque; ``http.HTTPStatus`` is not that module."""
        entry = self.catalog.module(v.name)
        return "opaque" if entry is not None and entry.unlisted is None else "helper"

    def _mark(self, rec: ImportRec | None, use: str) -> None:
        if rec is not None:
            self.marks.setdefault(id(rec), set()).add(use)

    # -- imports ------------------------------------------------------------
    def _import_findings(self, recs: list[ImportRec]) -> None:
        for rec in recs:
            if "network" not in self.marks.get(id(rec), set()):
                self._dependency(rec)      # a client whose calls are findings needs no dependency line
            target = self.ev.target_module(rec)
            entry = self.catalog.module(target)
            if entry is None or entry.unlisted is not None:
                continue
            member = rec.name not in (None, "*") and self.catalog.module(f"{rec.module}.{rec.name}") is None
            if member and member_capability(entry, rec.name or "") is Capability.HELPER:
                continue
            marks = self.marks.get(id(rec), set())
            if "network" in marks or (marks and marks <= {"helper"}):
                continue
            key = (FindingKind.IMPORT_ONLY, entry.name, rec.line, rec.col)
            self._add_at(key, FindingKind.IMPORT_ONLY, entry.name, entry.name, Capability.CONNECT,
                         rec.line, rec.col, rec.scope, (), "imported, no network use seen", Confidence.LOW)

    def _dependency(self, rec: ImportRec) -> None:
        names = [rec.module] if rec.name in (None, "*") else [f"{rec.module}.{rec.name}", rec.module]
        for name in names:
            parts = name.split(".")
            for i in range(len(parts), 0, -1):
                dep = self.catalog.dependencies.get(".".join(parts[:i]))
                if dep is not None:
                    key = (FindingKind.DEPENDENCY, dep.name, rec.line, rec.col)
                    self._add_at(key, FindingKind.DEPENDENCY, dep.name, rec.module, Capability.CONNECT,
                                 rec.line, rec.col, rec.scope, (), "", Confidence.MEDIUM)
                    return

    # -- findings -----------------------------------------------------------
    def add(self, kind: FindingKind, api: str, module: str, cap: Capability, at: Expr, scope: Scope,
             trace: tuple[TraceStep, ...], note: str = "", confidence: Confidence | None = None,
             details: tuple[Call, int] | None = None) -> None:
        """``details``: the network call and its order, whose destinations and data are worked out."""
        if confidence is None:
            confidence = Confidence.MEDIUM if cap is Capability.SOCKET else Confidence.HIGH
        key = (kind, api, at.line, at.col)
        self._add_at(key, kind, api, module, cap, at.line, at.col, scope, trace, note, confidence, details)

    def _add_at(self, key: tuple, kind: FindingKind, api: str, module: str, cap: Capability, line: int,
                byte_col: int, scope: Scope, trace: tuple[TraceStep, ...], note: str,
                confidence: Confidence, details: tuple[Call, int] | None = None) -> None:
        if key in self.found:
            return
        column = self.loc.column(line, byte_col)
        destinations, sources = (), ()
        if details is not None and kind is FindingKind.NETWORK:
            if self._details is None:
                self._details = RequestDetails(self.ev)
            try:
                destinations, sources = self._details.of(api, details[0], scope, details[1])
            except RecursionError:   # the finding stands; only its details are not worked out
                destinations, sources = (classify(Destination(DYNAMIC, "dynamic", note="too deeply nested")),), ()
        self.found[key] = finding = Finding(
            kind=kind, api=api, module=module, capability=cap, file=self.loc.path, line=line,
            column=column, snippet=self.loc.snippet(line, column), confidence=confidence,
            in_function=scope.in_function, trace=trace, note=note,
            destinations=destinations, data_sources=sources,
        )
        if kind is FindingKind.NETWORK:
            self.scoped.append((scope, finding))

    def place(self, finding: Finding, scope: Scope) -> None:
        """A finding made elsewhere (in a payload) and placed here."""
        key = (finding.kind, finding.api, finding.line, finding.column, finding.note)
        if key not in self.found:
            self.found[key] = finding
            if finding.kind is FindingKind.NETWORK:
                self.scoped.append((scope, finding))


def _socket_note(call: Call) -> str:
    """``SOCK_DGRAM (UDP)`` when the socket type is a constant."""
    keywords = dict(call.keywords)
    family = call.args[0] if call.args else keywords.get("family")
    kind = call.args[1] if len(call.args) > 1 else keywords.get("type")
    notes = []
    fam = _last_name(family)
    if fam in _SOCKET_FAMILIES:
        notes.append(_SOCKET_FAMILIES[fam])
    if kind is None:
        notes.append("SOCK_STREAM (TCP, default)")
    else:
        name = _last_name(kind)
        if name in _SOCKET_TYPES:
            notes.append(_SOCKET_TYPES[name])
    return ", ".join(notes)


def _root_name(e: Expr) -> str | None:
    """The name an attribute/call chain starts from (``t.Client().get`` -> ``t``)."""
    while isinstance(e, (Attr, Call)):
        e = e.value if isinstance(e, Attr) else e.func
    return e.id if isinstance(e, Name) else None


def _last_name(e: Expr | None) -> str | None:
    if isinstance(e, Attr):
        return e.attr
    if isinstance(e, Name):
        return e.id
    return None
