"""The scan pipeline: artifacts in, package results out.

For each package the engine reads only the files an analyzer handles,
drops those the loss-free pre-filter proves irrelevant, runs the rest on
the worker pool (largest first, hard per-file limits) and hands each
package's findings, with role and timing filled in, to ``alerts``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Callable, Iterable

from egress.alerts import AlertOptions, package_result
from egress.analyzers.registry import language_of, wanted_by
from egress.cache import ResultCache, file_key
from egress.catalog import load_catalog
from egress.context import PackageContext
from egress.errors import EgressError
from egress.model import (
    Ecosystem,
    FileAnalysis,
    Finding,
    NotAnalysed,
    PackageArtifact,
    PackageResult,
    ScanResult,
)
from egress.prefilter import PreFilter
from egress.workers import PoolLimits, Task, WorkerPool

#: Called with (files done, files total) as the scan advances.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScanOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    include_tests: bool = False
    use_prefilter: bool = True
    file_time_limit: float = 60.0
    max_file_size: int = 32 * 2**20
    cache: ResultCache | None = None     # per-file analyses kept between runs


@dataclass
class _PackageWork:
    artifact: PackageArtifact
    context: PackageContext
    files_analysed: int = 0
    findings: list[Finding] = field(default_factory=list)
    not_analysed: list[NotAnalysed] = field(default_factory=list)


def merge_duplicates(artifacts: Iterable[PackageArtifact]) -> list[PackageArtifact]:
    """One artifact per name@version, with the install locations of all copies."""
    by_key: dict[tuple[str, str], PackageArtifact] = {}
    for artifact in artifacts:
        # A PyPI release can have several files (sdist, wheels): each is its own artifact.
        key = (artifact.key, str(artifact.metadata.get("kind", "")), str(artifact.metadata.get("filename", "")))
        if key in by_key:
            previous = by_key[key]
            locations = tuple(sorted(set(previous.locations) | set(artifact.locations)))
            by_key[key] = dataclasses.replace(previous, locations=locations)
        else:
            by_key[key] = artifact
    return list(by_key.values())


def scan(
    artifacts: Iterable[PackageArtifact],
    options: ScanOptions = ScanOptions(),
    progress: Progress | None = None,
) -> ScanResult:
    """Analyse every package; a package the source cannot read becomes an error line."""
    prefilter = PreFilter(load_catalog(Ecosystem.NPM), load_catalog(Ecosystem.PYPI)) if options.use_prefilter else None
    work: list[_PackageWork] = []
    tasks: list[Task] = []
    owners: list[_PackageWork] = []
    keys: list[bytes] = []
    cache = options.cache
    errors: list[str] = []
    for artifact in merge_duplicates(artifacts):
        item = _PackageWork(artifact, PackageContext.of(artifact))
        wanted = wanted_by(artifact.ecosystem)
        item.not_analysed.extend(n for n in artifact.unreadable if wanted(n.file))
        try:
            for source in artifact.read_files(wanted):
                if len(source.data) > options.max_file_size:
                    item.not_analysed.append(NotAnalysed(
                        source.path, f"file too large ({len(source.data)} bytes > {options.max_file_size})"))
                else:
                    # Files the pre-filter proves irrelevant are still parsed: an
                    # unparsable file is reported as not analysed, never as clean.
                    check_only = prefilter is not None and not prefilter.wants(source.path, source.data)
                    key = file_key(source.path, source.data, check_only) if cache is not None else b""
                    cached = cache.get(key) if cache is not None else None
                    if cached is not None:
                        _record(item, cached)
                        continue
                    tasks.append(Task(len(tasks), source, check_only))
                    owners.append(item)
                    keys.append(key)
        except EgressError as exc:
            errors.append(f"{artifact.key}: {exc}")
            continue
        work.append(item)

    done = 0

    def on_result(task_id: int, analysis: FileAnalysis) -> None:
        nonlocal done
        item = owners[task_id]
        _record(item, analysis)
        if cache is not None:
            cache.put(keys[task_id], analysis)
        done += 1
        if progress is not None:
            progress(done, len(tasks))

    valid = {id(item) for item in work}
    live = [t for t in tasks if id(owners[t.id]) in valid]
    WorkerPool(options.jobs, PoolLimits(time_limit=options.file_time_limit)).run(live, on_result)
    if cache is not None:
        cache.flush()
    alert_options = AlertOptions(include_tests=options.include_tests)
    results: list[PackageResult] = [
        package_result(item.artifact, item.findings, item.not_analysed, item.files_analysed, alert_options)
        for item in work
    ]
    results.sort(key=lambda r: (r.ecosystem, r.name, r.version))
    return ScanResult(packages=tuple(results), errors=tuple(errors))


def _record(item: _PackageWork, analysis: FileAnalysis) -> None:
    if analysis.error is not None:
        item.not_analysed.append(NotAnalysed(analysis.file, analysis.error))
    else:
        item.files_analysed += 1
    for finding in analysis.findings:
        item.findings.append(dataclasses.replace(
            finding, role=item.context.role(finding.file), timing=item.context.timing(finding)))


__all__ = ["ScanOptions", "scan", "merge_duplicates", "language_of"]
