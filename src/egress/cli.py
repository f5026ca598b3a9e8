"""The command line: wires choices to implementations, turns errors into exit codes.

Exit codes: 0 the scan completed (findings or not); 1 ``--fail-on`` was
given and an alert at or above that severity exists; 2 usage or input
error (bad spec, missing path, corrupt archive, integrity mismatch,
registry unreachable) with one line on stderr.  Errors are caught here
and only here, so a tool failure can never look like a finding or like a
clean result.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import click

from egress import __version__
from egress.cache import ResultCache
from egress.engine import ScanOptions, scan
from egress.errors import EgressError, ReportError
from egress.model import PackageArtifact, ScanResult, Severity
from egress.report import FORMATS, ReportOptions, renderer
from egress.sources import SourceConfig, interpreter_source, python_dependencies_source, source_for
from egress.sources.download import Fetcher, default_cache_dir
from egress.sources.interface import Source

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Progress:
    """A progress bar on stderr, shown only on a TTY and only once a scan takes a moment."""

    def __init__(self, enabled: bool, delay: float = 0.5) -> None:
        self.enabled = enabled
        self.delay = delay
        self.started = time.monotonic()
        self._bar = None
        self._task = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.started < self.delay:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("analysing files", total=total)
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _artifacts(sources: list[tuple[str, Source]], errors: list[str]) -> Iterator[PackageArtifact]:
    for target, source in sources:
        try:
            yield from source.collect()
        except EgressError as exc:
            errors.append(_about(target, str(exc)))
        # Sources that skip a broken part (a node_modules folder without package.json) say so here.
        errors.extend(_about(target, line) for line in getattr(source, "errors", ()))


def _about(target: str, message: str) -> str:
    """Prefix a message with its target unless it already names it."""
    return message if message.startswith(target) else f"{target}: {message}"


def _write_output(text: str, output: str | None) -> None:
    """Write the report; a file is replaced atomically so an earlier report is never half-overwritten."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output)
    if not target.parent.is_dir():
        raise ReportError(f"cannot write {output}: no such directory {target.parent}")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from None


def _fails(result: ScanResult, fail_on: str | None) -> bool:
    if fail_on is None:
        return False
    threshold = Severity(fail_on).rank
    return any(a.severity.rank >= threshold for p in result.packages for a in p.alerts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="egress")
def main() -> None:
    """Which of your dependencies can reach the network, where to, and with what data."""


@main.command("scan")
@click.argument("targets", nargs=-1)
@click.option("-r", "--requirement", "requirements", multiple=True, type=click.Path(),
              help="A requirements or lock file of pinned Python distributions (requirements.txt, "
                   "pyproject.toml, poetry.lock, uv.lock, pylock.toml).")
@click.option("--python", "pythons", multiple=True, type=click.Path(),
              help="Scan the environment of this Python interpreter.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", help="Write the report to this file instead of stdout.")
@click.option("-v", "--verbose", is_flag=True, help="List every finding with its code excerpt.")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]),
              help="Exit 1 when an alert at or above this severity exists.")
@click.option("--include-tests", is_flag=True, help="Let findings in tests/examples/docs count toward verdicts.")
@click.option("--registry", help="npm registry base URL (default: $npm_config_registry, else npm's).")
@click.option("--index-url", help="PyPI simple index URL (default: $PIP_INDEX_URL, else PyPI).")
@click.option("--dist", type=click.Choice(["default", "sdist", "wheel", "all"]), default="default",
              show_default=True, help="Which PyPI files to scan for pypi: specs.")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Download cache (default: user cache dir).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the download cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: cores).")
@click.option("--no-prefilter", is_flag=True, hidden=True, help="Parse every file (for checking the pre-filter).")
@click.option("--file-time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds one file may take before it is reported as not analysed.")
def scan_command(targets: tuple[str, ...], requirements: tuple[str, ...], pythons: tuple[str, ...], fmt: str, output: str | None, verbose: bool, fail_on: str | None,
                 include_tests: bool, registry: str | None, index_url: str | None, dist: str,
                 cache_dir: str | None, no_cache: bool, jobs: int | None, no_prefilter: bool,
                 file_time_limit: float) -> None:
    """Scan packages: folders, node_modules trees, tarballs, wheels, sdists, environments, npm:/pypi: specs."""
    if not (targets or requirements or pythons):
        _fail("nothing to scan: give a path or a spec such as npm:node-fetch@3.3.2 or pypi:requests==2.32.3")
    errors: list[str] = []
    progress = _Progress(enabled=sys.stderr.isatty() and not (fmt == "json" and output in (None, "-")))
    try:
        with Fetcher(Path(cache_dir) if cache_dir else default_cache_dir(), use_cache=not no_cache) as fetcher:
            config = SourceConfig(fetcher=fetcher, registry=registry, index_url=index_url, dist=dist)
            sources = [(target, source_for(target, config)) for target in targets]   # bad specs fail here
            sources += [(r, python_dependencies_source(Path(r), config)) for r in requirements]
            sources += [(py, interpreter_source(py)) for py in pythons]
            cache = None if no_cache else ResultCache(fetcher.cache_dir / "analyses.sqlite3")
            options = ScanOptions(jobs=jobs or os.cpu_count() or 1, include_tests=include_tests,
                                  use_prefilter=not no_prefilter, file_time_limit=file_time_limit, cache=cache)
            try:
                result = scan(_artifacts(sources, errors), options, progress=progress)
            finally:
                if cache is not None:
                    cache.close()
        progress.close()
        result = ScanResult(packages=result.packages, errors=tuple(errors) + result.errors)
        if result.errors and not result.packages:
            for line in result.errors:
                click.echo(f"egress: error: {_one_line(line)}", err=True)
            sys.exit(EXIT_ERROR)
        text = renderer(fmt)(result, ReportOptions(verbose=verbose, color=output is None and sys.stdout.isatty()))
        _write_output(text, output)
    except EgressError as exc:
        progress.close()
        _fail(str(exc))
    except KeyboardInterrupt:
        progress.close()
        click.echo("egress: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    for line in result.errors:
        click.echo(f"egress: error: {_one_line(line)}", err=True)
    if result.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if _fails(result, fail_on) else EXIT_OK)


@main.group("cache")
def cache_group() -> None:
    """Manage egress's caches (downloads and per-file analyses)."""


@cache_group.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Cache directory (default: user cache dir).")
def cache_clear(cache_dir: str | None) -> None:
    """Delete cached analyses and downloaded archives."""
    import shutil

    root = Path(cache_dir) if cache_dir else default_cache_dir()
    cache = ResultCache(root / "analyses.sqlite3")
    analyses = cache.clear()
    cache.close()
    blobs = root / "blobs"
    count = sum(1 for p in blobs.rglob("*") if p.is_file()) if blobs.is_dir() else 0
    shutil.rmtree(blobs, ignore_errors=True)
    click.echo(f"removed {analyses} cached analyses and {count} downloaded archives from {root}")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _fail(message: str) -> None:
    click.echo(f"egress: error: {_one_line(message)}", err=True)
    sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
