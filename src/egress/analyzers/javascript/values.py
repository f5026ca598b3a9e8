"""What an expression can hold, as far as the network is concerned.

The flow pass (``flow.py``) moves these abstract values from the place a
network module or global enters a file (``require('https')``, a free
``fetch``) up the syntax tree and through bindings.  This module holds
only the values and their semantics against the catalog: what a member
access gives, what calling or constructing one does.  It knows nothing
about syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Union

from egress.catalog import Catalog, ModuleEntry
from egress.model import Capability, TraceStep

from .special import LocalValue, SpecialValue, local_member, special_member

Trace = tuple[TraceStep, ...]


@dataclass(frozen=True)
class ModuleValue:
    """A network module or one of its members (``path`` = member names)."""

    entry: ModuleEntry
    path: tuple[str, ...] = ()
    promised: bool = False          # the promise of `import('x')`, before await/then
    trace: Trace = ()
    origin: int = 0                 # byte offset of the import site
    note: str = ""                  # how it was reached when not plainly (folded name, hidden loader)

    @property
    def key(self) -> tuple:
        return ("module", self.entry.name, self.path, self.promised)

    @property
    def label(self) -> str:
        return ".".join((api_prefix(self.entry), *self.path))


@dataclass(frozen=True)
class InstanceValue:
    """An object of a catalog class (``net.Socket``, ``net.Server``)."""

    cls: str
    module: str
    trace: Trace = ()
    origin: int = 0
    note: str = ""

    @property
    def key(self) -> tuple:
        return ("instance", self.cls)

    @property
    def label(self) -> str:
        return self.cls


@dataclass(frozen=True)
class MethodValue:
    """A method of a catalog class, taken off an instance."""

    cls: str
    name: str
    capability: Capability
    module: str
    trace: Trace = ()
    origin: int = 0
    note: str = ""

    @property
    def key(self) -> tuple:
        return ("method", self.cls, self.name)

    @property
    def label(self) -> str:
        return f"{self.cls}.{self.name}"


@dataclass(frozen=True)
class GlobalValue:
    """A catalog global (``fetch``, ``WebSocket``, ``navigator.sendBeacon``)."""

    name: str
    trace: Trace = ()
    origin: int = 0
    note: str = ""

    @property
    def key(self) -> tuple:
        return ("global", self.name)

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class GlobalObject:
    """The global object (``globalThis``, ``window``) or a path below it (``navigator``)."""

    root: str | None                # the global-object name, None for a bare `navigator`
    path: tuple[str, ...] = ()
    trace: Trace = ()
    origin: int = 0
    note: str = ""

    @property
    def key(self) -> tuple:
        return ("globalobj", self.root, self.path)

    @property
    def label(self) -> str:
        return ".".join(p for p in (self.root, *self.path) if p)


Value = Union[ModuleValue, InstanceValue, MethodValue, GlobalValue, GlobalObject, SpecialValue, LocalValue]

#: Members that call or rebind a function without changing what it does.
CALL_FORWARDERS = frozenset({"call", "apply"})
BINDER = "bind"


def api_prefix(entry: ModuleEntry) -> str:
    """`dns/promises` is reported as `dns.promises` so both spellings agree."""
    return entry.name.replace("/", ".")


def module_name(entry: ModuleEntry) -> str:
    return entry.name.split("/")[0]


def with_step(value: Value, step: TraceStep) -> Value:
    """The value with one more trace step (dropped when on the same line as the last)."""
    if value.trace and value.trace[-1].line == step.line:
        return value
    return replace(value, trace=value.trace + (step,))


def member(catalog: Catalog, value: Value, name: str, destructured: bool = False) -> Value | None:
    """What `value.name` holds, or None when it is no longer network-relevant."""
    if isinstance(value, SpecialValue):
        return special_member(value, name)
    if isinstance(value, LocalValue):
        return local_member(value, name, destructured)
    if isinstance(value, ModuleValue):
        if value.promised:
            return None
        if not value.path:
            entry = value.entry
            if name == "default":          # ESM interop: `mod.default.request`
                return value
            if name not in entry.members and name in entry.returns:
                cls = entry.returns[name]
                return InstanceValue(cls, module_name(entry), value.trace, value.origin, value.note)
            return replace(value, path=(name,))
        return value if name in CALL_FORWARDERS else None
    if isinstance(value, InstanceValue):
        cls = catalog.classes.get(value.cls)
        if cls is None or name not in cls.methods:
            return None
        cap = cls.methods[name]
        if cap is None or cap is Capability.HELPER:
            return None
        return MethodValue(value.cls, name, cap, value.module, value.trace, value.origin, value.note)
    if isinstance(value, (MethodValue, GlobalValue)):
        return value if name in CALL_FORWARDERS else None
    if isinstance(value, GlobalObject):
        dotted = ".".join((*value.path, name))
        entry = catalog.globals.get(dotted)
        if entry is not None and (value.root is None or value.root in entry.via):
            return GlobalValue(dotted, value.trace, value.origin, value.note)
        if any(g.startswith(dotted + ".") for g in catalog.globals):
            return GlobalObject(value.root, (*value.path, name), value.trace, value.origin, value.note)
        return None
    return None


@dataclass(frozen=True)
class Use:
    """A network operation performed by a call or `new`."""

    api: str
    module: str
    capability: Capability


def call_use(catalog: Catalog, value: Value, construct: bool) -> Use | None:
    """The network operation of `value(...)` / `new value(...)`, if any."""
    if isinstance(value, ModuleValue):
        if value.promised:
            return None
        entry = value.entry
        if not value.path:
            cap = entry.construct if construct else entry.call
            return Use(api_prefix(entry), module_name(entry), cap) if _network(cap) else None
        name = value.path[0]
        cap = entry.members.get(name, entry.unlisted)
        if not _network(cap):
            return None
        return Use(f"{api_prefix(entry)}.{name}", module_name(entry), cap)
    if isinstance(value, MethodValue):
        return Use(f"{value.cls}.{value.name}", value.module, value.capability)
    if isinstance(value, GlobalValue):
        entry = catalog.globals[value.name]
        if entry.construct_only and not construct:
            return None
        return Use(value.name, "<global>", entry.capability)
    return None


def call_result(catalog: Catalog, value: Value) -> Value | None:
    """What calling `value` returns, when it is an object of a catalog class."""
    if isinstance(value, ModuleValue) and value.path and not value.promised:
        cls = value.entry.returns.get(value.path[0])
        if cls is not None:
            return InstanceValue(cls, module_name(value.entry), value.trace, value.origin, value.note)
    if isinstance(value, ModuleValue) and not value.path and value.entry.construct_returns:
        return InstanceValue(value.entry.construct_returns, module_name(value.entry), value.trace, value.origin, value.note)
    if isinstance(value, MethodValue):
        cls = catalog.classes.get(value.cls)
        if cls is not None and value.name in cls.returns:
            return InstanceValue(cls.returns[value.name], value.module, value.trace, value.origin, value.note)
    if isinstance(value, GlobalValue):
        returns = catalog.globals[value.name].returns
        if returns:
            return InstanceValue(returns, "<global>", value.trace, value.origin, value.note)
    return None


def is_helper_member(entry: ModuleEntry, name: str) -> bool:
    """A member that is never network use (`net.isIP`, `http.STATUS_CODES`)."""
    return name in entry.members and entry.members[name] is Capability.HELPER


def main_capability(entry: ModuleEntry) -> Capability:
    """The capability an import of the whole module stands for (import-only findings)."""
    for cap in entry.members.values():
        if _network(cap) and cap is not Capability.SOCKET:
            return cap
    return Capability.CONNECT


def _network(cap: Capability | None) -> bool:
    return cap is not None and cap is not Capability.HELPER
