"""Timing through the whole pipeline: entry points and what they load run at import, the rest at runtime.

Each fixture under tests/fixtures/timing/ is scanned as a user would scan it
(``session.scan_targets``: source, pre-filter, workers, linker, context,
alerts); the tests assert the exact timing of every network finding.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from egress import engine
from egress.catalog import load_catalog
from egress.cli import main
from egress.model import Ecosystem, FindingKind, PackageResult
from egress.prefilter import PreFilter
from tests.pipeline import scan_one
from tests.tarballs import tgz_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "timing"


_scan = scan_one


def _timings(package: PackageResult) -> list[tuple[str, str, int, str]]:
    return sorted((f.file, f.api, f.line, f.timing.value) for f in package.findings if f.kind is FindingKind.NETWORK)


def test_npm_entry_points_and_what_they_load_at_top_level_run_at_import(tmp_path: Path) -> None:
    assert _timings(_scan(FIXTURES / "npm-entries", tmp_path)) == [
        ("bin/cli", "fetch", 3, "import"),                    # bin
        ("esm/dep.mjs", "http.get", 3, "import"),             # static import of exports["."].import
        ("esm/index.mjs", "fetch", 3, "import"),              # exports["."].import
        ("lib/cli-impl.js", "http.get", 2, "import"),         # required by the bin
        ("lib/deep.js", "net.connect", 2, "runtime"),         # required only by the lazy file
        ("lib/feature-browser.js", "fetch", 1, "import"),     # exports["./feature"].default
        ("lib/feature.js", "https.get", 2, "import"),         # exports["./feature"].node
        ("lib/helper.js", "http.get", 2, "import"),           # required at the top of main
        ("lib/lazy.js", "https.get", 3, "runtime"),           # required inside a function
        ("lib/main.js", "https.get", 4, "import"),            # main, top level
        ("lib/main.js", "https.get", 11, "runtime"),          # main, inside a function
        ("lib/orphan.js", "https.get", 2, "runtime"),         # no entry point loads it
        ("lib/plugins/ping.js", "dns.lookup", 2, "import"),   # exports["./plugins/*"]
    ]


def test_npm_index_js_is_the_entry_when_main_is_absent(tmp_path: Path) -> None:
    assert _timings(_scan(FIXTURES / "npm-default", tmp_path)) == [
        ("index.js", "https.get", 2, "import"),
        ("other.js", "https.get", 2, "runtime"),
    ]


def test_entry_file_skipped_by_the_prefilter_still_gives_its_require_import_timing(tmp_path: Path) -> None:
    entry = (FIXTURES / "npm-skipped" / "entry.js").read_bytes()
    prefilter = PreFilter(load_catalog(Ecosystem.NPM), load_catalog(Ecosystem.PYPI))
    assert prefilter.wants("entry.js", entry) is False          # the premise: entry.js is parsed only
    assert _timings(_scan(FIXTURES / "npm-skipped", tmp_path)) == [("transport.js", "https.get", 2, "import")]


def test_timing_is_the_same_from_the_package_cache(tmp_path: Path, monkeypatch) -> None:
    first = _timings(_scan(FIXTURES / "npm-skipped", tmp_path))
    read: list[str] = []
    monkeypatch.setattr(engine, "load_specifiers", lambda source, ecosystem: read.append(source.path) or ())
    second = _timings(_scan(FIXTURES / "npm-skipped", tmp_path))     # unchanged folder: no file is read
    assert read == []           # the load graph came with the cached analyses
    assert first == second == [("transport.js", "https.get", 2, "import")]


def test_python_init_and_the_submodules_it_imports_at_top_level_run_at_import(tmp_path: Path) -> None:
    assert _timings(_scan(FIXTURES / "py-package", tmp_path)) == [
        ("tpy/__init__.py", "urllib.request.urlopen", 9, "import"),
        ("tpy/__init__.py", "urllib.request.urlopen", 14, "runtime"),      # inside later()
        ("tpy/client.py", "socket.create_connection", 3, "import"),        # from . import client
        ("tpy/lazy.py", "urllib.request.urlopen", 3, "runtime"),           # imported inside later()
        ("tpy/sub/__init__.py", "socket.create_connection", 3, "import"),  # a package's __init__
        ("tpy/typed.py", "urllib.request.urlopen", 3, "runtime"),          # under if TYPE_CHECKING
        ("tpy/unused.py", "urllib.request.urlopen", 3, "runtime"),         # nothing imports it
    ]


def test_files_an_install_script_requires_run_their_top_level_at_install(tmp_path: Path) -> None:
    package = _scan(FIXTURES / "npm-install", tmp_path)
    assert _timings(package) == [
        ("lib/download.js", "https.get", 2, "install"),    # top level of a file install.js requires
        ("lib/download.js", "https.get", 5, "runtime"),    # a function of it: when called
    ]
    assert ("installTimeNetwork", "lib/download.js", 2) in {(a.type, a.finding.file, a.finding.line)
                                                            for a in package.alerts}


def test_wheel_pth_imports_run_at_startup_and_a_top_level_module_at_import(tmp_path: Path) -> None:
    wheel = tmp_path / "hooked-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("hooked.py", "import urllib.request\nurllib.request.urlopen('https://mod.example.org/')\n")
        archive.writestr("hooked_boot.py", "import socket\nsocket.create_connection(('boot.example.org', 80))\n")
        archive.writestr("hooked_tool.py", "import socket\nsocket.create_connection(('tool.example.org', 80))\n")
        archive.writestr("hooked.pth", "import hooked_boot\n")
        archive.writestr("hooked-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: hooked\nVersion: 1.0\n")
        archive.writestr("hooked-1.0.dist-info/top_level.txt", "hooked\nhooked_boot\n")
        archive.writestr("hooked-1.0.dist-info/RECORD", "")
    assert _timings(_scan(wheel, tmp_path / "c")) == [
        ("hooked.py", "urllib.request.urlopen", 2, "import"),          # a top-level module it names
        ("hooked_boot.py", "socket.create_connection", 2, "startup"),  # imported by a .pth line
        ("hooked_tool.py", "socket.create_connection", 2, "runtime"),  # a root module it does not name
    ]


def test_sdist_setup_py_importing_its_package_runs_the_package_init_at_install(tmp_path: Path) -> None:
    sdist = tmp_path / "selfver-1.0.tar.gz"
    sdist.write_bytes(tgz_bytes({
        "selfver-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: selfver\nVersion: 1.0\n",
        "selfver-1.0/setup.py": "from setuptools import setup\nfrom selfver import VERSION\nsetup(version=VERSION)\n",
        "selfver-1.0/selfver/__init__.py": "import urllib.request\nVERSION = '1.0'\n"
                                           "urllib.request.urlopen('https://init.example.org/')\n",
    }))
    assert _timings(_scan(sdist, tmp_path / "c")) == [("selfver/__init__.py", "urllib.request.urlopen", 3, "install")]


def test_json_report_shows_the_timing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["scan", str(FIXTURES / "npm-default"), "--format", "json",
                                       "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [package] = json.loads(result.stdout)["packages"]
    assert sorted((a["file"], a["line"], a["timing"]) for a in package["alerts"] if a["type"] == "networkAccess") \
        == [("index.js", 2, "import"), ("other.js", 2, "runtime")]


def test_setup_py_calling_a_helper_module_beside_it_is_install_time(tmp_path: Path) -> None:
    """`import _build_helper; _build_helper.ping()` in setup.py: the call runs at install, so the
    network the helper reaches is install-time network at setup.py's call (linked)."""
    root = tmp_path / "sd1"
    root.mkdir()
    (root / "setup.py").write_text("from setuptools import setup\nimport _build_helper\n_build_helper.ping()\n"
                                   "setup(name='sd1', version='1.0', py_modules=['sd1'])\n")
    (root / "_build_helper.py").write_text("import socket\n\ndef ping():\n"
                                           "    return socket.create_connection(('example.org', 9001))\n")
    (root / "sd1.py").write_text("X = 1\n")
    package = scan_one(root, tmp_path / "c")
    early = sorted((a.finding.api, a.finding.file, a.finding.line) for a in package.alerts
                   if a.type == "installTimeNetwork")
    assert early == [("socket.create_connection", "setup.py", 3)]


def test_a_python_file_started_as_a_process_runs_whatever_its_folder(tmp_path: Path) -> None:
    """`Popen([sys.executable, os.path.join(os.path.dirname(__file__), 'scripts', 'p.py')])`:
    scripts/p.py runs, so its network use counts as shipped code (not a script of the project's)."""
    root = tmp_path / "pl1"
    (root / "pl1" / "scripts").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "pl1"\nversion = "1.0"\n')
    (root / "pl1" / "__init__.py").write_text(
        "import os\nimport subprocess\nimport sys\n\n"
        "subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), 'scripts', 'p.py')])\n")
    (root / "pl1" / "scripts" / "p.py").write_text(
        "import urllib.request\nurllib.request.urlopen('https://example.org/p')\n")
    package = scan_one(root, tmp_path / "c")
    assert sorted((f.api, f.file, f.role.value) for f in package.findings if f.kind is FindingKind.NETWORK) == [
        ("urllib.request.urlopen", "pl1/scripts/p.py", "shipped")]
    assert any(a.type == "networkAccess" for a in package.alerts)
