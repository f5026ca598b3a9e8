"""One self-contained HTML page: a sortable, filterable package table and the evidence.

No external asset and no network: the stylesheet and script are inline
and the Content-Security-Policy allows only those two (by hash), no
images, no fetches. Every string that comes from a package (names,
paths, snippets, notes, reasons) goes through ``html.escape``; the script
reads no package text, so nothing from a package is ever code.
"""

from __future__ import annotations

import html

from egress.model import Alert, Finding, FindingKind, PackageResult, ScanResult, Timing, Verdict
from egress.report import ReportOptions
from egress.report.html_assets import CONTENT_SECURITY_POLICY, SCRIPT, STYLE
from egress.report.wording import (
    VERDICT_RANK, alert_types, dependency_clients, help_text, message, package_label, severity_rank, title,
    worst_first,
)

_TIMING = {Timing.INSTALL: "runs at install", Timing.STARTUP: "runs at interpreter start",
           Timing.IMPORT: "runs at import", Timing.RUNTIME: "runs when called"}


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def highlight(snippet: str, f: Finding) -> str:
    """The snippet, escaped, with the API's name marked where it appears.

    An import names its module in quotes (``require('axios')``), so the
    quoted name is looked for first; otherwise the API, then its last part.
    """
    name = f.api
    needles = [f"'{name}'", f'"{name}"'] if f.kind in (FindingKind.DEPENDENCY, FindingKind.IMPORT_ONLY) else []
    needles += [name, name.rsplit(".", 1)[-1]] if name else []
    for needle in needles:
        at = snippet.find(needle)
        if at >= 0:
            end = at + len(needle)
            return f"{esc(snippet[:at])}<mark>{esc(snippet[at:end])}</mark>{esc(snippet[end:])}"
    return esc(snippet)


def _section_id(index: int) -> str:
    return f"pkg-{index}"


def _row(p: PackageResult, index: int) -> str:
    worst = p.worst_severity
    sev = f'<span class="sev sev-{worst.value}">{worst.value}</span>' if worst else "–"
    apis = ", ".join(f"<code>{esc(api)}</code>" for api in p.network_apis)
    if not apis:   # the clients it imports, marked as such (lower severity)
        apis = ", ".join(f'<code>{esc(c)}</code> <span class="fact-via">via dependency</span>'
                         for c in dependency_clients(p))
    return (
        f'<tr data-section="{_section_id(index)}">'
        f'<td data-sort="{esc(package_label(p).lower())}">'
        f'<a href="#{_section_id(index)}">{esc(package_label(p))}</a></td>'
        f"<td>{esc(p.ecosystem.value)}</td>"
        f'<td data-sort="{VERDICT_RANK[p.verdict]}"><span class="verdict verdict-{p.verdict.value}">'
        f"{p.verdict.value}</span></td>"
        f'<td data-sort="{severity_rank(p)}">{sev}</td>'
        f"<td>{apis}</td>"
        f'<td class="num" data-sort="{len(p.alerts)}">{len(p.alerts)}</td>'
        f'<td class="num" data-sort="{len(p.not_analysed)}">{len(p.not_analysed)}</td>'
        f'<td class="num" data-sort="{p.files_analysed}">{p.files_analysed}</td>'
        "</tr>"
    )


#: (key, label, sort type, right-aligned): verdict and severity sort by rank but read as words.
_COLUMNS = (
    ("package", "Package", "text", False), ("ecosystem", "Ecosystem", "text", False),
    ("verdict", "Verdict", "number", False), ("severity", "Severity", "number", False),
    ("apis", "Network APIs", "text", False), ("alerts", "Alerts", "number", True),
    ("not-analysed", "Not analysed", "number", True), ("files", "Files analysed", "number", True),
)


def _table(packages: list[PackageResult]) -> str:
    align = ' class="num"'
    head = "".join(
        f'<th data-key="{key}" data-type="{kind}" aria-sort="none"{align if right else ""}>'
        f'<button type="button">{label}</button></th>'
        for key, label, kind, right in _COLUMNS
    )
    body = "\n".join(_row(p, i) for i, p in enumerate(packages, start=1))
    return f'<table id="package-table"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>'


def _excerpt(f: Finding) -> str:
    """The evidence line with its number, the API marked; the row itself is highlighted."""
    return (f'<pre class="excerpt"><code><span class="row evidence"><span class="ln">{f.line}</span>'
            f"{highlight(f.snippet, f)}</span></code></pre>")


def _trace(f: Finding) -> str:
    if not f.trace:
        return ""
    steps = "".join(f'<li><span class="where">{esc(s.file)}:{s.line}:{s.column}</span> {esc(s.note)}</li>'
                    for s in f.trace)
    return f'<ol class="trace">{steps}</ol>'


def _finding_head(f: Finding) -> str:
    return (f'<code>{esc(f.api)}</code> at <span class="where">{esc(f.file)}:{f.line}:{f.column}</span>'
            f'<span class="fact">confidence {f.confidence.value}</span>'
            f'<span class="fact">{_TIMING[f.timing]}</span><span class="fact">{f.role.value} code</span>')


def _alert(p: PackageResult, a: Alert) -> str:
    f = a.finding   # the message carries the note
    return (
        f'<li class="alert" data-type="{esc(a.type)}">'
        f'<div class="alert-head"><span class="sev sev-{a.severity.value}">{a.severity.value}</span>'
        f'<b title="{esc(help_text(a.type))}">{esc(a.type)}</b>{_finding_head(f)}</div>'
        f'<p class="message">{esc(message(p, a))}</p>'
        f"{_excerpt(f)}{_trace(f)}</li>"
    )


def _other_findings(p: PackageResult) -> str:
    alerted = {id(a.finding) for a in p.alerts}
    others = [f for f in p.findings if id(f) not in alerted]
    if not others:
        return ""
    items = "".join(
        f'<li class="finding"><div class="alert-head"><b>{esc(f.kind.value)}</b>{_finding_head(f)}</div>'
        f"{_excerpt(f)}{_trace(f)}{f'<p class=note>{esc(f.note)}</p>' if f.note else ''}</li>"
        for f in others
    )
    noun = "finding" if len(others) == 1 else "findings"
    return (f"<details><summary>{len(others)} {noun} outside shipped code, not counted "
            f"(tests, examples, docs, benchmarks)</summary><ol class=\"alerts\">{items}</ol></details>")


def _section(p: PackageResult, index: int) -> str:
    parts = [f'<section class="package" id="{_section_id(index)}">',
             f'<h2>{esc(package_label(p))} '
             f'<span class="verdict verdict-{p.verdict.value}">{p.verdict.value}</span></h2>']
    meta = [esc(p.ecosystem.value)]
    if p.artifact_kind:
        meta.append(esc(p.artifact_kind))
    meta.append(f"{p.files_analysed} files analysed")
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if p.locations:
        where = "".join(f"<li><code>{esc(loc)}</code></li>" for loc in p.locations)
        noun = "location" if len(p.locations) == 1 else "locations"
        parts.append(f'<details class="locations"><summary>{len(p.locations)} {noun}</summary>'
                     f"<ul>{where}</ul></details>")
    if p.alerts:
        parts.append('<ol class="alerts">' + "".join(_alert(p, a) for a in p.alerts) + "</ol>")
    else:
        parts.append('<p class="meta">No alerts.</p>')
    if p.not_analysed:
        items = "".join(f"<li><code>{esc(n.file)}</code>: {esc(n.reason)}</li>" for n in p.not_analysed)
        parts.append(f'<h3>Not analysed ({len(p.not_analysed)})</h3><ul class="not-analysed">{items}</ul>')
    parts.append(_other_findings(p))
    parts.append("</section>")
    return "\n".join(part for part in parts if part)


def _summary(result: ScanResult) -> str:
    verdicts = [p.verdict for p in result.packages]
    noun = "package" if len(verdicts) == 1 else "packages"
    text = (f"{len(verdicts)} {noun}: {verdicts.count(Verdict.NETWORK)} network, "
            f"{verdicts.count(Verdict.PARTIAL)} partial, {verdicts.count(Verdict.NONE)} none")
    if result.errors:
        text += f"; {len(result.errors)} could not be scanned"
    return text


def _legend() -> str:
    items = "".join(f"<li><b>{esc(t)}</b>{f' ({s.value})' if s else ''}: {esc(title(t))}. {esc(help_text(t))}</li>"
                    for t, s in alert_types())
    return f'<details class="legend"><summary>Alert types</summary><ul>{items}</ul></details>'


def render_html(result: ScanResult) -> str:
    packages = worst_first(list(result.packages))
    errors = ""
    if result.errors:
        items = "".join(f"<li>{esc(e)}</li>" for e in result.errors)
        errors = f'<section class="errors"><h2>Could not be scanned</h2><ul>{items}</ul></section>'
    if result.policy_lines:
        items = "".join(f"<li>{esc(line)}</li>" for line in result.policy_lines)
        errors += f'<section class="policy"><h2>Policy</h2><ul>{items}</ul></section>'
    sections = "\n".join(_section(p, i) for i, p in enumerate(packages, start=1)
                         if p.alerts or p.not_analysed or p.findings)
    total = len(packages)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>egress report: {esc(_summary(result))}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>egress report</h1><p class="summary" id="summary">{esc(_summary(result))}</p></header>
{errors}
<div class="controls">
<input id="filter" type="search" placeholder="Filter: name, API, verdict, severity" aria-label="Filter packages">
<span class="count"><span id="shown">{total}</span> of {total} shown</span></div>
{_table(packages)}
{_legend()}
{sections}
<script>{SCRIPT}</script>
</body>
</html>
"""


def render(result: ScanResult, options: ReportOptions) -> str:
    return render_html(result)
