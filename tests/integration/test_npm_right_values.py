"""Right values on real npm packages, pinned (issue: core npm pipeline)."""

from __future__ import annotations

import pytest

from egress.model import FindingKind, PackageResult, Verdict

pytestmark = pytest.mark.network


def _one(results: list[PackageResult]) -> PackageResult:
    assert len(results) == 1
    return results[0]


def _network(p: PackageResult) -> set[tuple[str, str, int]]:
    return {(a.api, a.finding.file, a.finding.line) for a in p.alerts if a.type == "networkAccess"}


def test_node_fetch(scan_target) -> None:
    p = _one(scan_target("npm:node-fetch@3.3.2"))
    assert (p.name, p.version, p.verdict) == ("node-fetch", "3.3.2", Verdict.NETWORK)
    assert _network(p) == {("http.request", "src/index.js", 94), ("https.request", "src/index.js", 94)}
    for alert in p.alerts:
        if alert.type == "networkAccess":
            assert 65 in [step.line for step in alert.finding.trace]
    assert not [f for f in p.findings if f.file == "src/utils/referrer.js"]
    assert "fetch" not in {f.api for f in p.findings}
    assert p.locations == ("npm:node-fetch@3.3.2",)


def test_hapi_wreck(scan_target) -> None:
    p = _one(scan_target("npm:@hapi/wreck@18.1.0"))
    assert p.verdict is Verdict.NETWORK
    assert {("http.request", "lib/index.js", 186), ("https.request", "lib/index.js", 186)} <= _network(p)


def test_socks(scan_target) -> None:
    p = _one(scan_target("npm:socks@2.8.3"))
    assert p.verdict is Verdict.NETWORK
    network = _network(p)
    assert ("net.Socket", "build/client/socksclient.js", 238) in network
    connect = [a for a in p.alerts if a.api == "net.Socket.connect" and a.finding.file == "build/client/socksclient.js"]
    assert [a.finding.line for a in connect] == [251]
    assert 238 in [step.line for step in connect[0].finding.trace]


def test_tiny_json_http_bundle(scan_target) -> None:
    p = _one(scan_target("npm:tiny-json-http@7.5.1"))
    assert p.verdict is Verdict.NETWORK
    assert {("https.request", "dist.js", 848), ("http.request", "dist.js", 850)} <= _network(p)


@pytest.mark.parametrize("spec", [
    "npm:picocolors@1.1.1", "npm:nanoid@3.3.7", "npm:kleur@4.1.5", "npm:ipaddr.js@2.2.0", "npm:statuses@2.0.1",
])
def test_packages_without_network(scan_target, spec: str) -> None:
    p = _one(scan_target(spec))
    assert p.verdict is Verdict.NONE, [(f.api, f.file, f.line) for f in p.findings]
    assert not [f for f in p.findings if f.kind is FindingKind.NETWORK]
    assert p.not_analysed == ()
    assert p.files_analysed > 0


def _alert_rows(p: PackageResult) -> list[tuple[str, str, str, int]]:
    return sorted((a.type, a.severity.value, a.finding.file, a.finding.line) for a in p.alerts)


def test_esbuild_install_time_network_alerts(scan_target) -> None:
    """postinstall `node install.js`: its https.get at install.js:145 is install-time network.

    Its fallback, `execSync('npm install … ' + pkg + '@' + version, {env})` at install.js:183, fetches
    the platform package at install too; the child's `env` option is not data sent.
    """
    p = _one(scan_target("npm:esbuild@0.21.5"))
    assert p.verdict is Verdict.NETWORK
    assert _alert_rows(p) == [
        ("dynamicRequire", "low", "install.js", 92),
        ("installScripts", "high", "package.json", 10),
        ("installTimeNetwork", "high", "install.js", 145),
        ("installTimeNetwork", "high", "install.js", 183),
        ("networkAccess", "medium", "install.js", 145),
        ("networkAccess", "medium", "install.js", 183),
    ]
    fallback = next(a for a in p.alerts if a.type == "installTimeNetwork" and a.finding.line == 183)
    assert (fallback.finding.api, fallback.finding.data_sources) == (
        "child_process.execSync → npm install (fetches a package)", ())
    early = next(a for a in p.alerts if a.type == "installTimeNetwork" and a.finding.line == 145)
    assert early.finding.timing.value == "install"
    assert [(d.text, d.known) for d in early.finding.destinations] == [
        ("https://registry.npmjs.org/<dynamic>/-/<dynamic>-<dynamic>.tgz", "partial")]


def test_core_js_install_script_makes_no_request(scan_target) -> None:
    """postinstall prints a banner with URLs: installScripts low, no network alert, no destinations.

    Two `Function(...)` calls build their code from parameters (a bind polyfill, and
    `Function('return require("' + name + '")')`): reported as dynamic code, deliberately.
    """
    p = _one(scan_target("npm:core-js@3.37.1"))
    assert p.verdict is Verdict.NONE
    assert _alert_rows(p) == [
        ("dynamicCode", "medium", "internals/function-bind.js", 19),
        ("dynamicCode", "medium", "internals/try-node-require.js", 7),
        ("installScripts", "low", "package.json", 69),
    ]
    assert [f for f in p.findings if f.destinations] == []
