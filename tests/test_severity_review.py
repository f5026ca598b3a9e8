"""Severity review (docs/severity-review.md): each rule that changed an alert, on a fixture of our own.

Every fixture has a positive (the alert is raised, at the stated severity) and a
negative (the same code shape that is configuration or a build step raises none).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from egress.alerts import exfiltration_severity, hook_severity, sensitive_source
from egress.cli import main
from egress.destinations import parse_destination, suspicious_reasons
from egress.model import Capability, Confidence, Finding, FindingKind, Severity, Timing

FIXTURES = Path(__file__).parent / "fixtures" / "severity"
DERIVED = ("exfiltration", "suspiciousDestination", "installTimeNetwork", "installScripts")


def _alerts(name: str, tmp_path: Path) -> tuple[str, list[tuple[str, str, str, int, str]]]:
    result = CliRunner().invoke(main, ["scan", str(FIXTURES / name), "--format", "json", "-j", "1",
                                       "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    [package] = json.loads(result.stdout)["packages"]
    return package["verdict"], sorted((a["type"], a["severity"], a["file"], a["line"], a["api"])
                                      for a in package["alerts"] if a["type"] in DERIVED)


def test_env_secrets_are_exfiltration_configuration_is_not(tmp_path: Path) -> None:
    verdict, alerts = _alerts("js_env", tmp_path)
    assert verdict == "network"
    assert alerts == [
        ("exfiltration", "critical", "index.js", 4, "https.request"),  # NPM_TOKEN to a host the code fixes
        ("exfiltration", "critical", "index.js", 24, "https.request"),  # the whole environment and user name
        ("exfiltration", "high", "index.js", 16, "fetch"),             # a token to the caller's URL
    ]
    # line 8 DEPLOYMENT_ID (configuration), line 12 ACME_API_TOKEN to api.acme.example (its own service),
    # line 20 https_proxy (where to connect): no exfiltration


def test_credential_files_are_exfiltration_a_callers_file_is_an_upload(tmp_path: Path) -> None:
    verdict, alerts = _alerts("js_files", tmp_path)
    assert verdict == "network"
    assert alerts == [("exfiltration", "critical", "index.js", 5, "fetch")]     # ~/.npmrc; line 9 is `file`


def test_looking_up_the_own_hostname_is_not_dns_exfiltration(tmp_path: Path) -> None:
    verdict, alerts = _alerts("js_dns", tmp_path)
    assert verdict == "network"
    assert alerts == [
        ("exfiltration", "critical", "index.js", 9, "dns.lookup"),      # hostname under a fixed zone
        ("suspiciousDestination", "high", "index.js", 9, "dns.lookup"),
    ]                                                                    # line 5: dns.lookup(os.hostname())


def test_a_public_dns_resolver_is_not_a_suspicious_ip(tmp_path: Path) -> None:
    verdict, alerts = _alerts("js_public_dns", tmp_path)
    assert verdict == "network"
    assert alerts == [("suspiciousDestination", "high", "index.js", 8, "net.connect")]   # 203.0.113.9, not 8.8.8.8


@pytest.mark.parametrize("fixture, verdict, alerts", [
    ("js_hooks_prepare", "none", [("installScripts", "low", "package.json", 5, "scripts.prepare")]),   # `||`
    ("js_hooks_pipe", "none", [("installScripts", "low", "package.json", 5, "scripts.postinstall")]),
    ("js_hooks_shell", "network", [
        ("installScripts", "high", "package.json", 5, "scripts.postinstall"),    # sh ./setup.sh
        ("installScripts", "high", "package.json", 6, "scripts.prepare"),        # prepare calling curl
        ("installTimeNetwork", "high", "package.json", 6, "curl")]),
])
def test_install_hook_severity(fixture: str, verdict: str, alerts: list, tmp_path: Path) -> None:
    assert _alerts(fixture, tmp_path) == (verdict, alerts)


def test_python_env_sockets_and_own_names(tmp_path: Path) -> None:
    verdict, alerts = _alerts("py_env", tmp_path)
    assert verdict == "network"
    assert alerts == [
        ("exfiltration", "critical", "sevpy/__init__.py", 13, "urllib.request.urlopen"),   # AWS_SECRET_ACCESS_KEY
        ("exfiltration", "critical", "sevpy/__init__.py", 21, "urllib.request.urlopen"),   # DATABASE_URL
    ]   # line 8 NOTIFY_ADDR (where to connect), lines 17 and 25 look up the own name (no constant zone): none


@pytest.mark.parametrize("source, sensitive", [
    ("env", True), ("env NPM_TOKEN", True), ("env npm_config__authToken", True), ("env AWS_SECRET_ACCESS_KEY", True),
    ("env HOSTNAME", True), ("env USER", True), ("env DATABASE_URL", True), ("env MONGODB_URI", True),
    ("env NODE_ENV", False), ("env __NEXT_ANALYTICS_ID", False), ("env https_proxy", False),
    ("env SSH_AUTH_SOCK", False), ("env AWS_CONTAINER_CREDENTIALS_FULL_URI", False), ("env SENTRY_DSN", False),
    ("file ~/.npmrc", True), ("file <dynamic>/.ssh/id_rsa", True), ("file /app/.env.local", True),
    ("file /etc/passwd", True), ("file .envrc", False), ("file .node-xmlhttprequest-content-<dynamic>", False),
    ("file", False), ("hostname", True), ("command-output", True), ("platform", False),
])
def test_sensitive_sources(source: str, sensitive: bool) -> None:
    assert sensitive_source(source) is sensitive


def test_a_file_of_unknown_path_is_sensitive_at_install_time() -> None:
    assert sensitive_source("file", Timing.INSTALL) is True
    assert sensitive_source("file", Timing.RUNTIME) is False


def _hook(api: str, note: str) -> Finding:
    return Finding(FindingKind.INSTALL_SCRIPT, api, "<npm lifecycle>", Capability.EXECUTE, "package.json", 5, 1,
                   "", Confidence.HIGH, in_function=False, note=note, timing=Timing.INSTALL)


@pytest.mark.parametrize("api, note, early, severity", [
    ("scripts.postinstall", "starts pipe", False, Severity.LOW),
    ("scripts.postinstall", "starts pipe, sh", False, Severity.HIGH),
    ("scripts.postinstall", "", True, Severity.HIGH),
    ("scripts.prepare", "starts pipe, sh; npm runs prepare only for git and local installs", True, Severity.LOW),
    ("scripts.prepare", "calls curl; npm runs prepare only for git and local installs", False, Severity.HIGH),
])
def test_hook_severity(api: str, note: str, early: bool, severity: Severity) -> None:
    assert hook_severity(_hook(api, note), early) is severity


@pytest.mark.parametrize("text, classes, suspicious", [
    ("8.8.8.8:53", ("ip-literal", "public"), []),
    ("[2606:4700:4700::1111]:53", ("ip-literal", "public"), []),
    ("[2606:4700:4700:0::1111]:53", ("ip-literal", "public"), []),       # the same address, written longer
    ("8.8.8.9:53", ("ip-literal", "public"), ["ip-literal"]),
    ("https://vitals.vercel-insights.com/v1/vitals", ("public", "telemetry"), []),
])
def test_table_entries(text: str, classes: tuple[str, ...], suspicious: list[str]) -> None:
    dest = parse_destination(text)
    assert (dest.classes, suspicious_reasons(dest)) == (classes, suspicious)


def _sending(source: str, *urls: str, capability: Capability = Capability.REQUEST,
             timing: Timing = Timing.RUNTIME) -> Finding:
    return Finding(FindingKind.NETWORK, "fetch", "<global>", capability, "index.js", 3, 1, "fetch(u)",
                   Confidence.HIGH, timing=timing, data_sources=(source,),
                   destinations=tuple(parse_destination(u, known="partial" if "<dynamic>" in u else "full")
                                      for u in urls))


@pytest.mark.parametrize("finding, severity", [
    (_sending("env ACME_API_TOKEN", "https://api.acme.example/v1"), None),           # its own site
    (_sending("env ACME_API_TOKEN", "https://acme.other.example/v1"), Severity.CRITICAL),   # registered as "other"
    (_sending("env ACME_API_TOKEN", "https://api.acme.co.uk/v1"), None),
    (_sending("env TOKEN_113", "https://203.0.113.7/"), Severity.CRITICAL),         # an IP names no site
    (_sending("env NPM_TOKEN", "<dynamic>"), Severity.HIGH),                          # the caller's URL
    (_sending("env NPM_TOKEN", "<dynamic>", timing=Timing.INSTALL), Severity.CRITICAL),
    (_sending("hostname", "<dynamic>", capability=Capability.RESOLVE), None),         # gethostbyname(gethostname())
    (_sending("hostname", "<dynamic>.<dynamic>", capability=Capability.RESOLVE), None),
    (_sending("hostname", "<dynamic>.zone.example", capability=Capability.RESOLVE), Severity.CRITICAL),
])
def test_exfiltration_severity(finding: Finding, severity: Severity | None) -> None:
    assert exfiltration_severity(finding) is severity
