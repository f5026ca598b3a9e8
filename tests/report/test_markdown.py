"""The Markdown pull-request comment: exact text, escaping, and the comment size limit."""

from __future__ import annotations

import dataclasses

from egress.model import ScanResult
from egress.report import FORMATS, ReportOptions, renderer
from egress.report.markdown import code, render, render_markdown, text

from tests.report.conftest import constructed_result

EXPECTED = """\
### egress: 4 packages, 1 with network access

1 partial (files not analysed), 1 package error.

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

**Packages that could not be scanned**

- `npm:nope@1.0.0: npm package not found: nope`
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
    head = full[: full.index("<details>")]
    first_block = full[full.index("<details>"): full.index("</details>") + len("</details>\n\n")]
    tail = full[full.index("**Packages that"):]
    # Room for the table, the first block, the errors and the left-out line (126 characters) only.
    limit = len(head) + len(first_block) + len(tail) + 150
    short = render_markdown(constructed_result(), limit=limit)
    assert short.count("<details>") == 1
    assert "<code>@acme/net@2.0.0</code>" in short
    assert ("_Details of 2 more packages left out to fit a comment; see the full report "
            "(`--format html` or `--format json`)._") in short
    assert short.endswith("- `npm:nope@1.0.0: npm package not found: nope`\n")
    assert len(short) <= limit
