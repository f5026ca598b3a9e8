"""Right values on real PyPI distributions, pinned (issue: PyPI packages and environments)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from egress.model import FindingKind, PackageResult, Timing, Verdict

pytestmark = pytest.mark.network


def _by_kind(results: list[PackageResult]) -> dict[str, PackageResult]:
    return {r.artifact_kind: r for r in results}


def _network(p: PackageResult) -> set[tuple[str, str, int]]:
    return {(a.api, a.finding.file, a.finding.line) for a in p.alerts if a.type == "networkAccess"}


def test_ntplib_sdist_and_wheel(scan_target) -> None:
    results = _by_kind(scan_target("pypi:ntplib==0.4.0"))
    assert set(results) == {"sdist", "wheel"}
    for p in results.values():
        assert (p.name, p.version, p.verdict) == ("ntplib", "0.4.0", Verdict.NETWORK)
        assert _network(p) == {("socket.getaddrinfo", "ntplib.py", 296), ("socket.socket", "ntplib.py", 300),
                               ("socket.socket.sendto", "ntplib.py", 313)}
        udp = next(a.finding for a in p.alerts if a.api == "socket.socket")
        assert "UDP" in udp.note
        sendto = next(a.finding for a in p.alerts if a.api == "socket.socket.sendto")
        assert 300 in [s.line for s in sendto.trace]
        assert {a.finding.timing for a in p.alerts} == {Timing.RUNTIME}
    assert results["wheel"].filename == "ntplib-0.4.0-py2.py3-none-any.whl"
    assert results["sdist"].filename == "ntplib-0.4.0.tar.gz"


def test_httplib2(scan_target) -> None:
    [p] = scan_target("pypi:httplib2==0.22.0", dist="wheel")
    assert p.verdict is Verdict.NETWORK
    network = _network(p)
    assert ("socket.socket.connect", "httplib2/socks.py", 489) in network
    assert {api for api, file, _ in network if file == "httplib2/__init__.py"} >= {
        "http.client.HTTPConnection", "http.client.HTTPSConnection", "socket.socket.connect"}


def test_paho_mqtt(scan_target) -> None:
    [p] = scan_target("pypi:paho-mqtt==2.1.0", dist="wheel")
    assert p.verdict is Verdict.NETWORK
    network = _network(p)
    assert ("socket.socket", "paho/mqtt/client.py", 449) in network
    assert ("socket.socket.connect", "paho/mqtt/client.py", 453) in network
    assert ("socket.create_connection", "paho/mqtt/client.py", 4640) in network


def test_websockets(scan_target) -> None:
    [p] = scan_target("pypi:websockets==12.0", dist="sdist")
    assert p.verdict is Verdict.NETWORK
    network = _network(p)
    assert ("socket.create_connection", "src/websockets/sync/client.py", 247) in network
    assert ("asyncio.AbstractEventLoop.create_connection", "src/websockets/legacy/client.py", 537) in network


@pytest.mark.parametrize("spec", ["pypi:hyperlink==21.0.0", "pypi:rfc3986==2.0.0", "pypi:tomli==2.0.1",
                                  "pypi:python-dateutil==2.9.0.post0"])
def test_distributions_without_network(scan_target, spec: str) -> None:
    results = scan_target(spec)
    assert results
    for p in results:
        assert p.verdict is Verdict.NONE, (p.filename, [(f.api, f.file, f.line) for f in p.findings])
        assert not [a for a in p.alerts if a.type == "networkAccess"]
        assert p.not_analysed == ()


def test_dateutil_sdist_maintainer_script_is_listed_not_counted(scan_target) -> None:
    """The sdist carries updatezinfo.py (downloads tz data); it is not installed, so it is tooling."""
    sdist = _by_kind(scan_target("pypi:python-dateutil==2.9.0.post0"))["sdist"]
    [tooling] = [f for f in sdist.findings if f.kind is FindingKind.NETWORK]
    assert (tooling.api, tooling.file, tooling.line, tooling.role.value) == (
        "urllib.request.urlretrieve", "updatezinfo.py", 38, "scripts")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("env") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps",
                    "ntplib==0.4.0", "tomli==2.0.1"], check=True, capture_output=True)
    return root


def test_environment_attributes_files_through_record(venv: Path, scan_target) -> None:
    results = {p.name.lower(): p for p in scan_target(str(venv))}
    assert results["ntplib"].verdict is Verdict.NETWORK and results["ntplib"].version == "0.4.0"
    assert {a.finding.file for a in results["ntplib"].alerts if a.type == "networkAccess"} == {"ntplib.py"}
    assert results["tomli"].verdict is Verdict.NONE and results["tomli"].version == "2.0.1"
    assert "pip" in results            # what the venv itself ships is reported as its own distribution
    assert all(p.artifact_kind in ("installed", "unattributed") for p in results.values())
