"""NpmRegistrySource offline: a fake registry behind httpx.MockTransport."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest
from npm_testkit import build_tgz, fixture_files, manifest, read_all, sri_of

from egress.errors import IntegrityError, SourceError, SpecError
from egress.sources.download import Fetcher
from egress.sources.npm_registry import (PACKUMENT_ACCEPT, NpmRegistrySource, fetch_npm_tarball, packument_url,
                                         registry_base, resolve)
from egress.sources.npm_spec import NpmSpec, parse_npm_spec

HOST = "https://registry.example.test/"


def dist(tarball: str, integrity: str | None = None, shasum: str | None = None) -> dict:
    d = {"tarball": tarball}
    if integrity:
        d["integrity"] = integrity
    if shasum:
        d["shasum"] = shasum
    return {"dist": d}


PACKUMENT = {
    "name": "fake-pkg",
    "dist-tags": {"latest": "1.1.0", "next": "2.0.0"},
    "versions": {v: dist(f"{HOST}fake-pkg/-/fake-pkg-{v}.tgz", "sha512-AAAA")
                 for v in ("1.0.0", "1.1.0", "1.2.0-beta.1", "2.0.0", "2.1.0")},
}


@pytest.mark.parametrize("selector, version", [
    ("1.0.0", "1.0.0"),
    ("v1.0.0", "1.0.0"),
    ("latest", "1.1.0"),
    ("next", "2.0.0"),
    ("^1.0.0", "1.1.0"),            # latest satisfies: npm prefers it
    (">=1.0.0", "1.1.0"),           # ... even over a higher satisfying version
    ("^2", "2.1.0"),                # latest does not satisfy: highest satisfying
    ("*", "1.1.0"),
    ("1.2.0-beta.1", "1.2.0-beta.1"),
    (">=1.2.0-beta.0 <1.3.0", "1.2.0-beta.1"),   # the range names a prerelease of 1.2.0
])
def test_resolve_selector(selector, version):
    resolved = resolve(NpmSpec("fake-pkg", selector), PACKUMENT)
    assert resolved.version == version
    assert resolved.tarball == f"{HOST}fake-pkg/-/fake-pkg-{version}.tgz"
    assert resolved.origin == f"npm:fake-pkg@{version}"


@pytest.mark.parametrize("selector, message", [
    ("9.9.9", "npm package fake-pkg has no version 9.9.9 (latest is 1.1.0)"),
    ("^1.1.1", "no version of npm package fake-pkg matches '^1.1.1' (latest is 1.1.0)"),   # prerelease left out
    ("^3", "no version of npm package fake-pkg matches '^3' (latest is 1.1.0)"),
    ("beta", "npm package fake-pkg has no dist-tag 'beta' (tags: latest, next)"),
])
def test_resolve_failures(selector, message):
    with pytest.raises(SourceError) as info:
        resolve(NpmSpec("fake-pkg", selector), PACKUMENT)
    assert str(info.value) == message


def test_shasum_is_used_only_without_integrity():
    sha1 = hashlib.sha1(b"x").hexdigest()
    both = {"dist-tags": {"latest": "1.0.0"},
            "versions": {"1.0.0": dist("https://r.test/p.tgz", "sha512-" + base64.b64encode(b"\0" * 64).decode(),
                                       sha1)}}
    assert resolve(NpmSpec("p", "1.0.0"), both).digest.algorithm == "sha512"
    only_sha1 = {"dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": dist("https://r.test/p.tgz", shasum=sha1)}}
    resolved = resolve(NpmSpec("p", "1.0.0"), only_sha1)
    assert (resolved.digest.algorithm, resolved.digest.hex) == ("sha1", sha1)
    assert resolved.integrity == "sha1-" + base64.b64encode(hashlib.sha1(b"x").digest()).decode()
    none = {"dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": dist("https://r.test/p.tgz")}}
    with pytest.raises(SourceError, match="^registry publishes no integrity or shasum for npm:p@1.0.0: "):
        resolve(NpmSpec("p", "1.0.0"), none)


def test_malformed_packument():
    with pytest.raises(SourceError, match="^registry sent a malformed packument for p$"):
        resolve(NpmSpec("p", "1.0.0"), {"versions": []})


def test_packument_url_encodes_the_scope_slash():
    assert packument_url("https://r.test/", "@hapi/wreck") == "https://r.test/@hapi%2fwreck"
    assert packument_url("https://r.test/npm/", "kleur") == "https://r.test/npm/kleur"


def test_registry_base_argument_env_and_default():
    assert registry_base(None, {}) == "https://registry.npmjs.org/"
    assert registry_base(None, {"NPM_CONFIG_REGISTRY": "https://b.test"}) == "https://b.test/"
    assert registry_base(None, {"npm_config_registry": "https://a.test/x/",
                                "NPM_CONFIG_REGISTRY": "https://b.test"}) == "https://a.test/x/"
    assert registry_base("https://arg.test//", {"npm_config_registry": "https://a.test"}) == "https://arg.test/"
    with pytest.raises(SourceError, match=r"^npm registry must be an http\(s\) URL: 'file:///tmp/r'$"):
        registry_base("file:///tmp/r", {})


class FakeRegistry:
    """Serves packuments and tarballs from dicts and records every request."""

    def __init__(self, host: str = HOST) -> None:
        self.host = host.rstrip("/")
        self.documents: dict[str, dict] = {}    # raw path -> packument
        self.blobs: dict[str, bytes] = {}       # raw path -> bytes
        self.requests: list[httpx.Request] = []

    def publish(self, name: str, version: str, tgz_bytes: bytes, *, integrity: str | None = None,
                path_prefix: str = "/") -> str:
        encoded = name.replace("/", "%2f")
        tar_path = f"{path_prefix}{name}/-/{name.split('/')[-1]}-{version}.tgz"
        self.blobs[tar_path] = tgz_bytes
        sri = integrity or "sha512-" + base64.b64encode(hashlib.sha512(tgz_bytes).digest()).decode()
        doc = self.documents.setdefault(f"{path_prefix}{encoded}", {"name": name, "dist-tags": {}, "versions": {}})
        doc["versions"][version] = dist(self.host + tar_path, sri)
        doc["dist-tags"]["latest"] = version
        return sri

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.raw_path.decode()
        if path in self.documents:
            return httpx.Response(200, json=self.documents[path])
        if path in self.blobs:
            return httpx.Response(200, content=self.blobs[path])
        return httpx.Response(404, json={"error": "Not found"})

    def fetcher(self, cache_dir) -> Fetcher:
        return Fetcher(cache_dir, transport=httpx.MockTransport(self.handler))


@pytest.fixture
def tiny_tgz(tmp_path):
    return build_tgz(tmp_path / "tiny.tgz", fixture_files()).read_bytes()


def test_registry_source_downloads_verifies_and_reads(tmp_path, tiny_tgz):
    registry = FakeRegistry()
    sri = registry.publish("tiny-pkg", "1.2.3", tiny_tgz)
    with registry.fetcher(tmp_path / "cache") as fetcher:
        artifacts = list(NpmRegistrySource([parse_npm_spec("npm:tiny-pkg@^1")], fetcher, HOST).collect())
    assert [(a.name, a.version, a.locations, a.digest) for a in artifacts] == [
        ("tiny-pkg", "1.2.3", ("npm:tiny-pkg@1.2.3",), sri)]
    assert read_all(artifacts[0]) == fixture_files()
    packument_request, tarball_request = registry.requests
    assert packument_request.url == "https://registry.example.test/tiny-pkg"
    assert packument_request.headers["accept"] == PACKUMENT_ACCEPT
    assert tarball_request.url == "https://registry.example.test/tiny-pkg/-/tiny-pkg-1.2.3.tgz"


def test_scoped_name_is_requested_with_encoded_slash(tmp_path):
    registry = FakeRegistry()
    registry.publish("@fake/scoped", "0.1.0", build_tgz(tmp_path / "s.tgz", {
        "package.json": manifest("@fake/scoped", "0.1.0")}).read_bytes())
    with registry.fetcher(tmp_path / "cache") as fetcher:
        artifacts = list(NpmRegistrySource([NpmSpec("@fake/scoped", "0.1.0")], fetcher, HOST).collect())
    assert [(a.name, a.version) for a in artifacts] == [("@fake/scoped", "0.1.0")]
    assert registry.requests[0].url.raw_path == b"/@fake%2fscoped"


def test_several_specs_in_order(tmp_path, tiny_tgz):
    registry = FakeRegistry()
    registry.publish("tiny-pkg", "1.2.3", tiny_tgz)
    registry.publish("other", "4.5.6", build_tgz(tmp_path / "o.tgz", {
        "package.json": manifest("other", "4.5.6")}).read_bytes())
    specs = [parse_npm_spec("npm:other"), parse_npm_spec("npm:tiny-pkg@1.2.3")]
    with registry.fetcher(tmp_path / "cache") as fetcher:
        keys = [a.key for a in NpmRegistrySource(specs, fetcher, HOST).collect()]
    assert keys == ["npm:other@4.5.6", "npm:tiny-pkg@1.2.3"]


def test_integrity_mismatch_is_refused_before_scanning(tmp_path, tiny_tgz):
    registry = FakeRegistry()
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"other bytes").digest()).decode()
    registry.publish("tiny-pkg", "1.2.3", tiny_tgz, integrity=wrong)
    with registry.fetcher(tmp_path / "cache") as fetcher:
        with pytest.raises(IntegrityError, match=r"^integrity mismatch for tiny-pkg-1\.2\.3\.tgz: expected sha512 "):
            list(NpmRegistrySource([NpmSpec("tiny-pkg", "1.2.3")], fetcher, HOST).collect())
    assert not (tmp_path / "cache" / "blobs").exists()     # nothing unverified was cached


def test_cached_tarball_is_not_downloaded_again(tmp_path, tiny_tgz):
    registry = FakeRegistry()
    registry.publish("tiny-pkg", "1.2.3", tiny_tgz)
    with registry.fetcher(tmp_path / "cache") as fetcher:
        first = fetch_npm_tarball("npm:tiny-pkg@1.2.3", fetcher, HOST)
    packument = registry.documents["/tiny-pkg"]

    def packument_only(request: httpx.Request) -> httpx.Response:
        if request.url.raw_path == b"/tiny-pkg":
            return httpx.Response(200, json=packument)
        raise AssertionError(f"unexpected download {request.url}")

    with Fetcher(tmp_path / "cache", transport=httpx.MockTransport(packument_only)) as fetcher:
        second = fetch_npm_tarball("npm:tiny-pkg@1.2.3", fetcher, HOST)
    assert second == first
    assert second.read_bytes() == tiny_tgz


@pytest.mark.parametrize("variable", ["npm_config_registry", "NPM_CONFIG_REGISTRY"])
def test_registry_from_environment(tmp_path, tiny_tgz, monkeypatch, variable):
    monkeypatch.delenv("npm_config_registry", raising=False)
    monkeypatch.delenv("NPM_CONFIG_REGISTRY", raising=False)
    monkeypatch.setenv(variable, "https://mirror.example.test/npm")
    registry = FakeRegistry("https://mirror.example.test/")
    registry.publish("tiny-pkg", "1.2.3", tiny_tgz, path_prefix="/npm/")
    with registry.fetcher(tmp_path / "cache") as fetcher:
        keys = [a.key for a in NpmRegistrySource([NpmSpec("tiny-pkg")], fetcher).collect()]
    assert keys == ["npm:tiny-pkg@1.2.3"]
    assert [str(r.url) for r in registry.requests] == [
        "https://mirror.example.test/npm/tiny-pkg",
        "https://mirror.example.test/npm/tiny-pkg/-/tiny-pkg-1.2.3.tgz",
    ]


def test_unknown_package(tmp_path):
    registry = FakeRegistry()
    with registry.fetcher(tmp_path / "cache") as fetcher:
        with pytest.raises(SourceError) as info:
            list(NpmRegistrySource([NpmSpec("no-such-pkg")], fetcher, HOST).collect())
    assert str(info.value) == "npm package not found: no-such-pkg"


def test_unreachable_registry_is_one_line(tmp_path):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with Fetcher(tmp_path / "cache", transport=httpx.MockTransport(refuse)) as fetcher:
        with pytest.raises(SourceError) as info:
            list(NpmRegistrySource([NpmSpec("kleur")], fetcher, HOST).collect())
    assert str(info.value) == ("registry unreachable: https://registry.example.test/kleur: "
                               "ConnectError: connection refused")


def test_registry_answering_garbage(tmp_path):
    with Fetcher(tmp_path / "cache",
                 transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"<html>"))) as fetcher:
        with pytest.raises(SourceError, match=r"^registry sent invalid JSON for https://registry\.example\.test/x$"):
            list(NpmRegistrySource([NpmSpec("x")], fetcher, HOST).collect())
    with Fetcher(tmp_path / "cache",
                 transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[1]))) as fetcher:
        with pytest.raises(SourceError, match="^registry sent a malformed packument for x$"):
            list(NpmRegistrySource([NpmSpec("x")], fetcher, HOST).collect())


def test_helper_rejects_bad_spec_before_any_request(tmp_path):
    registry = FakeRegistry()
    with registry.fetcher(tmp_path / "cache") as fetcher:
        with pytest.raises(SpecError):
            fetch_npm_tarball("npm:bad name", fetcher, HOST)
    assert registry.requests == []


def test_registry_tarball_with_other_identity_keeps_registry_identity(tmp_path):
    registry = FakeRegistry()
    registry.publish("renamed", "2.0.0", build_tgz(tmp_path / "r.tgz", {
        "package.json": manifest("old-name", "1.9.0")}).read_bytes())
    with registry.fetcher(tmp_path / "cache") as fetcher:
        (art,) = NpmRegistrySource([NpmSpec("renamed", "2.0.0")], fetcher, HOST).collect()
    assert (art.name, art.version, art.metadata["manifest_identity"]) == ("renamed", "2.0.0", "old-name@1.9.0")
    assert json.loads(read_all(art)["package.json"]) == {"name": "old-name", "version": "1.9.0"}


def test_sri_helper_matches_registry_format(tmp_path, tiny_tgz):
    path = tmp_path / "t.tgz"
    path.write_bytes(tiny_tgz)
    assert sri_of(path) == "sha512-" + base64.b64encode(hashlib.sha512(tiny_tgz).digest()).decode()
