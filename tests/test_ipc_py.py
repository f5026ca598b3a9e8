"""Python local IPC is not network access (issue #5, severity review A3/A4).

Fixtures under tests/fixtures/ipc/py/: UNIX-domain sockets made with a
constant ``AF_UNIX`` (a module constant, an imported name, a class
attribute, the ``family=`` keyword, ``socket.fromfd``) and
``socket.create_server(path)`` give no network
finding at their creation nor at ``connect``/``bind``/``listen``/``accept``;
a path argument (literal, f-string, ``os.fspath``, ``"/run/" + name``)
makes a ``connect`` local on a socket of unknown family.  The positives:
TCP, the default family, a family given by the caller or chosen at run
time, and an unknown ``self.FAMILY`` stay network findings.  A datagram
socket ``connect``ed and never written to keeps its finding without a
destination; one that sends, or is handed on, keeps its destination.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.python import PythonAnalyzer
from egress.analyzers.python.ipc import SILENT_NOTE
from egress.model import FindingKind, SourceFile

FIXTURES = Path(__file__).parent / "fixtures" / "ipc" / "py"


@pytest.fixture(scope="module")
def analyzer() -> PythonAnalyzer:
    return PythonAnalyzer()


def _network(analyzer: PythonAnalyzer, name: str) -> list[tuple]:
    result = analyzer.analyze(SourceFile(name, (FIXTURES / name).read_bytes()))
    assert result.error is None
    return [(f.api, f.line, f.column, f.note, tuple(d.text for d in f.destinations))
            for f in result.findings if f.kind is FindingKind.NETWORK]


def test_unix_domain_sockets_are_no_network_finding(analyzer) -> None:
    result = analyzer.analyze(SourceFile("unix_sockets.py", (FIXTURES / "unix_sockets.py").read_bytes()))
    assert result.error is None
    assert result.findings == ()          # socketpair is a helper; the import is used (no importOnly either)


def test_inet_and_unknown_families_stay_network(analyzer) -> None:
    assert _network(analyzer, "network_sockets.py") == [
        ("socket.socket", 5, 12, "SOCK_STREAM (TCP)", ()),
        ("socket.socket.connect", 6, 5, "", ("<dynamic>:443",)),
        ("socket.socket", 11, 12, "SOCK_STREAM (TCP, default)", ()),       # socket.socket(): AF_INET
        ("socket.socket.connect", 12, 5, "", ("<dynamic>:80",)),
        ("socket.socket", 17, 12, "SOCK_STREAM (TCP)", ()),                # family from the caller
        ("socket.socket.connect", 18, 5, "", ("<dynamic>",)),
        ("socket.socket", 24, 12, "SOCK_STREAM (TCP)", ()),                # AF_UNIX if unix else AF_INET
        ("socket.socket.bind", 25, 5, "", ()),
        ("socket.fromfd", 30, 12, "", ()),                                 # fromfd of an unknown family
        ("socket.socket", 35, 16, "SOCK_STREAM (TCP)", ()),                # self.FAMILY of an unknown subclass
        ("socket.socket", 39, 11, "SOCK_STREAM (TCP)", ()),
        ("socket.socket.bind", 40, 9, "referenced, not called", ()),
        ("socket.create_server", 44, 12, "", ()),                         # a (host, port) tuple
    ]


def test_a_path_argument_is_a_local_peer(analyzer) -> None:
    # the socket's family is the caller's: its creation stays, and so does `connect(name)` (a tuple, maybe)
    assert _network(analyzer, "path_argument.py") == [
        ("socket.socket", 6, 12, "SOCK_STREAM (TCP)", ()),
        ("socket.socket.connect", 11, 5, "", ("<dynamic>",)),
    ]


def test_a_datagram_connect_that_sends_nothing_has_no_destination(analyzer) -> None:
    assert _network(analyzer, "udp_probe.py") == [
        ("socket.socket", 6, 10, "SOCK_DGRAM (UDP)", ()),
        ("socket.socket.connect", 8, 13, SILENT_NOTE, ()),                 # only getsockname() follows
        ("socket.socket", 15, 9, "SOCK_DGRAM (UDP)", ()),
        ("socket.socket.connect", 16, 5, "", ("10.1.2.3:9999",)),          # s.send(data)
        ("socket.socket", 21, 9, "SOCK_DGRAM (UDP)", ()),
        ("socket.socket.connect", 22, 5, "", ("10.1.2.4:9999",)),          # returned: written elsewhere
        ("socket.socket", 27, 9, "SOCK_STREAM (TCP)", ()),
        ("socket.socket.connect", 28, 5, "", ("10.1.2.5:80",)),            # TCP connect sends a SYN
    ]


def test_python2_files_read_by_tree_sitter_too(analyzer) -> None:
    assert _network(analyzer, "py2_unix.py") == [
        ("socket.socket", 12, 12, "SOCK_STREAM (TCP)", ()),
        ("socket.socket.connect", 13, 5, "", ("<dynamic>:22",)),
    ]
