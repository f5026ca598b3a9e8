"""Details of findings: traces, notes, confidence, scope, columns, snippets."""

from __future__ import annotations

from egress.analyzers.python import PythonAnalyzer
from egress.model import Capability, Confidence, FindingKind, SourceFile, TraceStep

from .conftest import one, triples


def src(text: str, path: str = "m.py"):
    return PythonAnalyzer().analyze(SourceFile(path, text.encode("utf-8")))


def test_socket_creation_and_use_have_kinds_confidence_and_trace(analyze):
    a = analyze("socket_object/udp.py")
    made = one(a, "socket.socket", 5)
    assert (made.kind, made.capability, made.confidence, made.note) == (
        FindingKind.NETWORK, Capability.SOCKET, Confidence.MEDIUM, "SOCK_DGRAM (UDP)")
    assert (made.column, made.snippet, made.module) == (9, "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)", "socket")
    sent = one(a, "socket.socket.sendto", 6)
    assert (sent.capability, sent.confidence, sent.column, sent.in_function) == (
        Capability.CONNECT, Confidence.HIGH, 5, True)
    assert sent.trace == (
        TraceStep("udp.py", 1, 1, "import socket"),
        TraceStep("udp.py", 5, 9, "socket.socket() created"),
    )
    assert one(a, "socket.socket", 14).note == "SOCK_STREAM (TCP)"
    assert one(a, "socket.socket", 10).note == "SOCK_STREAM (TCP, default)"


def test_direct_call_traces_to_its_import(analyze):
    f = one(analyze("from_import_as/fetch.py"), "urllib.request.urlopen", 5)
    assert (f.column, f.capability, f.confidence, f.snippet) == (12, Capability.REQUEST, Confidence.HIGH, "return u(url)")
    assert f.trace == (TraceStep("fetch.py", 1, 1, "from urllib.request import urlopen as u"),)


def test_self_attribute_links_creation_in_init_to_use_in_method(analyze):
    f = one(analyze("self_attribute/client.py"), "socket.socket.connect", 10)
    assert [(t.line, t.column) for t in f.trace] == [(1, 1), (7, 21)]


def test_top_level_and_pth_and_setup_are_not_in_function(analyze):
    assert not one(analyze("import_plain/client.py"), "socket.create_connection", 3).in_function
    pth = one(analyze("pth_file/evil.pth"), "socket.create_connection", 3)
    assert (pth.in_function, pth.column, pth.file) == (False, 16, "evil.pth")
    assert not one(analyze("setup_py/setup.py"), "urllib.request.urlopen", 4).in_function


def test_class_body_is_top_level_but_lambda_is_a_function():
    a = src("import socket\nclass C:\n    s = socket.create_connection(('h', 1))\n"
            "f = lambda: socket.getaddrinfo('h', 1)\n")
    assert one(a, "socket.create_connection", 3).in_function is False
    assert one(a, "socket.getaddrinfo", 4).in_function is True


def test_dynamic_import_note_and_confidence(analyze):
    a = analyze("dynamic_import/plugins.py")
    f = one(a, "__import__", 7)
    assert (f.kind, f.confidence, f.note, f.module) == (FindingKind.DYNAMIC_REQUIRE, Confidence.LOW, "name", "builtins")
    assert one(a, "importlib.import_module", 11).note == "prefix + name"
    folded = one(a, "socket.create_connection", 15)
    assert folded.trace == (TraceStep("plugins.py", 15, 12, "socket loaded dynamically"),)


def test_dependency_and_import_only_shape(analyze):
    dns = one(analyze("dependencies/deps.py"), "dnspython", 2)
    assert (dns.kind, dns.module, dns.confidence, dns.column) == (FindingKind.DEPENDENCY, "dns.resolver", Confidence.MEDIUM, 1)
    grpc = one(analyze("dependencies/deps.py"), "grpcio", 8)
    assert (grpc.module, grpc.column, grpc.in_function) == ("grpc", 5, True)
    unused = one(analyze("unused_import/unused.py"), "socket", 1)
    assert (unused.kind, unused.confidence, unused.module) == (FindingKind.IMPORT_ONLY, Confidence.LOW, "socket")


def test_columns_count_characters_not_bytes():
    a = src('import socket\nx = "héllo"; socket.create_connection(("h", 1))\n')
    assert one(a, "socket.create_connection", 2).column == 14


def test_long_line_snippet_is_a_window_around_the_call():
    line = "x = " + "1 + " * 100 + "socket.create_connection(('h', 1))"
    f = one(src("import socket\n" + line + "\n"), "socket.create_connection", 2)
    assert len(f.snippet) <= 160 and "socket.create_connection" in f.snippet


def test_getattr_with_constant_name_is_an_attribute():
    a = src("import socket\ngetattr(socket, 'create_connection')(('h', 1))\nhasattr(socket, 'AF_UNIX')\n")
    assert triples(a) == {(FindingKind.NETWORK, "socket.create_connection", 2)}


def test_subclass_of_network_class_and_its_instantiation():
    a = src("import http.client\nclass C(http.client.HTTPConnection):\n    def go(self):\n"
            "        self.request('GET', '/')\nC('h')\n")
    assert triples(a) == {
        (FindingKind.NETWORK, "http.client.HTTPConnection", 2),          # class C(...): medium
        (FindingKind.NETWORK, "http.client.HTTPConnection.request", 4),  # self.request via the base
        (FindingKind.NETWORK, "http.client.HTTPConnection", 5),          # C('h')
    }
    assert one(a, "http.client.HTTPConnection", 2).note == "subclassed by C"
    assert one(a, "http.client.HTTPConnection", 5).note == "via subclass C"


def test_unbound_method_and_reference_and_star_import():
    a = src("import socket, functools, asyncio\n\n"
            "socket.socket.connect(s, ('h', 1))\n"
            "loop = asyncio.get_event_loop()\nf = functools.partial(loop.create_connection, None)\n")
    assert triples(a) == {
        (FindingKind.NETWORK, "socket.socket.connect", 3),
        (FindingKind.NETWORK, "asyncio.AbstractEventLoop.create_connection", 5),
    }
    assert one(a, "asyncio.AbstractEventLoop.create_connection", 5).confidence is Confidence.MEDIUM
    star = src("from socket import *\ns = socket(AF_INET, SOCK_DGRAM)\ns.sendto(b'', ('h', 1))\n")
    assert triples(star) == {(FindingKind.NETWORK, "socket.socket", 2), (FindingKind.NETWORK, "socket.socket.sendto", 3)}


def test_rebinding_after_import_shadows_at_module_level():
    a = src("from urllib.request import urlopen\ndef urlopen(u):\n    return u\nurlopen('x')\n")
    assert triples(a) == {(FindingKind.IMPORT_ONLY, "urllib.request", 1)}


def test_annotations_and_isinstance_are_not_uses_of_the_module_for_io():
    a = src("import socket\ndef f(s: socket.socket) -> None:\n    return isinstance(s, socket.socket)\n")
    assert a.findings == ()


def test_stub_files_are_not_handled():
    analyzer = PythonAnalyzer()
    assert analyzer.handles("a/b.py") and analyzer.handles("x.pyw") and analyzer.handles("x.pth")
    assert not analyzer.handles("a/b.pyi")
