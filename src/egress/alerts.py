"""From findings to per-package alerts, severities and a verdict.

``networkAccess`` is medium, the industry baseline for "code imports a
network module and uses it".  Weaker evidence gets its own, lower alert
type so that a reader never mistakes "imports a client library" for
"opens a socket".  Findings outside shipped code (tests, examples, docs,
benchmarks, maintainer scripts) stay listed on the package but raise no
alert unless asked, except code that runs at install time, which counts
wherever it sits.
"""

from __future__ import annotations

from dataclasses import dataclass

from egress.destinations import suspicious_reasons
from egress.install_scripts import reaches_out
from egress.model import (
    Alert,
    Finding,
    FindingKind,
    FileRole,
    NotAnalysed,
    PackageArtifact,
    PackageResult,
    Severity,
    Timing,
    Verdict,
)

#: Alert type and severity for each kind of finding.
ALERT_TYPES: dict[FindingKind, tuple[str, Severity]] = {
    FindingKind.NETWORK: ("networkAccess", Severity.MEDIUM),
    FindingKind.DEPENDENCY: ("networkViaDependency", Severity.LOW),
    FindingKind.IMPORT_ONLY: ("importsNetworkModule", Severity.LOW),
    FindingKind.DYNAMIC_REQUIRE: ("dynamicRequire", Severity.LOW),
    FindingKind.DYNAMIC_CODE: ("dynamicCode", Severity.MEDIUM),
    FindingKind.INSTALL_SCRIPT: ("installScripts", Severity.LOW),   # raised to high below when it reaches out
}

#: One line of help per alert type, for reports (SARIF rules, HTML).
ALERT_HELP: dict[str, str] = {
    "networkAccess": "The package's code imports a network module and calls it to perform network I/O.",
    "networkViaDependency": "The package imports a third-party network client library.",
    "importsNetworkModule": "The package imports a network module but no network call through it was seen.",
    "dynamicRequire": "A module is loaded by a name that could not be resolved statically.",
    "dynamicCode": "Code is generated or evaluated at run time from a value that could not be resolved.",
    "installScripts": "The package runs a script when it is installed (npm lifecycle hook).",
    "installTimeNetwork": "Network access is reachable from code that runs at install or interpreter start-up.",
    "suspiciousDestination": "A network call goes to an IP literal, a paste, file-drop, webhook or tunnelling "
                             "service, a cloud metadata address, or a host built from data at run time.",
    "exfiltration": "Sensitive data (environment variables, credentials files, host identity) flows into a "
                    "network request.",
}

#: Data sources that make a request exfiltration; "platform" alone (the OS name) does not.
SENSITIVE_SOURCES = ("env", "file", "hostname", "username", "homedir", "network-interfaces", "command-output",
                     "credentials")


@dataclass(frozen=True)
class AlertOptions:
    include_tests: bool = False     # count findings in tests/examples/docs/bench toward the verdict


def package_result(
    artifact: PackageArtifact,
    findings: list[Finding],
    not_analysed: list[NotAnalysed],
    files_analysed: int,
    options: AlertOptions = AlertOptions(),
) -> PackageResult:
    """Fold one package's findings into its alerts and verdict."""
    findings = sorted(_drop_self_imports(artifact, findings), key=_location_key)
    counted = [f for f in findings
               if options.include_tests or f.role is FileRole.SHIPPED or f.timing is Timing.INSTALL]
    early_network = [f for f in counted
                     if f.kind is FindingKind.NETWORK and f.timing in (Timing.INSTALL, Timing.STARTUP)]
    alerts: list[Alert] = []
    for f in counted:
        kind, severity = ALERT_TYPES[f.kind]
        if f.kind is FindingKind.INSTALL_SCRIPT and (reaches_out(f) or early_network):
            severity = Severity.HIGH     # the hook reaches the network or starts a shell
        alerts.append(Alert(type=kind, severity=severity, finding=f))
    alerts.extend(Alert(type="installTimeNetwork", severity=Severity.HIGH, finding=f) for f in early_network)
    for f in counted:
        if f.kind is not FindingKind.NETWORK:
            continue
        if any(suspicious_reasons(d) for d in f.destinations):
            alerts.append(Alert(type="suspiciousDestination", severity=Severity.HIGH, finding=f))
        if any(source.split(" ", 1)[0] in SENSITIVE_SOURCES for source in f.data_sources):
            alerts.append(Alert(type="exfiltration", severity=Severity.CRITICAL, finding=f))
    alerts = tuple(alerts)
    if any(a.type == "networkAccess" for a in alerts):
        verdict = Verdict.NETWORK
    elif not_analysed:
        verdict = Verdict.PARTIAL
    else:
        verdict = Verdict.NONE
    return PackageResult(
        ecosystem=artifact.ecosystem,
        name=artifact.name,
        version=artifact.version,
        verdict=verdict,
        alerts=alerts,
        files_analysed=files_analysed,
        not_analysed=tuple(sorted(not_analysed, key=lambda n: n.file)),
        locations=artifact.locations,
        findings=tuple(findings),
        artifact_kind=str(artifact.metadata.get("kind", "")),
        filename=str(artifact.metadata.get("filename", "")),
    )


def _drop_self_imports(artifact: PackageArtifact, findings: list[Finding]) -> list[Finding]:
    """A client library importing itself (`httpx` importing `httpx._client`) is not a dependency."""
    own = {artifact.name.lower(), artifact.name.lower().replace("-", "_")}
    return [f for f in findings if not (f.kind is FindingKind.DEPENDENCY and f.api.lower() in own)]


def _location_key(f: Finding) -> tuple:
    return (f.file, f.line, f.column, f.api)
