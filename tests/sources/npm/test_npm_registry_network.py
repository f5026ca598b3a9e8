"""NpmRegistrySource against the real npm registry, with pinned exact versions."""

from __future__ import annotations

import base64
import hashlib

import httpx
import nodesemver
import pytest

from egress.errors import SourceError
from egress.sources.download import Fetcher
from egress.sources.npm_registry import (DEFAULT_REGISTRY, PACKUMENT_ACCEPT, NpmRegistrySource, fetch_npm_tarball,
                                         packument_url)
from egress.sources.npm_spec import parse_npm_spec

pytestmark = pytest.mark.network

#: Published integrity of node-fetch 3.3.2 (immutable once published).
NODE_FETCH_332 = "sha512-dRB78srN/l6gqWulah9SrxeYnxeddIG30+GOqK/9OlLVyLg3HPnr6SqOWTWOXKRwC2eGYCkZ59NNuSgvSrpgOA=="


def collect(specs: list[str], fetcher: Fetcher):
    return list(NpmRegistrySource([parse_npm_spec(s) for s in specs], fetcher, DEFAULT_REGISTRY).collect())


def test_node_fetch_pinned_verified_and_cached(tmp_path):
    cache = tmp_path / "cache"
    with Fetcher(cache) as fetcher:
        (art,) = collect(["npm:node-fetch@3.3.2"], fetcher)
        packument = fetcher.get_json(packument_url(DEFAULT_REGISTRY, "node-fetch"), accept=PACKUMENT_ACCEPT)
    assert (art.name, art.version, art.locations, art.digest) == (
        "node-fetch", "3.3.2", ("npm:node-fetch@3.3.2",), NODE_FETCH_332)
    assert art.metadata["kind"] == "tarball"
    assert art.metadata["main"] == "./src/index.js"
    assert art.metadata["dependencies"] == {
        "data-uri-to-buffer": "^4.0.0", "fetch-blob": "^3.1.4", "formdata-polyfill": "^4.0.10"}
    assert sorted(f.path for f in art.read_files(lambda p: p.startswith("src/") and p.endswith(".js"))) == [
        "src/body.js", "src/errors/abort-error.js", "src/errors/base.js", "src/errors/fetch-error.js",
        "src/headers.js", "src/index.js", "src/request.js", "src/response.js", "src/utils/get-search.js",
        "src/utils/is-redirect.js", "src/utils/is.js", "src/utils/multipart-parser.js", "src/utils/referrer.js"]

    requested: list[str] = []

    def offline(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if str(request.url) == "https://registry.npmjs.org/node-fetch":
            return httpx.Response(200, json=packument)
        raise httpx.ConnectError("network disabled for the second run", request=request)

    with Fetcher(cache, transport=httpx.MockTransport(offline)) as fetcher:
        (again,) = collect(["npm:node-fetch@3.3.2"], fetcher)
    assert (again.key, again.digest) == ("npm:node-fetch@3.3.2", NODE_FETCH_332)
    assert requested == ["https://registry.npmjs.org/node-fetch"]      # the tarball came from the cache


def test_scoped_package(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        (art,) = collect(["npm:@hapi/wreck@18.1.0"], fetcher)
    assert (art.name, art.version, art.locations) == ("@hapi/wreck", "18.1.0", ("npm:@hapi/wreck@18.1.0",))
    assert art.digest.startswith("sha512-")
    assert art.metadata["main"] == "lib/index"
    assert [f.path for f in art.read_files(lambda p: p.endswith(".js"))] == [
        "lib/index.js", "lib/payload.js", "lib/recorder.js", "lib/tap.js"]


def test_range_resolves_to_an_exact_2x(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        (art,) = collect(["npm:statuses@^2.0.0"], fetcher)
    assert art.name == "statuses"
    assert art.version.startswith("2.")
    assert nodesemver.satisfies(art.version, "^2.0.0", loose=False)
    assert nodesemver.gte(art.version, "2.0.1", loose=False)     # 2.0.1 was published in 2020
    assert art.locations == (f"npm:statuses@{art.version}",)


def test_dist_tag_resolves_to_the_tagged_version(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        (art,) = collect(["npm:kleur@latest"], fetcher)
        tags = fetcher.get_json(packument_url(DEFAULT_REGISTRY, "kleur"), accept=PACKUMENT_ACCEPT)["dist-tags"]
    assert art.version == tags["latest"]
    assert nodesemver.valid(art.version, False) is not None


def test_unknown_package_on_the_real_registry(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        with pytest.raises(SourceError) as info:
            collect(["npm:egress-test-no-such-package-7f3a9"], fetcher)
    assert str(info.value) == "npm package not found: egress-test-no-such-package-7f3a9"


def test_fetch_npm_tarball_helper(tmp_path):
    with Fetcher(tmp_path) as fetcher:
        path = fetch_npm_tarball("npm:node-fetch@3.3.2", fetcher)
    expected = base64.b64decode(NODE_FETCH_332.removeprefix("sha512-"))
    assert path.name == f"{expected.hex()}-node-fetch-3.3.2.tgz"
    assert hashlib.sha512(path.read_bytes()).digest() == expected
