"""Release and file choice from an index file list (offline, hand-written lists)."""

from __future__ import annotations

import pytest
from packaging.version import Version

from egress.errors import SourceError
from egress.sources.pypi_select import candidates_of, select
from egress.sources.pypi_simple import IndexFile
from egress.sources.pypi_spec import parse_pypi_spec


def files(*names: str, yanked: tuple[str, ...] = ()) -> list[IndexFile]:
    return [IndexFile(n, f"https://files.example.test/{n}", (("sha256", "0" * 64),), n in yanked) for n in names]


def chosen(spec: str, listing: list[IndexFile], dist: str = "default") -> tuple[str, list[str], tuple[str, ...]]:
    parsed = parse_pypi_spec(spec)
    selection = select(parsed, candidates_of(listing, parsed.name), dist)
    return str(selection.version), [c.file.filename for c in selection.files], selection.notes


RELEASES = files("demo-1.0.tar.gz", "demo-1.0-py3-none-any.whl", "demo-1.1.tar.gz", "demo-1.1-py3-none-any.whl",
                 "demo-2.0b1.tar.gz", "demo-1.2.tar.gz", "demo-1.2-py3-none-any.whl", "other-9.0.tar.gz",
                 "demo-1.3.exe", "demo-1.3-py3.11.egg", yanked=("demo-1.2.tar.gz", "demo-1.2-py3-none-any.whl"))


def test_latest_skips_prereleases_yanked_and_foreign_files():
    assert chosen("pypi:demo", RELEASES) == ("1.1", ["demo-1.1.tar.gz", "demo-1.1-py3-none-any.whl"], ())


def test_prerelease_when_the_specifier_names_one():
    assert chosen("pypi:demo>=2.0b1", RELEASES) == ("2.0b1", ["demo-2.0b1.tar.gz"], ())


def test_yanked_release_only_when_pinned():
    assert chosen("pypi:demo==1.2", RELEASES) == (
        "1.2", ["demo-1.2.tar.gz", "demo-1.2-py3-none-any.whl"],
        ("demo 1.2 is yanked; scanned because it is pinned with ==",))
    with pytest.raises(SourceError) as info:
        chosen("pypi:demo>1.1,<2", RELEASES)
    assert str(info.value) == "no release of demo matches <2,>1.1 (latest releases: 1.0, 1.1, 1.2, 2.0b1)"


def test_dist_choices():
    assert chosen("pypi:demo==1.0", RELEASES, "sdist")[1] == ["demo-1.0.tar.gz"]
    assert chosen("pypi:demo==1.0", RELEASES, "wheel")[1] == ["demo-1.0-py3-none-any.whl"]
    assert chosen("pypi:demo==1.0", RELEASES, "all")[1] == ["demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"]
    with pytest.raises(SourceError) as info:
        chosen("pypi:demo==1.0", RELEASES, "eggs")
    assert str(info.value) == "unknown --dist 'eggs'; choose one of default, sdist, wheel, all"


def test_missing_dist_kind_is_an_error():
    with pytest.raises(SourceError) as info:
        chosen("pypi:demo==2.0b1", RELEASES, "wheel")
    assert str(info.value) == "demo 2.0b1 has no wheel on the index (try --dist sdist)"
    only_wheel = files("w-1.0-py3-none-any.whl")
    with pytest.raises(SourceError) as info:
        chosen("pypi:w", only_wheel, "sdist")
    assert str(info.value) == "w 1.0 has no sdist on the index (try --dist wheel)"
    assert chosen("pypi:w", only_wheel) == ("1.0", ["w-1.0-py3-none-any.whl"], ())


PLATFORM = files(
    "fast-1.0.tar.gz",
    "fast-1.0.zip",
    "fast-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "fast-1.0-cp311-cp311-macosx_11_0_arm64.whl",
    "fast-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "fast-1.0-cp311-cp311-win_amd64.whl",
    "fast-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "fast-1.0-cp311-cp311-musllinux_1_1_x86_64.whl",
)


def test_platform_wheel_is_chosen_deterministically_and_said():
    assert chosen("pypi:fast", PLATFORM) == (
        "1.0",
        ["fast-1.0.tar.gz", "fast-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"],
        ("no pure-Python wheel: scanned one platform wheel, "
         "fast-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",),
    )
    assert chosen("pypi:fast", list(reversed(PLATFORM)))[1] == chosen("pypi:fast", PLATFORM)[1]


def test_abi3_wheel_beats_other_cpython_versions():
    listing = files("a-1.0-cp38-abi3-manylinux_2_17_x86_64.whl", "a-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
    assert chosen("pypi:a", listing, "wheel")[1] == ["a-1.0-cp38-abi3-manylinux_2_17_x86_64.whl"]


def test_pure_py3_wheel_beats_py2_only_and_platform_wheels():
    listing = files("p-1.0-py2-none-any.whl", "p-1.0-py3-none-any.whl", "p-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")
    assert chosen("pypi:p", listing, "wheel") == ("1.0", ["p-1.0-py3-none-any.whl"], ())


def test_legacy_sdist_names_are_understood():
    listing = files("Old.Pkg-0.9.tar.bz2", "Old.Pkg-0.8.tgz")
    assert chosen("pypi:old-pkg", listing) == ("0.9", ["Old.Pkg-0.9.tar.bz2"], ())
    assert [c.version for c in candidates_of(listing, "OLD_PKG")] == [Version("0.9"), Version("0.8")]
