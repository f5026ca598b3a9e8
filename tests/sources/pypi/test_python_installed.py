"""A hand-built site-packages: RECORD and installed-files.txt attribution, missing files, escapes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from egress.errors import SourceError
from egress.model import NotAnalysed
from egress.sources.python_env import PythonEnvSource, env_root_of
from pypi_testkit import read_all

MISSING = "listed in the install record but missing on disk"


def write(path, text=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def fake_env(tmp_path):
    env = tmp_path / "env"
    site = env / "lib" / "python3.11" / "site-packages"
    # a wheel-installed distribution
    write(site / "demo-1.0.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\n")
    write(site / "demo-1.0.dist-info" / "entry_points.txt", "[console_scripts]\ndemo = demo:main\n")
    write(site / "demo-1.0.dist-info" / "RECORD", "\n".join([
        "demo/__init__.py,sha256=x,1",
        "demo/gone.py,sha256=x,1",                   # listed, deleted since
        "demo/__pycache__/__init__.cpython-311.pyc,,",   # never compiled: not reported
        "demo-1.0.dist-info/METADATA,,",
        "demo-1.0.dist-info/RECORD,,",
        "../../../bin/demo,sha256=x,1",              # console script: inside the env
        "../../../../outside.txt,,",                 # leaves the env: skipped
        '"demo/odd, name.py",,',                     # CSV quoting
    ]) + "\n")
    write(site / "demo" / "__init__.py", "import socket\n")
    write(site / "demo" / "odd, name.py", "x = 1\n")
    write(env / "bin" / "demo", "#!/usr/bin/env python\nimport demo\n")
    write(tmp_path / "outside.txt", "not ours\n")
    # a setuptools-era distribution: paths relative to the egg-info folder
    egg = site / "Legacy_Lib-2.0-py3.11.egg-info"
    write(egg / "PKG-INFO", "Metadata-Version: 1.1\nName: Legacy-Lib\nVersion: 2.0\n")
    write(egg / "top_level.txt", "legacy\n")
    write(egg / "installed-files.txt", "../legacy/__init__.py\n../legacy.pth\nPKG-INFO\ntop_level.txt\n"
                                       "installed-files.txt\n")
    write(site / "legacy" / "__init__.py", "VALUE = 2\n")
    write(site / "legacy.pth", "import legacy\n")
    # metadata without any install record
    write(site / "norecord-3.0.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: norecord\nVersion: 3.0\n")
    write(site / "norecord" / "__init__.py", "")
    # strays
    write(site / "evil.py", "import urllib.request\n")
    write(site / "__pycache__" / "evil.cpython-311.pyc", "")
    write(site / "sub" / "extra.py", "")
    return env, site


def test_distributions_and_their_exact_files(fake_env):
    env, site = fake_env
    artifacts = list(PythonEnvSource(site).collect())
    assert [(a.name, a.version) for a in artifacts] == [
        ("Legacy-Lib", "2.0"), ("Demo", "1.0"), ("norecord", "3.0"), ("<unattributed>", "")]
    legacy, demo, norecord, stray = artifacts
    assert sorted(read_all(demo)) == ["../../../bin/demo", "demo-1.0.dist-info/METADATA",
                                      "demo-1.0.dist-info/RECORD", "demo/__init__.py", "demo/odd, name.py"]
    assert demo.unreadable == (NotAnalysed("demo/gone.py", MISSING),)
    assert demo.metadata == {"kind": "installed", "top_level": ["demo"],
                             "entry_points": "[console_scripts]\ndemo = demo:main\n",
                             "outside_env": ["../../../../outside.txt"]}
    assert demo.locations == (str(site / "demo-1.0.dist-info"),)
    assert sorted(read_all(legacy)) == [
        "Legacy_Lib-2.0-py3.11.egg-info/PKG-INFO", "Legacy_Lib-2.0-py3.11.egg-info/installed-files.txt",
        "Legacy_Lib-2.0-py3.11.egg-info/top_level.txt", "legacy.pth", "legacy/__init__.py"]
    assert legacy.metadata["top_level"] == ["legacy"]
    assert read_all(norecord) == {}
    assert norecord.metadata["notes"] == [
        "no install record in norecord-3.0.dist-info: its files cannot be attributed and are reported "
        "under <unattributed>"]
    assert sorted(read_all(stray)) == ["evil.py", "norecord/__init__.py", "sub/extra.py"]
    assert stray.metadata == {"kind": "unattributed", "top_level": []}


def test_env_root_of_site_packages_layouts(tmp_path):
    assert env_root_of(tmp_path / "env" / "lib" / "python3.11" / "site-packages") == tmp_path / "env"
    assert env_root_of(tmp_path / "env" / "Lib" / "site-packages") == tmp_path / "env"
    assert env_root_of(tmp_path / "odd" / "site-packages") == tmp_path / "odd" / "site-packages"


def test_venv_folder_finds_its_site_packages(fake_env):
    env, site = fake_env
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert [a.name for a in PythonEnvSource(env).collect()] == [
        "Legacy-Lib", "Demo", "norecord", "<unattributed>"]


def plain_folder(tmp_path):
    return tmp_path


def venv_without_site(tmp_path):
    (tmp_path / "pyvenv.cfg").write_text("")
    return tmp_path


def missing_path(tmp_path):
    return tmp_path / "missing"


@pytest.mark.parametrize("make, message", [
    (plain_folder, "not a virtual environment (no pyvenv.cfg) or a site-packages folder"),
    (venv_without_site, "virtual environment without a lib/python3.*/site-packages folder"),
    (missing_path, "no such folder or interpreter"),
])
def test_bad_environment_paths_are_one_line_errors(tmp_path, make, message):
    target = make(tmp_path)
    with pytest.raises(SourceError) as info:
        list(PythonEnvSource(target).collect())
    assert str(info.value) == f"{target}: {message}"


def _program(tmp_path, body: str):
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\n{body}\n")
    fake.chmod(0o755)
    return fake


@pytest.mark.parametrize("body", [
    "echo boom >&2\nexit 3",
    'echo "cannot access $*: File name too long" >&2\nexit 2',   # as /bin/ls quotes the whole script
    'echo "$@"',                                                    # exits 0, prints no path list
])
def test_another_program_is_not_a_python_interpreter_in_one_short_line(tmp_path, body):
    fake = _program(tmp_path, body)
    with pytest.raises(SourceError) as info:
        list(PythonEnvSource(fake).collect())
    assert str(info.value) == f"{fake} is not a Python interpreter (it did not report its paths)"


def test_a_python_that_fails_names_its_exception(tmp_path):
    fake = _program(tmp_path, 'echo "Traceback (most recent call last):" >&2\n'
                              'echo "ModuleNotFoundError: No module named \'sysconfig\'" >&2\nexit 1')
    with pytest.raises(SourceError) as info:
        list(PythonEnvSource(fake).collect())
    assert str(info.value) == (f"{fake}: interpreter failed to report its paths: "
                               "ModuleNotFoundError: No module named 'sysconfig'")


def test_bin_ls_is_not_a_python_interpreter():
    with pytest.raises(SourceError) as info:
        list(PythonEnvSource(Path("/bin/ls")).collect())
    assert str(info.value) == "/bin/ls is not a Python interpreter (it did not report its paths)"


def test_two_site_folders_give_one_unattributed_artifact(tmp_path, monkeypatch):
    env = tmp_path / "env"
    for lib in ("lib", "lib64"):
        site = env / lib / "python3.11" / "site-packages"
        write(site / f"stray_{lib}.py", "import socket\n")
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    [stray] = PythonEnvSource(env).collect()
    assert stray.name == "<unattributed>"
    assert stray.locations == (str(env / "lib" / "python3.11" / "site-packages"),
                               str(env / "lib64" / "python3.11" / "site-packages"))
    assert sorted(read_all(stray)) == ["stray_lib.py", "stray_lib64.py"]


def test_a_folder_that_cannot_be_listed_is_never_clean(fake_env, monkeypatch):
    env, site = fake_env
    real_walk = os.walk

    def walk(top, onerror=None, **kwargs):   # root lists every folder: simulate the denial
        for current, dirnames, filenames in real_walk(top, onerror=onerror, **kwargs):
            if "sub" in dirnames:
                dirnames.remove("sub")
                onerror(PermissionError(13, "Permission denied", str(site / "sub")))
            yield current, dirnames, filenames

    monkeypatch.setattr(os, "walk", walk)
    stray = list(PythonEnvSource(site).collect())[-1]
    assert sorted(read_all(stray)) == ["evil.py", "norecord/__init__.py"]
    # a folder entry ends with "/": the engine keeps it although no analyzer reads a file named "sub"
    assert stray.unreadable == (NotAnalysed("sub/", "folder cannot be listed: permission denied"),)
