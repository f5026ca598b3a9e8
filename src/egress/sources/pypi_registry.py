"""Releases from a PyPI-compatible index: resolve, download verified, read in place.

The file list comes from the simple API (``pypi_simple``), the release
and files from ``pypi_select`` (see its docstring for ``--dist``: the
default scans the sdist *and* one wheel, each as its own artifact,
``metadata["kind"]`` telling them apart).  Every download is verified
against the index's sha256 by the shared ``Fetcher`` before it is
cached or read.  When a spec carries ``--hash`` pins (requirements
files, lockfiles), only files whose index hash is one of the pins are
chosen, and a chosen file whose bytes match none is an
``IntegrityError``.  Nothing of the package is executed: sdists are
read as archives, never built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from egress.errors import IntegrityError, SourceError
from egress.model import PackageArtifact
from egress.sources.download import Digest, Fetcher, file_digest
from egress.sources.interface import Source
from egress.sources.pypi_select import DISTS, Candidate, candidates_of, select
from egress.sources.pypi_simple import index_url_from, project_files, redact
from egress.sources.pypi_spec import PypiSpec
from egress.sources.python_archive import SdistSource, WheelSource

_VERIFY_ORDER = ("sha512", "sha384", "sha256")


class PypiRegistrySource(Source):
    """The packages behind ``pypi:`` specs, fetched from the simple index."""

    def __init__(self, specs: Iterable[PypiSpec], fetcher: Fetcher, *, dist: str = "default",
                 index_url: str | None = None) -> None:
        if dist not in DISTS:
            raise SourceError(f"unknown --dist {dist!r}; choose one of {', '.join(DISTS)}")
        self.specs = tuple(specs)
        self.fetcher = fetcher
        self.dist = dist
        self.index_url = index_url_from(index_url)

    def collect(self) -> Iterator[PackageArtifact]:
        for spec in self.specs:
            yield from self._collect_one(spec)

    def _collect_one(self, spec: PypiSpec) -> Iterator[PackageArtifact]:
        files = project_files(self.fetcher, self.index_url, spec.name)
        if files is None:
            raise SourceError(f"{spec}: no distribution named {spec.name!r} on {redact(self.index_url)}")
        candidates = candidates_of(files, spec.name)
        if not candidates:
            raise SourceError(f"{spec}: {redact(self.index_url)} lists no wheel or sdist for {spec.name!r}")
        if spec.hashes:
            candidates = _pinned_candidates(spec, candidates)
        selection = select(spec, candidates, self.dist)
        for candidate in selection.files:
            yield from self._artifact(spec, candidate, selection.notes)

    def _artifact(self, spec: PypiSpec, candidate: Candidate, notes: tuple[str, ...]) -> Iterator[PackageArtifact]:
        file = candidate.file
        digest = _index_digest(candidate)
        path = self.fetcher.fetch_verified(file.url, digest, file.filename)
        if spec.hashes:
            _check_pins(spec, path, file.filename)
        extra = {"filename": file.filename, "url": file.url, "index_url": redact(self.index_url),
                 "notes": list(notes)}
        reader = WheelSource if candidate.kind == "wheel" else SdistSource
        yield from reader(path, origin=file.url, digest=f"sha256:{_sha256_hex(candidate, path)}",
                          extra_metadata=extra).collect()


def _index_digest(candidate: Candidate) -> Digest:
    for algorithm in _VERIFY_ORDER:
        value = candidate.file.hash(algorithm)
        if value:
            return Digest.from_hex(algorithm, value)
    raise IntegrityError(f"the index publishes no sha256 for {candidate.file.filename}: "
                         "refusing an unverified download")


def _sha256_hex(candidate: Candidate, path: Path) -> str:
    return candidate.file.hash("sha256") or _file_hash(path, "sha256")


def _pinned_candidates(spec: PypiSpec, candidates: list[Candidate]) -> list[Candidate]:
    """Files the pins allow: a matching index hash, or no comparable hash (checked after download)."""
    pins = _pins_by_algorithm(spec)
    allowed = []
    for c in candidates:
        comparable = [alg for alg in pins if c.file.hash(alg)]
        if not comparable or any(c.file.hash(alg) in pins[alg] for alg in comparable):
            allowed.append(c)
    if not any(c.version in spec.specifier for c in allowed):
        listed = ", ".join(f"{c.file.filename} sha256:{(c.file.hash('sha256') or '?')[:12]}…"
                           for c in candidates if c.version in spec.specifier) or "none"
        raise IntegrityError(f"{spec}: no file on the index matches the pinned hashes "
                             f"({', '.join(h[:19] + '…' for h in spec.hashes)}); index files: {listed}")
    return allowed


def _check_pins(spec: PypiSpec, path: Path, filename: str) -> None:
    pins = _pins_by_algorithm(spec)
    if not any(_file_hash(path, alg) in values for alg, values in pins.items()):
        raise IntegrityError(f"{spec}: {filename} matches none of the pinned hashes")


def _pins_by_algorithm(spec: PypiSpec) -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for pin in spec.hashes:
        algorithm, _, value = pin.partition(":")
        pins.setdefault(algorithm, set()).add(value)
    return pins


def _file_hash(path: Path, algorithm: str) -> str:
    return file_digest(path, algorithm).hex()
