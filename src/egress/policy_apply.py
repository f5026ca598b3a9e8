"""Apply a policy to a scan result: hide what the team accepted, count it, say what fails.

Each alert is looked at once, by the first rule that covers it: a path
ignore, then a current allowance, then an ``ignore`` action; whatever
hides it is counted under that rule's label, so nothing disappears
without a trace.  An allowance past its ``expires`` day stops hiding: its
alerts come back with the note "allowance expired on YYYY-MM-DD" (in the
finding's note, so every report shows it).  Verdicts are recomputed by
``egress.alerts.package_result`` from the alerts that remain.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from egress.alerts import AlertOptions, package_result
from egress.model import Alert, Finding, PackageArtifact, PackageResult, ScanResult
from egress.policy_types import Action, Allowance, Policy


@dataclass(frozen=True)
class HiddenCount:
    kind: str        # "allowance" | "path" | "action"
    label: str       # the rule: "allow npm:axios (egress.toml:12)", "ignore vendor/** …", "action ignore: dynamicRequire"
    reason: str      # the reason the policy gives ("" for an action)
    count: int


@dataclass(frozen=True)
class ExpiredAllowance:
    allowance: Allowance
    alerts: tuple[tuple[str, Alert], ...]    # (package key, alert) shown again because it expired


@dataclass(frozen=True)
class PolicySummary:
    hidden: tuple[HiddenCount, ...]
    expired: tuple[ExpiredAllowance, ...]
    failing: bool             # an alert whose action is ``error`` remains
    errors: int               # alerts shown with action error
    warnings: int             # alerts shown with action warn
    actions: tuple[tuple[str, str], ...] = ()   # (alert type, action) of the alerts shown

    @property
    def hidden_total(self) -> int:
        return sum(h.count for h in self.hidden)


@dataclass(frozen=True)
class PolicyOutcome:
    result: ScanResult
    summary: PolicySummary


def expired_note(day: date) -> str:
    return f"allowance expired on {day.isoformat()}"


def apply_policy(result: ScanResult, policy: Policy, today: date) -> PolicyOutcome:
    """The result with policy-hidden alerts removed and verdicts recomputed, plus the summary."""
    counts: dict[tuple[int, str, str, str], int] = {}
    expired: dict[int, list[tuple[str, Alert]]] = {id(a): [] for a in policy.allowances if a.expired(today)}
    packages: list[PackageResult] = []
    errors = warnings = 0
    actions: dict[str, str] = {}
    for package in result.packages:
        kept: list[Alert] = []
        swaps: dict[int, Finding] = {}
        for alert in package.alerts:
            rule = _hiding_rule(package, alert, policy, today)
            if rule is not None:
                counts[rule] = counts.get(rule, 0) + 1
                continue
            lapsed = [a for a in policy.allowances if id(a) in expired and _covers(a, package, alert)]
            if lapsed:
                day = lapsed[0].expires
                assert day is not None      # expired() implies a date
                noted = _with_note(alert, expired_note(day))
                swaps[id(alert.finding)] = noted.finding
                alert = noted
                for allowance in lapsed:
                    expired[id(allowance)].append((package.key, alert))
            action = policy.action_for(alert.type)
            actions[alert.type] = action.value
            errors += action is Action.ERROR
            warnings += action is Action.WARN
            kept.append(alert)
        packages.append(_rebuilt(package, kept, swaps))
    # In the policy's own order: path ignores, allowances, then ignore actions.
    hidden = tuple(HiddenCount(kind, label, reason, counts[(order, kind, label, reason)])
                   for order, kind, label, reason in sorted(counts))
    lapsed_rules = tuple(ExpiredAllowance(a, tuple(expired[id(a)])) for a in policy.allowances if id(a) in expired)
    summary = PolicySummary(hidden, lapsed_rules, failing=errors > 0, errors=errors, warnings=warnings,
                            actions=tuple(sorted(actions.items())))
    return PolicyOutcome(ScanResult(packages=tuple(packages), errors=result.errors), summary)


def summary_lines(summary: PolicySummary) -> list[str]:
    """Plain lines for the end of a table report (nothing when the policy changed nothing)."""
    lines = [f"hidden by policy: {h.count} by {h.label}" + (f" — {h.reason}" if h.reason else "")
             for h in summary.hidden]
    for lapsed in summary.expired:
        lines.append(f"{lapsed.allowance.label} expired on {lapsed.allowance.expires}: "
                     f"{len(lapsed.alerts)} alerts shown again")
    if summary.failing:
        lines.append(f"policy: {summary.errors} alerts with action error")
    return lines


def summary_dict(summary: PolicySummary) -> dict[str, Any]:
    """The ``policy`` object of a JSON report (documented in docs/policy.md)."""
    return {
        "failing": summary.failing,
        "errors": summary.errors,
        "warnings": summary.warnings,
        "actions": dict(summary.actions),
        "hidden": [{"kind": h.kind, "rule": h.label, "reason": h.reason, "count": h.count} for h in summary.hidden],
        "expired": [{"rule": e.allowance.label, "expired_on": e.allowance.expires.isoformat()
                     if e.allowance.expires else None, "reason": e.allowance.reason,
                     "alerts": [{"package": key, "type": a.type, "api": a.api, "file": a.finding.file,
                                 "line": a.finding.line} for key, a in e.alerts]}
                    for e in summary.expired],
    }


def _covers(allowance: Allowance, package: PackageResult, alert: Alert) -> bool:
    return allowance.covers(package.ecosystem, package.name, package.version, alert)


def _hiding_rule(package: PackageResult, alert: Alert, policy: Policy,
                 today: date) -> tuple[int, str, str, str] | None:
    """The first rule that hides ``alert``: (its place in the policy, kind, label, reason)."""
    for i, ignore in enumerate(policy.ignores):
        if ignore.covers(package.ecosystem, package.name, package.version, alert.finding.file):
            return (i, "path", ignore.label, ignore.reason)
    for i, allowance in enumerate(policy.allowances, start=len(policy.ignores)):
        if not allowance.expired(today) and _covers(allowance, package, alert):
            return (i, "allowance", allowance.label, allowance.reason)
    if policy.action_for(alert.type) is Action.IGNORE:
        return (len(policy.ignores) + len(policy.allowances), "action", f"action ignore: {alert.type}", "")
    return None


def _with_note(alert: Alert, note: str) -> Alert:
    text = f"{alert.finding.note}; {note}" if alert.finding.note else note
    return dataclasses.replace(alert, finding=dataclasses.replace(alert.finding, note=text))


def _rebuilt(package: PackageResult, kept: list[Alert], swaps: dict[int, Finding]) -> PackageResult:
    """The package with only ``kept`` alerts; the verdict comes from alerts.package_result.

    Every finding stays listed (hidden ones become "other findings", as
    test findings are); a finding whose alert got a note is swapped for
    the noted copy so that reports pair alerts and findings by identity as before.
    """
    if not swaps and len(kept) == len(package.alerts):
        return package
    stub = PackageArtifact(package.ecosystem, package.name, package.version, read_files=lambda want: iter(()),
                           locations=package.locations)
    # include_tests=True: the kept alerts already passed the scan's own role filter. A finding
    # still shown under any alert type (installTimeNetwork, exfiltration, ...) still evidences its use.
    shown = list({id(a.finding): a.finding for a in kept}.values())
    verdict = package_result(stub, shown, list(package.not_analysed), package.files_analysed,
                             AlertOptions(include_tests=True)).verdict
    findings = tuple(swaps.get(id(f), f) for f in package.findings)
    return dataclasses.replace(package, verdict=verdict, alerts=tuple(kept), findings=findings)
