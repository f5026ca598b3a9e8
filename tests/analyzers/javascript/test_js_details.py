"""Finding details beyond (kind, api, line, column): traces, confidence, context, errors."""

from __future__ import annotations

import pickle

import pytest

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.model import Capability, Confidence, FindingKind, SourceFile


def _by_api(result, api: str):
    return [f for f in result.findings if f.api == api]


def _trace(finding) -> list[tuple[int, str]]:
    return [(step.line, step.note) for step in finding.trace]


def test_ternary_alias_traces_point_at_import_and_alias(analyze) -> None:
    result = analyze("alias-ternary/index.js")
    traces = {(f.api, f.line): _trace(f) for f in result.findings}
    assert traces == {
        ("http.request", 6): [(1, "require 'http'"), (5, "http taken as client")],
        ("https.request", 6): [(2, "require 'https'"), (5, "https taken as client")],
        ("http.request", 11): [(1, "require 'http'"), (10, "http.request taken as send")],
        ("https.request", 11): [(2, "require 'https'"), (10, "https.request taken as send")],
    }
    assert {f.module for f in result.findings} == {"http", "https"}
    assert all(f.confidence is Confidence.HIGH and f.capability is Capability.REQUEST for f in result.findings)
    assert all(f.in_function for f in result.findings)
    assert all(step.file == "index.js" for f in result.findings for step in f.trace)


def test_direct_call_trace_is_the_require_line(analyze) -> None:
    (finding,) = analyze("require-member-call/index.js").findings
    assert [(s.line, s.column) for s in finding.trace] == [(1, 15)]
    assert finding.snippet == "https.request('https://example.test/');"
    assert finding.in_function is False
    assert finding.module == "https"


def test_socket_creation_then_connect(analyze) -> None:
    result = analyze("socket-on-this/client.js")
    (created,) = _by_api(result, "net.Socket")
    (connect,) = _by_api(result, "net.Socket.connect")
    assert (created.capability, created.confidence) == (Capability.SOCKET, Confidence.MEDIUM)
    assert (connect.capability, connect.confidence) == (Capability.CONNECT, Confidence.HIGH)
    assert _trace(connect) == [(1, "require 'net'"), (5, "new net.Socket()")]
    assert connect.module == "net"


def test_server_listen_traces_the_create_server(analyze) -> None:
    result = analyze("node-apis/index.js")
    (listen,) = _by_api(result, "net.Server.listen")
    assert listen.capability is Capability.LISTEN
    assert _trace(listen) == [(6, "require 'http'"), (17, "http.createServer() returns net.Server")]
    (send,) = _by_api(result, "dgram.Socket.send")
    assert [s.line for s in send.trace] == [3, 10]
    assert {f.capability for f in result.findings if f.api.startswith("dns.")} == {Capability.RESOLVE}


def test_import_only_is_low_confidence(analyze) -> None:
    result = analyze("import-only/index.js")
    assert {(f.kind, f.confidence, f.note) for f in result.findings} == {
        (FindingKind.IMPORT_ONLY, Confidence.LOW, "imports network module"),
    }
    assert {f.module: f.capability for f in result.findings} == {
        "net": Capability.CONNECT, "http": Capability.REQUEST, "dns": Capability.RESOLVE,
    }


def test_global_reference_is_medium_and_calls_are_high(analyze) -> None:
    (ref,) = analyze("global-reference/index.js").findings
    assert (ref.kind, ref.confidence, ref.module) == (FindingKind.NETWORK, Confidence.MEDIUM, "<global>")
    (call,) = analyze("global-alias-called/index.js").findings
    assert call.confidence is Confidence.HIGH
    assert _trace(call) == [(1, "fetch taken as f")]
    assert {f.module for f in analyze("globals/browser.js").findings} == {"<global>"}


def test_dependency_findings(analyze) -> None:
    result = analyze("dependency-client/index.js")
    assert [(f.api, f.module, f.confidence) for f in result.findings] == [
        ("axios", "axios", Confidence.MEDIUM), ("axios", "axios/lib/adapters/http", Confidence.MEDIUM),
    ]


def test_dynamic_require_keeps_the_expression(analyze) -> None:
    (finding,) = analyze("dynamic-require/index.js").findings
    assert (finding.confidence, finding.note, finding.in_function) == (Confidence.LOW, "name", True)


def test_syntax_error_reports_findings_and_error(analyze) -> None:
    result = analyze("syntax-error/broken.js")
    assert result.error == "syntax error at line 2"
    assert [f.api for f in result.findings] == ["fetch"]


def test_clean_files_have_no_error(analyze) -> None:
    assert analyze("flow-annotations/index.js").error is None
    assert analyze("tsx-component/src/App.tsx").error is None
    assert analyze("typescript/src/client.ts").error is None


def test_minified_snippet_is_a_window(analyze) -> None:
    (finding,) = analyze("minified/index.min.js").findings
    assert finding.snippet.startswith("…") and finding.snippet.endswith("…")
    assert "return fetch(u)" in finding.snippet
    assert len(finding.snippet) <= 162


@pytest.mark.parametrize("path, handled", [
    ("a.js", True), ("a.cjs", True), ("a.mjs", True), ("a.jsx", True), ("a.ts", True),
    ("a.mts", True), ("a.cts", True), ("a.tsx", True), ("a.d.ts", False), ("a.d.mts", False),
    ("a.d.cts", False), ("a.json", False), ("a.py", False),
])
def test_handles(analyzer, path: str, handled: bool) -> None:
    assert analyzer.handles(path) is handled


def test_files_with_nul_bytes_are_not_analysed(analyzer) -> None:
    result = analyzer.analyze(SourceFile("x.js", b"fetch(x)\x00"))
    assert (result.error, result.findings) == ("not UTF-8 text", ())


@pytest.mark.parametrize("data", [b"\xff\xfe;fetch(x)", "// caf\xe9\nfetch('x')".encode("latin-1")])
def test_invalid_utf8_is_read_as_node_reads_it(analyzer, data: bytes) -> None:
    """One stray byte must not hide the file: it is replaced, as Node does, and the file analysed."""
    result = analyzer.analyze(SourceFile("x.js", data))
    assert result.error is None
    assert [(f.api, f.line) for f in result.findings] == [("fetch", data.count(b"\n") + 1)]


def test_bom_is_dropped(analyzer) -> None:
    result = analyzer.analyze(SourceFile("x.js", b"\xef\xbb\xbffetch(u);\n"))
    assert result.error is None
    assert [(f.api, f.line, f.column) for f in result.findings] == [("fetch", 1, 1)]


def test_empty_file_is_clean(analyzer) -> None:
    assert analyzer.analyze(SourceFile("x.js", b"")) .findings == ()


def test_garbage_never_raises(analyzer) -> None:
    for data in (b"(((((((", b"require(", b"import(", b"}{" * 500, b"`${" * 200, b"a=" * 5000 + b"1"):
        result = analyzer.analyze(SourceFile("x.js", data))
        assert result.file == "x.js"


def test_analyzer_survives_pickling(analyzer) -> None:
    copy = pickle.loads(pickle.dumps(analyzer))
    assert isinstance(copy, JavaScriptAnalyzer)
    result = copy.analyze(SourceFile("x.js", b"fetch(u)"))
    assert [f.api for f in result.findings] == ["fetch"]


def test_chained_calls_are_located_at_the_method(analyze) -> None:
    result = analyze("server-chain/index.js")
    listens = [f for f in result.findings if f.api == "net.Server.listen"]
    assert [[(s.line, s.column) for s in f.trace] for f in listens] == [[(1, 14), (4, 4)], [(1, 14), (7, 1)]]
    assert [f.snippet for f in listens] == [".listen(8080);", "http.createServer().listen(8081);"]


def test_one_global_through_two_global_objects_is_one_use(analyze) -> None:
    (finding,) = analyze("merged-globals/index.js").findings
    assert finding.confidence is Confidence.HIGH


def test_resolution_is_not_quadratic_in_a_minified_bundle(analyzer) -> None:
    """A network module bound to a one-letter name that 10,000 functions redeclare."""
    import time

    body = "".join(f"function f{i}(e){{var t=e+1;return t.x(t)}}" for i in range(10_000))
    data = ('var t=require("http");' + body + "t.get(u);").encode()
    started = time.perf_counter()
    result = analyzer.analyze(SourceFile("bundle.min.js", data))
    elapsed = time.perf_counter() - started
    assert [(f.api, f.column) for f in result.findings] == [("http.get", len(data) - 8)]
    assert elapsed < 3.0, f"{elapsed:.1f}s"   # the quadratic version took ~12 s


def test_exhausted_budget_marks_the_file_not_analysed(analyzer, monkeypatch) -> None:
    from egress.analyzers.javascript import flow

    monkeypatch.setattr(flow, "MAX_STEPS", 2)
    result = analyzer.analyze(SourceFile("x.js", b"const h = require('https');\nh.get(u);\n"))
    assert result.error == "analysis budget exceeded"


def test_class_field_socket_is_tracked_as_this_path(analyze) -> None:
    created, connect = analyze("class-field/client.ts").findings
    assert created.in_function is True          # runs at `new Client()`, not at import
    assert [(s.line, s.note) for s in connect.trace] == [(1, "import 'node:net'"), (4, "new net.Socket()")]


def test_handed_on_network_function_is_medium_with_a_note() -> None:
    from egress.analyzers.javascript import JavaScriptAnalyzer
    from egress.model import Confidence, SourceFile

    data = b"const https = require('https');\nexports.pick = () => https.request;\n"
    [finding] = JavaScriptAnalyzer().analyze(SourceFile("index.js", data)).findings
    assert (finding.api, finding.line, finding.confidence) == ("https.request", 2, Confidence.MEDIUM)
    assert finding.note == "https.request handed on (not called here)"
    assert [step.line for step in finding.trace] == [1]
