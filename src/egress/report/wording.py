"""Words and orderings the SARIF, Markdown and HTML reports share.

One place says how an alert reads ("axios@1.7.2 calls https.request") and
which package comes first (worst severity), so that a reviewer sees the
same sentence and order in a pull-request comment, in code scanning and
in the HTML page.
"""

from __future__ import annotations

import re

from egress.alerts import ALERT_HELP, ALERT_TYPES
from egress.model import Alert, PackageResult, ScanResult, Severity, Verdict

#: A short title per alert type (SARIF ``shortDescription``, HTML and Markdown labels).
ALERT_TITLES: dict[str, str] = {
    "networkAccess": "Calls a network API",
    "networkViaDependency": "Imports a network client library",
    "importsNetworkModule": "Imports a network module",
    "dynamicRequire": "Loads a module by a computed name",
    "dynamicCode": "Evaluates code built at run time",
    "installScripts": "Runs a script when installed",
    "installTimeNetwork": "Reaches the network at install or start-up",
}


def title(alert_type: str) -> str:
    """The short title of an alert type; a type added later reads as its words (``fooBar`` → "Foo bar")."""
    if alert_type in ALERT_TITLES:
        return ALERT_TITLES[alert_type]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", alert_type).lower()
    return words[:1].upper() + words[1:]


def alert_types(result: ScanResult | None = None) -> list[tuple[str, Severity | None]]:
    """Every alert type with its default severity when ``ALERT_TYPES`` declares one.

    ``ALERT_TYPES`` order first, then types only ``ALERT_HELP`` knows (raised
    by the alert stage itself, such as ``installTimeNetwork``), then any other
    type present in ``result``.
    """
    types: dict[str, Severity | None] = {t: s for t, s in ALERT_TYPES.values()}
    for t in ALERT_HELP:
        types.setdefault(t, None)
    for p in result.packages if result else ():
        for a in p.alerts:
            types.setdefault(a.type, None)
    return list(types.items())


def help_text(alert_type: str) -> str:
    return ALERT_HELP.get(alert_type, title(alert_type) + ".")


def package_label(p: PackageResult) -> str:
    """``name@version``, with the file for PyPI sdists and wheels (a release has several)."""
    label = f"{p.name}@{p.version}" if p.version else p.name
    return f"{label} ({p.filename or p.artifact_kind})" if p.artifact_kind in ("sdist", "wheel") else label


def message(p: PackageResult, alert: Alert) -> str:
    """One sentence saying what the package does, in the reviewer's terms."""
    f = alert.finding
    who = f"{p.name}@{p.version}" if p.version else p.name
    if alert.type == "networkAccess":
        text = f"{who} calls {f.api}"
    elif alert.type == "networkViaDependency":
        text = f"{who} imports the network client {f.api}"
    elif alert.type == "importsNetworkModule":
        text = f"{who} imports {f.module or f.api} (no network call seen)"
    elif alert.type == "dynamicRequire":
        text = f"{who} loads a module by a computed name"
    elif alert.type == "dynamicCode":
        text = f"{who} evaluates code built at run time ({f.api})"
    elif alert.type == "installScripts":
        text = f"{who} runs a script when installed ({f.api})"
    elif alert.type == "installTimeNetwork":
        text = f"{who} calls {f.api} in code that runs at {f.timing.value}"
    else:
        text = f"{who}: {title(alert.type).lower()} ({f.api})"
    redundant = alert.type == "networkViaDependency"   # its note restates the import
    return f"{text}: {f.note}" if f.note and not redundant else text


def dependency_clients(p: PackageResult) -> list[str]:
    """The network client libraries a package imports (``networkViaDependency``), sorted."""
    return sorted({a.api for a in p.alerts if a.type == "networkViaDependency"})


def severity_rank(p: PackageResult) -> int:
    worst = p.worst_severity
    return worst.rank if worst else 0


#: Network use first, then incomplete analyses, then clean.
VERDICT_RANK: dict[Verdict, int] = {Verdict.NETWORK: 3, Verdict.PARTIAL: 2, Verdict.NONE: 1}


def worst_first(packages: tuple[PackageResult, ...] | list[PackageResult]) -> list[PackageResult]:
    """Worst severity first, then by verdict, more alerts, ecosystem, name, version and file."""
    return sorted(packages, key=lambda p: (-severity_rank(p), -VERDICT_RANK[p.verdict], -len(p.alerts),
                                           p.ecosystem, p.name, p.version, p.filename))


SEVERITIES_WORST_FIRST: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))


def alert_kinds(p: PackageResult) -> list[str]:
    """Each alert type once, at its worst severity, worst first: ``critical exfiltration``, ``medium networkAccess ×2``.

    Short enough for a table cell, and says at a glance what kind of
    trouble a package is, which a verdict alone does not.
    """
    worst: dict[str, Severity] = {}
    counts: dict[str, int] = {}
    for a in p.alerts:
        counts[a.type] = counts.get(a.type, 0) + 1
        if a.type not in worst or a.severity.rank > worst[a.type].rank:
            worst[a.type] = a.severity
    order = sorted(worst, key=lambda t: (-worst[t].rank, t))
    return [f"{worst[t].value} {t}" + (f" ×{counts[t]}" if counts[t] > 1 else "") for t in order]


def alert_summary(p: PackageResult) -> str:
    """``alert_kinds`` on one line: ``critical exfiltration, high installTimeNetwork``."""
    return ", ".join(alert_kinds(p))


def severity_then_name(packages: tuple[PackageResult, ...] | list[PackageResult]) -> list[PackageResult]:
    """Worst severity first; among packages without alerts, partial before clean; then by name."""
    return sorted(packages, key=lambda p: (-severity_rank(p), -VERDICT_RANK[p.verdict], p.name.lower(), p.name,
                                           p.version, p.ecosystem, p.filename))


#: How many package errors a terminal or comment report names before "and N more".
ERRORS_SHOWN = 10


def shown_errors(errors: tuple[str, ...] | list[str], limit: int = ERRORS_SHOWN) -> tuple[list[str], int]:
    """The first ``limit`` errors, each on one line, and how many more were left out."""
    lines = [" ".join(e.split()) for e in errors]
    return lines[:limit], max(0, len(lines) - limit)
