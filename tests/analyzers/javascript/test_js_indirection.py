"""Indirection in JavaScript: folded names, hidden loaders, decoded payloads, cross-file facts.

Every `ind-*` fixture gives exactly the (kind, api, line, confidence, note)
listed here: the note names the fold or the decoding that revealed the
network use, or the expression that could not be resolved.  Locations
(line and column) of the same findings are pinned in test_js_fixtures.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from egress.destinations import DYNAMIC, parse_destination
from egress.model import Capability, Confidence, ExportFact, FindingKind, LocalUse, SourceFile

NET = FindingKind.NETWORK
ONLY = FindingKind.IMPORT_ONLY
DYN = FindingKind.DYNAMIC_REQUIRE
CODE = FindingKind.DYNAMIC_CODE
HIGH, MEDIUM, LOW = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
HINT = "file also contains network-looking strings: 'https', https://example.test/"

NOTES: dict[str, list[tuple]] = {
    "ind-create-require/index.mjs": [
        (NET, 'https.get', 3, HIGH, 'loaded through createRequire()'),
    ],
    "ind-dynamic-import-folded/index.mjs": [
        (NET, 'https.get', 2, HIGH, "folded: ['node', 'https'].join(':') → node:https"),
    ],
    "ind-eval-base64/index.js": [
        (NET, 'https.get', 2, HIGH, 'in decoded payload (base64, depth 1); payload line 2'),
    ],
    "ind-eval-require/index.js": [
        (NET, 'net.connect', 2, HIGH, "loaded through eval('require')"),
    ],
    "ind-fold-array/index.js": [
        (NET, 'net.connect', 2, HIGH, 'folded: p[0] → net'),
    ],
    "ind-fold-atob/index.js": [
        (NET, 'https.get', 1, HIGH, 'decoded base64 → https'),
    ],
    "ind-fold-base64/index.js": [
        (NET, 'net.connect', 2, HIGH, 'decoded base64 → net'),
    ],
    "ind-fold-budget/index.js": [
        (DYN, 'require', 2, LOW, "fold budget exceeded; " + " + ".join(["'a'"] * 30)),
    ],
    "ind-fold-charcode/index.js": [
        (NET, 'net.connect', 1, HIGH, 'folded: String.fromCharCode(110, 101, 116) → net'),
    ],
    "ind-fold-concat/index.js": [
        (NET, 'https.get', 1, HIGH, "folded: 'ht'.concat('tp', 's') → https"),
    ],
    "ind-fold-escapes/index.js": [
        (NET, 'https.get', 1, HIGH, "folded: '\\x68\\u0074tps' → https"),
    ],
    "ind-fold-hex/index.js": [
        (NET, 'dns.lookup', 1, HIGH, 'decoded hex → dns'),
    ],
    "ind-fold-join/index.js": [
        (NET, 'net.connect', 1, HIGH, "folded: ['n', 'e', 't'].join('') → net"),
    ],
    "ind-fold-object/index.js": [
        (NET, 'https.get', 2, HIGH, 'folded: m.a + m.b → https'),
    ],
    "ind-fold-replace/index.js": [
        (NET, 'https.get', 1, HIGH, "folded: 'hxxps'.replace(/x/g, 't') → https"),
    ],
    "ind-fold-reverse/index.js": [
        (NET, 'https.get', 1, HIGH, "folded: 'sptth'.split('').reverse().join('') → https"),
    ],
    "ind-fold-slice/index.js": [
        (NET, 'https.get', 1, HIGH, "folded: 'xxhttps'.slice(2) → https"),
        (NET, 'net.connect', 2, HIGH, "folded: '__net__'.substring(2, 5) → net"),
    ],
    "ind-fold-template/index.js": [
        (NET, 'https.get', 2, HIGH, 'folded: `ht${p}s` → https'),
    ],
    "ind-function-hex/index.js": [
        (NET, 'fetch', 2, HIGH, 'in decoded payload (hex, depth 1); payload line 1'),
    ],
    "ind-function-require/index.js": [
        (NET, 'https.get', 2, HIGH, "loaded through new Function('return require')()"),
    ],
    "ind-function-this/index.js": [
        (NET, 'fetch', 2, HIGH, "global object from Function('return this')()"),
    ],
    "ind-global-computed/index.js": [
        (NET, 'WebSocket', 4, HIGH, "folded: 'Web' + 'Socket' → WebSocket"),
        (NET, 'fetch', 2, HIGH, 'folded: k → fetch'),
        (NET, 'fetch', 5, HIGH, 'decoded base64 → fetch'),
    ],
    "ind-main-module/index.js": [
        (NET, 'http.get', 1, HIGH, 'loaded through process.mainModule.require'),
    ],
    "ind-module-compile/index.js": [
        (NET, 'https.get', 3, HIGH, 'in decoded payload (constant string, depth 1); payload line 1'),
    ],
    "ind-module-load/index.js": [
        (NET, 'http.get', 1, HIGH, 'loaded through module.constructor._load'),
        (NET, 'net.connect', 2, HIGH, 'loaded through Module._load'),
    ],
    "ind-module-require/index.js": [
        (NET, 'https.get', 1, HIGH, 'loaded through module.require'),
    ],
    "ind-process-binding/index.js": [
        (NET, "process._linkedBinding('udp_wrap')", 2, HIGH, 'raw socket binding'),
        (NET, "process.binding('tcp_wrap')", 1, HIGH, 'raw socket binding'),
    ],
    "ind-reflect-get/index.js": [
        (NET, 'fetch', 1, HIGH, "folded: 'fe' + 'tch' → fetch"),
    ],
    "ind-require-alias/index.js": [
        (NET, 'https.get', 4, HIGH, 'loaded through an alias of require'),
        (NET, 'net.connect', 2, HIGH, 'loaded through an alias of require'),
    ],
    "ind-require-call/index.js": [
        (NET, 'dns.lookup', 2, HIGH, 'loaded through require.apply'),
        (NET, 'net.connect', 1, HIGH, 'loaded through require.call'),
    ],
    "ind-timer-string/index.js": [
        (NET, 'dgram.createSocket', 1, HIGH, 'in decoded payload (constant string, depth 1); payload line 1'),
    ],
    "ind-timer-string/dynamic.js": [
        (CODE, 'setTimeout', 2, MEDIUM, "setTimeout('poll(' + id + ')')"),
    ],
    "ind-unresolved/webpack.js": [
        (DYN, '__non_webpack_require__', 1, LOW, 'name'),
    ],
    "ind-ts-casts/index.ts": [
        (NET, 'fetch', 3, HIGH, 'folded: k → fetch'),
        (NET, 'fetch', 4, HIGH, 'in decoded payload (base64, depth 1); payload line 1'),
    ],
    "ind-unresolved/esm.mjs": [
        (DYN, 'import', 1, LOW, 'name'),
    ],
    "ind-unresolved/index.js": [
        (CODE, 'eval', 4, MEDIUM, "eval(code); file also contains network-looking strings: 'https', https://example.test/"),
        (CODE, 'new Function', 5, MEDIUM, "new Function(body); file also contains network-looking strings: 'https', https://example.test/"),
        (DYN, 'https', 3, LOW, "computed member https[m]; file also contains network-looking strings: 'https', https://example.test/"),
        (DYN, 'require', 2, LOW, "name; file also contains network-looking strings: 'https', https://example.test/"),
    ],
    "ind-vm-run/index.js": [
        (NET, 'WebSocket', 4, HIGH, 'in decoded payload (constant string, depth 1); payload line 1'),
        (NET, 'fetch', 3, HIGH, 'in decoded payload (constant string, depth 1); payload line 1'),
        (NET, 'fetch', 3, MEDIUM, 'reference to fetch (not called here)'),
        (NET, 'net.connect', 2, HIGH, 'in decoded payload (constant string, depth 1); payload line 1'),
    ],
    "ind-zlib-payload/index.js": [
        (NET, 'net.connect', 3, HIGH, 'in decoded payload (base64+zlib, depth 1); payload line 3'),
    ],
}


@pytest.mark.parametrize("rel", sorted(NOTES))
def test_indirection_findings_say_how_they_were_revealed(analyze, rel: str) -> None:
    result = analyze(rel)
    assert result.error is None
    found = sorted((f.kind, f.api, f.line, f.confidence, f.note) for f in result.findings)
    assert found == sorted(NOTES[rel])


@pytest.mark.parametrize("rel", [
    "ind-neg-eval-require/index.js", "ind-neg-plugin-loader/index.js", "ind-neg-function-this/index.js",
])
def test_negatives_raise_nothing(analyze, rel: str) -> None:
    result = analyze(rel)
    assert (result.error, result.findings) == (None, ())


def test_raw_binding_is_a_connect_on_process(analyze) -> None:
    findings = analyze("ind-process-binding/index.js").findings
    assert {(f.api, f.module, f.capability) for f in findings} == {
        ("process.binding('tcp_wrap')", "process", Capability.CONNECT),
        ("process._linkedBinding('udp_wrap')", "process", Capability.CONNECT),
    }


def test_payload_findings_keep_the_payload_trace(analyze) -> None:
    (finding,) = analyze("ind-eval-base64/index.js").findings
    assert finding.snippet.startswith("eval(atob(")
    assert [(s.line, s.column, s.note) for s in finding.trace] == [(2, 1, "payload line 2: require 'https'")]
    assert finding.in_function is False


def test_aliased_require_trace(analyze) -> None:
    findings = analyze("ind-require-alias/index.js").findings
    assert sorted((f.line, [(s.line, s.note) for s in f.trace]) for f in findings) == [
        (2, [(1, "require taken as r"), (2, "require 'net'")]),
        (4, [(3, "require taken as o.load"), (4, "require 'https'")]),
    ]


def _wrapped(code: str, times: int) -> str:
    for _ in range(times):
        code = "eval(" + repr(code) + ")"
    return code


def test_payloads_nest_three_deep_then_stop(analyzer) -> None:
    three = analyzer.analyze(SourceFile("x.js", _wrapped("fetch(1)", 3).encode())).findings
    assert [(f.kind, f.api, f.line, f.column) for f in three] == [(NET, "fetch", 1, 1)]
    assert three[0].note == "; ".join(f"in decoded payload (constant string, depth {d}); payload line 1" for d in (1, 2, 3))
    (deeper,) = analyzer.analyze(SourceFile("x.js", _wrapped("fetch(1)", 4).encode())).findings
    assert (deeper.kind, deeper.api, deeper.line, deeper.confidence) == (CODE, "eval", 1, MEDIUM)
    assert deeper.note.endswith("eval: payload nested deeper than 3 (constant string)")


def test_a_payload_that_does_not_parse_is_dynamic_code(analyzer) -> None:
    (finding,) = analyzer.analyze(SourceFile("x.js", b"eval(atob('KCgoKA=='));\n")).findings
    assert (finding.kind, finding.confidence) == (CODE, MEDIUM)
    assert finding.note == "eval: decoded payload (base64) does not parse (payload line 1)"


def test_zip_bomb_payload_stops_at_the_budget(analyzer) -> None:
    import base64
    import zlib

    bomb = base64.b64encode(zlib.compress(b"A" * 3_000_000)).decode()
    code = f"eval(require('zlib').inflateSync(Buffer.from('{bomb}', 'base64')).toString());\n"
    (finding,) = analyzer.analyze(SourceFile("x.js", code.encode())).findings
    assert (finding.kind, finding.api) == (CODE, "eval")
    assert finding.note.startswith("fold budget exceeded; ")


# -- cross-file facts -----------------------------------------------------------
REQ = Capability.REQUEST


def _takes_its_url(fact: ExportFact) -> ExportFact:
    """A function whose parameter 0 is the whole URL of its call: what importers pass there is the
    destination (and data), so the fact says so; its own destination is unknown."""
    unknown = parse_destination(DYNAMIC, "dynamic")
    return dataclasses.replace(fact, sends=(0,), destinations=(unknown,), destination_parameter=0)


def test_transport_exports(analyze) -> None:
    result = analyze("ind-cross-file/lib/transport.js")
    assert set(result.exports) == {
        _takes_its_url(ExportFact("send", "https.get", "https", REQ, 4, 10)),
        ExportFact("open", "https.request", "https", REQ, 8, 16),
        ExportFact("raw", "https", "https", REQ, 9, 15, note="module"),
    }
    assert result.local_uses == ()


def test_client_exports_and_local_uses(analyze) -> None:
    result = analyze("ind-cross-file/lib/client.js")
    # a function calling the other module passes arguments of its own; a re-export passes them on
    assert set(result.exports) == {
        ExportFact(None, line=6, column=12, via_specifier="./transport", via_member="send", member_of="get",
                   note="calls a local module"),
        ExportFact("fetchNow", line=11, column=36, via_specifier="./transport", via_member="send",
                   note="calls a local module"),
        ExportFact("open", line=12, column=23, via_specifier="./transport", via_member="open"),
    }
    assert set(result.local_uses) == {
        LocalUse("./transport", None, 6, 12, "return transport.send(url);", True, "send", True),
        LocalUse("./transport", "send", 11, 36, "module.exports.fetchNow = (url) => send(url);", True, None, True),
    }


def test_compiled_typescript_exports(analyze) -> None:
    """tsc output: `Object.defineProperty(exports, …, {get})`, `__exportStar`, a helper behind the export."""
    result = analyze("ind-cross-file/lib/compiled.js")
    assert set(result.exports) == {
        ExportFact("open", line=5, column=86, via_specifier="./transport", via_member="open"),
        ExportFact(None, line=6, column=14, via_specifier="./client"),
        ExportFact("post", line=8, column=12, via_specifier="./transport", via_member="send",
                   note="calls a local module"),
    }
    assert {(u.specifier, u.member, u.attribute, u.line, u.column, u.called) for u in result.local_uses} == {
        ("./client", None, None, 6, 14, False),
        ("./transport", None, "open", 5, 86, False),
        ("./transport", None, "send", 8, 12, True),
    }


def test_esm_entry_exports_and_local_uses(analyze) -> None:
    result = analyze("ind-cross-file/index.mjs")
    assert set(result.exports) == {
        ExportFact("open", "http.request", "http", REQ, 3, 10),
        ExportFact(None, line=4, column=1, via_specifier="./lib/transport.js"),
        ExportFact(None, line=7, column=3, via_specifier="./lib/client.js", note="calls a local module"),
        ExportFact(None, line=7, column=16, via_specifier="./lib/client.js", via_member="get",
                   note="calls a local module"),
        ExportFact(None, line=8, column=10, via_specifier="./lib/transport.js", via_member="send",
                   note="calls a local module"),
    }
    assert {(u.specifier, u.member, u.attribute, u.line, u.column, u.called) for u in result.local_uses} == {
        ("./lib/client.js", None, None, 7, 3, True),
        ("./lib/client.js", None, "get", 7, 16, True),
        ("./lib/transport.js", "send", None, 8, 10, True),
    }


@pytest.mark.parametrize("code, expected", [
    ("module.exports = require('https')",
     ExportFact(None, "https", "https", REQ, 1, 18, note="module")),
    ("const https = require('https'); module.exports.open = https.request",
     ExportFact("open", "https.request", "https", REQ, 1, 55)),
    ("export default fetch", ExportFact(None, "fetch", "<global>", REQ, 1, 16)),
    ("import https from 'https'; export function send(u){ return https.get(u) }",
     _takes_its_url(ExportFact("send", "https.get", "https", REQ, 1, 60))),
    ("const https = require('https'); exports.send = function(){ https.get() }",
     ExportFact("send", "https.get", "https", REQ, 1, 60)),
    ("const https = require('https'); function send(){ https.get(u) } module.exports = {send}",
     ExportFact(None, "https.get", "https", REQ, 1, 50, member_of="send")),
    ("import https from 'https'; function send(){ https.get(u) } export {send as open}",
     ExportFact("open", "https.get", "https", REQ, 1, 45)),
    ("const https = require('https'); module.exports = { get(u){ return https.get(u) } }",
     _takes_its_url(ExportFact(None, "https.get", "https", REQ, 1, 67, member_of="get"))),
    ("const https = require('https'); class Client { get(){ https.get() } }; module.exports = Client",
     ExportFact(None, "https.get", "https", REQ, 1, 55, member_of="get")),
    ("export const send = (u) => fetch(u)", _takes_its_url(ExportFact("send", "fetch", "<global>", REQ, 1, 28))),
    ("const https = require('https'); function helper(u){ return https.get(u) } "
     "exports.send = function(u){ return helper(u) }",
     ExportFact("send", "https.get", "https", REQ, 1, 60)),
    ("const https = require('https'); const helper = (u) => https.get(u); function mid(u){ return helper(u) } "
     "module.exports = { go(u){ return mid(u) } }",
     ExportFact(None, "https.get", "https", REQ, 1, 55, member_of="go")),
    ("const https = require('https'); class C { get(){ https.get() } } module.exports = new C()",
     ExportFact(None, "https.get", "https", REQ, 1, 50, member_of="get")),
    ("exports.open = require('./transport').send",
     ExportFact("open", line=1, column=16, via_specifier="./transport", via_member="send")),
    ("module.exports = require('./lib')", ExportFact(None, line=1, column=18, via_specifier="./lib")),
    ("export {send} from './x'", ExportFact("send", line=1, column=9, via_specifier="./x", via_member="send")),
])
def test_export_forms(analyzer, code: str, expected: ExportFact) -> None:
    assert analyzer.analyze(SourceFile("x.mjs", code.encode())).exports == (expected,)


@pytest.mark.parametrize("code, expected", [
    ("const t = require('./transport'); t.send(u)", ("./transport", None, "send", 1, 35, True)),
    ("const {send} = require('./t'); send()", ("./t", "send", None, 1, 32, True)),
    ("import open from './client.js'; open()", ("./client.js", None, None, 1, 33, True)),
    ("import {send as s} from './t'; s()", ("./t", "send", None, 1, 32, True)),
    ("const t = require('./t'); later(t.send)", ("./t", None, "send", 1, 33, False)),
])
def test_local_use_forms(analyzer, code: str, expected: tuple) -> None:
    uses = analyzer.analyze(SourceFile("x.mjs", code.encode())).local_uses
    assert [(u.specifier, u.member, u.attribute, u.line, u.column, u.called) for u in uses] == [expected]


def test_unexported_code_exports_nothing(analyzer) -> None:
    code = b"const https = require('https'); function loop(){ loop(); https.get(u) } const t = require('./t'); t.x();"
    assert analyzer.analyze(SourceFile("x.js", code)).exports == ()


def test_packages_and_builtins_are_not_local_uses(analyzer) -> None:
    code = b"const l = require('lodash'); l.map(x); const p = require('path'); p.join(a);"
    assert analyzer.analyze(SourceFile("x.js", code)).local_uses == ()


@pytest.mark.parametrize("code", [
    b"setTimeout(fn, 0); setInterval(() => tick(), 10); setTimeout.call(null, fn, 0);",
    b"const fs = process.binding('fs'); process.binding('constants');",
    b"const r = require; r('path').join(a, b); module.require('util');",
    b"if (typeof Function('return this')().fetch === 'function') {}",
    b"eval('1 + 1'); new Function('a', 'b', 'return a + b');",
    b"const m = {a: 'pa', b: 'th'}; require(m.a + m.b);",
])
def test_quiet_forms(analyzer, code: bytes) -> None:
    assert analyzer.analyze(SourceFile("x.js", code)).findings == ()


@pytest.mark.parametrize("code, expected", [
    (b"setTimeout.call(null, 'fetch(u)', 0);", (NET, "fetch", 1, "in decoded payload (constant string, depth 1); payload line 1")),
    (b"eval.call(null, \"require('net').connect(1)\");",
     (NET, "net.connect", 1, "in decoded payload (constant string, depth 1); payload line 1")),
    (b"const M = require('module');\nM.prototype._compile.call(m, \"require('net').connect(1)\", 'f.js');",
     (NET, "net.connect", 2, "in decoded payload (constant string, depth 1); payload line 1")),
    (b"process.binding(name);", (DYN, "process.binding", 1, "process.binding(name)")),
    (b"new Function('a', body);", (CODE, "new Function", 1, "new Function(body)")),
    (b"setTimeout('go(' + arg + ')', 5);", (CODE, "setTimeout", 1, "setTimeout('go(' + arg + ')')")),
    (b"import('node:' + ['dg', 'ram'].join('')).then(d => d.createSocket('udp4'));",
     (NET, "dgram.createSocket", 1, "folded: 'node:' + ['dg', 'ram'].join('') → node:dgram")),
    (b"const {runInThisContext} = require('node:vm');\nrunInThisContext(atob('ZmV0Y2godSk='));",
     (NET, "fetch", 2, "in decoded payload (base64, depth 1); payload line 1")),
])
def test_special_forms(analyzer, code: bytes, expected: tuple) -> None:
    findings = analyzer.analyze(SourceFile("x.js", code)).findings
    assert [(f.kind, f.api, f.line, f.note) for f in findings] == [expected]


def test_payloads_of_one_file_share_a_budget(analyzer) -> None:
    import base64
    import zlib

    blob = base64.b64encode(zlib.compress(b"fetch(u);" + b" " * 900_000)).decode()
    code = f"const c = '{blob}';\n" + "".join(
        f"eval(require('zlib').inflateSync(Buffer.from(c, 'base64')).toString());\n" for _ in range(5))
    findings = analyzer.analyze(SourceFile("x.js", code.encode())).findings
    assert [(f.kind, f.api, f.line) for f in findings] == [
        (NET, "fetch", 2), (NET, "fetch", 3), (NET, "fetch", 4), (NET, "fetch", 5), (CODE, "eval", 6)]
    assert findings[-1].note == "eval: payloads of this file exceed 4 MB (base64+zlib)"


def test_non_webpack_require_is_a_loader(analyzer) -> None:
    (finding,) = analyzer.analyze(SourceFile("x.js", b"__non_webpack_require__('net').connect(1);")).findings
    assert (finding.api, finding.note) == ("net.connect", "loaded through __non_webpack_require__")
