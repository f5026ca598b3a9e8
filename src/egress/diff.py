"""What changed between two scans: packages added and removed, versions, and per package
the alert types, APIs, capabilities and destinations gained and lost.

Packages are matched by ecosystem and name, so ``axios@1.6.8`` against
``axios@1.7.2`` is one package with a version change; a tree holding two
versions of a name is compared as the union of both.  Only alerts are
compared (what a reviewer acts on), through the same line-free keys as
the baseline.  ``--fail-on`` judges what was *gained*.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from egress import __version__
from egress.errors import ReportError
from egress.model import ScanResult, Severity
from egress.policy_keys import Change, Entry, PackageChange, compare_all, profiles_of

DIFF_VERSION = "1.0"
DIFF_FORMATS = ("table", "json")


@dataclass(frozen=True)
class ResultDiff:
    packages: tuple[PackageChange, ...]     # every package of either side, "same" ones included

    @property
    def added(self) -> tuple[PackageChange, ...]:
        return tuple(p for p in self.packages if p.status == "added")

    @property
    def removed(self) -> tuple[PackageChange, ...]:
        return tuple(p for p in self.packages if p.status == "removed")

    @property
    def changed(self) -> tuple[PackageChange, ...]:
        return tuple(p for p in self.packages if p.status == "changed")

    def gained_severity(self) -> Severity | None:
        """The worst severity among alerts that carry something gained (new packages: all their alerts)."""
        ranks = [Severity(e.severity) for p in self.packages for e in p.gained_entries() if e.severity]
        return max(ranks, key=lambda s: s.rank) if ranks else None

    def fails(self, fail_on: str | None) -> bool:
        worst = self.gained_severity()
        return fail_on is not None and worst is not None and worst.rank >= Severity(fail_on).rank


def diff_results(a: ScanResult, b: ScanResult) -> ResultDiff:
    """``b`` compared with ``a``: gained means present in ``b`` and absent from ``a``."""
    return ResultDiff(compare_all(profiles_of(a.packages), profiles_of(b.packages)))


def render_diff(diff: ResultDiff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(diff_document(diff), indent=2, ensure_ascii=False) + "\n"
    if fmt == "table":
        return _table(diff)
    raise ReportError(f"unknown diff format {fmt!r} (expected one of: {', '.join(DIFF_FORMATS)})")


def diff_document(diff: ResultDiff) -> dict[str, Any]:
    worst = diff.gained_severity()
    return {
        "diff_version": DIFF_VERSION,
        "tool": "egress",
        "tool_version": __version__,
        "summary": {"added": len(diff.added), "removed": len(diff.removed), "changed": len(diff.changed),
                    "gained_severity": worst.value if worst else None},
        "packages": [_package(p) for p in diff.packages if p.status != "same"],
    }


def _package(p: PackageChange) -> dict[str, Any]:
    return {
        "ecosystem": p.ecosystem,
        "name": p.name,
        "status": p.status,
        "old_versions": list(p.old_versions),
        "new_versions": list(p.new_versions),
        "gained": [_change(c) for c in p.gained],
        "lost": [_change(c) for c in p.lost],
        "new_alerts": [_entry(e) for e in p.new_alerts],
        "gone_alerts": [_entry(e) for e in p.gone_alerts],
    }


def _change(c: Change) -> dict[str, Any]:
    return {"aspect": c.aspect, "value": c.value, "evidence": [_entry(e) for e in c.evidence]}


def _entry(e: Entry) -> dict[str, Any]:
    return {**e.key._asdict(), "severity": e.severity, "capability": e.capability, "line": e.line,
            "column": e.column, "destinations": list(e.hosts)}


def _table(diff: ResultDiff) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, no_color=True, width=160, highlight=False)
    table = Table(pad_edge=False)
    for column in ("Package", "Versions", "Change", "Aspect", "Value", "Evidence"):
        table.add_column(column, overflow="fold")
    for p in diff.packages:
        if p.status == "same":
            continue
        versions = f"{', '.join(p.old_versions) or '-'} → {', '.join(p.new_versions) or '-'}"
        rows = [("gained", c) for c in p.gained] + [("lost", c) for c in p.lost]
        if not rows:
            table.add_row(p.label, versions, p.status, "", "", "")
        for sign, change in rows:
            table.add_row(p.label, versions, sign, change.aspect, change.value, _evidence(change.evidence))
    console.print(table)
    console.print(f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed")
    return buffer.getvalue()


def _evidence(entries: tuple[Entry, ...], limit: int = 3) -> str:
    shown = ", ".join(e.where for e in entries[:limit])
    return f"{shown} (+{len(entries) - limit} more)" if len(entries) > limit else shown
