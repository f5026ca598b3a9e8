"""Values that are not network APIs themselves but lead to one.

``SpecialValue``: module loaders other than a plain `require(…)` call
(`module.require`, `require.call`, `createRequire(…)`, `Module._load`, an
aliased `require`), the objects they hang off (`module`, `Module`,
`process`), raw socket bindings (`process.binding`), and code sinks
(`eval`, `Function`, `vm.runInThisContext`, `Module.prototype._compile`,
`setTimeout` with a string).  ``LocalValue``: whatever a *relative*
module (`./transport`) hands out, followed only so that the cross-file
linker learns where the package's own modules are used.

This module holds only what a member access of such a value gives; what a
call does (fold the argument, load a module, analyse a payload) is the
analyzer's (``hidden.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from egress.catalog.shell_tools import load_shell_tools
from egress.model import TraceStep

#: Kinds of SpecialValue.
LOADER = "loader"                # calling it loads the module named by its argument
LOADER_CALL = "loader.call"      # `require.call(this, name)`: the name is the 2nd argument
LOADER_APPLY = "loader.apply"    # `require.apply(null, [name])`
MODULE_CLASS = "Module"          # require('module'), module.constructor
MODULE_OBJECT = "module"         # the free `module`, `new Module()`, process.mainModule
PROTOTYPE = "Module.prototype"
CREATE_REQUIRE = "createRequire"
PROCESS = "process"
BINDING = "binding"              # process.binding / process._linkedBinding
CODE = "code"                    # runs its argument as code (eval, vm.runInThisContext, _compile, setTimeout)
FUNCTION = "Function"            # the Function constructor: its last argument is a body
VM = "vm"
RETURNS = "returns"              # a function that returns `result` (Function('return this'))
LAUNCHER = "launcher"            # child_process, worker_threads (catalog/shell_tools.toml)
LAUNCH = "launch"                # child_process.exec & co., worker_threads.Worker: read by shellout.py

#: vm members that compile or run a string.
VM_SINKS = frozenset({"runInThisContext", "runInNewContext", "runInContext", "Script", "compileFunction"})
LOADER_SPECIFIERS = frozenset({"module", "node:module"})
VM_SPECIFIERS = frozenset({"vm", "node:vm"})


@dataclass(frozen=True)
class SpecialValue:
    kind: str
    label: str                       # as written: "module.require", "eval", "vm.runInThisContext"
    trace: tuple[TraceStep, ...] = ()
    origin: int = 0
    note: str = ""
    result: object = None            # RETURNS: the value a call gives
    skip: int = 0                    # CODE: leading arguments before the code (`_compile.call(m, code)`)

    @property
    def key(self) -> tuple:
        return ("special", self.kind, self.label)


@dataclass(frozen=True)
class LocalValue:
    """Something a relative module exports: the module (`member` None) or one export."""

    specifier: str
    member: str | None = None
    attribute: str | None = None
    trace: tuple[TraceStep, ...] = ()
    origin: int = 0
    note: str = ""

    @property
    def key(self) -> tuple:
        return ("local", self.specifier, self.member, self.attribute)

    @property
    def label(self) -> str:
        return ".".join(p for p in (self.specifier, self.member, self.attribute) if p)


_FORWARDERS = frozenset({"call", "apply"})


def special_member(value: SpecialValue, name: str) -> SpecialValue | None:
    """What `value.name` holds."""
    kind = value.kind
    label = f"{value.label}.{name}"
    if kind == LOADER:
        if name == "call":
            return replace(value, kind=LOADER_CALL, label=label)
        if name == "apply":
            return replace(value, kind=LOADER_APPLY, label=label)
        if name == "main":
            return replace(value, kind=MODULE_OBJECT, label=label)
        return None
    if kind == MODULE_OBJECT:
        if name == "require":
            return replace(value, kind=LOADER, label=label)
        if name == "constructor":
            return replace(value, kind=MODULE_CLASS, label=label)
        if name == "_compile":
            return replace(value, kind=CODE, label=label)
        return None
    if kind == MODULE_CLASS:
        if name == "_load":
            return replace(value, kind=LOADER, label=label)
        if name == "createRequire":
            return replace(value, kind=CREATE_REQUIRE, label=label)
        if name == "prototype":
            return replace(value, kind=PROTOTYPE, label=label)
        if name in ("Module", "default"):
            return value
        return None
    if kind == PROTOTYPE:
        if name == "_compile":
            return replace(value, kind=CODE, label=label)
        if name == "require":
            return replace(value, kind=LOADER, label=label)
        return None
    if kind == PROCESS:
        if name in ("binding", "_linkedBinding"):
            return replace(value, kind=BINDING, label=label)
        if name == "mainModule":
            return replace(value, kind=MODULE_OBJECT, label=label)
        return None
    if kind == VM:
        if name in VM_SINKS:
            return replace(value, kind=CODE, label=label)
        return value if name == "default" else None
    if kind == LAUNCHER:
        table = load_shell_tools()
        if name == "default":
            return value
        known = table.launch(value.label, name) is not None or table.runs_code(value.label, name) is not None
        return replace(value, kind=LAUNCH, label=label) if known else None
    if kind == CODE and name == "call" and value.skip == 0:
        return replace(value, label=label, skip=1)     # `Module.prototype._compile.call(m, code)`
    return None


def local_member(value: LocalValue, name: str, destructured: bool) -> LocalValue | None:
    """`t.send` (an attribute of the module) or `{send} = t` (an export taken by name)."""
    if value.attribute is not None:
        return value if name in _FORWARDERS else None
    if value.member is None and name == "default":
        return value                 # ESM interop: the module value itself
    if value.member is None and destructured:
        return replace(value, member=name)
    if value.member is not None and name in _FORWARDERS:
        return value
    return replace(value, attribute=name)
