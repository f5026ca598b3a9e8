"""From findings to per-package alerts, severities and a verdict.

``networkAccess`` is medium, the industry baseline for "code imports a
network module and uses it".  Weaker evidence gets its own, lower alert
type so that a reader never mistakes "imports a client library" for
"opens a socket".  Findings outside shipped code (tests, examples, docs,
benchmarks, maintainer scripts) stay listed on the package but raise no
alert unless asked, except code that runs at install time, which counts
wherever it sits.

Derived alerts (installTimeNetwork, suspiciousDestination, exfiltration,
installScripts high) claim more than "uses the network", so each rule
here was checked against real packages: docs/severity-review.md lists
every high and critical alert of the bench corpora and why it stands.
"""

from __future__ import annotations

from dataclasses import dataclass

import re

from egress.destinations import DYNAMIC, sensitive_data, suspicious_reasons
from egress.model import (
    Alert,
    Capability,
    Destination,
    Finding,
    FindingKind,
    FileRole,
    NotAnalysed,
    PackageArtifact,
    PackageResult,
    Severity,
    Timing,
    Verdict,
    own_names,
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
    "installScripts": "The package runs a script when it is installed (npm lifecycle hook); high when the hook "
                      "calls a network tool, starts a shell or interpreter, or install-time code reaches the network.",
    "installTimeNetwork": "Network access is reachable from code that runs at install or interpreter start-up.",
    "suspiciousDestination": "A network call goes to an IP literal, a paste, file-drop, webhook or tunnelling "
                             "service, a cloud metadata address, or a host built from data at run time.",
    "exfiltration": "Sensitive data (secrets from the environment, credentials files, host identity) flows into a "
                    "network request: critical when the code fixes where it goes or runs at install time, high "
                    "when the caller or configuration supplies the destination.",
}


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
    reaches = _hooks_reaching(artifact, counted, early_network)
    for f in counted:
        kind, severity = ALERT_TYPES[f.kind]
        if f.kind is FindingKind.INSTALL_SCRIPT:
            severity = hook_severity(f, f.api in reaches)
        alerts.append(Alert(type=kind, severity=severity, finding=f))
    alerts.extend(Alert(type="installTimeNetwork", severity=Severity.HIGH, finding=f) for f in early_network)
    for f in counted:
        if f.kind is not FindingKind.NETWORK:
            continue
        if any(suspicious_reasons(d) for d in f.destinations):
            alerts.append(Alert(type="suspiciousDestination", severity=Severity.HIGH, finding=f))
        severity = exfiltration_severity(f)
        if severity is not None:
            alerts.append(Alert(type="exfiltration", severity=severity, finding=f))
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


def _hooks_reaching(artifact: PackageArtifact, counted: list[Finding], early: list[Finding]) -> set[str]:
    """The install hooks (`scripts.postinstall`) whose own run reaches the network.

    A hook reaches what is on its own package.json line (its tools, its inline
    code) and what runs in the files it names; install-time network in files no
    hook names (loaded by them, or an sdist's setup.py) counts for every hook that
    runs code.  A hook that only echoes a message stays low whatever its siblings do.
    """
    if not early:
        return set()
    from egress.context import install_hooks, node_files_of
    from egress.install_scripts import hook_shell_scripts

    hooks = {f.api: f for f in counted if f.kind is FindingKind.INSTALL_SCRIPT}
    named: dict[str, set[str]] = {api: set() for api in hooks}
    for name, command in install_hooks(artifact.metadata):
        named.setdefault(f"scripts.{name}", set()).update(node_files_of(command))
    for path, (name, _) in hook_shell_scripts(artifact.metadata).items():
        named.setdefault(f"scripts.{name}", set()).add(path)
    every = set().union(*named.values()) if named else set()
    found: set[str] = set()
    for api, hook in hooks.items():
        for f in early:
            on_line = f.file == "package.json" and f.line == hook.line
            if on_line or f.file in named.get(api, ()) or (
                    f.file != "package.json" and f.file not in every and named.get(api)):
                found.add(api)
                break
    return found


def hook_severity(hook: Finding, early_network: bool) -> Severity:
    """High when an install hook reaches the network or starts a shell; low for a build step.

    A pipe between two local tools (`browserify x | uglifyjs`) starts nothing that
    can reach out by itself, so "pipe" alone is not a shell.  npm runs `prepare`
    only for git and local installs, never for a package installed from the
    registry: there only a network tool it calls makes it high.
    """
    parts = hook.note.split("; ")
    if any(p.startswith("calls ") for p in parts):
        return Severity.HIGH
    if hook.api == "scripts.prepare":
        return Severity.LOW
    shells = [w for p in parts if p.startswith("starts ") for w in p.removeprefix("starts ").split(", ")]
    return Severity.HIGH if early_network or any(w != "pipe" for w in shells) else Severity.LOW


#: Host identity, credentials and command output (`whoami`, `cat ~/.ssh/…`): sensitive wherever they go.
_ALWAYS_SENSITIVE = frozenset({"hostname", "username", "homedir", "network-interfaces", "command-output",
                               "credentials"})
_EARLY = (Timing.INSTALL, Timing.STARTUP)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def exfiltration_severity(f: Finding) -> Severity | None:
    """The severity of the exfiltration alert a network finding raises, or None.

    Critical when a sensitive value goes where the code itself decides (a constant host, an
    IP, a host built from data) or when it runs at install or start-up; high when a runtime
    call sends it to a destination wholly supplied by the caller or configuration, the shape
    of every API client that forwards its credentials.  A credential named after the site it
    is sent to (``FIGMA_…_TOKEN`` to ``api.figma.com``) is that site's own authentication.
    A DNS lookup of a wholly dynamic name (``gethostbyname(gethostname())``) asks the local
    resolver about the name itself; exfiltration through DNS needs a zone of the sender's
    (``<dynamic>.attacker.example``), which is a constant part.
    """
    if f.capability is Capability.RESOLVE and _wholly_dynamic(f.destinations):
        return None
    sensitive = [s for s in f.data_sources if sensitive_source(s, f.timing)
                 and not _own_service_credential(s, f.destinations)]
    if not sensitive:
        return None
    if f.timing in _EARLY or not _wholly_dynamic(f.destinations):
        return Severity.CRITICAL
    return Severity.HIGH


def sensitive_source(source: str, timing: Timing = Timing.RUNTIME) -> bool:
    """Whether a data-source label (``env NPM_TOKEN``, ``file ~/.npmrc``, ``hostname``) is sensitive.

    The whole environment, or a variable whose name cannot be known, is; a named variable is
    when its name marks a secret or the user's identity (words in ``[sensitive.env]``), not when
    it is configuration (``NODE_ENV``, ``https_proxy``, ``…_ENDPOINT``, a build flag).  A file is
    when its path is a credential or identity file (``[sensitive.files]``); a file of unknown
    path only in install or start-up code, since uploading a caller's file is a library's job.
    """
    label, _, detail = source.partition(" ")
    if label == "env":
        return not detail or DYNAMIC in detail or _secret_env_name(detail)
    if label == "file":
        return _sensitive_path(detail) if detail and detail != DYNAMIC else timing in _EARLY
    return label in _ALWAYS_SENSITIVE


def _secret_env_name(name: str) -> bool:
    table = sensitive_data()
    if name.upper() in table.env_identity:
        return True
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words:
        return False
    if words[-1] in table.env_location_words:
        return bool(table.env_connection_words & set(words))     # DATABASE_URL carries its password
    return bool(table.env_secret_words & set(words))


def _sensitive_path(path: str) -> bool:
    path = path.lower().replace("\\", "/")
    return any(re.search(r"(?:^|[/\\])" + re.escape(p) + r"(?:$|[/.])", path) or (p.startswith("/") and p in path)
               for p in sensitive_data().file_paths)


def _wholly_dynamic(destinations: tuple[Destination, ...]) -> bool:
    """No destination has a constant part of its host (`<dynamic>.<dynamic>` has none) or a sign of being
    built from data."""
    return all(not d.host.replace(DYNAMIC, "").strip(".:-[]") and not suspicious_reasons(d) for d in destinations)


def _own_service_credential(source: str, destinations: tuple[Destination, ...]) -> bool:
    """An env credential whose name carries the registered name of every constant host it is sent to."""
    label, _, name = source.partition(" ")
    if label != "env" or not name:
        return False
    words = {w.lower() for w in _WORDS.findall(name)}
    sites = [_site_name(d.host) for d in destinations
             if d.host and DYNAMIC not in d.host and "ip-literal" not in d.classes]
    return bool(sites) and all(site in words for site in sites)


def _site_name(host: str) -> str:
    """The registered name of a host: `figma` for api.figma.com, `bbc` for www.bbc.co.uk."""
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in ("co", "com", "org", "net", "ac", "gov", "ne"):
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else host


def _drop_self_imports(artifact: PackageArtifact, findings: list[Finding]) -> list[Finding]:
    """A client library importing itself (`httpx` importing `httpx._client`) is not a dependency."""
    own = own_names(artifact.name)
    return [f for f in findings if not (f.kind is FindingKind.DEPENDENCY and f.api.lower() in own)]


def _location_key(f: Finding) -> tuple:
    return (f.file, f.line, f.column, f.api)
