"""Unpacked project folders: static identity, skipped folders, laziness."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from egress.errors import SourceError
from egress.model import NotAnalysed
from egress.sources import python_folder
from egress.sources.python_folder import PythonProjectSource
from pypi_testkit import FIXTURES, read_all


def copy(name, tmp_path):
    return shutil.copytree(FIXTURES / name, tmp_path / name)


def test_pyproject_identity_entry_points_and_skipped_folders(tmp_path):
    root = copy("project_pyproject", tmp_path)
    for skipped in (".git/hooks/x.py", ".venv/lib/y.py", "node_modules/z.js", "static_project/__pycache__/a.pyc",
                    "build/lib/static_project/cli.py", "dist/static_project-2.3.4.tar.gz", ".tox/py311/t.py",
                    "other-env/lib/m.py"):
        (root / skipped).parent.mkdir(parents=True, exist_ok=True)
        (root / skipped).write_text("import socket\n")
    (root / "other-env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    os.symlink("/etc", root / "linked-dir")
    [artifact] = PythonProjectSource(root).collect()
    assert (artifact.name, artifact.version) == ("Static-Project", "2.3.4")
    assert artifact.locations == (str(root),)
    assert artifact.metadata == {
        "kind": "folder",
        "top_level": [],
        "entry_points": "[console_scripts]\nstatic-cli = static_project.cli:main\n",
        "has_setup_py": False,
        "build_backend": "flit_core.buildapi",
        "pyproject_toml": (root / "pyproject.toml").read_text(),     # for the build hooks it declares
    }
    assert sorted(read_all(artifact)) == [
        "pyproject.toml", "static_project/__init__.py", "static_project/build/__init__.py", "static_project/cli.py"]
    assert artifact.unreadable == ()


def test_only_wanted_files_are_opened(tmp_path, monkeypatch):
    root = copy("project_pyproject", tmp_path)
    [artifact] = PythonProjectSource(root).collect()
    opened = []
    real = python_folder.read_bytes
    monkeypatch.setattr(python_folder, "read_bytes", lambda path: opened.append(path) or real(path))
    assert [f.path for f in artifact.read_files(lambda p: p.endswith("cli.py"))] == ["static_project/cli.py"]
    assert opened == [root / "static_project" / "cli.py"]


def test_setup_cfg_attr_version_is_read_statically():
    [artifact] = PythonProjectSource(FIXTURES / "project_setupcfg").collect()
    assert (artifact.name, artifact.version) == ("cfg-project", "0.9.1")
    assert artifact.metadata["has_setup_py"] is True
    assert "notes" not in artifact.metadata


def test_setup_py_only_project_is_never_executed():
    [artifact] = PythonProjectSource(FIXTURES / "project_setuppy").collect()
    assert (artifact.name, artifact.version) == ("hidden", "unknown")     # the literal name; version=compute()
    assert artifact.metadata["notes"] == [
        "version not declared statically (dynamic, or only in setup.py): reported as unknown",
    ]
    assert sorted(read_all(artifact)) == ["hidden.py", "setup.py"]


def test_dynamic_version_is_unknown():
    [artifact] = PythonProjectSource(FIXTURES / "project_dynamic").collect()
    assert (artifact.name, artifact.version) == ("dyn", "unknown")


def test_unpacked_sdist_uses_pkg_info():
    [artifact] = PythonProjectSource(FIXTURES / "sdist").collect()
    assert (artifact.name, artifact.version) == ("Demo-Pkg", "1.0")
    assert artifact.metadata["entry_points"] == "[console_scripts]\ndemo = demo_pkg:main\n"
    assert artifact.metadata["top_level"] == ["demo_pkg"]
    assert artifact.metadata["build_backend"] == "setuptools.build_meta"


def test_unreadable_file_is_reported(tmp_path, monkeypatch):
    root = copy("project_setuppy", tmp_path)
    real_access = os.access     # tests may run as root, who reads everything: simulate the denial
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p).name != "hidden.py" and real_access(p, mode))
    [artifact] = PythonProjectSource(root).collect()
    assert artifact.unreadable == (NotAnalysed("hidden.py", "permission denied"),)


def test_not_a_project_folder(tmp_path):
    with pytest.raises(SourceError) as info:
        list(PythonProjectSource(tmp_path).collect())
    assert str(info.value) == f"{tmp_path}: not a Python project folder (no pyproject.toml, setup.py, setup.cfg, PKG-INFO)"
    with pytest.raises(SourceError) as info:
        list(PythonProjectSource(tmp_path / "nope").collect())
    assert str(info.value) == f"{tmp_path / 'nope'}: not a folder"


def test_bad_pyproject_falls_back_with_a_note(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project\n")
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = fallback\nversion = 1.2\n")
    [artifact] = PythonProjectSource(tmp_path).collect()
    assert (artifact.name, artifact.version) == ("fallback", "1.2")
    assert artifact.metadata["notes"][0].startswith("pyproject.toml is not valid TOML (")


def test_a_setup_py_only_project_takes_literal_name_and_version(tmp_path):
    (tmp_path / "setup.py").write_text("from setuptools import setup\nVERSION = compute()\n"
                                       "setup(name='m5-setup', version='1.0.0', packages=['m5'])\n")
    [artifact] = PythonProjectSource(tmp_path).collect()
    assert (artifact.name, artifact.version) == ("m5-setup", "1.0.0")
    (tmp_path / "setup.py").write_text("import setuptools\nsetuptools.setup(name='m6', version=VERSION)\n")
    [artifact] = PythonProjectSource(tmp_path).collect()
    assert (artifact.name, artifact.version) == ("m6", "unknown")      # a computed version is not guessed
