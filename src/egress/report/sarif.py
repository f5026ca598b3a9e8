"""SARIF 2.1.0, for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

Design:

- One rule per alert type (``ruleId`` = the alert type), with the level
  from its severity: critical/high → ``error``, medium → ``warning``,
  low → ``note``; each result carries its own level too, since the alert
  stage may raise one alert above its type's default.
- Paths: a finding's ``file`` is package-relative, so every location has
  ``uriBaseId`` naming its package (``npm:axios@1.7.2``; PyPI sdists and
  wheels add ``/<filename>``, since one release has several files) and
  ``run.originalUriBaseIds`` has one entry per package: a ``file:`` URI
  of the folder when the package was read from a local folder, a path
  relative to ``%SRCROOT%`` (the scanned project) for a package installed
  in its ``node_modules``, otherwise only a description saying where it
  came from (a registry download has no place on disk to point at).
- Columns are Unicode code points (``run.columnKind``), as egress counts them.
- ``partialFingerprints["egressAlertHash/v1"]`` identifies an alert across
  runs: a SHA-256 of ecosystem, name, version, the PyPI file name, the
  file, the API, the alert type and the snippet with its whitespace
  collapsed. The line and column are left out on purpose, so an unrelated
  edit above the call does not make a dashboard see a new alert. Identical
  evidence repeated in one file (two ``https.get(url)`` lines) is told
  apart by a ``:N`` occurrence suffix counted in file order. A minified
  line's snippet is a window around the call, so an edit on that same
  line can still change its fingerprint.
- Files that could not be analysed, and packages that could not be read,
  are ``toolExecutionNotifications`` of the invocation: a consumer sees
  that the scan was incomplete instead of a clean result.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from egress import __version__
from egress.model import Alert, PackageResult, ScanResult, Severity
from egress.report import ReportOptions
from egress.report.wording import alert_types, help_text, message, title

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "egressAlertHash/v1"

_LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
#: GitHub code scanning ranks security alerts by this CVSS-like number.
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.0", Severity.HIGH: "7.0", Severity.MEDIUM: "5.0", Severity.LOW: "2.0"}


def level(severity: Severity) -> str:
    return _LEVELS[severity]


def rules(result: ScanResult | None = None) -> list[dict[str, Any]]:
    """One reporting descriptor per alert type.

    A type without a declared severity takes the worst one it has in
    ``result``, else SARIF's own default level, ``warning``.
    """
    out = []
    for alert_type, severity in alert_types(result):
        if severity is None and result is not None:
            seen = [a.severity for p in result.packages for a in p.alerts if a.type == alert_type]
            severity = max(seen, key=lambda s: s.rank) if seen else None
        properties: dict[str, Any] = {"tags": ["security", "supply-chain", "network"]}
        if severity is not None:
            properties["security-severity"] = _SECURITY_SEVERITY[severity]
        out.append({
            "id": alert_type,
            "name": alert_type[0].upper() + alert_type[1:],
            "shortDescription": {"text": title(alert_type)},
            "fullDescription": {"text": help_text(alert_type)},
            "help": {"text": help_text(alert_type)},
            "defaultConfiguration": {"level": level(severity) if severity else "warning"},
            "properties": properties,
        })
    return out


def base_id(p: PackageResult) -> str:
    """The ``uriBaseId`` of a package's files: its key, plus the file name for a PyPI sdist or wheel."""
    return f"{p.key}/{p.filename}" if p.filename else p.key


def artifact_location(p: PackageResult, file: str) -> dict[str, str]:
    """A package-relative path as a relative URI reference (``a b.js`` → ``a%20b.js``)."""
    return {"uri": quote(file, safe="/"), "uriBaseId": base_id(p)}


def normalise_snippet(snippet: str) -> str:
    return " ".join(snippet.split())


def fingerprint(p: PackageResult, alert: Alert) -> str:
    """The hash of what identifies an alert, without its line or column."""
    f = alert.finding
    parts = (p.ecosystem.value, p.name, p.version, p.filename, f.file, f.api, alert.type,
             normalise_snippet(f.snippet))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


#: The scanned project's folder: installed packages' bases are relative to it (``%SRCROOT%`` by convention).
SRCROOT = "%SRCROOT%"


def _base_entry(p: PackageResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": {"text": f"{p.ecosystem.value} package {p.name}@{p.version}"
                                                     + (f" ({p.filename})" if p.filename else "")}}
    where = p.locations[0] if p.locations else ""
    if p.artifact_kind == "folder" and PurePosixPath(where).is_absolute():
        entry["uri"] = PurePosixPath(where).as_uri().rstrip("/") + "/"
    elif where.startswith("node_modules/") and ".." not in where.split("/"):
        # installed in the scanned project: relative to its folder, which a dashboard knows as the source root
        entry["uri"] = quote(where.rstrip("/"), safe="/@") + "/"
        entry["uriBaseId"] = SRCROOT
        entry["description"]["text"] += f", from {where}"
    elif where:
        entry["description"]["text"] += f", from {where}"
    return entry


def _physical(p: PackageResult, file: str, line: int, column: int, snippet: str | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(line, 1), "startColumn": max(column, 1)}
    if snippet:
        region["snippet"] = {"text": snippet}
    return {"physicalLocation": {"artifactLocation": artifact_location(p, file), "region": region}}


def _result(p: PackageResult, alert: Alert, rule_index: dict[str, int], occurrence: int,
            actions: dict[str, str]) -> dict[str, Any]:
    f = alert.finding
    result: dict[str, Any] = {
        "ruleId": alert.type,
        # a policy that makes this type fail the run makes it an error; otherwise the severity decides
        "level": "error" if actions.get(alert.type) == "error" else level(alert.severity),
        "message": {"text": message(p, alert)},
        "locations": [_physical(p, f.file, f.line, f.column, f.snippet)],
        "partialFingerprints": {FINGERPRINT_KEY: f"{fingerprint(p, alert)}:{occurrence}"},
        "properties": {
            "package": {"ecosystem": p.ecosystem.value, "name": p.name, "version": p.version},
            "api": f.api,
            "module": f.module,
            "capability": f.capability.value,
            "confidence": f.confidence.value,
            "role": f.role.value,
            "timing": f.timing.value,
            "severity": alert.severity.value,
        },
    }
    if alert.type in rule_index:
        result["ruleIndex"] = rule_index[alert.type]
    if f.trace:
        related = []
        for i, step in enumerate(f.trace, start=1):
            loc = _physical(p, step.file, step.line, step.column)
            loc["id"] = i
            loc["message"] = {"text": step.note}
            related.append(loc)
        result["relatedLocations"] = related
    return result


def _notifications(result: ScanResult) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in result.packages:
        for n in p.not_analysed:
            out.append({
                "level": "warning",
                "message": {"text": f"{p.name}@{p.version}: {n.file} not analysed: {n.reason}"},
                "locations": [{"physicalLocation": {"artifactLocation": artifact_location(p, n.file)}}],
                "descriptor": {"id": "notAnalysed"},
            })
    for error in result.errors:
        out.append({"level": "error", "message": {"text": error}, "descriptor": {"id": "packageError"}})
    return out


def to_log(result: ScanResult) -> dict[str, Any]:
    """The SARIF log object (one run)."""
    rule_list = rules(result)
    rule_index = {r["id"]: i for i, r in enumerate(rule_list)}
    results: list[dict[str, Any]] = []
    bases: dict[str, dict[str, Any]] = {}
    actions: dict[str, str] = dict((result.policy or {}).get("actions") or {})
    for p in result.packages:
        seen: dict[str, int] = {}
        for alert in p.alerts:
            digest = fingerprint(p, alert)
            seen[digest] = seen.get(digest, 0) + 1
            results.append(_result(p, alert, rule_index, seen[digest], actions))
        if p.alerts or p.not_analysed:
            bases[base_id(p)] = _base_entry(p)
    if any(entry.get("uriBaseId") == SRCROOT for entry in bases.values()):
        bases[SRCROOT] = {"description": {"text": "the project folder that was scanned"}}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "egress",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": rule_list,
        }},
        "invocations": [{
            "executionSuccessful": not result.errors,
            "toolExecutionNotifications": _notifications(result),
        }],
        "originalUriBaseIds": bases,
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, options: ReportOptions) -> str:
    return json.dumps(to_log(result), indent=2, ensure_ascii=False) + "\n"
