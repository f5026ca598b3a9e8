"""Scan what a user named: the library entry point behind every command.

``scan_targets`` turns targets (paths, ``npm:``/``pypi:`` specs,
requirement and lock files, interpreters) into sources, runs the engine
with the caches, and returns one ``ScanResult`` whose ``errors`` name every
target or package that could not be read.  Bad specs and missing paths
raise ``EgressError`` before anything is downloaded or scanned.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from egress.cache import ResultCache
from egress.engine import Progress, ScanOptions, scan
from egress.errors import EgressError
from egress.model import PackageArtifact, ScanResult
from egress.sources import SourceConfig, interpreter_source, python_dependencies_source, source_for
from egress.sources.download import Fetcher, default_cache_dir
from egress.sources.interface import Source


@dataclass(frozen=True)
class ScanSettings:
    registry: str | None = None
    index_url: str | None = None
    dist: str = "default"
    cache_dir: str | None = None
    no_cache: bool = False
    jobs: int | None = None
    include_tests: bool = False
    file_time_limit: float = 60.0
    use_prefilter: bool = True
    parse_all: bool = True                # parse files the pre-filter skips (report their syntax errors)
    requirements: tuple[str, ...] = ()    # requirement and lock files of pinned Python distributions
    pythons: tuple[str, ...] = ()         # interpreters whose environments are scanned
    omit_dev: bool = False                # lockfiles: leave dev-only packages out


def scan_targets(targets: tuple[str, ...], settings: ScanSettings = ScanSettings(),
                 progress: Progress | None = None) -> ScanResult:
    """Scan targets as ``egress scan`` does; a target that fails while scanning becomes an error line."""
    errors: list[str] = []
    root = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir()
    with Fetcher(root, use_cache=not settings.no_cache) as fetcher:
        config = SourceConfig(fetcher=fetcher, registry=settings.registry, index_url=settings.index_url,
                              dist=settings.dist, omit_dev=settings.omit_dev)
        sources = [(target, source_for(target, config)) for target in targets]   # bad specs fail here
        sources += [(r, python_dependencies_source(Path(r), config)) for r in settings.requirements]
        sources += [(py, interpreter_source(py)) for py in settings.pythons]
        cache = None if settings.no_cache else ResultCache(fetcher.cache_dir / "analyses.sqlite3")
        options = ScanOptions(jobs=settings.jobs or os.cpu_count() or 1, include_tests=settings.include_tests,
                              use_prefilter=settings.use_prefilter, file_time_limit=settings.file_time_limit,
                              cache=cache, parse_all=settings.parse_all)
        try:
            result = scan(_artifacts(sources, errors), options, progress=progress)
        finally:
            if cache is not None:
                cache.close()
    return ScanResult(packages=result.packages, errors=tuple(errors) + result.errors,
                      not_fetched=tuple((t, pkg, why) for t, s in sources for pkg, why in getattr(s, "not_fetched", ())),
                      transitive=_transitive(sources, result))


def _transitive(sources: list[tuple[str, Source]], result: ScanResult) -> dict:
    """Which direct dependencies of each lockfile bring network access, with one shortest path."""
    from egress.model import Verdict
    from egress.sources.npm_lockgraph import transitive_view

    network = {f"{p.name}@{p.version}" for p in result.packages if p.verdict is Verdict.NETWORK}
    scanned = {p.name for p in result.packages}
    # direct dependencies left out (--omit dev) or not scanned (a failed download) are not shown as "none"
    return {target: {direct: found for direct, found in transitive_view(source.graph, network).items()
                     if direct in scanned}
            for target, source in sources if getattr(source, "graph", None) is not None}


def _artifacts(sources: list[tuple[str, Source]], errors: list[str]) -> Iterator[PackageArtifact]:
    for target, source in sources:
        try:
            yield from source.collect()
        except EgressError as exc:
            errors.append(about(target, str(exc)))
        # Sources that skip a broken part (a node_modules folder without package.json) say so here.
        errors.extend(about(target, line) for line in getattr(source, "errors", ()))


def about(target: str, message: str) -> str:
    """Prefix a message with its target unless it already names it."""
    return message if message.startswith(target) else f"{target}: {message}"
