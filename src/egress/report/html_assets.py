"""The inline stylesheet and script of the HTML report.

Kept apart from the markup so that the page's Content-Security-Policy can
name them by hash: the browser then runs this script and no other, even
if some package text ever slipped past escaping.  The script never reads
package data from strings; it only sorts, filters and counts rows already
in the DOM, and marks ``<body data-ready>`` when done (tests wait on it).
"""

from __future__ import annotations

import base64
import hashlib

STYLE = """
:root { --fg: #1d232b; --muted: #5b6673; --line: #d8dde3; --bg: #ffffff; --panel: #f5f7f9;
        --crit: #8e1020; --high: #c4261d; --medium: #b35900; --low: #3b6ea8; --ok: #1f7a3d;
        --mark: #fff1a8; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
       Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 6px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
code, pre, .where { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.summary { color: var(--muted); margin: 0 0 18px; }
.controls { display: flex; gap: 12px; align-items: center; margin: 0 0 8px; }
.controls input { font: inherit; padding: 5px 8px; width: 320px; border: 1px solid var(--line); border-radius: 4px; }
.controls .count { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin-bottom: 28px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); position: sticky; top: 0; }
th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0; cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: 10px; }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: 10px; }
td.num, th.num { text-align: right; }
tbody tr:hover { background: var(--panel); }
a { color: #0b57b0; text-decoration: none; }
a:hover { text-decoration: underline; }
.sev, .verdict { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600;
                 color: #fff; background: var(--muted); }
.sev-critical { background: var(--crit); } .sev-high { background: var(--high); }
.sev-medium { background: var(--medium); } .sev-low { background: var(--low); }
.verdict-network { background: var(--high); } .verdict-partial { background: var(--medium); }
.verdict-none { background: var(--ok); }
section.package { border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin: 0 0 18px; }
.meta { color: var(--muted); margin: 0 0 8px; }
ol.alerts { list-style: none; padding: 0; margin: 0; }
li.alert { border-top: 1px solid var(--line); padding: 10px 0; }
li.alert:first-child { border-top: 0; }
.alert-head { display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; }
.message { margin: 4px 0; }
.fact { color: var(--muted); }
.fact::before { content: "· "; }
.fact-via { color: var(--muted); font-size: 12px; }
details.legend { margin: 0 0 20px; }
pre.excerpt { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 6px 0;
              margin: 6px 0; overflow-x: auto; }
pre.excerpt .row { display: block; padding: 0 10px; white-space: pre; }
pre.excerpt .row.evidence { background: var(--mark); }
pre.excerpt .ln { display: inline-block; min-width: 4em; color: var(--muted); user-select: none; }
pre.excerpt mark { background: #ffd34d; font-weight: 600; }
ol.trace { margin: 4px 0 0; padding-left: 22px; color: var(--muted); }
.note { margin: 4px 0; color: var(--muted); }
ul.not-analysed li { margin: 2px 0; }
.errors { border-left: 4px solid var(--high); padding: 4px 12px; margin-bottom: 24px; }
details { margin-top: 10px; }
[hidden] { display: none !important; }
"""

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("package-table");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var input = document.getElementById("filter");
  var shown = document.getElementById("shown");
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function key(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    return numeric ? parseFloat(value) || 0 : value.toLowerCase();
  }

  function sortBy(th, direction) {
    var index = headers.indexOf(th);
    var numeric = th.getAttribute("data-type") === "number";
    var sign = direction === "ascending" ? 1 : -1;
    var order = rows.map(function (row, i) { return [key(row, index, numeric), i, row]; });
    order.sort(function (a, b) {
      if (a[0] < b[0]) { return -sign; }
      if (a[0] > b[0]) { return sign; }
      return a[1] - b[1];
    });
    headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", direction);
    order.forEach(function (entry) { body.appendChild(entry[2]); });
  }

  function applyFilter() {
    var query = input.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var match = query === "" || row.textContent.toLowerCase().indexOf(query) !== -1;
      row.hidden = !match;
      var section = document.getElementById(row.getAttribute("data-section"));
      if (section) { section.hidden = !match; }
      if (match) { count += 1; }
    });
    shown.textContent = String(count);
    document.body.setAttribute("data-shown", String(count));
  }

  headers.forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var current = th.getAttribute("aria-sort");
      var first = th.getAttribute("data-type") === "number" ? "descending" : "ascending";
      var other = first === "ascending" ? "descending" : "ascending";
      sortBy(th, current === first ? other : first);
    });
  });
  input.addEventListener("input", applyFilter);

  // A link can carry a view: #q=axios&sort=severity&dir=descending
  var hash = window.location.hash.replace(/^#/, "");
  if (hash.indexOf("=") !== -1) {
    var params = new URLSearchParams(hash);
    if (params.has("q")) { input.value = params.get("q"); }
    var column = params.get("sort");
    var th = headers.filter(function (h) { return h.getAttribute("data-key") === column; })[0];
    if (th) { sortBy(th, params.get("dir") === "ascending" ? "ascending" : "descending"); }
  }
  applyFilter();
  document.body.setAttribute("data-ready", "true");
})();
"""


def csp_hash(source: str) -> str:
    """A CSP source expression naming ``source`` by its SHA-256."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {csp_hash(STYLE)}; script-src {csp_hash(SCRIPT)}; "
    "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
)
