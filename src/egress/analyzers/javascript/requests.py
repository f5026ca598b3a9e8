"""Where a network call site connects: its destinations, as far as the code says.

Read per API shape: a URL or an options object (`http.request`, `https.get`,
`fetch`, `new WebSocket`, `navigator.sendBeacon`, `http2.connect`), a port and
host (`net.connect(port, host)`, `socket.connect({host, port})`,
`tls.connect`), a host name (`dns.lookup`), `xhr.open(method, url)` on a new
`XMLHttpRequest`.  Texts come from ``render.py`` (`<dynamic>` for the parts
that are not constant) and are classified by ``egress.destinations``.
Only network call sites are looked at, so the common path stays fast.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from tree_sitter import Node

from egress.destinations import parse_destination
from egress.model import Capability, Destination, Finding

from .bindings import Bindings, arguments_of, unwrap
from .fold import property_value
from .methods import call_label
from .render import DYNAMIC, MAX_ALTERNATIVES, Piece, Renderer, collapse
from .syntax import text

_URL_APIS = ("http.request", "http.get", "https.request", "https.get", "fetch", "WebSocket", "EventSource",
             *(f"{client}{suffix}" for client in ("axios", "node-fetch", "got", "superagent", "request", "needle", "ky")
               for suffix in ("", ".get", ".post", ".put", ".patch", ".delete", ".del", ".head", ".options", ".stream",
                              ".postForm", ".putForm", ".patchForm")),
             "undici.request", "undici.fetch", "undici.stream",
             "navigator.sendBeacon", "http2.connect", "http.ClientRequest", "https.ClientRequest",
             *(f"{instance}.{method}" for instance in ("axios.Axios", "got.Got", "ky.Ky")
               for method in ("request", "get", "post", "put", "patch", "delete", "head", "options", "stream")))
#: APIs named exactly (too short to be matched as a suffix) whose first argument is a URL.
_URL_API_NAMES = frozenset({"ws", "socket.io-client", "socket.io-client.io", "socket.io-client.connect",
                            "socket.io-client.Manager", "mqtt.connect", "mqtt.connectAsync"})
_FUNCTIONS = frozenset({"function", "function_expression", "arrow_function"})
HOST_FROM_DATA = "host built from data"


def call_of(node: Node) -> Node | None:
    """The call or `new` a finding is reported at (its node may be the method name)."""
    current: Node | None = node
    for _ in range(3):
        if current is None:
            return None
        if current.type in ("call_expression", "new_expression"):
            return current
        current = current.parent
    return None


def destinations(finding: Finding, call: Node, bindings: Bindings, renderer: Renderer) -> tuple[Destination, ...]:
    """The destinations of one network call (empty when the API has none, e.g. a server)."""
    api, args = finding.api, arguments_of(call)
    scheme = finding.module if finding.module in ("http", "https") else ""
    pieces: list[Piece] = []
    if finding.capability is Capability.RESOLVE and finding.api.split(".")[-1] != "reverse":
        pieces = renderer.render(args[0]) if args else [Piece(DYNAMIC)]
    elif api.endswith(_URL_APIS) or api in _URL_API_NAMES:
        pieces = _url_or_options(args[0] if args else None, scheme, bindings, renderer)
        pieces = [p if not p.text.startswith(DYNAMIC) or "://" in p.text else Piece(DYNAMIC, p.note) for p in pieces]
    elif api == "XMLHttpRequest":
        opened = [c for m, c in bindings.method_calls(call) if m == "open"]
        for open_call in opened:
            open_args = arguments_of(open_call)
            pieces += renderer.render(open_args[1]) if len(open_args) > 1 else [Piece(DYNAMIC)]
    elif finding.capability is Capability.CONNECT and api.endswith(("connect", "createConnection")):
        pieces = _connect(args, "tls" if api.startswith("tls") else "", bindings, renderer)
    elif api == "dgram.Socket.send" and len(args) >= 3:
        pieces = _host_port(args[-2] if args[-1].type in _FUNCTIONS else args[-1],
                            args[-3] if args[-1].type in _FUNCTIONS else args[-2], renderer)
    found: dict[str, Destination] = {}
    for piece in pieces[:MAX_ALTERNATIVES]:
        dest = destination_of(piece)
        if dest is not None:
            found.setdefault(dest.text, dest)
    return tuple(found.values())


def destination_of(piece: Piece) -> Destination | None:
    value = collapse(piece.text.strip())
    if not value:
        return None
    if value == DYNAMIC or value.startswith(DYNAMIC + "://") or value == f"{DYNAMIC}:{DYNAMIC}":
        return replace(parse_destination(DYNAMIC, "dynamic"), note=piece.note)
    known = "partial" if DYNAMIC in value else "full"
    dest = parse_destination(value, known)
    notes = [piece.note] if piece.note and not piece.note.startswith("from env") else []
    if DYNAMIC in dest.host and not dest.host.endswith(DYNAMIC):
        notes.insert(0, HOST_FROM_DATA)     # a fixed domain under a name made at run time (DNS exfiltration)
    if notes:
        dest = replace(dest, note="; ".join(notes))
    return dest


def _url_or_options(node: Node | None, scheme: str, bindings: Bindings, renderer: Renderer,
                    follow: bool = True) -> list[Piece]:
    options = _options_object(node, bindings)
    if options is not None:
        return _from_options(options, scheme, renderer)
    passed = _per_caller(node, bindings, renderer,
                         lambda arg: _url_or_options(arg, scheme, bindings, renderer, False)) if follow else None
    return passed if passed is not None else renderer.render(node)


def _per_caller(node: Node | None, bindings: Bindings, renderer: Renderer,
                each: Callable[[Node | None], list[Piece]]) -> list[Piece] | None:
    """For a parameter that receives options objects (`open({host, port})`): each caller's argument.

    None when `node` is not such a parameter (the renderer follows plain values itself).
    """
    ident = unwrap(node) if node is not None else None
    if ident is None or ident.type != "identifier" or bindings.stored(ident) or bindings.members_written(ident):
        return None
    param = bindings.parameter(ident)
    if param is None:
        return None
    fn, position = param
    calls = bindings.callers(fn)[:MAX_ALTERNATIVES]
    args = [arguments_of(c)[position] if position < len(arguments_of(c)) else None for c in calls]
    if not any(a is not None and _options_object(a, bindings) is not None for a in args):
        return None
    pieces = []
    for call, arg in zip(calls, args):
        note = f"passed to {call_label(call)}() at line {renderer.position(call)[0]}"
        pieces += [Piece(p.text, p.note or note) for p in each(arg)]
    return pieces


def _options_object(node: Node | None, bindings: Bindings) -> Node | None:
    """The object literal `node` is (or a name holding only one), else None."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "object":
        return node
    if node.type == "identifier":
        return bindings.literal_object(node)
    return None


def _from_options(options: Node, scheme: str, renderer: Renderer) -> list[Piece]:
    """`{protocol, hostname|host, port, path}` as a URL (`host` may carry the port)."""
    if any(c.type == "spread_element" for c in options.named_children):
        return [Piece(DYNAMIC)]
    url = property_value(options, "url")
    if url is not None:          # client libraries' config: `{url, baseURL}` (axios, got, request…)
        base = property_value(options, "baseURL") or property_value(options, "prefixUrl")
        bases = renderer.render(base) if base is not None else [Piece("")]
        return [Piece(b.text + u.text, b.note or u.note) for b in bases for u in renderer.render(url)][
            :MAX_ALTERNATIVES]
    protocol = property_value(options, "protocol")
    host = property_value(options, "hostname") or property_value(options, "host")
    port, path = property_value(options, "port"), property_value(options, "path")
    if protocol is not None:
        scheme = _first(renderer.render(protocol)).rstrip(":")
    hosts = renderer.render(host) if host is not None else [Piece("localhost")]
    ports = renderer.render(port) if port is not None else [Piece("")]
    paths = renderer.render(path) if path is not None else [Piece("")]
    pieces = []
    for h in hosts:
        for p in ports:
            for q in paths:
                authority = h.text + (f":{p.text}" if p.text else "")
                prefix = f"{scheme}://" if scheme and scheme != DYNAMIC else ("" if not scheme else f"{DYNAMIC}://")
                pieces.append(Piece(prefix + authority + q.text, h.note or p.note or q.note))
    return pieces[:MAX_ALTERNATIVES]


def _connect(args: list[Node], scheme: str, bindings: Bindings, renderer: Renderer,
             follow: bool = True) -> list[Piece]:
    """`connect(port, host)`, `connect({host, port})`, `connect(path)` (a local socket: none)."""
    if not args:
        return []
    if len(args) == 1 and follow:
        passed = _per_caller(args[0], bindings, renderer,
                             lambda arg: _connect([arg] if arg is not None else [], scheme, bindings, renderer, False))
        if passed is not None:
            return passed
    options = _options_object(args[0], bindings)
    if options is not None:
        if property_value(options, "path") is not None and property_value(options, "port") is None:
            return []
        host = property_value(options, "host") or property_value(options, "hostname")
        return _host_port(host, property_value(options, "port"), renderer)
    first = renderer.render(args[0])
    if all(p.text != DYNAMIC and not p.text.isdigit() for p in first):
        return []                           # a path: a local (unix) socket
    host = args[1] if len(args) > 1 and args[1].type not in _FUNCTIONS and args[1].type != "object" else None
    if host is None and any(p.text == DYNAMIC for p in first):
        return [Piece(DYNAMIC)]             # options, a port or a path: not known here
    return _host_port(host, args[0], renderer)


def _host_port(host: Node | None, port: Node | None, renderer: Renderer) -> list[Piece]:
    hosts = renderer.render(host) if host is not None else [Piece("localhost")]
    ports = renderer.render(port) if port is not None else [Piece("")]
    return [Piece(h.text + (f":{p.text}" if p.text else ""), h.note or p.note) for h in hosts for p in ports]


def _first(pieces: list[Piece]) -> str:
    return pieces[0].text if pieces else DYNAMIC

