"""The simple-index client and registry source against a fake index (httpx.MockTransport)."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from egress.errors import IntegrityError, SourceError
from egress.sources.download import Fetcher
from egress.sources.pypi_registry import PypiRegistrySource
from egress.sources.pypi_simple import ACCEPT, IndexFile, project_files, redact
from egress.sources.pypi_spec import parse_pypi_spec
from pypi_testkit import build_sdist_tar, build_wheel, mock_index, read_all, sha256_hex

MIRROR = "https://mirror.example.test/simple"
FILES = "https://files.example.test/packages"


@pytest.fixture
def demo_archives(tmp_path):
    wheel = build_wheel(tmp_path / "demo_pkg-1.0-py3-none-any.whl")
    sdist = build_sdist_tar(tmp_path / "demo_pkg-1.0.tar.gz")
    return wheel, sdist


def json_page(entries: list[dict]) -> httpx.Response:
    body = json.dumps({"meta": {"api-version": "1.1"}, "name": "demo-pkg", "files": entries}).encode()
    return httpx.Response(200, content=body, headers={"content-type": "application/vnd.pypi.simple.v1+json"})


def entry(path, url=None, yanked=False, digest=None):
    return {"filename": path.name, "url": url or f"{FILES}/{path.name}",
            "hashes": {"sha256": digest or sha256_hex(path)}, "yanked": yanked}


def routes_for(demo_archives, page: httpx.Response) -> dict:
    wheel, sdist = demo_archives
    return {f"{MIRROR}/demo-pkg/": page,
            f"{FILES}/{wheel.name}": httpx.Response(200, content=wheel.read_bytes()),
            f"{FILES}/{sdist.name}": httpx.Response(200, content=sdist.read_bytes())}


def test_pip_index_url_is_honoured_and_both_dists_scanned(demo_archives, tmp_path, monkeypatch):
    wheel, sdist = demo_archives
    monkeypatch.setenv("PIP_INDEX_URL", MIRROR + "/")
    seen: list[str] = []
    page = json_page([entry(wheel), entry(sdist)])
    with Fetcher(tmp_path / "cache", transport=mock_index(routes_for(demo_archives, page), seen)) as fetcher:
        artifacts = list(PypiRegistrySource([parse_pypi_spec("pypi:Demo_Pkg")], fetcher).collect())
    assert seen == [f"{MIRROR}/demo-pkg/", f"{FILES}/{sdist.name}", f"{FILES}/{wheel.name}"]
    assert [(a.name, a.version, a.metadata["kind"], a.locations) for a in artifacts] == [
        ("Demo-Pkg", "1.0", "sdist", (f"{FILES}/demo_pkg-1.0.tar.gz",)),
        ("Demo-Pkg", "1.0", "wheel", (f"{FILES}/demo_pkg-1.0-py3-none-any.whl",)),
    ]
    assert [a.digest for a in artifacts] == [f"sha256:{sha256_hex(sdist)}", f"sha256:{sha256_hex(wheel)}"]
    assert artifacts[1].metadata["index_url"] == MIRROR
    assert artifacts[1].metadata["filename"] == "demo_pkg-1.0-py3-none-any.whl"
    assert read_all(artifacts[1])["demo_pkg.pth"] == b"import demo_pkg\n"


def test_accept_header_asks_for_json_first(demo_archives, tmp_path):
    headers: list[str] = []

    def page(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers["accept"])
        return httpx.Response(404)

    with Fetcher(tmp_path, transport=mock_index({f"{MIRROR}/demo-pkg/": page})) as fetcher:
        assert project_files(fetcher, MIRROR, "Demo.Pkg") is None
    assert headers == [ACCEPT]
    assert ACCEPT.startswith("application/vnd.pypi.simple.v1+json, ")


def test_html_fallback_resolves_relative_links_hashes_and_yanked(tmp_path):
    html = (
        "<!DOCTYPE html><html><body><h1>Links for demo-pkg</h1>\n"
        '<a href="../../packages/demo_pkg-1.0.tar.gz#sha256=ABCDEF" data-requires-python="&gt;=3.8">'
        "demo_pkg-1.0.tar.gz</a><br/>\n"
        '<a href="https://other.test/demo_pkg-0.9.tar.gz" data-yanked="">demo_pkg-0.9.tar.gz</a>\n'
        "</body></html>"
    )
    page = httpx.Response(200, text=html, headers={"content-type": "text/html; charset=utf-8"})
    with Fetcher(tmp_path, transport=mock_index({f"{MIRROR}/demo-pkg/": page})) as fetcher:
        files = project_files(fetcher, MIRROR, "demo-pkg")
    assert files == [
        IndexFile("demo_pkg-1.0.tar.gz", "https://mirror.example.test/packages/demo_pkg-1.0.tar.gz",
                  (("sha256", "abcdef"),), False, ">=3.8"),
        IndexFile("demo_pkg-0.9.tar.gz", "https://other.test/demo_pkg-0.9.tar.gz", (), True, None),
    ]


def test_json_relative_urls_and_yanked_reasons(tmp_path):
    page = json_page([{"filename": "demo_pkg-1.0.tar.gz", "url": "../../files/demo_pkg-1.0.tar.gz",
                       "hashes": {"SHA256": "AA"}, "yanked": "broken build"}])
    with Fetcher(tmp_path, transport=mock_index({f"{MIRROR}/demo-pkg/": page})) as fetcher:
        files = project_files(fetcher, MIRROR, "demo-pkg")
    assert files == [IndexFile("demo_pkg-1.0.tar.gz", "https://mirror.example.test/files/demo_pkg-1.0.tar.gz",
                               (("sha256", "aa"),), True, None)]


def test_malformed_json_page_is_one_line(tmp_path):
    page = httpx.Response(200, content=b'{"files": [{"url": "x"}]}',
                          headers={"content-type": "application/vnd.pypi.simple.v1+json"})
    with Fetcher(tmp_path, transport=mock_index({f"{MIRROR}/demo-pkg/": page})) as fetcher:
        with pytest.raises(SourceError) as info:
            project_files(fetcher, MIRROR, "demo-pkg")
    assert str(info.value) == f"index sent a malformed PEP 691 JSON page for {MIRROR}/demo-pkg/"


def test_unknown_project_is_one_line_source_error(tmp_path):
    with Fetcher(tmp_path, transport=mock_index({f"{MIRROR}/nope/": httpx.Response(404)})) as fetcher:
        with pytest.raises(SourceError) as info:
            list(PypiRegistrySource([parse_pypi_spec("pypi:nope")], fetcher, index_url=MIRROR).collect())
    assert str(info.value) == f"pypi:nope: no distribution named 'nope' on {MIRROR}"


def test_bytes_not_matching_the_index_hash_are_refused(demo_archives, tmp_path):
    wheel, _ = demo_archives
    page = json_page([entry(wheel, digest="1" * 64)])
    with Fetcher(tmp_path, transport=mock_index(routes_for(demo_archives, page))) as fetcher:
        with pytest.raises(IntegrityError) as info:
            list(PypiRegistrySource([parse_pypi_spec("pypi:demo-pkg")], fetcher, index_url=MIRROR).collect())
    assert str(info.value).startswith("integrity mismatch for demo_pkg-1.0-py3-none-any.whl: expected sha256 1111")


def test_pinned_hash_selects_the_pinned_file_only(demo_archives, tmp_path):
    wheel, sdist = demo_archives
    page = json_page([entry(wheel), entry(sdist)])
    spec = parse_pypi_spec(f"pypi:demo-pkg==1.0 --hash=sha256:{sha256_hex(wheel)}")
    seen: list[str] = []
    with Fetcher(tmp_path, transport=mock_index(routes_for(demo_archives, page), seen)) as fetcher:
        artifacts = list(PypiRegistrySource([spec], fetcher, index_url=MIRROR).collect())
    assert [a.metadata["kind"] for a in artifacts] == ["wheel"]
    assert seen == [f"{MIRROR}/demo-pkg/", f"{FILES}/{wheel.name}"]


def test_wrong_pinned_hash_is_integrity_error_before_any_download(demo_archives, tmp_path):
    wheel, sdist = demo_archives
    page = json_page([entry(wheel), entry(sdist)])
    spec = parse_pypi_spec(f"pypi:demo-pkg==1.0 --hash=sha256:{'2' * 64}")
    seen: list[str] = []
    with Fetcher(tmp_path, transport=mock_index(routes_for(demo_archives, page), seen)) as fetcher:
        with pytest.raises(IntegrityError) as info:
            list(PypiRegistrySource([spec], fetcher, index_url=MIRROR).collect())
    assert str(info.value) == (
        "pypi:demo-pkg==1.0: no file on the index matches the pinned hashes (sha256:222222222222…); index files: "
        f"demo_pkg-1.0-py3-none-any.whl sha256:{sha256_hex(wheel)[:12]}…, demo_pkg-1.0.tar.gz sha256:{sha256_hex(sdist)[:12]}…")
    assert seen == [f"{MIRROR}/demo-pkg/"]


def test_index_without_hashes_is_refused(demo_archives, tmp_path):
    wheel, _ = demo_archives
    page = json_page([{"filename": wheel.name, "url": f"{FILES}/{wheel.name}", "hashes": {}}])
    with Fetcher(tmp_path, transport=mock_index(routes_for(demo_archives, page))) as fetcher:
        with pytest.raises(IntegrityError) as info:
            list(PypiRegistrySource([parse_pypi_spec("pypi:demo-pkg")], fetcher, index_url=MIRROR).collect())
    assert str(info.value) == ("the index publishes no sha256 for demo_pkg-1.0-py3-none-any.whl: "
                               "refusing an unverified download")


def test_credentials_in_an_index_url_never_reach_messages(tmp_path):
    private = "https://alice:s3cret@private.example.test:8443/simple"
    assert redact(private) == "https://alice:***@private.example.test:8443/simple"
    assert redact(MIRROR) == MIRROR
    with Fetcher(tmp_path, transport=mock_index({f"{private}/nope/": httpx.Response(404)})) as fetcher:
        with pytest.raises(SourceError) as info:
            list(PypiRegistrySource([parse_pypi_spec("pypi:nope")], fetcher, index_url=private).collect())
    assert str(info.value) == "pypi:nope: no distribution named 'nope' on https://alice:***@private.example.test:8443/simple"


def test_unknown_dist_choice_fails_before_any_request(tmp_path):
    with Fetcher(tmp_path, transport=mock_index({})) as fetcher:
        with pytest.raises(SourceError) as info:
            PypiRegistrySource([parse_pypi_spec("pypi:x")], fetcher, dist="egg")
    assert str(info.value) == "unknown --dist 'egg'; choose one of default, sdist, wheel, all"


def test_pin_in_an_algorithm_the_index_lacks_is_checked_on_the_downloaded_bytes(demo_archives, tmp_path):
    wheel, sdist = demo_archives
    page = json_page([entry(wheel)])
    good = hashlib.sha512(wheel.read_bytes()).hexdigest()
    with Fetcher(tmp_path / "a", transport=mock_index(routes_for(demo_archives, page))) as fetcher:
        [artifact] = PypiRegistrySource([parse_pypi_spec(f"pypi:demo-pkg==1.0 --hash=sha512:{good}")], fetcher,
                                        index_url=MIRROR).collect()
    assert artifact.metadata["kind"] == "wheel"
    with Fetcher(tmp_path / "b", transport=mock_index(routes_for(demo_archives, page))) as fetcher:
        with pytest.raises(IntegrityError) as info:
            list(PypiRegistrySource([parse_pypi_spec(f"pypi:demo-pkg==1.0 --hash=sha512:{'3' * 128}")], fetcher,
                                    index_url=MIRROR).collect())
    assert str(info.value) == "pypi:demo-pkg==1.0: demo_pkg-1.0-py3-none-any.whl matches none of the pinned hashes"
