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
