"""Folders that cannot be listed and compiled native code: listed as not analysed, never clean.

The tests run as root, for whom mode 000 denies nothing, so a denied
folder is emulated by an ``os.scandir`` that raises ``PermissionError``
for that one path (``os.walk`` lists through ``os.scandir`` too).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from egress.engine import ScanOptions, scan
from egress.model import NotAnalysed, Verdict
from egress.sources.npm_folder import NpmFolderSource
from egress.sources.npm_tarball import NpmTarballSource
from egress.sources.python_archive import WheelSource
from egress.sources.python_folder import PythonProjectSource
from egress.sources.unanalysed import NATIVE_REASON, NATIVE_SUFFIXES
from egress.model import Ecosystem
from tests.tarballs import write_tgz

DENIED = NotAnalysed("lib/", "folder cannot be listed: permission denied")


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return root


def _deny(monkeypatch, denied: Path) -> None:
    real = os.scandir

    def scandir(path="."):
        if os.path.normpath(os.fspath(path)) == os.path.normpath(denied):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def _scan_one(source):
    [result] = scan(source.collect(), ScanOptions(jobs=1)).packages
    return result


def _npm_pkg(tmp_path: Path, extra: dict[str, str | bytes]) -> Path:
    return _write(tmp_path / "pkg", {"package.json": json.dumps({"name": "p", "version": "1.0.0"}),
                                     "index.js": "module.exports = 1;\n", **extra})


def _py_project(tmp_path: Path, extra: dict[str, str | bytes]) -> Path:
    return _write(tmp_path / "proj", {"pyproject.toml": '[project]\nname = "demo"\nversion = "1.0"\n',
                                      "demo/__init__.py": "x = 1\n", **extra})


# --- 2. folders that cannot be listed ----------------------------------------------------------

def test_npm_folder_reports_a_denied_folder(tmp_path, monkeypatch):
    root = _npm_pkg(tmp_path, {"lib/net.js": "require('https').get('x');\n"})
    _deny(monkeypatch, root / "lib")
    [art] = NpmFolderSource(root).collect()
    assert art.unreadable == (DENIED,)
    result = _scan_one(NpmFolderSource(root))
    assert result.verdict is Verdict.PARTIAL
    assert result.not_analysed == (DENIED,)


def test_npm_folder_without_denial_is_clean(tmp_path):
    root = _npm_pkg(tmp_path, {"lib/util.js": "module.exports = 2;\n"})
    result = _scan_one(NpmFolderSource(root))
    assert result.verdict is Verdict.NONE
    assert result.not_analysed == ()


def test_python_folder_reports_a_denied_folder(tmp_path, monkeypatch):
    root = _py_project(tmp_path, {"demo/sub/net.py": "import socket\n"})
    _deny(monkeypatch, root / "demo" / "sub")
    [art] = PythonProjectSource(root).collect()
    denied = NotAnalysed("demo/sub/", "folder cannot be listed: permission denied")
    assert art.unreadable == (denied,)
    result = _scan_one(PythonProjectSource(root))
    assert result.verdict is Verdict.PARTIAL
    assert result.not_analysed == (denied,)


# --- 4. compiled native code -------------------------------------------------------------------

def test_native_suffixes_live_in_one_table():
    assert NATIVE_SUFFIXES == {Ecosystem.NPM: (".node",), Ecosystem.PYPI: (".so", ".pyd")}
    assert NATIVE_REASON == "compiled native code, not analysed"


def test_npm_folder_addon_is_not_analysed(tmp_path):
    root = _npm_pkg(tmp_path, {"build/Release/addon.node": b"\x7fELF\x02\x01\x01", "README.md": "hi\n"})
    result = _scan_one(NpmFolderSource(root))
    assert result.verdict is Verdict.PARTIAL
    assert result.not_analysed == (NotAnalysed("build/Release/addon.node", NATIVE_REASON),)


def test_npm_tarball_addon_is_not_analysed(tmp_path):
    tgz = write_tgz(tmp_path / "t.tgz", {"package/package.json": json.dumps({"name": "p", "version": "1.0.0"}),
                                        "package/index.js": "1;\n", "package/prebuilds/linux-x64/p.node": "ELF"})
    [art] = NpmTarballSource(tgz).collect()
    assert art.unreadable == (NotAnalysed("prebuilds/linux-x64/p.node", NATIVE_REASON),)
    assert _scan_one(NpmTarballSource(tgz)).verdict is Verdict.PARTIAL


def test_npm_package_with_a_python_extension_name_is_not_flagged(tmp_path):
    """``.so`` is not an npm addon: only the ecosystem's own suffixes are reported."""
    root = _npm_pkg(tmp_path, {"vendor/libz.so": b"\x7fELF"})
    result = _scan_one(NpmFolderSource(root))
    assert (result.verdict, result.not_analysed) == (Verdict.NONE, ())


def test_python_folder_extension_modules_are_not_analysed(tmp_path):
    root = _py_project(tmp_path, {"demo/_speed.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
                                  "demo/_win.pyd": b"MZ"})
    result = _scan_one(PythonProjectSource(root))
    assert result.verdict is Verdict.PARTIAL
    assert result.not_analysed == (NotAnalysed("demo/_speed.cpython-311-x86_64-linux-gnu.so", NATIVE_REASON),
                                   NotAnalysed("demo/_win.pyd", NATIVE_REASON))


@pytest.mark.parametrize("native", [True, False])
def test_wheel_extension_module_decides_partial(tmp_path, native):
    whl = tmp_path / "demo-1.0-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(whl, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        archive.writestr("demo/__init__.py", "from ._core import x\n")
        if native:
            archive.writestr("demo/_core.cpython-311-x86_64-linux-gnu.so", b"\x7fELF")
    result = _scan_one(WheelSource(whl))
    expected = (NotAnalysed("demo/_core.cpython-311-x86_64-linux-gnu.so", NATIVE_REASON),) if native else ()
    assert result.not_analysed == expected
    assert result.verdict is (Verdict.PARTIAL if native else Verdict.NONE)


def test_installed_distribution_extension_module_is_not_analysed(tmp_path):
    from egress.sources.python_installed import site_packages_artifacts

    site = _write(tmp_path / "env" / "lib" / "python3.11" / "site-packages", {
        "demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        "demo-1.0.dist-info/RECORD": "demo/__init__.py,,\ndemo/_core.abi3.so,,\ndemo-1.0.dist-info/METADATA,,\n",
        "demo/__init__.py": "x = 1\n",
        "demo/_core.abi3.so": b"\x7fELF",
    })
    [art] = site_packages_artifacts(site, tmp_path / "env")
    assert art.unreadable == (NotAnalysed("demo/_core.abi3.so", NATIVE_REASON),)
    [result] = scan([art], ScanOptions(jobs=1)).packages
    assert (result.verdict, result.not_analysed) == (Verdict.PARTIAL, art.unreadable)
