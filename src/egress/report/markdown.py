"""A compact Markdown summary, sized for a pull-request comment.

A headline, the packages that could not be scanned (named, not only
counted), one table row per package that needs a look (alerts or files
not analysed), worst severity first, then a collapsed ``<details>`` block
per package with each alert's API, place and code. Everything that comes
from a package is escaped: names, APIs, paths and snippets are code spans
fenced by more backticks than they contain (which also keeps ``@scope``
from mentioning a GitHub user), prose such as reasons is HTML-escaped with
inline Markdown backslash-escaped, so a package cannot inject markup.
GitHub refuses comments over 65,536 characters: past ``limit`` the
remaining detail blocks are left out, and a line says how many.
"""

from __future__ import annotations

import html
import re

from egress.model import PackageResult, ScanResult, Verdict
from egress.report import ReportOptions
from egress.report.wording import dependency_clients, package_label, shown_errors, worst_first

#: Below GitHub's 65,536-character comment limit, with room for a caller's own text.
COMMENT_LIMIT = 60_000

#: Inline Markdown punctuation; block-level marks (#, -, +) never start our lines' text.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")


def text(value: str) -> str:
    """Prose from a package (a reason, a note): HTML-escaped, inline Markdown backslash-escaped."""
    one_line = " ".join(value.split())
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(one_line, quote=False))


def code(value: str, in_table: bool = False) -> str:
    """A code span that shows ``value`` literally, whatever backticks it holds.

    Names go in code spans too: ``@scope/name`` outside one would mention a GitHub user.
    """
    one_line = " ".join(value.split())
    if in_table:
        one_line = one_line.replace("|", "\\|")   # GFM splits cells on | even inside code spans
    longest = max((len(run) for run in re.findall(r"`+", one_line)), default=0)
    fence = "`" * (longest + 1)
    if one_line.startswith("`") or one_line.endswith("`") or not one_line:
        one_line = f" {one_line} "
    return f"{fence}{one_line}{fence}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _headline(result: ScanResult) -> list[str]:
    verdicts = [p.verdict for p in result.packages]
    lines = [f"### egress: {_plural(len(verdicts), 'package')}, "
             f"{verdicts.count(Verdict.NETWORK)} with network access", ""]
    extra = []
    if verdicts.count(Verdict.PARTIAL):
        extra.append(f"{verdicts.count(Verdict.PARTIAL)} partial (files not analysed)")
    if result.errors:
        extra.append(_plural(len(result.errors), "package error"))
    if extra:
        lines += [", ".join(extra).capitalize() + ".", ""]
    return lines + _errors(result)


def _errors(result: ScanResult) -> list[str]:
    """Each package error on a line of its own, under the headline where it is seen; at most ``ERRORS_SHOWN``."""
    if not result.errors:
        return []
    shown, more = shown_errors(result.errors)
    lines = ["**Packages that could not be scanned**", ""] + [f"- {code(e)}" for e in shown]
    if more:
        lines.append(f"- and {more} more")
    return lines + [""]


def _verdict(p: PackageResult) -> str:
    if p.not_analysed:
        return f"{p.verdict.value} ({len(p.not_analysed)} not analysed)"
    return p.verdict.value


def _table(packages: list[PackageResult]) -> list[str]:
    lines = ["| Package | Severity | Verdict | Network APIs | Alerts |", "|---|---|---|---|---|"]
    for p in packages:
        worst = p.worst_severity
        apis = ", ".join(code(api, in_table=True) for api in p.network_apis)
        if not apis:   # as the terminal table does: the clients it imports, marked as such
            apis = ", ".join(f"{code(c, in_table=True)} (via dependency)" for c in dependency_clients(p))
        lines.append(f"| {code(package_label(p), in_table=True)} | {worst.value if worst else '–'} "
                     f"| {_verdict(p)} | {apis} | {len(p.alerts)} |")
    return lines + [""]


def _details(p: PackageResult) -> list[str]:
    counts = [_plural(len(p.alerts), "alert")]
    if p.not_analysed:
        counts.append(f"{len(p.not_analysed)} not analysed")
    lines = [f"<details><summary><code>{html.escape(package_label(p))}</code>: {', '.join(counts)}</summary>", ""]
    for a in p.alerts:
        f = a.finding
        line = f"- **{a.type}** ({a.severity.value}) {code(f.api)} at {code(f'{f.file}:{f.line}')}"
        if f.note:
            line += f": {text(f.note)}"
        lines.append(line)
        if f.snippet.strip():
            lines.append(f"  {code(f.snippet)}")
    for n in p.not_analysed:
        lines.append(f"- not analysed: {code(n.file)}: {text(n.reason)}")
    return lines + ["", "</details>", ""]


def _left_out(n: int) -> str:
    return (f"_Details of {_plural(n, 'more package')} left out to fit a comment; "
            "see the full report (`--format html` or `--format json`)._")


def render_markdown(result: ScanResult, limit: int = COMMENT_LIMIT) -> str:
    """The comment text; detail blocks stop before ``limit`` characters."""
    concerned = worst_first([p for p in result.packages if p.alerts or p.not_analysed])
    lines = _headline(result)
    if concerned:
        lines += _table(concerned)
    else:
        lines += ["No package has alerts.", ""]
    tail: list[str] = []
    if result.policy_lines:
        tail += ["**Policy**", ""] + [f"- {text(line)}" for line in result.policy_lines] + [""]
    # Room for the left-out line is kept whether or not it is needed: the limit is never passed.
    size = sum(len(s) + 1 for s in lines + tail) + len(_left_out(len(concerned))) + 2
    left_out = 0
    for p in concerned:
        block = _details(p)
        block_size = sum(len(s) + 1 for s in block)
        if left_out or size + block_size > limit:
            left_out += 1
            continue
        lines += block
        size += block_size
    if left_out:
        lines += [_left_out(left_out), ""]
    return "\n".join(lines + tail).rstrip("\n") + "\n"


def render(result: ScanResult, options: ReportOptions) -> str:
    return render_markdown(result)
