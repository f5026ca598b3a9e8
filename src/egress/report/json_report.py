"""The JSON report: a versioned schema, documented in docs/json-schema.md.

``schema_version`` changes only when a field changes meaning or goes
away; new fields may appear within a version.
"""

from __future__ import annotations

import json
from typing import Any

from egress import __version__
from egress.model import Alert, Finding, PackageResult, ScanResult
from egress.report import ReportOptions

SCHEMA_VERSION = "1.0"


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "api": f.api,
        "module": f.module,
        "capability": f.capability.value,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "snippet": f.snippet,
        "confidence": f.confidence.value,
        "role": f.role.value,
        "timing": f.timing.value,
        "trace": [{"file": s.file, "line": s.line, "column": s.column, "note": s.note} for s in f.trace],
        "note": f.note,
        "destinations": [{"text": d.text, "known": d.known, "scheme": d.scheme, "host": d.host, "port": d.port,
                          "classes": list(d.classes), "note": d.note} for d in f.destinations],
        "data_sources": list(f.data_sources),
    }


def alert_dict(a: Alert) -> dict[str, Any]:
    return {"type": a.type, "severity": a.severity.value, **finding_dict(a.finding)}


def package_dict(p: PackageResult) -> dict[str, Any]:
    alerted = {id(a.finding) for a in p.alerts}
    worst = p.worst_severity
    return {
        "ecosystem": p.ecosystem.value,
        "name": p.name,
        "version": p.version,
        "artifact": {"kind": p.artifact_kind, "filename": p.filename},
        "verdict": p.verdict.value,
        "severity": worst.value if worst else None,
        "network_apis": list(p.network_apis),
        "alerts": [alert_dict(a) for a in p.alerts],
        "other_findings": [finding_dict(f) for f in p.findings if id(f) not in alerted],
        "files_analysed": p.files_analysed,
        "not_analysed": [{"file": n.file, "reason": n.reason} for n in p.not_analysed],
        "locations": list(p.locations),
    }


def to_document(result: ScanResult) -> dict[str, Any]:
    verdicts = [p.verdict.value for p in result.packages]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "egress",
        "tool_version": __version__,
        "summary": {
            "packages": len(result.packages),
            "network": verdicts.count("network"),
            "partial": verdicts.count("partial"),
            "none": verdicts.count("none"),
            "errors": len(result.errors),
        },
        "packages": [package_dict(p) for p in result.packages],
        "errors": list(result.errors),
        **({"policy": result.policy} if result.policy is not None else {}),
        "not_fetched": [{"target": t, "package": pkg, "reason": why} for t, pkg, why in result.not_fetched],
        "transitive": {target: {direct: [{"package": label, "path": path} for label, path in found]
                                for direct, found in view.items()}
                       for target, view in result.transitive.items()},
    }


def render(result: ScanResult, options: ReportOptions) -> str:
    return json.dumps(to_document(result), indent=2, ensure_ascii=False) + "\n"
