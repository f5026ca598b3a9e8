"""The Markdown pull-request comment: exact text, escaping, and the comment size limit."""

from __future__ import annotations

import dataclasses

from click.testing import CliRunner

from egress.cli import main
from egress.model import ScanResult
from egress.report import FORMATS, ReportOptions, renderer
from egress.report.markdown import code, render, render_markdown, text

from tests.report.conftest import constructed_result

EXPECTED = """\
### egress: 4 packages, 1 with network access

1 partial (files not analysed), 1 package error.

**Packages that could not be scanned**

- `npm:nope@1.0.0: npm package not found: nope`

| Package | Severity | Verdict | Network APIs | Alerts |
|---|---|---|---|---|
| `@acme/net@2.0.0` | medium | network | `https.request` | 1 |
| `wrapper@1.0.0` | low | none | `axios` (via dependency) | 1 |
| `odd@0.1 (odd-0.1-py3-none-any.whl)` | – | partial (1 not analysed) |  | 0 |

<details><summary><code>@acme/net@2.0.0</code>: 1 alert</summary>

- **networkAccess** (medium) `https.request` at `lib/http.js:12`
  `const req = https.request(options)`

</details>

<details><summary><code>wrapper@1.0.0</code>: 1 alert</summary>

- **networkViaDependency** (low) `axios` at `index.js:3`: imports network client axios
  `const axios = require('axios')`

</details>

<details><summary><code>odd@0.1 (odd-0.1-py3-none-any.whl)</code>: 0 alerts, 1 not analysed</summary>

- not analysed: `odd/bad.py`: syntax error at line 3

</details>
"""


def test_registered_as_a_format() -> None:
    assert "markdown" in FORMATS
    assert renderer("markdown") is render


def test_exact_output_for_a_constructed_result() -> None:
    assert render(constructed_result(), ReportOptions()) == EXPECTED


def test_no_alerts() -> None:
    clean = constructed_result().packages[1]
    assert render_markdown(ScanResult(packages=(clean,))) == (
        "### egress: 1 package, 0 with network access\n\nNo package has alerts.\n")


def test_code_spans_hold_any_backticks() -> None:
    assert code("a `b` c") == "``a `b` c``"
    assert code("`x`") == "`` `x` ``"
    assert code("a ``` b") == "````a ``` b````"
    assert code("x | y", in_table=True) == "`x \\| y`"
    assert code("two\nlines") == "`two lines`"


def test_prose_is_escaped() -> None:
    assert text("*bold* <img src=x> [link](http://x) a_b|c") == (
        "\\*bold\\* &lt;img src=x&gt; \\[link\\](http://x) a\\_b\\|c")


def test_package_text_cannot_inject_markup() -> None:
    net = constructed_result().packages[3]
    alert = net.alerts[0]
    evil = dataclasses.replace(alert.finding, snippet="x = `</details><script>alert(1)</script>`",
                               note="<b>*hi*</b>")
    net = dataclasses.replace(net, alerts=(dataclasses.replace(alert, finding=evil),))
    out = render_markdown(ScanResult(packages=(net,)))
    assert "  `` x = `</details><script>alert(1)</script>` ``\n" in out
    assert ": &lt;b&gt;\\*hi\\*&lt;/b&gt;\n" in out
    assert out.count("</details>") == 2   # the block's own close, and the one inside the code span


def test_details_left_out_past_the_limit() -> None:
    full = render_markdown(constructed_result())
    head = full[: full.index("<details>")]     # the headline, the package errors and the table
    first_block = full[full.index("<details>"): full.index("</details>") + len("</details>\n\n")]
    # Room for the head, the first block and the left-out line (126 characters) only.
    limit = len(head) + len(first_block) + 150
    short = render_markdown(constructed_result(), limit=limit)
    assert short.count("<details>") == 1
    assert "<code>@acme/net@2.0.0</code>" in short
    assert short.startswith(head)      # the errors stay named: they come before any detail
    assert short.endswith("_Details of 2 more packages left out to fit a comment; see the full report "
                          "(`--format html` or `--format json`)._\n")
    assert len(short) <= limit


def test_every_package_error_is_named_up_to_ten() -> None:
    errors = tuple(f"node_modules/bad{i}: package.json is not valid JSON: line 2" for i in range(12))
    out = render_markdown(ScanResult(packages=(), errors=errors))
    assert out == (
        "### egress: 0 packages, 0 with network access\n\n12 package errors.\n\n"
        "**Packages that could not be scanned**\n\n"
        + "".join(f"- `node_modules/bad{i}: package.json is not valid JSON: line 2`\n" for i in range(10))
        + "- and 2 more\n\nNo package has alerts.\n")


def test_a_broken_package_json_is_named(tmp_path) -> None:
    """The user's case: one unreadable package.json in node_modules, named under the headline."""
    tree = tmp_path / "node_modules"
    (tree / "good").mkdir(parents=True)
    (tree / "good" / "package.json").write_text('{"name": "good", "version": "1.0.0"}')
    (tree / "good" / "index.js").write_text("require('https').get('https://example.com/')\n")
    (tree / "bad").mkdir()
    (tree / "bad" / "package.json").write_text('{"name": "bad",\n')
    out_file = tmp_path / "report.md"
    done = CliRunner().invoke(main, ["scan", str(tree), "--format", "markdown", "-o", str(out_file),
                                     "--cache-dir", str(tmp_path / "cache"), "-j", "1"])
    assert done.exit_code == 2, done.output      # an error is still an error
    out = out_file.read_text(encoding="utf-8")
    head = out[: out.index("| Package |")]
    assert head == (
        "### egress: 1 package, 1 with network access\n\n1 package error.\n\n"
        "**Packages that could not be scanned**\n\n"
        f"- `{tree}: node_modules/bad: package.json is not valid JSON: Expecting property name enclosed in "
        "double quotes: line 2 column 1 (char 16)`\n\n")
