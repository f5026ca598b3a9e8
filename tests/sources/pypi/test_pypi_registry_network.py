"""Real PyPI, pinned releases: exact files chosen, verified, cached.

File lists checked against https://pypi.org/simple/<name>/ when written:
ntplib 0.4.0 has ntplib-0.4.0.tar.gz and ntplib-0.4.0-py2.py3-none-any.whl;
tomli 2.0.1 has tomli-2.0.1.tar.gz and tomli-2.0.1-py3-none-any.whl;
rfc3986's releases below 2.0.0 end at 1.5.0.
"""

from __future__ import annotations

import httpx
import pytest

from egress.errors import IntegrityError, SourceError
from egress.sources.download import Fetcher
from egress.sources.pypi_registry import PypiRegistrySource
from egress.sources.pypi_spec import parse_pypi_spec
from pypi_testkit import read_all

pytestmark = pytest.mark.network

PYPI = "https://pypi.org/simple"
NTPLIB_SDIST = "899d8fb5f8c2555213aea95efca02934c7343df6ace9d7628a5176b176906267"
NTPLIB_WHEEL = "8d27375329ed7ff38755f7b6d4658b28edc147cadf40338a63a0da8133469d60"


def collect(spec: str, fetcher: Fetcher, dist: str = "default"):
    return list(PypiRegistrySource([parse_pypi_spec(spec)], fetcher, dist=dist, index_url=PYPI).collect())


def test_ntplib_default_is_sdist_and_pure_wheel_verified_then_cached(tmp_path):
    cache = tmp_path / "cache"
    with Fetcher(cache) as fetcher:
        artifacts = collect("pypi:ntplib==0.4.0", fetcher)
        page = fetcher.get(f"{PYPI}/ntplib/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    assert [(a.name, a.version, a.metadata["kind"], a.metadata["filename"], a.digest) for a in artifacts] == [
        ("ntplib", "0.4.0", "sdist", "ntplib-0.4.0.tar.gz", f"sha256:{NTPLIB_SDIST}"),
        ("ntplib", "0.4.0", "wheel", "ntplib-0.4.0-py2.py3-none-any.whl", f"sha256:{NTPLIB_WHEEL}"),
    ]
    assert [a.locations[0].rsplit("/", 1)[-1] for a in artifacts] == [
        "ntplib-0.4.0.tar.gz", "ntplib-0.4.0-py2.py3-none-any.whl"]
    assert sorted((cache / "blobs" / "sha256").rglob("*.*")) == sorted([
        cache / "blobs" / "sha256" / NTPLIB_SDIST[:2] / f"{NTPLIB_SDIST}-ntplib-0.4.0.tar.gz",
        cache / "blobs" / "sha256" / NTPLIB_WHEEL[:2] / f"{NTPLIB_WHEEL}-ntplib-0.4.0-py2.py3-none-any.whl",
    ])
    sdist_files, wheel_files = read_all(artifacts[0]), read_all(artifacts[1])
    assert "setup.py" in sdist_files and "ntplib.py" in sdist_files
    assert sorted(wheel_files) == [
        "ntplib-0.4.0.dist-info/LICENSE", "ntplib-0.4.0.dist-info/METADATA", "ntplib-0.4.0.dist-info/RECORD",
        "ntplib-0.4.0.dist-info/WHEEL", "ntplib-0.4.0.dist-info/top_level.txt", "ntplib.py"]
    assert wheel_files["ntplib.py"] == sdist_files["ntplib.py"]

    # Second run: the index page is served again, but any file download fails the test.
    def offline(request: httpx.Request) -> httpx.Response:
        if str(request.url) == f"{PYPI}/ntplib/":
            return httpx.Response(200, content=page.content, headers={"content-type": page.headers["content-type"]})
        raise AssertionError(f"downloaded again: {request.url}")

    with Fetcher(cache, transport=httpx.MockTransport(offline)) as fetcher:
        again = collect("pypi:ntplib==0.4.0", fetcher)
    assert [a.digest for a in again] == [f"sha256:{NTPLIB_SDIST}", f"sha256:{NTPLIB_WHEEL}"]
    assert read_all(again[1])["ntplib.py"] == wheel_files["ntplib.py"]


@pytest.mark.parametrize("dist, filenames", [
    ("sdist", ["tomli-2.0.1.tar.gz"]),
    ("wheel", ["tomli-2.0.1-py3-none-any.whl"]),
    ("all", ["tomli-2.0.1-py3-none-any.whl", "tomli-2.0.1.tar.gz"]),
    ("default", ["tomli-2.0.1.tar.gz", "tomli-2.0.1-py3-none-any.whl"]),
])
def test_tomli_dist_choice(tmp_path, dist, filenames):
    with Fetcher(tmp_path) as fetcher:
        artifacts = collect("pypi:tomli==2.0.1", fetcher, dist)
    assert [a.metadata["filename"] for a in artifacts] == filenames
    assert {(a.name, a.version) for a in artifacts} == {("tomli", "2.0.1")}


def test_tomli_sdist_paths_are_relative_to_its_top_folder(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        [artifact] = collect("pypi:tomli==2.0.1", fetcher, "sdist")
    assert sorted(read_all(artifact)) == [
        "LICENSE", "PKG-INFO", "README.md", "pyproject.toml", "src/tomli/__init__.py", "src/tomli/_parser.py",
        "src/tomli/_re.py", "src/tomli/_types.py", "src/tomli/py.typed"]
    assert artifact.metadata["has_setup_py"] is False


def test_specifier_resolves_to_the_best_matching_release(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        artifacts = collect("pypi:rfc3986<2.0.0", fetcher, "wheel")
    assert [(a.name, a.version, a.metadata["filename"]) for a in artifacts] == [
        ("rfc3986", "1.5.0", "rfc3986-1.5.0-py2.py3-none-any.whl")]


def test_unknown_distribution_is_one_line_source_error(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        with pytest.raises(SourceError) as info:
            collect("pypi:egress-no-such-distribution-7f3a9c", fetcher)
    assert str(info.value) == (f"pypi:egress-no-such-distribution-7f3a9c: no distribution named "
                               f"'egress-no-such-distribution-7f3a9c' on {PYPI}")


def test_wrong_hash_pin_is_integrity_error(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        with pytest.raises(IntegrityError) as info:
            collect(f"pypi:ntplib==0.4.0 --hash=sha256:{'0' * 64}", fetcher)
    assert str(info.value) == (
        "pypi:ntplib==0.4.0: no file on the index matches the pinned hashes (sha256:000000000000…); index files: "
        f"ntplib-0.4.0-py2.py3-none-any.whl sha256:{NTPLIB_WHEEL[:12]}…, ntplib-0.4.0.tar.gz sha256:{NTPLIB_SDIST[:12]}…")
    assert not (tmp_path / "blobs").exists()


def test_right_hash_pin_scans_that_file(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        artifacts = collect(f"pypi:ntplib==0.4.0 --hash=sha256:{NTPLIB_SDIST}", fetcher)
    assert [(a.metadata["kind"], a.digest) for a in artifacts] == [("sdist", f"sha256:{NTPLIB_SDIST}")]
