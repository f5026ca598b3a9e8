"""Right values: a lockfile of each format gives the same packages and findings as the tarballs.

Every generated fixture pins socks@2.8.3 (network) and statuses@2.0.1
(none) with their dependencies; scanning the lockfile must give, package by
package, the verdict, alerts (type, api, file, line) and file counts that
scanning ``npm:name@version`` directly gives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lock_testkit import BASIC, BASIC_LABELS, FIXTURES

from egress.engine import ScanOptions, scan
from egress.errors import IntegrityError
from egress.model import PackageResult, Verdict
from egress.sources import SourceConfig, source_for
from egress.sources.download import Fetcher
from egress.sources.npm_lock import NpmLockSource
from egress.sources.npm_lockgraph import transitive_view

pytestmark = pytest.mark.network


def _summary(result: PackageResult) -> tuple:
    alerts = {(a.type, a.api, a.finding.file, a.finding.line) for a in result.alerts}
    return result.verdict, alerts, result.files_analysed, result.not_analysed


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lock-cache")


@pytest.fixture(scope="module")
def direct(cache: Path) -> dict[str, PackageResult]:
    """Each pinned package scanned straight from the registry by spec."""
    out = {}
    with Fetcher(cache) as fetcher:
        config = SourceConfig(fetcher=fetcher)
        artifacts = [a for label in sorted(BASIC_LABELS) for a in source_for(f"npm:{label}", config).collect()]
        result = scan(artifacts, ScanOptions(jobs=2))
    assert result.errors == ()
    for package in result.packages:
        out[f"{package.name}@{package.version}"] = package
    return out


def _scan_lock(cache: Path, target: Path, **config) -> tuple[list[PackageResult], NpmLockSource]:
    with Fetcher(cache) as fetcher:
        source = source_for(str(target), SourceConfig(fetcher=fetcher, **config))
        assert isinstance(source, NpmLockSource)
        result = scan(source.collect(), ScanOptions(jobs=2))
    assert result.errors == ()
    return list(result.packages), source


@pytest.mark.parametrize("fixture", sorted(BASIC))
def test_lockfile_scan_equals_direct_scan(cache: Path, direct: dict[str, PackageResult], fixture: str) -> None:
    results, source = _scan_lock(cache, FIXTURES / fixture / BASIC[fixture])
    by_label = {f"{p.name}@{p.version}": p for p in results}
    assert set(by_label) == BASIC_LABELS
    assert source.not_fetched == []
    for label, package in by_label.items():
        assert _summary(package) == _summary(direct[label]), label
    socks, statuses = by_label["socks@2.8.3"], by_label["statuses@2.0.1"]
    assert socks.verdict is Verdict.NETWORK
    assert ("networkAccess", "net.Socket.connect", "build/client/socksclient.js", 251) in _summary(socks)[1]
    assert statuses.verdict is Verdict.NONE and statuses.alerts == ()
    network = {label for label, p in by_label.items() if p.verdict is Verdict.NETWORK}
    assert network == {label for label, p in direct.items() if p.verdict is Verdict.NETWORK}
    assert transitive_view(source.graph, network)["socks"][0] == ("socks@2.8.3", ["lock-fixture-app", "socks"])
    assert transitive_view(source.graph, network)["statuses"] == []


def test_omit_dev_leaves_the_dev_only_package_out(cache: Path) -> None:
    results, source = _scan_lock(cache, FIXTURES / "pnpm-v9", omit_dev=True)
    assert {f"{p.name}@{p.version}" for p in results} == BASIC_LABELS - {"ms@2.1.3"}
    assert source.omitted == ["ms@2.1.3"]


def test_workspace_lock_reports_local_packages_as_not_fetched(cache: Path, direct) -> None:
    results, source = _scan_lock(cache, FIXTURES / "npm-workspace")
    assert {f"{p.name}@{p.version}" for p in results} == {
        "ip-address@9.0.5", "jsbn@1.1.0", "ms@2.1.3", "smart-buffer@4.2.0", "socks@2.8.3", "sprintf-js@1.1.3",
        "statuses@2.0.1"}
    assert source.not_fetched == [("helper@0.1.0", "linked local folder packages/helper"),
                                  ("localdep@0.0.1", "linked local folder vendor/localdep")]
    statuses = next(p for p in results if p.name == "statuses")
    assert statuses.locations == ("node_modules/status-alias",)
    assert _summary(statuses) == _summary(direct["statuses@2.0.1"])


def test_a_wrong_integrity_in_a_real_lock_is_an_integrity_error(cache: Path, tmp_path: Path, direct) -> None:
    lock = json.loads((FIXTURES / "npm-v3" / "package-lock.json").read_text())
    packages = lock["packages"]
    packages["node_modules/socks"]["integrity"] = packages["node_modules/statuses"]["integrity"]
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    with Fetcher(cache) as fetcher:
        source = NpmLockSource(tmp_path / "package-lock.json", fetcher)
        yielded = []
        with pytest.raises(IntegrityError, match=r"^socks@2\.8\.3 \(locked in package-lock\.json\): integrity mismatch"):
            for artifact in source.collect():
                yielded.append(f"{artifact.name}@{artifact.version}")
    assert sorted(yielded) == sorted(BASIC_LABELS - {"socks@2.8.3"})
