"""Destinations through methods, end to end: the derived alerts rest on them (issue #5).

Each package folder under tests/fixtures/destinations_methods/ is scanned
as a user would scan it (``session.scan_targets``: source, pre-filter,
workers, context, alerts).  A wrapper method receives an IP literal and
the environment from its caller, so the call inside the method carries a
suspiciousDestination (high) and an exfiltration (critical) alert.
"""

from __future__ import annotations

from pathlib import Path

from egress.model import PackageResult, Verdict
from tests.pipeline import scan_one

FIXTURES = Path(__file__).parent / "fixtures" / "destinations_methods"


_scan = scan_one


def _alerts(package: PackageResult) -> list[tuple]:
    return [(a.type, a.severity.value, a.finding.file, a.finding.api, a.finding.line,
             tuple(d.text for d in a.finding.destinations), a.finding.data_sources) for a in package.alerts]


def test_npm_object_and_class_methods_give_the_derived_alerts(tmp_path: Path) -> None:
    package = _scan(FIXTURES / "npm-methods", tmp_path)
    assert package.verdict is Verdict.NETWORK
    sent = ("index.js", "https.request", 5, ("https://203.0.113.7/c",), ("env",))
    assert _alerts(package) == [
        ("networkAccess", "medium", *sent),
        ("networkAccess", "medium", "index.js", "fetch", 17, ("https://api.example.com/v1",), ()),
        ("suspiciousDestination", "high", *sent),
        ("exfiltration", "critical", *sent),
    ]


def test_python_self_method_and_constructor_attribute_give_the_derived_alerts(tmp_path: Path) -> None:
    package = _scan(FIXTURES / "py-methods", tmp_path)
    assert package.verdict is Verdict.NETWORK
    sent = ("pymethods/client.py", "urllib.request.urlopen", 12,
            ("https://api.example.com/v1/items", "https://203.0.113.7/c"), ("env NPM_TOKEN",))
    assert _alerts(package) == [
        ("networkAccess", "medium", *sent),
        ("suspiciousDestination", "high", *sent),
        ("exfiltration", "critical", *sent),
    ]
