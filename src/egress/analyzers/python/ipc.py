"""Local IPC is not network access: UNIX-domain sockets and datagram sockets that send nothing.

A socket is network only when its address family reaches other hosts.
``socket.socket(AF_UNIX, …)`` (and ``socket.fromfd(fd, AF_UNIX, …)``) talks to
a path on this machine, and so do its ``connect``/``bind``/``listen``/
``accept``; a path argument (a string, where an internet family wants a
``(host, port)`` tuple) says the same of the socket it is given to.  The
family is data the evaluator already reads: ``socket.AF_UNIX``, a name or
class attribute bound to it.  Anything else — a parameter, ``self.FAMILY``
of an unknown subclass, a mix of families — keeps the network finding.

A ``SOCK_DGRAM`` socket that is ``connect``ed and never written to sends no
packet (the "which interface would route there" trick): its connect stays
a finding, since the socket is network-capable, but carries no destination.
Only a socket held in a function's local name, every use of which is a
method that sends nothing, counts; one handed on or stored may be written
elsewhere.
"""

from __future__ import annotations

from egress.analyzers.python import fold
from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.ir import Attr, BinOp, Call, Const, Expr, FStr, Name, children
from egress.analyzers.python.scopes import Scope
from egress.analyzers.python.values import InstVal, MemVal, MethodVal

LOCAL = "local"          # the peer is a path on this machine: no network finding
SILENT = "silent"        # a datagram socket connected and never written to: no destination
SILENT_NOTE = "SOCK_DGRAM connect, nothing sent on it: no packet leaves"

#: Where each socket constructor takes its family: (position, keyword).
_FAMILY_ARG = {"socket.socket": (0, "family"), "socket.fromfd": (1, "family")}
_TYPE_ARG = {"socket.socket": (1, "type"), "socket.fromfd": (2, "type")}
_UNIX = frozenset({"socket.AF_UNIX", "socket.AddressFamily.AF_UNIX"})
_DGRAM = frozenset({"socket.SOCK_DGRAM", "socket.SocketKind.SOCK_DGRAM"})
_TYPE_FLAGS = frozenset({"socket.SOCK_CLOEXEC", "socket.SOCK_NONBLOCK"})
#: Methods whose first argument (``sendto``: last) is the peer address.
_ADDRESS_METHODS = frozenset({"connect", "connect_ex", "bind"})
#: Calls that always give a str or bytes: a path, never a ``(host, port)`` tuple.
_STRING_CALLS = frozenset({"os.fspath", "os.fsencode", "os.fsdecode", "str", "os.path.join", "os.path.abspath",
                           "os.path.realpath", "os.path.normpath", "os.path.expanduser", "os.path.expandvars"})
#: What may be done with a connected datagram socket without sending anything.
_QUIET = frozenset({"connect", "connect_ex", "getsockname", "getpeername", "close", "settimeout", "setblocking",
                    "setsockopt", "getsockopt", "gettimeout", "shutdown", "family", "type", "proto",
                    "__enter__", "__exit__"})


def local_creation(ev: Evaluator, api: str, call: Call, scope: Scope, order: int) -> bool:
    """``socket.socket(AF_UNIX, …)`` / ``socket.fromfd(fd, AF_UNIX, …)``: a socket of the local family.

    ``socket.create_server(path)`` too: it binds its address, and only AF_UNIX takes a string.
    """
    if api == "socket.create_server":
        address = _arg(call, 0, "address")
        return address is not None and _is_string(ev, address, scope, order)
    spec = _FAMILY_ARG.get(api)
    if spec is None:
        return False
    family = _arg(call, *spec)
    return family is not None and _is_named(ev, family, scope, order, _UNIX)


def peer(ev: Evaluator, v: MethodVal, call: Call, scope: Scope, order: int) -> str:
    """``LOCAL``, ``SILENT`` or "" (network) for a method called on a catalogued socket."""
    if v.inst.cls != "socket.socket":
        return ""
    if local_instance(ev, v.inst):
        return LOCAL
    address = _address(v.method, call)
    if address is not None and _is_string(ev, address, scope, order):
        return LOCAL                      # a path: AF_INET and AF_INET6 take (host, port) tuples
    if v.method in ("connect", "connect_ex") and _datagram(ev, v.inst) and _nothing_sent(ev, call, scope):
        return SILENT
    return ""


def local_instance(ev: Evaluator, inst: InstVal) -> bool:
    """A socket object whose creation named the local family."""
    made = inst.made
    return made is not None and local_creation(ev, *made)


# -- families and types ---------------------------------------------------------
def _is_named(ev: Evaluator, e: Expr, scope: Scope, order: int, names: frozenset[str]) -> bool:
    """Whether ``e`` always is one of the ``socket`` constants ``names`` (by evaluation, else by its import)."""
    if ev.qualify(e, scope, order) in names:
        return True
    values = ev.eval(e, scope, order)
    return bool(values) and all(isinstance(v, MemVal) and v.api in names for v in values)


def _datagram(ev: Evaluator, inst: InstVal) -> bool:
    """The socket was made ``SOCK_DGRAM`` (alone or with ``SOCK_CLOEXEC``/``SOCK_NONBLOCK`` flags)."""
    if inst.made is None:
        return False
    api, call, scope, order = inst.made
    spec = _TYPE_ARG.get(api)
    kind = _arg(call, *spec) if spec is not None else None
    if kind is None:
        return False
    parts = [kind]
    while parts and isinstance(parts[-1], BinOp) and parts[-1].op == "|":
        top = parts.pop()
        parts += [top.left, top.right]       # type: ignore[attr-defined]
    dgram = [p for p in parts if _is_named(ev, p, scope, order, _DGRAM)]
    return len(dgram) == 1 and all(p in dgram or _is_named(ev, p, scope, order, _TYPE_FLAGS) for p in parts)


# -- peer arguments -------------------------------------------------------------
def _address(method: str, call: Call) -> Expr | None:
    if method in _ADDRESS_METHODS:
        return _arg(call, 0, "address")
    if method == "sendto" and len(call.args) >= 2:
        return call.args[-1]
    return None


def _is_string(ev: Evaluator, e: Expr, scope: Scope, order: int) -> bool:
    """``e`` always gives a str or bytes: a literal, a constant fold, an f-string, a path function."""
    if isinstance(e, Const):
        return isinstance(e.value, (str, bytes))
    if isinstance(e, FStr):
        return True
    if isinstance(e, Call):
        return ev.qualify(e.func, scope, order) in _STRING_CALLS
    if isinstance(e, BinOp) and e.op == "+" and fold.prefix(e, ev.resolver(scope, order)):
        return True                          # "/run/" + name
    return isinstance(ev.fold(e, scope, order).value, (str, bytes))


# -- datagram sockets that send nothing -------------------------------------------
def _nothing_sent(ev: Evaluator, call: Call, scope: Scope) -> bool:
    """Every use of the connected socket's local name, here and in nested functions, sends nothing."""
    func = call.func
    if not scope.in_function or not isinstance(func, Attr) or not isinstance(func.value, Name):
        return False
    name = func.value.id
    if any(b.kind not in ("assign", "unknown") for b in scope.bindings.get(name, ())) or name in scope.globals \
            or name in scope.params:
        return False
    for s in ev.program.scopes:
        if s is scope or _inside(s, scope):
            if not all(_quiet_uses(root, name) for root, _, _ in s.roots):   # returns are roots too
                return False
    return True


def _inside(s: Scope, outer: Scope) -> bool:
    current = s.parent
    while current is not None:
        if current is outer:
            return True
        current = current.parent
    return False


def _quiet_uses(e: Expr, name: str) -> bool:
    """No use of ``name`` in ``e`` other than ``name.<quiet method or attribute>``."""
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, Attr) and isinstance(node.value, Name) and node.value.id == name:
            if node.attr not in _QUIET:
                return False
            continue
        if isinstance(node, Name) and node.id == name:
            return False
        stack.extend(children(node))
    return True


def _arg(call: Call, position: int, keyword: str) -> Expr | None:
    for key, value in call.keywords:
        if key == keyword:
            return value
    return call.args[position] if position < len(call.args) else None
