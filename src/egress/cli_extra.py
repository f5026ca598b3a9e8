"""Commands that fit egress into a team's routine: ``baseline write`` and ``diff``.

``register(main)`` adds them to the ``egress`` group.  They scan through
the same machinery as ``egress scan`` (sources, ``Fetcher``, the
per-file cache, ``engine.scan``) via one helper, ``scan_targets``.  Every
error becomes one line on stderr and exit code 2; ``diff --fail-on``
exits 1 when something *gained* reaches that severity.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn

import click

from egress.baseline import compare_to_baseline, load_baseline, write_baseline
from egress.cache import ResultCache
from egress.diff import DIFF_FORMATS, ResultDiff, diff_results, render_diff
from egress.engine import ScanOptions, scan
from egress.errors import EgressError, ReportError
from egress.model import PackageArtifact, ScanResult, Severity
from egress.sources import SourceConfig, source_for
from egress.sources.download import Fetcher, default_cache_dir

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


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


def scan_targets(targets: tuple[str, ...], settings: ScanSettings) -> ScanResult:
    """Scan targets (paths or specs) as ``egress scan`` does; a target that fails becomes an error line."""
    errors: list[str] = []
    root = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir()
    with Fetcher(root, use_cache=not settings.no_cache) as fetcher:
        config = SourceConfig(fetcher=fetcher, registry=settings.registry, index_url=settings.index_url,
                              dist=settings.dist)
        sources = [(target, source_for(target, config)) for target in targets]   # bad specs fail here

        def artifacts() -> Iterator[PackageArtifact]:
            for target, source in sources:
                try:
                    yield from source.collect()
                except EgressError as exc:
                    errors.append(_about(target, str(exc)))
                errors.extend(_about(target, line) for line in getattr(source, "errors", ()))

        cache = None if settings.no_cache else ResultCache(fetcher.cache_dir / "analyses.sqlite3")
        options = ScanOptions(jobs=settings.jobs or os.cpu_count() or 1, include_tests=settings.include_tests,
                              file_time_limit=settings.file_time_limit, cache=cache)
        try:
            result: ScanResult = scan(artifacts(), options)
        finally:
            if cache is not None:
                cache.close()
    return ScanResult(packages=result.packages, errors=tuple(errors) + result.errors)


def _about(target: str, message: str) -> str:
    return message if message.startswith(target) else f"{target}: {message}"


def _scan_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The scan options these commands share with ``egress scan``."""
    for option in reversed([
        click.option("--include-tests", is_flag=True, help="Let findings in tests/examples/docs count."),
        click.option("--registry", help="npm registry base URL (default: $npm_config_registry, else npm's)."),
        click.option("--index-url", help="PyPI simple index URL (default: $PIP_INDEX_URL, else PyPI)."),
        click.option("--dist", type=click.Choice(["default", "sdist", "wheel", "all"]), default="default",
                     show_default=True, help="Which PyPI files to scan for pypi: specs."),
        click.option("--cache-dir", type=click.Path(file_okay=False), help="Download cache (default: user cache dir)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the download cache."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes."),
        click.option("--file-time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
                     help="Seconds one file may take before it is reported as not analysed."),
    ]):
        command = option(command)
    return command


def _settings(kwargs: dict[str, Any]) -> ScanSettings:
    return ScanSettings(**{k: kwargs.pop(k) for k in list(kwargs) if k in ScanSettings.__dataclass_fields__})


def _scan_or_exit(targets: tuple[str, ...], settings: ScanSettings) -> ScanResult:
    """Scan; any failure (a bad target, a package that could not be read) ends the command with exit 2."""
    try:
        result = scan_targets(targets, settings)
    except EgressError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        click.echo("egress: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if result.errors:
        for line in result.errors:
            click.echo(f"egress: error: {_one_line(line)}", err=True)
        sys.exit(EXIT_ERROR)
    return result


@click.group("baseline")
def baseline_group() -> None:
    """Record today's findings so later runs report only what is new (format: docs/policy.md)."""


@baseline_group.command("write")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("targets", nargs=-1)
@_scan_options
def baseline_write(file: str, targets: tuple[str, ...], **kwargs: Any) -> None:
    """Scan TARGETS and write their alerts to FILE as the baseline."""
    if not targets:
        _fail("nothing to scan: give a path or a spec such as npm:axios@1.7.2 after the baseline file")
    result = _scan_or_exit(targets, _settings(kwargs))
    try:
        write_baseline(result, Path(file))
    except EgressError as exc:
        _fail(str(exc))
    alerts = sum(len(p.alerts) for p in result.packages)
    click.echo(f"wrote baseline of {len(result.packages)} packages and {alerts} alerts to {file}", err=True)


@baseline_group.command("compare")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("targets", nargs=-1)
@click.option("-f", "--format", "fmt", type=click.Choice(DIFF_FORMATS), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]),
              help="Exit 1 when something new carries an alert at or above this severity.")
@_scan_options
def baseline_compare(file: str, targets: tuple[str, ...], fmt: str, fail_on: str | None, **kwargs: Any) -> None:
    """Scan TARGETS and show what is new, or gone, since the baseline FILE (as a diff)."""
    if not targets:
        _fail("nothing to scan: give a path or a spec such as npm:axios@1.7.2 after the baseline file")
    try:
        baseline = load_baseline(Path(file))     # an invalid baseline fails before anything is scanned
    except EgressError as exc:
        _fail(str(exc))
    result = _scan_or_exit(targets, _settings(kwargs))
    diff = ResultDiff(compare_to_baseline(result, baseline).packages)
    click.echo(render_diff(diff, fmt), nl=False)
    sys.exit(EXIT_FINDINGS if diff.fails(fail_on) else EXIT_OK)


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("-f", "--format", "fmt", type=click.Choice(DIFF_FORMATS), default="table", show_default=True)
@click.option("-o", "--output", help="Write the diff to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]),
              help="Exit 1 when something gained carries an alert at or above this severity.")
@_scan_options
def diff_command(old: str, new: str, fmt: str, output: str | None, fail_on: str | None, **kwargs: Any) -> None:
    """Compare two versions of a package (npm:a@1 npm:a@2), two folders or two lock files."""
    settings = _settings(kwargs)
    before = _scan_or_exit((old,), settings)
    after = _scan_or_exit((new,), settings)
    diff = diff_results(before, after)
    try:
        _write(render_diff(diff, fmt), output)
    except EgressError as exc:
        _fail(str(exc))
    sys.exit(EXIT_FINDINGS if diff.fails(fail_on) else EXIT_OK)


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from None


def register(main_group: click.Group) -> None:
    """Add ``baseline`` and ``diff`` to the ``egress`` command group."""
    main_group.add_command(baseline_group)
    main_group.add_command(diff_command)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _fail(message: str) -> NoReturn:
    click.echo(f"egress: error: {_one_line(message)}", err=True)
    sys.exit(EXIT_ERROR)


__all__ = ["ScanSettings", "register", "scan_targets", "baseline_group", "diff_command"]
