"""Packages fetched from an npm registry by spec (``npm:axios@1.7.2``).

For each spec: fetch the packument (the abbreviated "corgi" document when
the registry offers it), resolve the selector to one exact version,
download ``dist.tarball`` through the shared ``Fetcher`` (which verifies
``dist.integrity`` -- or ``dist.shasum``, only when no integrity is
published -- before anything is cached or scanned) and hand the verified
file to ``NpmTarballSource``.

Resolution follows npm's pick-manifest for registry specs: an exact
version must exist; a dist-tag must exist; for a range, the ``latest``
tag wins when it satisfies the range, else the highest satisfying version
(``nodesemver.max_satisfying``, which leaves prereleases out unless a
comparator in the range names one of the same major.minor.patch).  Not
modelled: skipping deprecated versions, ``engines`` checks, per-scope
registries (``@scope:registry``) and registry authentication.

The registry is the ``registry`` argument, else ``npm_config_registry``
(or ``NPM_CONFIG_REGISTRY``) from the environment, else the public one.
"""

from __future__ import annotations

import base64
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping
from urllib.parse import urlsplit

import nodesemver

from egress.errors import SourceError
from egress.model import PackageArtifact
from egress.sources.download import Digest, Fetcher
from egress.sources.interface import Source
from egress.sources.npm_spec import NpmSpec, SelectorKind, exact_version, parse_npm_spec
from egress.sources.npm_tarball import NpmTarballSource

DEFAULT_REGISTRY = "https://registry.npmjs.org/"
PACKUMENT_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
REGISTRY_ENV = ("npm_config_registry", "NPM_CONFIG_REGISTRY")


@dataclass(frozen=True)
class ResolvedPackage:
    """One exact version of a registry package and how to download it verified."""

    name: str
    version: str
    tarball: str
    integrity: str      # SRI; built from ``shasum`` as ``sha1-…`` when no integrity is published
    digest: Digest

    @property
    def origin(self) -> str:
        return f"npm:{self.name}@{self.version}"

    @property
    def filename(self) -> str:
        return f"{self.name.replace('/', '_')}-{self.version}.tgz"


def registry_base(registry: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The registry URL with one trailing slash; a non-HTTP(S) value is a ``SourceError``."""
    env = os.environ if environ is None else environ
    chosen = registry or next((env[k] for k in REGISTRY_ENV if env.get(k)), DEFAULT_REGISTRY)
    parts = urlsplit(chosen)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceError(f"npm registry must be an http(s) URL: {chosen!r}")
    return chosen.rstrip("/") + "/"


def packument_url(base: str, name: str) -> str:
    """``{registry}/{name}``, with a scope's slash encoded as npm does (``@scope%2fname``)."""
    return base + name.replace("/", "%2f")


def resolve(spec: NpmSpec, packument: dict) -> ResolvedPackage:
    """Pick the exact version ``spec`` names in ``packument``; one-line ``SourceError`` otherwise."""
    versions = packument.get("versions")
    tags = packument.get("dist-tags") or {}
    if not isinstance(versions, dict) or not isinstance(tags, dict):
        raise SourceError(f"registry sent a malformed packument for {spec.name}")
    latest = tags.get("latest") if isinstance(tags.get("latest"), str) else None
    hint = f" (latest is {latest})" if latest else ""
    kind = spec.kind
    if kind is SelectorKind.VERSION:
        version = exact_version(spec.selector) or spec.selector
        if version not in versions and spec.selector in versions:
            version = spec.selector   # a registry key kept with its build metadata
        if version not in versions:
            raise SourceError(f"npm package {spec.name} has no version {version}{hint}")
    elif kind is SelectorKind.TAG:
        version = tags.get(spec.selector)
        if not isinstance(version, str) or version not in versions:
            known = ", ".join(sorted(t for t in tags if isinstance(t, str))) or "none"
            raise SourceError(f"npm package {spec.name} has no dist-tag {spec.selector!r} (tags: {known})")
    else:
        version = _max_satisfying(spec, versions, latest)
        if version is None:
            raise SourceError(f"no version of npm package {spec.name} matches {spec.selector!r}{hint}")
    return _resolved(spec.name, version, versions[version])


def _max_satisfying(spec: NpmSpec, versions: dict, latest: str | None) -> str | None:
    valid = [v for v in versions if isinstance(v, str) and nodesemver.valid(v, False)]
    try:
        if latest in valid and (nodesemver.valid_range(spec.selector, False) == "*"
                                or nodesemver.satisfies(latest, spec.selector, loose=False)):
            return latest
        return nodesemver.max_satisfying(valid, spec.selector, loose=False)
    except (ValueError, TypeError):
        raise SourceError(f"cannot evaluate npm range {spec.selector!r} for {spec.name}") from None


def _resolved(name: str, version: str, manifest: object) -> ResolvedPackage:
    dist = manifest.get("dist") if isinstance(manifest, dict) else None
    if not isinstance(dist, dict) or not isinstance(dist.get("tarball"), str):
        raise SourceError(f"registry lists no tarball for npm:{name}@{version}")
    integrity, shasum = dist.get("integrity"), dist.get("shasum")
    if isinstance(integrity, str) and integrity.strip():
        digest = Digest.from_sri(integrity)
    elif isinstance(shasum, str) and shasum.strip():
        digest = Digest.from_hex("sha1", shasum.strip())
        integrity = f"sha1-{base64.b64encode(digest.value).decode('ascii')}"
    else:
        raise SourceError(f"registry publishes no integrity or shasum for npm:{name}@{version}: refusing to scan unverified bytes")
    try:
        scheme = urlsplit(dist["tarball"]).scheme
    except (ValueError, TypeError, AttributeError):
        scheme = ""
    if scheme not in ("http", "https"):
        raise SourceError(f"npm:{name}@{version}: tarball URL is not http(s): {dist['tarball']!r}")
    return ResolvedPackage(name, version, dist["tarball"], integrity, digest)


def fetch_packument(spec: NpmSpec, fetcher: Fetcher, base: str) -> dict:
    document = fetcher.get_json(packument_url(base, spec.name), accept=PACKUMENT_ACCEPT)
    if document is None:
        raise SourceError(f"npm package not found: {spec.name}")
    if not isinstance(document, dict):
        raise SourceError(f"registry sent a malformed packument for {spec.name}")
    return document


def download(spec: NpmSpec, fetcher: Fetcher, base: str) -> tuple[ResolvedPackage, Path]:
    """Resolve ``spec`` and return the verified, cached tarball."""
    resolved = resolve(spec, fetch_packument(spec, fetcher, base))
    return resolved, fetcher.fetch_verified(resolved.tarball, resolved.digest, resolved.filename)


class NpmRegistrySource(Source):
    """Registry packages by spec; each is verified before it is read."""

    def __init__(self, specs: list[NpmSpec], fetcher: Fetcher, registry: str | None = None) -> None:
        self.specs = list(specs)
        self.fetcher = fetcher
        self.registry = registry_base(registry)

    def collect(self) -> Iterator[PackageArtifact]:
        for spec in self.specs:
            resolved, path = download(spec, self.fetcher, self.registry)
            for artifact in NpmTarballSource(path, origin=resolved.origin, integrity=resolved.integrity).collect():
                yield _registry_identity(artifact, resolved)


def _registry_identity(artifact: PackageArtifact, resolved: ResolvedPackage) -> PackageArtifact:
    """The registry's name@version is what the user asked for; a tarball that says otherwise is noted."""
    if (artifact.name, artifact.version) == (resolved.name, resolved.version):
        return artifact
    metadata = dict(artifact.metadata, manifest_identity=f"{artifact.name}@{artifact.version}")
    return dataclasses.replace(artifact, name=resolved.name, version=resolved.version, metadata=metadata)


def fetch_npm_tarball(spec: str, fetcher: Fetcher, registry: str | None = None) -> Path:
    """Download and verify the tarball ``spec`` (``npm:name@selector``) names; for integration tests."""
    _, path = download(parse_npm_spec(spec), fetcher, registry_base(registry))
    return path
