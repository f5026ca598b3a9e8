"""The HTML report: self-contained, escaped, and checked as rendered by headless Chromium."""

from __future__ import annotations

import dataclasses
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from egress.model import ScanResult
from egress.report import FORMATS, ReportOptions, renderer
from egress.report.html import render
from egress.report.html_assets import SCRIPT, STYLE, csp_hash

from tests.report import chromium
from tests.report.conftest import constructed_result

INJECTION = "</script><img src=x onerror=alert(1)>"


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def rows(dom: str) -> list[tuple[str, bool]]:
    """(package label, hidden) for each package-table row, in DOM order."""
    body = dom[dom.index("<tbody>"): dom.index("</tbody>")]
    out = []
    for m in re.finditer(r'<tr data-section="[^"]+"( hidden="")?><td[^>]*><a [^>]*>([^<]*)</a>', body):
        out.append((m.group(2), bool(m.group(1))))
    return out


def write(tmp_path: Path, result: ScanResult) -> Path:
    page = tmp_path / "report.html"
    page.write_text(render(result, ReportOptions()), encoding="utf-8")
    return page


def test_registered_as_a_format() -> None:
    assert "html" in FORMATS
    assert renderer("html") is render


def test_self_contained_and_locked_down(real_result: ScanResult) -> None:
    page = render(real_result, ReportOptions())
    found = tags(page)
    names = {t for t, _ in found}
    assert not names & {"link", "img", "iframe", "object", "embed", "base", "form"}
    for tag, attrs in found:
        assert "src" not in attrs, tag
        assert not any(k.startswith("on") for k in attrs), tag
        if "href" in attrs:
            assert attrs["href"].startswith("#"), attrs
    assert page.count("<script>") == 1 and page.count("<style>") == 1
    csp = next(a["content"] for t, a in found if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp == (f"default-src 'none'; style-src {csp_hash(STYLE)}; script-src {csp_hash(SCRIPT)}; "
                   "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    assert f"<script>{SCRIPT}</script>" in page and f"<style>{STYLE}</style>" in page


def test_package_text_is_escaped(real_result: ScanResult) -> None:
    page = render(real_result, ReportOptions())
    assert INJECTION not in page
    assert ('<span class="row evidence"><span class="ln">5</span>return <mark>https.request</mark>(url); '
            "// &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</span>") in page
    net = constructed_result().packages[3]
    evil = dataclasses.replace(net, name='"><b onmouseover=x>', locations=("<i>here</i>",))
    page = render(ScanResult(packages=(evil,)), ReportOptions())
    assert "<b onmouseover" not in page and "<i>here" not in page
    assert "&quot;&gt;&lt;b onmouseover=x&gt;@2.0.0" in page
    assert "<code>&lt;i&gt;here&lt;/i&gt;</code>" in page


def test_rendered_dom_of_a_real_scan(real_result: ScanResult, tmp_path: Path) -> None:
    dom = chromium.dump_dom(tmp_path, write(tmp_path, real_result))
    assert '<body data-shown="1" data-ready="true">' in dom     # the script ran to its end
    assert rows(dom) == [("report-pkg@1.0.0", False)]
    assert '<span id="shown">1</span> of 1 shown' in dom
    # The injection attempt is text inside the evidence row; no image element exists.
    assert "<img" not in dom
    assert ("return <mark>https.request</mark>(url); // &lt;/script&gt;&lt;img src=x "
            "onerror=alert(1)&gt;</span>") in dom
    section = dom[dom.index('<section class="package" id="pkg-1">'):]
    alerts = re.findall(r'<li class="alert" data-type="(\w+)">.*?<code>([^<]+)</code> at '
                        r'<span class="where">([^<]+)</span>', section)
    assert alerts == [("networkAccess", "https.request", "index.js:5:10"),
                      ("dynamicRequire", "require", "index.js:9:10"),
                      ("networkViaDependency", "axios", "lib/helper.js:1:15")]
    assert '<p class="message">report-pkg@1.0.0 calls https.request</p>' in section
    assert '<ol class="trace"><li><span class="where">index.js:1:15</span> require \'https\'</li></ol>' in section
    assert "const axios = require(<mark>'axios'</mark>);" in section
    assert ('<h3>Not analysed (1)</h3><ul class="not-analysed"><li><code>lib/broken.js</code>: '
            "syntax error at line 1</li></ul>") in section
    assert "1 finding outside shipped code, not counted" in section
    assert '<span class="where">test/index.test.js:2:1</span>' in section


def test_rendered_table_order_filter_and_sort(tmp_path: Path) -> None:
    page = write(tmp_path, constructed_result())
    labels = ["@acme/net@2.0.0", "wrapper@1.0.0", "odd@0.1 (odd-0.1-py3-none-any.whl)", "left-pad@1.3.0"]
    dom = chromium.dump_dom(tmp_path, page)
    assert rows(dom) == [(label, False) for label in labels]        # worst severity first, partial before none
    assert '<span id="shown">4</span> of 4 shown' in dom
    assert "npm:nope@1.0.0: npm package not found: nope" in dom

    dom = chromium.dump_dom(tmp_path, page, "#q=WRAP")
    assert rows(dom) == [(label, label != "wrapper@1.0.0") for label in labels]
    assert '<span id="shown">1</span> of 4 shown' in dom and 'data-shown="1"' in dom
    assert re.search(r'<section class="package" id="pkg-1" hidden="">', dom)     # @acme/net's evidence
    assert re.search(r'<section class="package" id="pkg-2">', dom)                # wrapper's

    dom = chromium.dump_dom(tmp_path, page, "#q=medium")                         # severity text matches
    assert [label for label, hidden in rows(dom) if not hidden] == ["@acme/net@2.0.0"]

    dom = chromium.dump_dom(tmp_path, page, "#sort=package&dir=ascending")
    assert [label for label, _ in rows(dom)] == sorted(labels)
    assert '<th data-key="package" data-type="text" aria-sort="ascending">' in dom

    dom = chromium.dump_dom(tmp_path, page, "#sort=files&dir=descending")
    assert [label for label, _ in rows(dom)] == [                  # 4, 2, 1, 1: ties keep their order
        "@acme/net@2.0.0", "wrapper@1.0.0", "odd@0.1 (odd-0.1-py3-none-any.whl)", "left-pad@1.3.0"]
    dom = chromium.dump_dom(tmp_path, page, "#sort=files&dir=ascending")
    assert [label for label, _ in rows(dom)] == [
        "odd@0.1 (odd-0.1-py3-none-any.whl)", "left-pad@1.3.0", "wrapper@1.0.0", "@acme/net@2.0.0"]
    dom = chromium.dump_dom(tmp_path, page, "#sort=severity&dir=ascending")
    assert [label for label, _ in rows(dom)] == [                  # –, –, low, medium
        "odd@0.1 (odd-0.1-py3-none-any.whl)", "left-pad@1.3.0", "wrapper@1.0.0", "@acme/net@2.0.0"]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_screenshot(real_result: ScanResult, tmp_path: Path) -> None:
    shot = chromium.screenshot(tmp_path, write(tmp_path, real_result), tmp_path / "report.png")
    assert _png_size(shot) == (1280, 900)
    assert shot.stat().st_size > 20_000     # a rendered page, not a blank one


def test_ci_never_skips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(chromium, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        chromium.require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        chromium.require_chromium()


_CLICKER = """
(function () {
  function order() {
    return Array.prototype.map.call(document.querySelectorAll("#package-table tbody tr"),
      function (r) { return r.cells[0].textContent; }).join("|");
  }
  var alerts = document.querySelector('th[data-key="alerts"] button');
  var name = document.querySelector('th[data-key="package"] button');
  alerts.click(); document.body.setAttribute("data-click-1", order());
  alerts.click(); document.body.setAttribute("data-click-2", order());
  name.click(); document.body.setAttribute("data-click-3", order());
  var box = document.getElementById("filter");
  box.value = "pypi"; box.dispatchEvent(new Event("input"));
  document.body.setAttribute("data-typed", document.getElementById("shown").textContent);
})();
"""


def test_clicks_and_typing(tmp_path: Path) -> None:
    """Real clicks on the headers and typing in the box, by a second script the test adds (and allows)."""
    page = render(constructed_result(), ReportOptions())
    page = page.replace(f"script-src {csp_hash(SCRIPT)}", f"script-src {csp_hash(SCRIPT)} {csp_hash(_CLICKER)}")
    page = page.replace("</body>", f"<script>{_CLICKER}</script>\n</body>")
    path = tmp_path / "clicks.html"
    path.write_text(page, encoding="utf-8")
    dom = chromium.dump_dom(tmp_path, path)
    body = re.search(r"<body[^>]*>", dom).group(0)
    attrs = dict(re.findall(r'(data-[\w-]+)="([^"]*)"', body))
    net, wrapper, odd, pad = ("@acme/net@2.0.0", "wrapper@1.0.0", "odd@0.1 (odd-0.1-py3-none-any.whl)",
                              "left-pad@1.3.0")
    assert attrs["data-click-1"] == "|".join([net, wrapper, odd, pad])     # alerts: most first (1, 1, 0, 0)
    assert attrs["data-click-2"] == "|".join([odd, pad, net, wrapper])     # second click: fewest first
    assert attrs["data-click-3"] == "|".join(sorted([net, wrapper, odd, pad]))
    assert attrs["data-typed"] == "1"
