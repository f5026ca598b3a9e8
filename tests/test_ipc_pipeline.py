"""Local IPC through the whole pipeline: verdicts and alerts (issue #5, severity review A3/A4).

Each package folder under tests/fixtures/ipc/ is scanned as a user would
(``session.scan_targets``): a package whose only sockets are UNIX-domain
sockets, socket paths or named pipes has the verdict ``none`` and no alert;
a datagram socket connected to a private literal only to read the local
address keeps its networkAccess alert but raises no suspiciousDestination,
while one that sends to such a literal does.
"""

from __future__ import annotations

from pathlib import Path

from egress.analyzers.python.ipc import SILENT_NOTE
from egress.model import PackageResult, Verdict
from tests.pipeline import scan_one

FIXTURES = Path(__file__).parent / "fixtures" / "ipc"


_scan = scan_one


def _alerts(package: PackageResult) -> list[tuple]:
    return [(a.type, a.severity.value, a.finding.file, a.finding.api, a.finding.line,
             tuple(d.text for d in a.finding.destinations), a.finding.note) for a in package.alerts]


def test_python_unix_sockets_only_is_verdict_none(tmp_path: Path) -> None:
    package = _scan(FIXTURES / "py-local", tmp_path)
    assert (package.verdict, package.alerts) == (Verdict.NONE, ())


def test_python_udp_probe_is_network_but_not_a_suspicious_destination(tmp_path: Path) -> None:
    package = _scan(FIXTURES / "py-probe", tmp_path)
    assert package.verdict is Verdict.NETWORK
    sent = ("pyprobe/serving.py", "socket.socket.connect", 16, ("10.1.2.3:9999",), "")
    assert _alerts(package) == [
        ("networkAccess", "medium", "pyprobe/serving.py", "socket.socket", 6, (), "SOCK_DGRAM (UDP)"),
        ("networkAccess", "medium", "pyprobe/serving.py", "socket.socket.connect", 8, (), SILENT_NOTE),
        ("networkAccess", "medium", "pyprobe/serving.py", "socket.socket", 15, (), "SOCK_DGRAM (UDP)"),
        ("networkAccess", "medium", *sent),
        ("suspiciousDestination", "high", *sent),
    ]


def test_npm_socket_paths_and_pipes_only_is_verdict_none(tmp_path: Path) -> None:
    package = _scan(FIXTURES / "npm-local", tmp_path)
    assert (package.verdict, package.alerts) == (Verdict.NONE, ())


def test_npm_local_and_dynamic_peers_keep_the_dynamic_one(tmp_path: Path) -> None:
    package = _scan(FIXTURES / "npm-mixed", tmp_path)
    assert package.verdict is Verdict.NETWORK
    assert _alerts(package) == [
        ("networkAccess", "medium", "index.js", "net.createConnection", 5, ("<dynamic>",), ""),
    ]
