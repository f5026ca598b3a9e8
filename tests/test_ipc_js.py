"""JavaScript local IPC is not network access (issue #5, severity review A3 for npm).

Fixtures under tests/fixtures/ipc/js/: `http.request`/`http.get` with a
constant `socketPath`, `net.connect({path})`, `net.createConnection(path)`,
a Windows named pipe, a server whose only `listen` is a path (through its
variable or chained, `{path}` too) and a `net.Socket` connected to a
template path give no network finding.  The positives: host and port, a
numeric string (a port), a parameter (its callers are not followed), an
options object passed in, a `socketPath` known only at run time or beside a
spread, a server that also listens on a port or is returned.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.analyzers.javascript.ipc import path_text
from egress.model import FindingKind, SourceFile

FIXTURES = Path(__file__).parent / "fixtures" / "ipc" / "js"


@pytest.fixture(scope="module")
def analyzer() -> JavaScriptAnalyzer:
    return JavaScriptAnalyzer()


def _network(analyzer: JavaScriptAnalyzer, name: str) -> list[tuple]:
    result = analyzer.analyze(SourceFile(name, (FIXTURES / name).read_bytes()))
    assert result.error is None
    return [(f.api, f.line, f.column, tuple(d.text for d in f.destinations))
            for f in result.findings if f.kind is FindingKind.NETWORK]


def test_socket_paths_and_named_pipes_are_no_network_finding(analyzer) -> None:
    result = analyzer.analyze(SourceFile("local.js", (FIXTURES / "local.js").read_bytes()))
    assert result.error is None
    assert result.findings == ()           # the imports are used: no importOnly either


def test_ports_hosts_and_unknown_peers_stay_network(analyzer) -> None:
    assert _network(analyzer, "network.js") == [
        ("net.connect", 5, 10, ("api.example.com:443",)),
        ("net.connect", 9, 10, ("api.example.com:443",)),
        ("net.createConnection", 13, 10, ("<dynamic>",)),       # a parameter: a port or a path
        ("http.request", 17, 10, ("<dynamic>",)),               # options from the caller
        ("net.connect", 21, 10, ("localhost:8080",)),           # '8080' is a port
        ("http.createServer", 25, 18, ()),
        ("net.Server.listen", 26, 3, ()),                        # listen(8080)
        ("net.createServer", 30, 18, ()),                        # also listens on 9000
        ("net.Server.listen", 32, 3, ()),                        # (the '/tmp/a.sock' listen is local)
        ("net.createServer", 36, 18, ()),                        # returned: may listen elsewhere
        ("http.request", 42, 10, ("http://localhost/x",)),      # socketPath from a parameter
        ("http.request", 46, 10, ("<dynamic>",)),               # a spread may replace socketPath
    ]


@pytest.mark.parametrize("value, path", [
    ("/var/run/docker.sock", True), ("\\\\.\\pipe\\app", True), ("app.sock", True), ("<dynamic>/u.sock", True),
    ("8080", False), ("", False), (" 0x1F ", False), ("1e3", False), ("<dynamic>", False), ("<dynamic>0", False),
])
def test_what_node_reads_as_a_path(value: str, path: bool) -> None:
    assert path_text(value) is path
