"""What an expression may stand for, as far as network use is concerned.

Only values that can lead to a network API are tracked; everything else is
the empty tuple ("unknown").  Each value remembers where it came from
(``origin``, the import it was reached through) and the ``trace`` that led
to it, so a finding can show the import and the object creation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from egress.analyzers.python.ir import Call
from egress.analyzers.python.scopes import ClassInfo, ImportRec, Scope
from egress.model import Capability, TraceStep


@dataclass(frozen=True, slots=True)
class ModVal:
    """A module (or package) object, by canonical name."""

    name: str
    origin: ImportRec
    trace: tuple[TraceStep, ...]


@dataclass(frozen=True, slots=True)
class MemVal:
    """A member of a catalogued module: ``socket.create_connection``."""

    module: str
    member: str
    capability: Capability | None     # None: not listed in the catalog
    origin: ImportRec
    trace: tuple[TraceStep, ...]
    how: str = ""                     # the member name was folded: how (for the note)

    @property
    def api(self) -> str:
        return f"{self.module}.{self.member}"


@dataclass(frozen=True, slots=True)
class InstVal:
    """An object of a catalogued class: the socket ``socket.socket()`` made.

    ``made``: the constructor call (api, call, scope, order) when the object
    comes straight from one, so its arguments (a socket's family) can be read.
    """

    cls: str
    module: str
    origin: ImportRec | None
    trace: tuple[TraceStep, ...]
    made: tuple[str, Call, Scope, int] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class MethodVal:
    """A bound method of a catalogued object: ``sock.connect``."""

    inst: InstVal
    method: str
    capability: Capability | None

    @property
    def api(self) -> str:
        return f"{self.inst.cls}.{self.method}"


@dataclass(frozen=True, slots=True)
class SelfVal:
    """An instance of a class defined in this file (``self`` in its methods)."""

    cls: ClassInfo


@dataclass(frozen=True, slots=True)
class ClassVal:
    cls: ClassInfo


@dataclass(frozen=True, slots=True)
class FuncVal:
    scope: Scope


@dataclass(frozen=True, slots=True)
class DynImport:
    """The builtin ``__import__`` or ``importlib.import_module``."""

    api: str                          # "__import__", "importlib.import_module"
    origin: ImportRec | None
    via: str = ""                     # reached in a hidden way: "builtins.__dict__['__import__']"


@dataclass(frozen=True, slots=True)
class LocalVal:
    """Something imported from a module of the same package (``from .transport import send``).

    ``attrs``: attributes taken on it since (``transport.send`` -> ("send",)).
    """

    origin: ImportRec
    member: str | None
    attrs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SysModules:
    """``sys.modules``: indexing it by a constant is an import."""

    origin: ImportRec | None


Value = ModVal | MemVal | InstVal | MethodVal | SelfVal | ClassVal | FuncVal | DynImport | LocalVal | SysModules

NETWORK = frozenset({Capability.REQUEST, Capability.CONNECT, Capability.LISTEN,
                     Capability.RESOLVE, Capability.SOCKET})
