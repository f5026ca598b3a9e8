"""The terminal table: one row per package, ``-v`` adds every finding."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from egress.model import PackageResult, ScanResult, Verdict
from egress.report import ReportOptions

_VERDICT_STYLE = {Verdict.NETWORK: "bold red", Verdict.PARTIAL: "yellow", Verdict.NONE: "green"}


def _first_evidence(p: PackageResult) -> str:
    network = [a for a in p.alerts if a.type == "networkAccess"]
    return f"{network[0].finding.file}:{network[0].finding.line}" if network else ""


def _apis(p: PackageResult) -> str:
    """The network APIs used; for other packages, the clients they import (lower severity)."""
    apis = list(p.network_apis)
    if not apis:
        apis = sorted({f"{a.api} (via dependency)" for a in p.alerts if a.type == "networkViaDependency"})
    return ", ".join(apis)


def _label(p: PackageResult) -> str:
    label = f"{p.name}@{p.version}"
    return f"{label} ({p.artifact_kind})" if p.artifact_kind in ("sdist", "wheel") else label


def render(result: ScanResult, options: ReportOptions) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=options.color, no_color=not options.color,
                      width=options.width or 160, highlight=False)
    table = Table(show_lines=False, pad_edge=False)
    for column in ("Package", "Verdict", "Network APIs", "Sites", "First evidence"):
        table.add_column(column, overflow="fold")
    for p in result.packages:
        sites = sum(1 for a in p.alerts if a.type == "networkAccess")
        verdict = p.verdict.value
        if p.not_analysed:
            verdict += f" ({len(p.not_analysed)} not analysed)"
        table.add_row(_label(p), Text(verdict, style=_VERDICT_STYLE[p.verdict]),
                      _apis(p), str(sites), _first_evidence(p))
    console.print(table)
    if options.verbose:
        for p in result.packages:
            if not (p.findings or p.not_analysed):
                continue
            console.print(Text(f"\n{_label(p)}", style="bold"))
            for loc in p.locations:
                console.print(f"  at {loc}", markup=False)
            alerted = {id(a.finding) for a in p.alerts}
            for f in p.findings:
                mark = "" if id(f) in alerted else f" [{f.role.value}, not counted]"
                console.print(f"  {f.file}:{f.line}:{f.column}  {f.api}  ({f.kind.value}, confidence "
                              f"{f.confidence.value}, runs at {f.timing.value}){mark}", markup=False)
                console.print(f"      {f.snippet}", markup=False)
                if f.note:
                    console.print(f"      note: {f.note}", markup=False)
                for d in f.destinations:
                    console.print(f"      → {d.text} ({', '.join(d.classes) or d.known})", markup=False)
                if f.data_sources:
                    console.print(f"      sends: {', '.join(f.data_sources)}", markup=False)
                for step in f.trace:
                    console.print(f"      ← {step.file}:{step.line} {step.note}", markup=False)
            for n in p.not_analysed:
                console.print(f"  not analysed: {n.file}: {n.reason}", markup=False)
    verdicts = [p.verdict for p in result.packages]
    noun = "package" if len(verdicts) == 1 else "packages"
    console.print(f"{len(verdicts)} {noun}: {verdicts.count(Verdict.NETWORK)} network, "
                  f"{verdicts.count(Verdict.PARTIAL)} partial, {verdicts.count(Verdict.NONE)} none")
    for target, view in result.transitive.items():
        console.print(Text(f"\nNetwork access by direct dependency ({target})", style="bold"))
        for direct, found in view.items():
            shown = "; ".join(f"{label} ({' > '.join(path)})" for label, path in found) or "none"
            console.print(f"  {direct}: {shown}", markup=False)
    if result.not_fetched:
        console.print(Text("\nNot fetched (not scanned)", style="bold"))
        for target, package, reason in result.not_fetched:
            console.print(f"  {package} — {reason}", markup=False)
    for line in result.policy_lines:
        console.print(line, markup=False)
    return buffer.getvalue()
