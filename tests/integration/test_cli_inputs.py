"""Bad and unusual inputs end to end: one line on stderr, exit 2, nothing half-written."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from egress.cli import main
from tests.tarballs import tgz_bytes as _tgz_bytes


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def fake_registry():
    """A registry on loopback whose packument publishes a wrong integrity for 1.0.0."""
    tarball = _tgz_bytes({"package/package.json": json.dumps({"name": "demo", "version": "1.0.0"}),
                          "package/index.js": "require('https').get('https://example.org')\n"})
    good = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"something else").digest()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/demo":
                body = json.dumps({"name": "demo", "dist-tags": {"latest": "1.0.1"}, "versions": {
                    "1.0.0": {"version": "1.0.0", "dist": {"tarball": f"{base}/demo.tgz", "integrity": wrong}},
                    "1.0.1": {"version": "1.0.1", "dist": {"tarball": f"{base}/demo.tgz", "integrity": good}},
                }}).encode()
            elif self.path == "/demo.tgz":
                body = tarball
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_integrity_mismatch_is_exit_2_and_nothing_scanned(fake_registry: str, tmp_path: Path) -> None:
    code, out, err = _run("scan", "npm:demo@1.0.0", "--registry", fake_registry, "--cache-dir", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "integrity mismatch" in err
    assert not list((tmp_path / "blobs").rglob("*.tgz")) if (tmp_path / "blobs").exists() else True


def test_verified_tarball_from_the_configured_registry_is_scanned(fake_registry: str, tmp_path: Path) -> None:
    code, out, err = _run("scan", "npm:demo@latest", "--registry", fake_registry, "--format", "json",
                          "--cache-dir", str(tmp_path))
    assert code == 0, err
    [pkg] = json.loads(out)["packages"]
    assert (pkg["name"], pkg["version"], pkg["verdict"], pkg["network_apis"]) == ("demo", "1.0.1", "network", ["https.get"])


def test_unreachable_registry_is_exit_2(tmp_path: Path) -> None:
    code, out, err = _run("scan", "npm:demo@1.0.0", "--registry", "http://127.0.0.1:9/", "--cache-dir", str(tmp_path))
    assert code == 2 and out == "" and err.count("\n") == 1 and "unreachable" in err


def test_failed_run_keeps_an_earlier_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text('{"earlier": true}')
    code, _, err = _run("scan", str(tmp_path / "missing"), "--format", "json", "-o", str(report))
    assert code == 2 and report.read_text() == '{"earlier": true}'


@pytest.mark.parametrize("name, content, message", [
    ("x.whl", b"\x89PNG not a zip at all", "corrupt"),
    ("empty.tgz", b"", "corrupt"),
    ("x-1.0.zip", None, "not a python sdist"),
])
def test_corrupt_archives_are_exit_2(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("README.txt", "not a Python sdist")
    else:
        path.write_bytes(content)
    code, out, err = _run("scan", str(path), "--cache-dir", str(tmp_path / "c"))
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("egress: error:") and message in err.lower()
    assert "Traceback" not in err


def test_unpinned_requirement_names_file_and_line(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("ntplib==0.4.0\nrequests>=2\n")
    code, out, err = _run("scan", "-r", str(req), "--cache-dir", str(tmp_path / "c"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "requirements.txt:2" in err and "pin" in err


@pytest.mark.network
def test_wrong_hash_in_requirements_is_an_integrity_error(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("ntplib==0.4.0 --hash=sha256:" + "0" * 64 + "\n")
    code, out, err = _run("scan", "-r", str(req), "--cache-dir", str(tmp_path / "c"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "hash" in err.lower()


@pytest.mark.network
def test_unknown_distribution_is_exit_2(tmp_path: Path) -> None:
    code, out, err = _run("scan", "pypi:egress-no-such-distribution-xq7==1.0", "--cache-dir", str(tmp_path))
    assert code == 2 and out == "" and err.count("\n") == 1


def test_wheel_with_pth_and_sdist_setup_py_timings(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo/__init__.py", "import socket\n\ndef ping(h):\n    socket.create_connection((h, 80))\n")
        archive.writestr("demo-startup.pth", "import urllib.request; urllib.request.urlopen('http://203.0.113.7/')\n")
        archive.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        archive.writestr("demo-1.0.dist-info/RECORD", "")
    sdist = tmp_path / "demo-1.0.tar.gz"
    sdist.write_bytes(_tgz_bytes({
        "demo-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        "demo-1.0/setup.py": "import urllib.request\nurllib.request.urlopen('http://203.0.113.7/x')\n",
    }))
    code, out, err = _run("scan", str(wheel), str(sdist), "--format", "json", "--cache-dir", str(tmp_path / "c"))
    assert code == 0, err
    timings = {(p["artifact"]["kind"], a["api"], a["file"], a["line"], a["timing"])
               for p in json.loads(out)["packages"] for a in p["alerts"]}
    assert timings == {
        ("wheel", "socket.create_connection", "demo/__init__.py", 4, "runtime"),
        ("wheel", "urllib.request.urlopen", "demo-startup.pth", 1, "startup"),
        ("sdist", "urllib.request.urlopen", "setup.py", 2, "install"),
    }
