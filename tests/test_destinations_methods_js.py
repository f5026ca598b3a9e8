"""JavaScript destinations and data sources through methods (issue #5).

Each fixture under tests/fixtures/destinations_methods/js/ is one form of
wrapper reached through a method: object-literal methods, class methods
through `this` and instances, prototype methods, exported methods, and
the negatives (a method of the same name on an unrelated object, an
unknown receiver, a reassigned parameter).  The tests assert every network
finding's exact api and line, its destinations (text, known, classes,
note) and its data sources.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.model import FindingKind, SourceFile

FIXTURES = Path(__file__).parent / "fixtures" / "destinations_methods" / "js"


@pytest.fixture(scope="module")
def analyzer() -> JavaScriptAnalyzer:
    return JavaScriptAnalyzer(request_details=True)


def _details(analyzer: JavaScriptAnalyzer, name: str) -> dict[tuple[str, int], tuple[list[tuple], tuple[str, ...]]]:
    result = analyzer.analyze(SourceFile(name, (FIXTURES / name).read_bytes()))
    assert result.error is None
    return {(f.api, f.line): ([(d.text, d.known, d.classes, d.note) for d in f.destinations], f.data_sources)
            for f in result.findings if f.kind is FindingKind.NETWORK}


def test_object_literal_methods_receive_their_callers_arguments(analyzer) -> None:
    assert _details(analyzer, "object_methods.js") == {
        # shorthand method, called as api.send(...) and as this.send(...) from a sibling method;
        # other.send(...) (line 27) is a method of another object and is not a caller
        ("https.request", 5): ([
            ("https://198.51.100.9/again", "full", ("ip-literal", "public"), "passed to this.send() at line 14"),
            ("https://203.0.113.7/c", "full", ("ip-literal", "public"), "passed to api.send() at line 18"),
        ], ("env",)),
        # `ping: function (host)` and `beat: (path) => …`
        ("https.get", 10): ([("https://status.example.net/ping", "full", ("public",), "passed to api.ping() at line 19")], ()),
        ("https.get", 12): ([("https://beat.example.com/b", "full", ("public",), "passed to api.beat() at line 20")], ()),
    }


def test_class_methods_through_an_instance_and_this(analyzer) -> None:
    assert _details(analyzer, "class_methods.js") == {
        # this.base from the constructor, p from new Client(...).get('/v1') and from client.get(...) in
        # load(id), whose own parameter is unknown: partial; new Other().get(...) is not a caller
        ("fetch", 7): ([
            ("https://api.example.com/v1", "full", ("public",), "passed to new Client() at line 25"),
            ("https://api.example.com/items/<dynamic>", "partial", ("public",), "passed to new Client() at line 25"),
        ], ()),
        # client.report(token) -> this.post('/report', data): two caller hops carry the path and the data
        ("fetch", 15): ([("https://api.example.com/report", "full", ("public",), "passed to new Client() at line 25")],
                        ("env NPM_TOKEN",)),
    }


def test_inheritance_fields_statics_and_typescript_parameter_properties(analyzer) -> None:
    assert _details(analyzer, "class_features.ts") == {
        # a class field read as this.root; send() reached through this.send in a subclass and on an
        # instance of the subclass
        ("https.get", 7): ([
            ("https://field.example.com/child", "full", ("public",), "passed to this.send() at line 16"),
            ("https://field.example.com/direct", "full", ("public",), "passed to c.send() at line 28"),
        ], ()),
        ("https.get", 10): ([("https://static.example.com/ping", "full", ("public",), "")], ()),   # static field
        ("fetch", 23): ([("https://ts.example.com/x", "full", ("public",), "passed to new Ts() at line 30")], ()),
    }


def test_prototype_methods(analyzer) -> None:
    assert _details(analyzer, "prototype_methods.js") == {
        # this.host from the constructor function; path from agent.req(...) and this.req(...) in another
        # prototype method
        ("https.get", 8): ([
            ("https://registry.example.com/all", "full", ("public",), "passed to new Agent() at line 25"),
            ("https://registry.example.com/pkg", "full", ("public",), "passed to new Agent() at line 25"),
        ], ()),
        # Legacy.prototype = { send: function (p) {…} }
        ("https.get", 21): ([("https://legacy.example.com/s", "full", ("public",), "passed to new Legacy() at line 27")], ()),
    }


def test_exported_methods_called_in_the_same_file(analyzer) -> None:
    assert _details(analyzer, "exports_methods.js") == {
        ("https.request", 5): ([("https://203.0.113.50/u", "full", ("ip-literal", "public"),
                                 "passed to module.exports.upload() at line 14")], ("hostname",)),
        ("https.get", 11): ([("https://hooks.example.com/n", "full", ("public",),
                              "passed to exports.notify() at line 15")], ()),
    }


def test_unrelated_and_unknown_receivers_pass_nothing(analyzer) -> None:
    # other.send(ip, process.env) and client.send(ip, env) on a parameter are not api.send
    assert _details(analyzer, "negatives.js") == {
        ("https.request", 5): ([("https://safe.example.com/ok", "full", ("public",), "passed to api.send() at line 20")], ()),
    }


def test_a_reassigned_parameter_is_not_the_callers_argument(analyzer) -> None:
    assert _details(analyzer, "reassigned.js") == {
        ("https.get", 6): ([("https://fixed.example.com/", "full", ("public",), "")], ()),
    }


def test_a_self_referencing_member_stays_bounded(analyzer) -> None:
    source = (b"const https = require('https');\n"
              b"class L { constructor(u) { this.u = u; this.u = this.u.trim(); }\n"
              b"  go() { return https.get(this.u); } }\n"
              b"new L('https://loop.example.com/').go();\n")
    result = analyzer.analyze(SourceFile("loop.js", source))
    [finding] = [f for f in result.findings if f.kind is FindingKind.NETWORK]
    # the store that reads itself is a cycle: its reading is dynamic, the constructor's is kept
    assert [(d.text, d.known) for d in finding.destinations] == [
        ("https://loop.example.com/", "full"), ("<dynamic>", "dynamic")]


def test_a_method_of_an_instance_held_in_this(analyzer) -> None:
    # this.http = new Http(base) in the constructor; this.http.post(...) reaches Http.post
    assert _details(analyzer, "member_receiver.js") == {
        ("fetch", 6): ([("https://sdk.example.com/track", "full", ("public",), "passed to new Http() at line 12")],
                       ("hostname",)),
    }


def test_an_endpoint_configured_from_env_is_where_it_goes_not_data_sent(analyzer) -> None:
    # this.endpoint is built from CACHE_PROTO and CACHE_HOST: configuration of the destination;
    # CACHE_TOKEN in the query is sent; REGISTRY_HOST passed to plain(base) is only the host
    assert _details(analyzer, "env_endpoint.js") == {
        ("fetch", 8): ([
            ("<dynamic>", "dynamic", ("dynamic-host",), "from env CACHE_PROTO"),
            ("https://<dynamic>/v1/purge?tag=all&t=<dynamic>", "partial", ("dynamic-host",), ""),
            ("https://cache.example.com/v1/purge?tag=all&t=<dynamic>", "partial", ("public",),
             "passed to new Cache(…).purge() at line 16"),
        ], ("env CACHE_TOKEN",)),
        ("fetch", 13): ([("https://<dynamic>/x", "partial", ("dynamic-host",), "")], ()),
    }


def test_es5_forms_an_object_property_and_a_class_handed_out_by_an_iife(analyzer) -> None:
    assert _details(analyzer, "es5_classes.js") == {
        # this.base is the object literal's own property
        ("https.get", 6): ([("https://literal.example.com/a", "full", ("public",), "passed to api.get() at line 9")], ()),
        # var Es5 = function (base) {…}; Es5.prototype.get = …
        ("https.get", 15): ([("https://es5.example.com/b", "full", ("public",), "passed to new Es5() at line 17")], ()),
        # TypeScript's ES5 output: var Tsc = (function () { function Tsc(base) {…} …; return Tsc; }())
        ("https.get", 24): ([("https://tsc.example.com/c", "full", ("public",), "passed to new Tsc() at line 28")], ()),
    }


def test_babel_create_class_methods(analyzer) -> None:
    # _createClass(Client, [{key: "get", value: function get(p) {…}}]) inside the IIFE Babel emits
    assert _details(analyzer, "babel_class.js") == {
        ("https.get", 14): ([
            ("https://babel.example.com/all", "full", ("public",), "passed to new Client() at line 26"),
            ("https://babel.example.com/one", "full", ("public",), "passed to new Client() at line 26"),
        ], ()),
    }


def test_a_getter_read_as_this_member(analyzer) -> None:
    assert _details(analyzer, "getter.js") == {
        ("fetch", 11): ([("https://feeds.example.com/feed.json", "full", ("public",), "passed to new Feed() at line 15")],
                        ()),
    }


def test_a_base_constructor_reached_through_subclasses(analyzer) -> None:
    # Plain has no constructor: new Plain(...) runs Base's; Custom passes super(`https://${host}`).
    # Base and path are independent readings (one list for the call site), so they combine.
    assert _details(analyzer, "subclass_constructors.js") == {
        ("fetch", 6): ([
            ("https://custom.example.com/a", "full", ("public",), "passed to super() at line 14"),
            ("https://custom.example.com/b", "full", ("public",), "passed to super() at line 14"),
            ("https://plain.example.com/a", "full", ("public",), "passed to new Plain() at line 18"),
            ("https://plain.example.com/b", "full", ("public",), "passed to new Plain() at line 18"),
        ], ()),
    }


def test_an_options_object_passed_to_a_method(analyzer) -> None:
    assert _details(analyzer, "options_method.js") == {
        ("https.request", 5): ([("https://203.0.113.7:8443/collect", "full", ("ip-literal", "public"),
                                 "passed to transport.request() at line 12")], ("hostname",)),
    }


def test_chained_methods_with_many_callers_stay_bounded(analyzer) -> None:
    """60 methods each handing (and storing) their arguments on to the next, 300 callers: the readings are
    capped and memoised (before, the URL pass of the data flow took minutes here)."""
    import time

    lines = ["const https = require('https');", "class Big {", "  constructor(a, b) { this.a = a; this.b = b; }"]
    lines += [f"  m{i}(u, v) {{ this.a = this.a + u; return this.m{i + 1}(this.a + u + v, this.b + v); }}"
              for i in range(60)]
    lines += ["  m60(u, v) { return https.get(this.a + this.b + u + v); }", "}"]
    lines += [f"new Big('https://h{i}.example.com', '/p{i}').m{i % 60}('/x{i}', process.env.T{i});" for i in range(300)]
    started = time.process_time()
    result = analyzer.analyze(SourceFile("big.js", "\n".join(lines).encode()))
    assert time.process_time() - started < 10
    [finding] = [f for f in result.findings if f.kind is FindingKind.NETWORK]
    assert (finding.api, finding.line) == ("https.get", 64)
    assert len(finding.destinations) == 8 and all(d.text.startswith("https://h") for d in finding.destinations)
    assert finding.data_sources[:1] == ("env T7",)
