"""Real PyPI wheels, pinned, downloaded (verified) at test time: exact right values.

Values checked by reading the files of each pinned wheel when written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.python import PythonAnalyzer
from egress.model import FindingKind, SourceFile
from egress.sources.download import Fetcher
from egress.sources.pypi_registry import PypiRegistrySource
from egress.sources.pypi_spec import parse_pypi_spec

pytestmark = pytest.mark.network

PYPI = "https://pypi.org/simple"
N = FindingKind.NETWORK


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory):
    cache: Path = tmp_path_factory.mktemp("py-wheels")
    analyzer = PythonAnalyzer()
    done: dict[str, list] = {}

    def analyse(spec: str):
        """(findings, errors) of every Python file of the pinned wheel."""
        if spec not in done:
            with Fetcher(cache) as fetcher:
                source = PypiRegistrySource([parse_pypi_spec(spec)], fetcher, dist="wheel", index_url=PYPI)
                [artifact] = list(source.collect())
                results = [analyzer.analyze(SourceFile(f.path, f.data)) for f in artifact.read_files(analyzer.handles)]
            done[spec] = results
        results = done[spec]
        findings = [f for r in results for f in r.findings]
        return findings, [(r.file, r.error) for r in results if r.error]

    return analyse


def network(findings) -> set[tuple[str, str, int]]:
    return {(f.api, f.file, f.line) for f in findings if f.kind is N}


def test_ntplib_udp_query(wheel):
    findings, errors = wheel("pypi:ntplib==0.4.0")
    assert errors == []
    assert network(findings) == {
        ("socket.getaddrinfo", "ntplib.py", 296),
        ("socket.socket", "ntplib.py", 300),
        ("socket.socket.sendto", "ntplib.py", 313),
    }
    [made] = [f for f in findings if f.api == "socket.socket"]
    assert made.note == "SOCK_DGRAM (UDP)"
    [sent] = [f for f in findings if f.api == "socket.socket.sendto"]
    assert [t.line for t in sent.trace] == [32, 300]     # import socket, socket.socket(...)


def test_httplib2_socks_and_http_client(wheel):
    findings, errors = wheel("pypi:httplib2==0.22.0")
    assert errors == []
    found = network(findings)
    assert {
        ("socket.socket", "httplib2/socks.py", 145),               # class socksocket(socket.socket)
        ("socket.socket.connect", "httplib2/socks.py", 489),       # _orgsocket.connect(self, ...)
        ("socket.socket.connect", "httplib2/socks.py", 516),
        ("http.client.HTTPConnection", "httplib2/__init__.py", 982),
        ("http.client.HTTPSConnection", "httplib2/__init__.py", 1069),
        ("socket.getaddrinfo", "httplib2/__init__.py", 1027),
        ("socket.socket.connect", "httplib2/__init__.py", 1049),
    } <= found


def test_paho_mqtt_socket_connect(wheel):
    findings, errors = wheel("pypi:paho-mqtt==2.1.0")
    assert errors == []
    assert {
        ("socket.socket", "paho/mqtt/client.py", 449),
        ("socket.socket.connect", "paho/mqtt/client.py", 453),
        ("socket.create_connection", "paho/mqtt/client.py", 4640),
    } <= network(findings)


def test_websockets_sync_and_asyncio(wheel):
    findings, errors = wheel("pypi:websockets==12.0")
    assert errors == []
    assert {
        ("socket.create_connection", "websockets/sync/client.py", 247),
        ("socket.create_server", "websockets/sync/server.py", 405),
        ("asyncio.AbstractEventLoop.create_connection", "websockets/legacy/client.py", 537),
        ("asyncio.AbstractEventLoop.create_server", "websockets/legacy/server.py", 1088),
    } <= network(findings)


@pytest.mark.parametrize("spec", [
    "pypi:hyperlink==21.0.0",          # socket only for AF_INET/AF_INET6 and inet_pton
    "pypi:rfc3986==2.0.0",
    "pypi:tomli==2.0.1",
    "pypi:python-dateutil==2.9.0.post0",
])
def test_no_network_packages(wheel, spec):
    findings, errors = wheel(spec)
    assert errors == []
    assert [f for f in findings if f.kind is not FindingKind.DEPENDENCY] == []
