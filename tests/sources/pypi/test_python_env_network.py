"""A real venv (pip-installed ntplib 0.4.0 and tomli 2.0.1) scanned with PythonEnvSource."""

from __future__ import annotations

import ensurepip
import sys

import pytest

from egress.model import Ecosystem
from egress.sources.python_env import PythonEnvSource, site_packages_of_interpreter
from pypi_testkit import read_all

pytestmark = pytest.mark.network
TAG = sys.implementation.cache_tag        # e.g. cpython-311


def site_of(venv):
    return next((venv / "lib").glob("python3*/site-packages"))


def by_name(artifacts):
    return {a.name: a for a in artifacts}


def test_one_artifact_per_distribution_plus_unattributed(installed_venv):
    site = site_of(installed_venv)
    artifacts = list(PythonEnvSource(installed_venv).collect())
    expected = ["ntplib", "pip", "tomli", "<unattributed>"]
    if list(site.glob("setuptools-*.dist-info")):       # ensurepip bundles setuptools up to Python 3.11
        expected.insert(2, "setuptools")
    assert [a.name for a in artifacts] == expected
    assert {a.ecosystem for a in artifacts} == {Ecosystem.PYPI}
    named = by_name(artifacts)
    assert (named["ntplib"].version, named["tomli"].version, named["pip"].version) == (
        "0.4.0", "2.0.1", ensurepip.version())
    assert named["ntplib"].locations == (str(site / "ntplib-0.4.0.dist-info"),)
    assert named["tomli"].locations == (str(site / "tomli-2.0.1.dist-info"),)
    assert all(a.metadata["kind"] == "installed" for a in artifacts[:-1])
    assert all(a.unreadable == () for a in artifacts)


def test_files_are_exactly_each_record(installed_venv):
    named = by_name(PythonEnvSource(installed_venv).collect())
    assert sorted(read_all(named["ntplib"])) == [
        f"__pycache__/ntplib.{TAG}.pyc",
        "ntplib-0.4.0.dist-info/INSTALLER", "ntplib-0.4.0.dist-info/LICENSE", "ntplib-0.4.0.dist-info/METADATA",
        "ntplib-0.4.0.dist-info/RECORD", "ntplib-0.4.0.dist-info/REQUESTED", "ntplib-0.4.0.dist-info/WHEEL",
        "ntplib-0.4.0.dist-info/top_level.txt", "ntplib.py",
    ]
    assert sorted(p for p in read_all(named["tomli"]) if not p.endswith(".pyc")) == [
        "tomli-2.0.1.dist-info/INSTALLER", "tomli-2.0.1.dist-info/LICENSE", "tomli-2.0.1.dist-info/METADATA",
        "tomli-2.0.1.dist-info/RECORD", "tomli-2.0.1.dist-info/REQUESTED", "tomli-2.0.1.dist-info/WHEEL",
        "tomli/__init__.py", "tomli/_parser.py", "tomli/_re.py", "tomli/_types.py", "tomli/py.typed",
    ]
    assert named["ntplib"].metadata["top_level"] == ["ntplib"]
    assert named["tomli"].metadata["top_level"] == ["tomli"]     # no top_level.txt: derived from RECORD
    pip_files = read_all(named["pip"])
    assert "../../../bin/pip" in pip_files                       # console script inside the env: kept
    assert pip_files["pip/__init__.py"].startswith(b"from typing import List, Optional")
    assert not any(p.startswith(("ntplib", "tomli")) for p in pip_files)
    assert named["pip"].metadata["entry_points"].startswith("[console_scripts]\npip = pip._internal.cli.main:main")


def test_stray_files_are_unattributed(installed_venv):
    site = site_of(installed_venv)
    stray = by_name(PythonEnvSource(installed_venv).collect())["<unattributed>"]
    assert (stray.version, stray.locations, stray.metadata["kind"]) == ("", (str(site),), "unattributed")
    files = read_all(stray)
    assert sorted(files) == ["evil.py", "x.pth"]
    assert files["evil.py"] == b"import socket\n"


def test_only_wanted_files_are_read(installed_venv):
    ntplib = by_name(PythonEnvSource(installed_venv).collect())["ntplib"]
    assert [f.path for f in ntplib.read_files(lambda p: p.endswith(".py"))] == ["ntplib.py"]


def test_site_packages_folder_and_interpreter_give_the_same_packages(installed_venv):
    site = site_of(installed_venv)
    python = installed_venv / "bin" / "python"
    assert site_packages_of_interpreter(python) == [site]
    keys = [a.key for a in PythonEnvSource(installed_venv).collect()]
    assert [a.key for a in PythonEnvSource(site).collect()] == keys
    assert [a.key for a in PythonEnvSource(python).collect()] == keys
    assert "pypi:ntplib@0.4.0" in keys


def test_asking_the_interpreter_never_runs_pth_files(installed_venv):
    site_packages_of_interpreter(installed_venv / "bin" / "python")
    assert not (installed_venv.parent / "pth-ran").exists()
