"""Verdicts and severities: never a false clean, tests do not count by default."""

from __future__ import annotations

import dataclasses

from egress.alerts import AlertOptions, package_result
from egress.model import (Capability, Confidence, Ecosystem, FileRole, Finding, FindingKind, NotAnalysed,
                          PackageArtifact, Severity, Verdict)

ART = PackageArtifact(Ecosystem.NPM, "client", "1.0.0", read_files=lambda want: iter(()), locations=("node_modules/client",))


def _f(kind: FindingKind, api: str = "https.request", file: str = "lib/a.js", role: FileRole = FileRole.SHIPPED) -> Finding:
    return Finding(kind, api, "https", Capability.REQUEST, file, 3, 5, "https.request(u)", Confidence.HIGH, role=role)


def test_network_finding_gives_medium_network_access_and_network_verdict() -> None:
    r = package_result(ART, [_f(FindingKind.NETWORK)], [], 4)
    assert r.verdict is Verdict.NETWORK
    assert [(a.type, a.severity, a.api) for a in r.alerts] == [("networkAccess", Severity.MEDIUM, "https.request")]
    assert r.network_apis == ("https.request",)
    assert r.locations == ("node_modules/client",)


def test_unparsed_file_without_network_is_partial_never_none() -> None:
    r = package_result(ART, [], [NotAnalysed("lib/bad.js", "syntax error at line 2")], 3)
    assert r.verdict is Verdict.PARTIAL


def test_clean_package_is_none() -> None:
    assert package_result(ART, [], [], 3).verdict is Verdict.NONE


def test_import_only_and_dependency_are_low_and_do_not_make_network() -> None:
    r = package_result(ART, [_f(FindingKind.IMPORT_ONLY, "https"), _f(FindingKind.DEPENDENCY, "axios")], [], 1)
    assert r.verdict is Verdict.NONE
    assert sorted((a.type, a.severity) for a in r.alerts) == [
        ("importsNetworkModule", Severity.LOW), ("networkViaDependency", Severity.LOW)]


def test_findings_in_tests_are_listed_but_raise_no_alert_unless_included() -> None:
    test_finding = _f(FindingKind.NETWORK, file="test/a.js", role=FileRole.TEST)
    r = package_result(ART, [test_finding], [], 1)
    assert r.verdict is Verdict.NONE and r.alerts == () and r.findings == (test_finding,)
    r = package_result(ART, [test_finding], [], 1, AlertOptions(include_tests=True))
    assert r.verdict is Verdict.NETWORK and len(r.alerts) == 1


def test_a_client_importing_itself_is_not_a_dependency() -> None:
    own = dataclasses.replace(ART, name="axios")
    assert package_result(own, [_f(FindingKind.DEPENDENCY, "axios")], [], 1).alerts == ()


def test_install_time_code_counts_wherever_it_sits() -> None:
    from egress.model import Timing

    script = dataclasses.replace(_f(FindingKind.NETWORK, file="scripts/install.js", role=FileRole.SCRIPTS),
                                 timing=Timing.INSTALL)
    tooling = _f(FindingKind.NETWORK, file="scripts/release.js", role=FileRole.SCRIPTS)
    alerts = package_result(ART, [script, tooling], [], 2).alerts
    assert [(a.type, a.severity, a.finding) for a in alerts] == [
        ("networkAccess", Severity.MEDIUM, script), ("installTimeNetwork", Severity.HIGH, script)]


def test_install_hooks_are_low_unless_they_reach_out() -> None:
    from egress.model import Capability, Timing

    def hook(note: str) -> Finding:
        return Finding(FindingKind.INSTALL_SCRIPT, "scripts.postinstall", "<npm lifecycle>", Capability.EXECUTE,
                       "package.json", 7, 1, '"postinstall": "node x.js"', Confidence.HIGH, in_function=False,
                       note=note, timing=Timing.INSTALL)

    quiet = package_result(ART, [hook("")], [], 1)
    assert [(a.type, a.severity) for a in quiet.alerts] == [("installScripts", Severity.LOW)]
    assert quiet.verdict is Verdict.NONE
    loud = package_result(ART, [hook("calls curl; starts pipe")], [], 1)
    assert [(a.type, a.severity) for a in loud.alerts] == [("installScripts", Severity.HIGH)]
    prepare = package_result(ART, [hook("npm runs prepare only for git and local installs")], [], 1)
    assert [(a.type, a.severity) for a in prepare.alerts] == [("installScripts", Severity.LOW)]


def test_suspicious_destination_and_exfiltration_are_derived_alerts() -> None:
    from egress.destinations import parse_destination

    to_ip = dataclasses.replace(_f(FindingKind.NETWORK), destinations=(parse_destination("https://203.0.113.7/c"),),
                                data_sources=("env NPM_TOKEN", "hostname"))
    to_registry = dataclasses.replace(_f(FindingKind.NETWORK, file="lib/b.js"), destinations=(
        parse_destination("https://registry.npmjs.org/<dynamic>", known="partial"),), data_sources=("platform",))
    r = package_result(ART, [to_ip, to_registry], [], 2)
    assert sorted((a.type, a.severity.value, a.finding.file) for a in r.alerts) == [
        ("exfiltration", "critical", "lib/a.js"), ("networkAccess", "medium", "lib/a.js"),
        ("networkAccess", "medium", "lib/b.js"), ("suspiciousDestination", "high", "lib/a.js")]
    assert r.worst_severity is Severity.CRITICAL
