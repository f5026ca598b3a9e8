"""Request details of a network call site: where it connects and what it sends.

Each stdlib API names where its destination and its payload sit in the
call (``SINKS``): a URL (``urlopen(url, data)``, a ``Request`` object), a
host and port (``HTTPConnection(host, port)``, ``SMTP(host)``), an
address tuple (``connect((host, port))``, ``sendto(data, addr)``, an
address taken from ``getaddrinfo``), or a method of a connection whose
destination is that of the call that made it (``conn.request(...)``).
Strings are read by ``strings.Strings`` (constants, partial URLs,
defaults, callers; constructors and class constants by ``methods``), classes by ``egress.destinations.parse_destination``,
data by ``dataflow.DataFlow``.  Computed only at NETWORK findings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from egress.analyzers.python.dataflow import DataFlow
from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.ir import Attr, Call, Const, Expr, Name, Seq, Subscript, dotted
from egress.analyzers.python.methods import MethodStrings
from egress.analyzers.python.scopes import Scope
from egress.analyzers.python.strings import UNKNOWN, Piece
from egress.analyzers.python.values import MemVal, MethodVal
from egress.destinations import DYNAMIC, classify, parse_destination
from egress.model import Destination

#: Well-known service names a port may be given as (``getaddrinfo(host, 'ntp')``): number/protocol.
SERVICES = {
    "ftp": (21, "tcp"), "ssh": (22, "tcp"), "telnet": (23, "tcp"), "smtp": (25, "tcp"),
    "domain": (53, "udp"), "http": (80, "tcp"), "pop3": (110, "tcp"), "ntp": (123, "udp"),
    "imap": (143, "tcp"), "snmp": (161, "udp"), "ldap": (389, "tcp"), "https": (443, "tcp"),
    "smtps": (465, "tcp"), "syslog": (514, "udp"), "submission": (587, "tcp"), "ldaps": (636, "tcp"),
    "imaps": (993, "tcp"), "pop3s": (995, "tcp"), "mysql": (3306, "tcp"), "postgresql": (5432, "tcp"),
    "redis": (6379, "tcp"), "irc": (6667, "tcp"),
}

#: Where each API's destination and payload sit: (shape, scheme).  Shapes:
#: url (url, data), host (host, port), address (a (host, port) tuple), sendto (data, [flags,] address),
#: resolve (host, port: a DNS name), via (the receiver's destination; payload per ``PAYLOAD``).
SINKS: dict[str, tuple[str, str]] = {
    **{api: ("url", "") for api in (
        "urllib.request.urlopen", "urllib.request.urlretrieve", "urllib.urlopen", "urllib.urlretrieve",
        "urllib2.urlopen", "urllib.request.OpenerDirector.open", "urllib.request.URLopener.open",
        "urllib.request.URLopener.retrieve")},
    "http.client.HTTPConnection": ("host", "http"), "http.client.HTTPSConnection": ("host", "https"),
    "httplib.HTTPConnection": ("host", "http"), "httplib.HTTPSConnection": ("host", "https"),
    "httplib.HTTP": ("host", "http"), "httplib.HTTPS": ("host", "https"),
    **{api: ("host", "") for api in (
        "smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP", "ftplib.FTP", "ftplib.FTP_TLS", "poplib.POP3",
        "poplib.POP3_SSL", "imaplib.IMAP4", "imaplib.IMAP4_SSL", "telnetlib.Telnet", "smtplib.SMTP.connect",
        "asyncio.open_connection")},
    **{api: ("address", "") for api in (
        "socket.create_connection", "socket.socket.connect", "socket.socket.connect_ex", "ssl.SSLSocket.connect",
        "ssl.SSLSocket.connect_ex")},
    "socket.socket.sendto": ("sendto", ""), "ssl.SSLSocket.sendto": ("sendto", ""),
    # HTTP clients: `verb(url, ...)`, `request(method, url, ...)`, payload in keywords
    **{f"{client}.{verb}": ("client", "") for client in (
        "requests", "requests.Session", "httpx", "httpx.Client", "aiohttp.ClientSession", "urllib3.PoolManager")
       for verb in ("get", "post", "put", "patch", "delete", "head", "options", "stream", "ws_connect")},
    **{f"{client}.{verb}": ("client_method", "") for client in (
        "requests", "requests.Session", "httpx", "httpx.Client", "aiohttp", "aiohttp.ClientSession", "urllib3",
        "urllib3.PoolManager") for verb in ("request", "urlopen", "request_encode_url", "request_encode_body")},
    **{api: ("resolve", "") for api in (
        "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
        "socket.getfqdn")},
    **{api: ("via", "") for api in (
        "http.client.HTTPConnection.request", "http.client.HTTPConnection.putrequest",
        "http.client.HTTPConnection.connect", "http.client.HTTPConnection.send",
        "http.client.HTTPConnection.endheaders", "smtplib.SMTP.sendmail", "smtplib.SMTP.send_message")},
}

#: For ``via`` methods: the positions (and keyword names) of what they send.
PAYLOAD: dict[str, tuple[tuple[int, str], ...]] = {
    "request": ((1, "url"), (2, "body"), (3, "headers")), "putrequest": ((1, "url"),),
    "send": ((0, "data"),), "endheaders": ((0, "message_body"),),
    "sendmail": ((2, "msg"),), "send_message": ((0, "msg"),),
}

#: What an HTTP client call sends, by keyword.
_CLIENT_PAYLOAD = ("data", "json", "params", "headers", "files", "content", "cookies", "auth", "body", "fields")
_SEND_METHODS = frozenset({"send", "sendall", "sendto", "sendmsg", "write"})
_REQUEST_CLASSES = ("urllib.request.Request", "urllib2.Request", "six.moves.urllib.request.Request")


@dataclass(frozen=True)
class _Address:
    host: list[Piece]
    port: list[Piece] | None
    notes: tuple[str, ...] = ()
    exprs: tuple[Expr, ...] = ()


Sink = tuple[Expr, Scope, int]


class RequestDetails:
    """Destinations and data sources of the network calls of one file."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self.strings = MethodStrings(ev)
        self.flow = DataFlow(ev, self.strings)

    def of(self, api: str, call: Call, scope: Scope, order: int) -> tuple[tuple[Destination, ...], tuple[str, ...]]:
        spec = SINKS.get(api)
        if spec is None:
            return (), ()
        shape, scheme = spec
        sinks: list[Sink] = []
        dests = self._destinations(shape, scheme, api, call, scope, order, sinks, 0)
        unique: dict[str, Destination] = {}
        for d in dests:                  # one destination per text: the first reading's note
            unique.setdefault(d.text, d)
        return tuple(unique.values()), self.flow.sources(sinks)

    def _destinations(self, shape: str, scheme: str, api: str, call: Call, scope: Scope, order: int,
                      sinks: list[Sink], depth: int) -> list[Destination]:
        if shape == "url":
            return self._url(call, scope, order, sinks)
        if shape in ("client", "client_method"):
            for keyword in _CLIENT_PAYLOAD:
                arg = dict(call.keywords).get(keyword)
                if arg is not None:
                    sinks.append((arg, scope, order))
            url = _arg(call, 0 if shape == "client" else 1, "url")
            if url is None:
                return []
            sinks.append((url, scope, order))
            return self._url_texts(url, scope, order)
        if shape == "host":
            host, port = _arg(call, 0, "host"), _arg(call, 1, "port")
            if host is None:
                return []
            sinks.append((host, scope, order))
            address = _Address(self.strings.pieces(host, scope, order),
                               self.strings.pieces(port, scope, order) if port is not None else None)
            return self._host_port(address, scheme)
        if shape == "resolve":
            host, port = _arg(call, 0, "host"), _arg(call, 1, "port")
            if host is None:
                return []
            sinks.append((host, scope, order))
            address = _Address(self.strings.pieces(host, scope, order),
                               self.strings.pieces(port, scope, order) if port is not None else None)
            return self._host_port(address, "")
        if shape in ("address", "sendto"):
            if shape == "sendto" and call.args:
                sinks.append((call.args[0], scope, order))
                target = call.args[-1] if len(call.args) > 1 else dict(call.keywords).get("address")
            else:
                target = _arg(call, 0, "address")
                self._sends(call, scope, sinks)
            if target is None:
                return []
            sinks.append((target, scope, order))
            out: list[Destination] = []
            for address in self._addresses(target, scope, order, 0):
                out += self._host_port(address, "")
            return out
        if shape == "via" and isinstance(call.func, Attr):
            for position, keyword in PAYLOAD.get(call.func.attr, ()):
                arg = _arg(call, position, keyword)
                if arg is not None:
                    sinks.append((arg, scope, order))
            made = self._maker(call.func.value, scope, order)
            if made is None or depth > 2:
                return [_dynamic("connection made elsewhere")]
            maker, m_scope, m_order, m_api = made
            m_shape, m_scheme = SINKS[m_api]
            dests = self._destinations(m_shape, m_scheme, m_api, maker, m_scope, m_order, sinks, depth + 1)
            path = _arg(call, 1, "url") if call.func.attr in ("request", "putrequest") else None
            if path is not None and dests:
                tail = self.strings.pieces(path, scope, order)[0].text
                if tail.startswith("/"):
                    dests = [self._parsed(d.text + tail, d.note, d.port) for d in dests]
            return dests
        return []

    # -- shapes -------------------------------------------------------------
    def _url(self, call: Call, scope: Scope, order: int, sinks: list[Sink]) -> list[Destination]:
        url, data = _arg(call, 0, "url") or _arg(call, 0, "fullurl"), _arg(call, 1, "data")
        if url is None:
            return []
        if data is not None:
            sinks.append((data, scope, order))
        made = self._origin_call(url, scope, order)
        if made is not None:
            req, r_scope, r_order = made
            if any((self.ev.qualify(req.func, r_scope, r_order) or "").endswith(c) for c in _REQUEST_CLASSES):
                url, scope, order = _arg(req, 0, "url"), r_scope, r_order
                body = _arg(req, 1, "data")
                if body is not None:
                    sinks.append((body, r_scope, r_order))
                headers = _arg(req, 2, "headers")
                if headers is not None:
                    sinks.append((headers, r_scope, r_order))
                if url is None:
                    return []
        sinks.append((url, scope, order))
        return self._url_texts(url, scope, order)

    def _url_texts(self, url: Expr, scope: Scope, order: int) -> list[Destination]:
        """A URL argument's readings as destinations."""
        out = []
        for piece in self.strings.pieces(url, scope, order):
            note = "; ".join(piece.notes)
            if "://" in piece.text or piece.text == DYNAMIC:
                out.append(self._parsed(piece.text, note))
            else:        # ``base + "?q"``: the scheme and host are in the part known only at run time
                out.append(dataclasses.replace(_dynamic(note), text=piece.text, known="partial"))
        return out

    def _host_port(self, address: _Address, scheme: str) -> list[Destination]:
        out = []
        # an empty host is an unset placeholder (``self.host = ""`` before configuration), not a peer
        hosts = [h for h in address.host if h.text != ""] or [UNKNOWN]
        for host in hosts:
            for port in address.port if address.port is not None else [None]:
                if port is not None and not _same_call_site(host, port):
                    continue
                notes = list(address.notes) + list(host.notes)
                number: int | None = None
                port_text = ""
                if port is not None:
                    notes += port.notes
                    number, note = _port(port)
                    if note:
                        notes.insert(0, note)
                    port_text = str(number) if number is not None else DYNAMIC
                    if number is None and host.text == DYNAMIC:
                        port_text = ""          # nothing constant: plain "<dynamic>"
                text = host.text if ":" not in host.text or host.text.startswith("[") else f"[{host.text}]"
                if port_text:
                    text = f"{text}:{port_text}"
                if scheme:
                    text = f"{scheme}://{text}"
                out.append(self._parsed(text, "; ".join(dict.fromkeys(notes)), number))
        return out

    def _parsed(self, text: str, note: str, port: int | None = None) -> Destination:
        known = "full" if DYNAMIC not in text else "dynamic" if text == DYNAMIC else "partial"
        dest = parse_destination(text.removesuffix(f":{DYNAMIC}"), known)
        if DYNAMIC in dest.host and not dest.host.endswith(DYNAMIC):   # a fixed domain under a made-up name
            note = "; ".join(n for n in ("host built from data", note) if n)
        return dataclasses.replace(dest, text=text, note=note, port=port if port is not None else dest.port)

    def _addresses(self, e: Expr, scope: Scope, order: int, depth: int) -> list[_Address]:
        """The (host, port) readings of an address expression."""
        if depth > 4:
            return [_Address([UNKNOWN], None)]
        if isinstance(e, Seq) and len(e.items) >= 2:
            return [_Address(self.strings.pieces(e.items[0], scope, order),
                             self.strings.pieces(e.items[1], scope, order))]
        if isinstance(e, Const) and isinstance(e.value, str):
            return []                      # an AF_UNIX path: not a network peer
        if isinstance(e, Name):
            bindings = self.ev.visible_bindings(e.id, scope, order)
            func = self.strings.param_binding(e.id, bindings)
            out: list[_Address] = []
            if func is not None:
                for o in self.strings.origins(func, e.id):
                    out += [dataclasses.replace(a, notes=a.notes + (o.note,))
                            for a in self._addresses(o.expr, o.scope, o.order, depth + 1)]
                return out or [_Address([UNKNOWN], None)]
            if bindings and all(b.kind == "assign" and b.value is not None for b in bindings):
                for b in bindings:
                    out += self._addresses(b.value, b.scope, b.order, depth + 1)  # type: ignore[arg-type]
                return out
            return [_Address([UNKNOWN], None)]
        resolved = self._resolved(e, scope, order, depth)
        if resolved is not None:
            return resolved
        return [_Address([UNKNOWN], None)]

    def _resolved(self, e: Expr, scope: Scope, order: int, depth: int) -> list[_Address] | None:
        """``getaddrinfo(host, port)[0][4]``: the address is that of the name resolved."""
        while isinstance(e, Subscript):
            e = e.value
            while isinstance(e, Name):
                bound = self.ev.bound_to(e, scope, order)
                if bound is e:
                    return None
                e = bound
        if not isinstance(e, Call):
            return None
        for v in self.ev.eval(e.func, scope, order):
            if isinstance(v, MemVal) and v.api == "socket.getaddrinfo":
                host, port = _arg(e, 0, "host"), _arg(e, 1, "port")
                if host is None:
                    return None
                return [_Address(self.strings.pieces(host, scope, order),
                                 self.strings.pieces(port, scope, order) if port is not None else None,
                                 ("address from socket.getaddrinfo",))]
        return None

    # -- receivers ------------------------------------------------------------
    def _origin_call(self, e: Expr, scope: Scope, order: int) -> tuple[Call, Scope, int] | None:
        """The call an expression's value was made by (through names bound once)."""
        for _ in range(4):
            if isinstance(e, Call):
                return e, scope, order
            if not isinstance(e, Name):
                return None
            bindings = self.ev.visible_bindings(e.id, scope, order)
            if not bindings or len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
                return None
            e, scope, order = bindings[0].value, bindings[0].scope, bindings[0].order
        return None

    def _maker(self, receiver: Expr, scope: Scope, order: int) -> tuple[Call, Scope, int, str] | None:
        """The catalogued call that made a connection object (``conn = HTTPConnection(h)``)."""
        made = self._origin_call(receiver, scope, order)
        if made is None:
            return None
        call, c_scope, c_order = made
        for v in self.ev.eval(call.func, c_scope, c_order):
            api = v.api if isinstance(v, (MemVal, MethodVal)) else ""
            if api in SINKS and SINKS[api][0] != "via":
                return call, c_scope, c_order, api
        return None

    def _sends(self, call: Call, scope: Scope, sinks: list[Sink]) -> None:
        """``sock.connect(addr)``: what the same function sends on ``sock`` (or ``self.sock``) is the payload."""
        func = call.func
        name = dotted(func.value) if isinstance(func, Attr) else None    # `sock`, `self.sock`
        if name is None or name in ("socket", "ssl"):
            # `c = socket.create_connection(addr)`: the socket is the name the call is bound to
            name = next((n for n, bound in scope.bindings.items()
                         for b in bound if b.kind == "assign" and b.value is call), None)
        for e, order in self.strings.calls_in(scope):
            f = e.func
            if not isinstance(f, Attr) or f.attr not in _SEND_METHODS or not e.args:
                continue
            # `socket.create_connection(addr).sendall(data)`: sent on the call's own result
            if f.value is call or name is not None and dotted(f.value) == name:
                sinks.append((e.args[0], scope, order))


def _arg(call: Call, position: int, keyword: str) -> Expr | None:
    keywords = dict(call.keywords)
    if keyword in keywords:
        return keywords[keyword]
    return call.args[position] if position < len(call.args) else None


def _same_call_site(a: Piece, b: Piece) -> bool:
    """Host and port read from the arguments (or defaults) of different calls are not one destination."""
    sites_a = {n.removeprefix("default ") for n in a.notes if n.startswith(_CALL_SITE_NOTES)}
    sites_b = {n.removeprefix("default ") for n in b.notes if n.startswith(_CALL_SITE_NOTES)}
    return not (sites_a and sites_b) or bool(sites_a & sites_b)


_CALL_SITE_NOTES = ("argument at line", "default argument at line")


def _port(piece: Piece) -> tuple[int | None, str]:
    value = piece.value
    if isinstance(value, int):
        return value, ""
    if isinstance(value, str):
        if value.isdigit():
            return int(value), ""
        service = SERVICES.get(value.lower())
        if service is not None:
            return service[0], f"port {value} ({service[0]}/{service[1]})"
        return None, f"port {value} (unknown service)"
    return None, ""


def _dynamic(note: str) -> Destination:
    return classify(Destination(DYNAMIC, known="dynamic", note=note))
