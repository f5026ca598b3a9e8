"""The terminal table: one row per package, worst severity first; ``-v`` adds every finding.

The row says how bad (worst severity) and what kind of trouble (alert
types), not only whether the network is used: a package that sends
secrets must not look like an HTTP client. Rich fits the table to the
width, wrapping long cells, so it stays readable in an 80-column
terminal; package errors are named under the table, where they are seen.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Mapping

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from egress.model import Alert, Finding, FindingKind, PackageResult, ScanResult, Severity, Verdict
from egress.report import ReportOptions
from egress.report.wording import alert_kinds, severity_then_name, shown_errors

_VERDICT_STYLE = {Verdict.NETWORK: "bold red", Verdict.PARTIAL: "yellow", Verdict.NONE: "green"}
_SEVERITY_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
                   Severity.LOW: "cyan"}

#: The width of a report that goes to a file or a pipe: no terminal to ask, and wide enough for most cells.
PIPE_WIDTH = 120


def report_width(options: ReportOptions, environ: Mapping[str, str] | None = None) -> int:
    """``options.width``; else for a terminal its width (``COLUMNS`` first); else ``PIPE_WIDTH``.

    ``options.color`` is what tells a terminal: the command line sets it
    exactly when the report goes to a TTY.
    """
    if options.width:
        return options.width
    if not options.color:
        return PIPE_WIDTH
    columns = (os.environ if environ is None else environ).get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size((80, 24)).columns or 80


def _first_evidence(p: PackageResult) -> str:
    """Where the worst network alert points (the first of them in file order)."""
    network = [a for a in p.alerts if a.finding.kind is FindingKind.NETWORK]
    if not network:
        return ""
    worst = max(a.severity.rank for a in network)
    first = next(a for a in network if a.severity.rank == worst)
    return f"{first.finding.file}:{first.finding.line}"


def _apis(p: PackageResult) -> str:
    """The network APIs used; for other packages, the clients they import (lower severity)."""
    apis = list(p.network_apis)
    if not apis:
        apis = sorted({f"{a.api} (via dependency)" for a in p.alerts if a.type == "networkViaDependency"})
    return ", ".join(apis)


def _label(p: PackageResult) -> str:
    label = f"{p.name}@{p.version}"
    return f"{label} ({p.artifact_kind})" if p.artifact_kind in ("sdist", "wheel") else label


def _alerts(p: PackageResult) -> str:
    """One alert type a line (``critical exfiltration``), then the files not analysed, if any."""
    lines = alert_kinds(p)
    if p.not_analysed:
        n = len(p.not_analysed)
        lines.append(f"{n} {'file' if n == 1 else 'files'} not analysed")
    return "\n".join(lines)


#: From this width on, or when they fit whole, APIs and first evidence get a column each (at 80 they share one).
WIDE = 120
_WIDE_HEADERS = ["Package", "Severity", "Verdict", "Alerts", "Network APIs", "First evidence"]
_NARROW_HEADERS = ["Package", "Severity", "Verdict", "Alerts", "Network APIs, evidence"]
_CHROME_PER_COLUMN = 3     # a border and a space either side; the edges have no padding


def _rows(packages: list[PackageResult], wide: bool) -> list[list[str]]:
    rows = []
    for p in packages:
        severity = p.worst_severity.value if p.worst_severity else "–"
        cells = [_label(p), severity, p.verdict.value, _alerts(p)]
        if wide:
            cells += [_apis(p), _first_evidence(p)]
        else:
            cells.append("\n".join(filter(None, [_apis(p), _first_evidence(p)])))
        rows.append(cells)
    return rows


def _measure(headers: list[str], rows: list[list[str]]) -> tuple[list[int], list[int]]:
    """Per column: the longest line (headers may wrap, so their longest word), and the longest word."""
    columns = list(zip(headers, *rows))
    natural = [max([cell_len(w) for w in col[0].split()]
                   + [cell_len(line) for cell in col[1:] for line in cell.split("\n")]) for col in columns]
    least = [max([cell_len(w) for cell in col for w in cell.split()] or [1]) for col in columns]
    return natural, least


def _chrome(columns: int) -> int:
    return _CHROME_PER_COLUMN * columns - 1


def fit_widths(headers: list[str], rows: list[list[str]], width: int) -> list[int | None]:
    """Column widths that break no word when every word fits; ``None`` each when rich may decide.

    Each column gets its longest word, and what is left is shared in
    proportion to how much more each needs to keep its lines whole.
    Rich's own shrinking cuts the widest columns first, which splits
    names such as ``networkViaDependency`` even when they would fit.
    """
    natural, least = _measure(headers, rows)
    room = width - _chrome(len(headers))
    if sum(natural) <= room or sum(least) > room:
        return [None] * len(headers)
    spare, wanted = room - sum(least), [n - m for n, m in zip(natural, least)]
    return [m + spare * w // sum(wanted) for m, w in zip(least, wanted)]


def _table(packages: list[PackageResult], width: int) -> Table:
    rows = _rows(packages, wide=True)
    wide = width >= WIDE or sum(_measure(_WIDE_HEADERS, rows)[0]) + _chrome(len(_WIDE_HEADERS)) <= width
    headers = _WIDE_HEADERS if wide else _NARROW_HEADERS
    rows = rows if wide else _rows(packages, wide=False)
    table = Table(pad_edge=False)
    for header, fixed in zip(headers, fit_widths(headers, rows, width)):
        table.add_column(header, overflow="fold", width=fixed, no_wrap=header in ("Severity", "Verdict"))
    for p, cells in zip(packages, rows):
        severity = Text(cells[1], style=_SEVERITY_STYLE[p.worst_severity]) if p.worst_severity else cells[1]
        table.add_row(cells[0], severity, Text(cells[2], style=_VERDICT_STYLE[p.verdict]), *cells[3:])
    return table


def _finding_line(f: Finding, alerts: list[Alert]) -> str:
    """``file:line:col  api  [critical exfiltration, medium networkAccess]  (kind, ...)``."""
    if alerts:
        worst_first = sorted(alerts, key=lambda a: -a.severity.rank)
        mark = "  [" + ", ".join(f"{a.severity.value} {a.type}" for a in worst_first) + "]"
        tail = ""
    else:
        mark, tail = "", f" [{f.role.value}, not counted]"
    return (f"  {f.file}:{f.line}:{f.column}  {f.api}{mark}  ({f.kind.value}, confidence "
            f"{f.confidence.value}, runs at {f.timing.value}){tail}")


def _details(console: Console, p: PackageResult) -> None:
    console.print(Text(f"\n{_label(p)}", style="bold"))
    for loc in p.locations:
        console.print(f"  at {loc}", markup=False, soft_wrap=True)
    alerts: dict[int, list[Alert]] = {}
    for a in p.alerts:
        alerts.setdefault(id(a.finding), []).append(a)
    for f in p.findings:
        console.print(_finding_line(f, alerts.get(id(f), [])), markup=False, soft_wrap=True)
        console.print(f"      {f.snippet}", markup=False, soft_wrap=True)
        if f.note:
            console.print(f"      note: {f.note}", markup=False, soft_wrap=True)
        for d in f.destinations:
            console.print(f"      → {d.text} ({', '.join(d.classes) or d.known})", markup=False, soft_wrap=True)
        if f.data_sources:
            console.print(f"      sends: {', '.join(f.data_sources)}", markup=False, soft_wrap=True)
        for step in f.trace:
            console.print(f"      ← {step.file}:{step.line} {step.note}", markup=False, soft_wrap=True)
    for n in p.not_analysed:
        console.print(f"  not analysed: {n.file}: {n.reason}", markup=False, soft_wrap=True)


def _footer(console: Console, result: ScanResult) -> None:
    verdicts = [p.verdict for p in result.packages]
    noun = "package" if len(verdicts) == 1 else "packages"
    console.print(f"{len(verdicts)} {noun}: {verdicts.count(Verdict.NETWORK)} network, "
                  f"{verdicts.count(Verdict.PARTIAL)} partial, {verdicts.count(Verdict.NONE)} none")
    if result.errors:
        errors = len(result.errors)
        console.print(Text(f"{errors} {'package' if errors == 1 else 'packages'} could not be scanned:",
                           style="bold red"))
        shown, more = shown_errors(result.errors)
        for line in shown:
            console.print(f"  {line}", markup=False, soft_wrap=True)
        if more:
            console.print(f"  and {more} more", markup=False)


def render(result: ScanResult, options: ReportOptions) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=options.color, no_color=not options.color,
                      width=report_width(options), highlight=False)
    packages = severity_then_name(result.packages)
    console.print(_table(packages, console.width))
    if options.verbose:
        for p in packages:
            if p.findings or p.not_analysed:
                _details(console, p)
        console.print()
    _footer(console, result)
    for target, view in result.transitive.items():
        console.print(Text(f"\nNetwork access by direct dependency ({target})", style="bold"))
        for direct, found in view.items():
            shown = "; ".join(f"{label} ({' > '.join(path)})" for label, path in found) or "none"
            console.print(f"  {direct}: {shown}", markup=False, soft_wrap=True)
    if result.not_fetched:
        console.print(Text("\nNot fetched (not scanned)", style="bold"))
        for target, package, reason in result.not_fetched:
            console.print(f"  {package} — {reason}", markup=False, soft_wrap=True)
    for line in result.policy_lines:
        console.print(line, markup=False, soft_wrap=True)
    return buffer.getvalue()
