"""Local IPC is not network access: UNIX-domain sockets and Windows named pipes.

Node reads a string that is not a number as a path wherever it takes a port
(`net.connect('/var/run/docker.sock')`, `server.listen('\\\\.\\pipe\\app')`),
and an options object's `path` (`net.connect({path})`, `listen({path})`) or
`socketPath` (`http.request({socketPath, path: '/info'})`) as the socket to
use instead of a host.  Such a call talks to this machine only, so it is no
network finding.  A server or `net.Socket` whose every `listen`/`connect`
(chained, or through the one variable it is kept in, never handed on) is
local is none either.

What decides is the argument as the code fixes it: a literal, a constant
name, a template with constant text that no number has.  A parameter (its
callers are not followed: the function may be called from elsewhere), an
object with a spread, a `path` beside a `port`, a value known only at run
time keep the network finding: never a false clean.
"""

from __future__ import annotations

import re
from typing import Callable

from tree_sitter import Node

from egress.model import Finding

from .bindings import Bindings, _chain, arguments_of, unwrap
from .fold import property_value
from .render import DYNAMIC, Renderer
from .requests import call_of
from .syntax import is_field, text

_CONNECT = frozenset({"net.connect", "net.createConnection", "net.Socket.connect", "tls.connect",
                      "tls.TLSSocket.connect"})
_REQUEST = frozenset({"http.request", "http.get", "https.request", "https.get"})
_LISTEN = frozenset({"net.Server.listen"})
#: Objects that are local when each of their `method` calls is (and they are not handed on).
_MADE = {**{api: "listen" for api in ("net.createServer", "net.Server", "http.createServer", "http.Server",
                                      "https.createServer", "https.Server", "tls.createServer", "tls.Server",
                                      "http2.createServer", "http2.createSecureServer")},
         "net.Socket": "connect", "net.Stream": "connect"}
APIS = _CONNECT | _REQUEST | _LISTEN | frozenset(_MADE)
#: A string Node's `Number()` reads as a port (an empty string is port 0).
_NUMERIC = re.compile(r"\s*(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+"
                      r"|[+-]?Infinity)?\s*")
_NUMBER_CHARS = frozenset("0123456789abcdefABCDEFxXoO.+-eEInfinity \t\n")


def local_keys(findings: dict[tuple, Finding], nodes: dict[tuple, Node],
               bindings: Callable[[], Bindings], position: Callable[[Node], tuple[int, int]]) -> list[tuple]:
    """Keys of the network findings whose peer is provably a local socket path or pipe.

    ``bindings`` is called only when some finding is one of the APIs concerned.
    """
    keys = [k for k, f in findings.items()
            if f.api in APIS and k in nodes and not f.note.endswith("(not called here)")]
    if not keys:
        return []
    local = _Local(bindings(), position)
    return [k for k in keys if local.finding(findings[k], nodes[k])]


class _Local:
    def __init__(self, bindings: Bindings, position: Callable[[Node], tuple[int, int]]) -> None:
        self.bindings = bindings
        self.renderer = Renderer(bindings, position, hops=0)   # a parameter's callers are not followed

    def finding(self, finding: Finding, node: Node) -> bool:
        call = call_of(node)
        if call is None:
            return False                     # handed on, not called here
        return self.call(finding.api, call)

    def call(self, api: str, call: Node) -> bool:
        args = arguments_of(call)
        if api in _CONNECT or api in _LISTEN:
            return bool(args) and self._port_or_path(args[0])
        if api in _REQUEST:
            return any(self._socket_path(a) for a in args[:2])
        method = _MADE.get(api)
        if method is None:
            return False
        calls = [c for m, c in self.bindings.method_calls(call) if m == method]
        return bool(calls) and not self._handed_on(call) and all(
            (args := arguments_of(c)) and self._port_or_path(args[0]) for c in calls)

    # -- arguments ----------------------------------------------------------
    def _port_or_path(self, arg: Node) -> bool:
        """`'/tmp/s.sock'`, `{path: '/tmp/s.sock'}` (no port): a path where a port could be."""
        options = self._options(arg)
        if options is not None:
            path = property_value(options, "path")
            return path is not None and property_value(options, "port") is None \
                and property_value(options, "host") is None and self._path(path)
        return self._path(arg)

    def _socket_path(self, arg: Node) -> bool:
        options = self._options(arg)
        path = property_value(options, "socketPath") if options is not None else None
        return path is not None and self._path(path)

    def _options(self, node: Node) -> Node | None:
        node = unwrap(node)
        if node.type == "object":
            return node
        if node.type == "identifier":
            return self.bindings.literal_object(node)
        return None

    def _path(self, node: Node) -> bool:
        unwrapped = unwrap(node)
        if unwrapped.type in ("object", "array", "number", "true", "false", "null", "undefined"):
            return False
        pieces = self.renderer.render(node)
        return bool(pieces) and all(path_text(p.text) for p in pieces)

    # -- objects kept in one variable ----------------------------------------
    def _handed_on(self, call: Node) -> bool:
        """The object a call made may be used where we cannot see (returned, stored, passed)."""
        found, end = _chain(call)
        if found:
            return False                     # `net.createServer(h).listen(p)`: used right there
        parent = end.parent
        if parent is None or parent.type != "variable_declarator" or not is_field(parent, "value", end):
            return True
        name = parent.child_by_field_name("name")
        if name is None or name.type != "identifier":
            return True
        index = self.bindings.index
        decl = self.bindings.declaration(name) or index.declaration_at(name)
        if decl is None:
            return True
        return any(ref.start_byte != name.start_byte and not _chain(ref)[0]
                   for ref in index.references_to(decl, text(name)))


def path_text(value: str) -> bool:
    """A string that no `Number()` reads as a port: its constant text has a character no number has."""
    if DYNAMIC not in value:
        return not _NUMERIC.fullmatch(value)
    return any(c not in _NUMBER_CHARS for c in value.replace(DYNAMIC, ""))
