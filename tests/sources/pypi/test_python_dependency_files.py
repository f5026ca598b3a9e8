"""requirements.txt, pyproject.toml and lockfiles parsed into exact pinned PypiSpec lists."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from egress.errors import SpecError
from egress.sources.pypi_spec import PypiSpec
from egress.sources.python_locks import parse_poetry_lock, parse_pylock, parse_python_dependencies, parse_uv_lock
from egress.sources.python_requirements import parse_pyproject, parse_requirements
from pypi_testkit import FIXTURES

DEPS = FIXTURES / "deps"
A = "sha256:8d27375329ed7ff38755f7b6d4658b28edc147cadf40338a63a0da8133469d60"   # ntplib wheel
B = "sha256:899d8fb5f8c2555213aea95efca02934c7343df6ace9d7628a5176b176906267"   # ntplib sdist
C = "sha256:939de3e7a6161af0c887ef91b7d41a53e7c5a1ca976325f429cb46ea9bc30ecc"   # tomli wheel
D = "sha256:de526c12914f0c550d15924c62d72abc48d6fe7364aa87328337a31007fe8a4f"   # tomli sdist
HINT = "pin it (name==version) or resolve the file first (pip-compile, uv pip compile)"


def pin(name: str, version: str, *hashes: str, marker: str = "", op: str = "==") -> PypiSpec:
    return PypiSpec(name, SpecifierSet(f"{op}{version}"), tuple(hashes), marker)


def test_requirements_file_with_include_hashes_continuations_and_markers():
    assert parse_requirements(DEPS / "requirements.txt") == [
        pin("rfc3986", "1.5.0"),
        pin("ntplib", "0.4.0", A, B),
        pin("tomli", "2.0.1", marker='python_version < "3.11"'),
        pin("Typing_Extensions", "4.12.2", op="==="),
    ]


@pytest.mark.parametrize("name, line, text", [
    ("unpinned.txt", 3, "requests>=2"),
    ("bare.txt", 2, "requests"),
    ("wildcard.txt", 1, "tomli==2.*"),
])
def test_unpinned_lines_name_file_line_and_text(name, line, text):
    path = DEPS / name
    with pytest.raises(SpecError) as info:
        parse_requirements(path)
    assert str(info.value) == f"{path}:{line}: {text!r} is not pinned to one version; {HINT}"


def test_unpinned_line_in_an_included_file_names_that_file():
    with pytest.raises(SpecError) as info:
        parse_requirements(DEPS / "includes-bad.txt")
    assert str(info.value) == f"{DEPS / 'unpinned.txt'}:3: 'requests>=2' is not pinned to one version; {HINT}"


def test_url_and_editable_lines_are_refused():
    with pytest.raises(SpecError) as info:
        parse_requirements(DEPS / "url.txt")
    assert str(info.value) == (
        f"{DEPS / 'url.txt'}:1: VCS and URL requirements are not supported: "
        f"demo @ https://example.test/demo-1.0.tar.gz; scan the file or folder itself")
    with pytest.raises(SpecError) as info:
        parse_requirements(DEPS / "editable.txt")
    assert str(info.value) == (f"{DEPS / 'editable.txt'}:1: '-e ./src/demo' is an editable install, not a "
                               f"release; scan the folder itself, or {HINT}")


@pytest.mark.parametrize("line", [
    "git+https://example.test/demo.git@v1.0#egg=demo",
    "https://example.test/demo-1.0.tar.gz",
    "demo@https://example.test/demo-1.0.tar.gz",
])
def test_vcs_and_url_lines_say_so(tmp_path, line):
    path = tmp_path / "requirements.txt"
    path.write_text(f"ntplib==0.4.0\n{line}\n")
    with pytest.raises(SpecError) as info:
        parse_requirements(path)
    assert str(info.value) == (f"{path}:2: VCS and URL requirements are not supported: {line}; "
                               "scan the file or folder itself")


def test_a_bad_version_is_named(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("requests==notaversion\n")
    with pytest.raises(SpecError) as info:
        parse_requirements(path)
    assert str(info.value) == (f"malformed requirement at {path}:1: 'requests==notaversion': "
                               f"not a version: notaversion; {HINT}")


def test_recursive_include_and_missing_file(tmp_path):
    (tmp_path / "a.txt").write_text("-r b.txt\n")
    (tmp_path / "b.txt").write_text("-r a.txt\n")
    with pytest.raises(SpecError) as info:
        parse_requirements(tmp_path / "a.txt")
    assert str(info.value) == (f"{tmp_path / 'a.txt'}: included recursively "
                               f"(via {tmp_path / 'a.txt'} -> {tmp_path / 'b.txt'})")
    with pytest.raises(SpecError) as info:
        parse_requirements(tmp_path / "none.txt")
    assert str(info.value) == f"{tmp_path / 'none.txt'}: no such file"


def test_unknown_option_is_refused(tmp_path):
    (tmp_path / "r.txt").write_text("ntplib==0.4.0 --frobnicate\n")
    with pytest.raises(SpecError) as info:
        parse_requirements(tmp_path / "r.txt")
    assert str(info.value) == f"{tmp_path / 'r.txt'}:1: unsupported option '--frobnicate' in 'ntplib==0.4.0 --frobnicate'"


def test_pyproject_dependencies_must_be_pinned():
    assert parse_pyproject(DEPS / "pyproject-pinned" / "pyproject.toml") == [
        pin("ntplib", "0.4.0"), pin("tomli", "2.0.1", marker='python_version < "3.11"')]
    path = DEPS / "pyproject-unpinned" / "pyproject.toml"
    with pytest.raises(SpecError) as info:
        parse_pyproject(path)
    assert str(info.value) == f"{path}:6: 'requests>=2.31' is not pinned to one version; {HINT}"


def test_poetry_lock():
    assert parse_poetry_lock(DEPS / "poetry" / "poetry.lock") == [
        pin("ntplib", "0.4.0", A, B), pin("Tomli", "2.0.1", C)]
    assert parse_poetry_lock(DEPS / "poetry-legacy" / "poetry.lock") == [pin("ntplib", "0.4.0", B)]
    path = DEPS / "poetry-git" / "poetry.lock"
    with pytest.raises(SpecError) as info:
        parse_poetry_lock(path)
    assert str(info.value) == (f"{path}: package demo comes from git (https://example.test/demo.git), "
                               "not an index; scan it as a folder or archive")


def test_uv_lock_skips_the_project_itself():
    assert parse_uv_lock(DEPS / "uv" / "uv.lock") == [pin("ntplib", "0.4.0", B, A), pin("tomli", "2.0.1", C)]
    path = DEPS / "uv-git" / "uv.lock"
    with pytest.raises(SpecError) as info:
        parse_uv_lock(path)
    assert str(info.value) == (f"{path}: package demo comes from git (https://example.test/demo.git?rev=main#abc), "
                               "not an index; scan it as a folder or archive")


def test_pylock():
    assert parse_pylock(DEPS / "pylock" / "pylock.toml") == [
        pin("ntplib", "0.4.0", B, A), pin("tomli", "2.0.1", D, marker="python_version < '3.11'")]
    path = DEPS / "pylock-noversion" / "pylock.toml"
    with pytest.raises(SpecError) as info:
        parse_pylock(path)
    assert str(info.value) == f"{path}: package tomli has no locked version; re-lock it with a static version"


def test_dispatch_by_file_name():
    assert parse_python_dependencies(DEPS / "uv" / "uv.lock") == parse_uv_lock(DEPS / "uv" / "uv.lock")
    assert parse_python_dependencies(DEPS / "pylock" / "pylock.toml")[0] == pin("ntplib", "0.4.0", B, A)
    assert parse_python_dependencies(DEPS / "poetry" / "poetry.lock")[1] == pin("Tomli", "2.0.1", C)
    assert parse_python_dependencies(DEPS / "pyproject-pinned" / "pyproject.toml")[0] == pin("ntplib", "0.4.0")
    assert parse_python_dependencies(DEPS / "base.txt") == [pin("rfc3986", "1.5.0")]


def test_invalid_toml_is_one_line(tmp_path):
    path = tmp_path / "uv.lock"
    path.write_text("[[package]\nname = 1\n")
    with pytest.raises(SpecError) as info:
        parse_python_dependencies(path)
    assert str(info.value).startswith(f"{path}: not valid TOML: ")
    assert "\n" not in str(info.value)
