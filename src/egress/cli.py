"""The command line: wires choices to implementations, turns errors into exit codes.

Exit codes: 0 the scan completed (findings or not); 1 ``--fail-on`` was
given and an alert at or above that severity exists, or a policy action
``error`` applies; 2 usage or input error (bad spec, missing path, corrupt
archive, integrity mismatch, registry unreachable, invalid policy) with
one line on stderr; 130 interrupted.  Errors are caught here and only
here, so a tool failure can never look like a finding or like a clean
result.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import click

from egress import __version__
from egress.cache import ResultCache
from egress.cli_common import (EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, fail, interrupted, one_line, scan_options,
                               settings_from, write_output)
from egress.errors import EgressError
from egress.model import ScanResult, Severity
from egress.report import FORMATS, ReportOptions, renderer
from egress.session import scan_targets
from egress.sources.download import default_cache_dir


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
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False),
              help="Policy file (default: ./egress.toml, else [tool.egress] in ./pyproject.toml).")
@click.option("--no-policy", is_flag=True, help="Apply no policy even when the project has one.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Report only what is new since this baseline (egress baseline write).")
@click.option("--no-prefilter", is_flag=True, hidden=True, help="Parse every file (for checking the pre-filter).")
@scan_options
def scan_command(targets: tuple[str, ...], fmt: str, output: str | None, verbose: bool, fail_on: str | None,
                 policy_file: str | None, no_policy: bool, baseline_file: str | None, no_prefilter: bool,
                 **kwargs: Any) -> None:
    """Scan packages: folders, node_modules trees, tarballs, wheels, sdists, environments, npm:/pypi: specs."""
    settings = dataclasses.replace(settings_from(kwargs), use_prefilter=not no_prefilter)
    if not (targets or settings.requirements or settings.pythons):
        fail("nothing to scan: give a path or a spec such as npm:node-fetch@3.3.2 or pypi:requests==2.32.3")
    progress = _Progress(enabled=sys.stderr.isatty() and not (fmt == "json" and output in (None, "-")))
    try:
        policy = None if no_policy else _policy(policy_file)      # an invalid policy fails before scanning
        baseline = _baseline(baseline_file)
        result = scan_targets(targets, settings, progress=progress)
        progress.close()
        if result.errors and not result.packages:
            for line in result.errors:
                click.echo(f"egress: error: {one_line(line)}", err=True)
            sys.exit(EXIT_ERROR)
        policy_failing = False
        if policy is not None:
            from egress.policy_apply import apply_policy, summary_dict, summary_lines

            outcome = apply_policy(result, policy, date.today())
            result = dataclasses.replace(result, packages=outcome.result.packages,
                                         policy=summary_dict(outcome.summary),
                                         policy_lines=tuple(summary_lines(outcome.summary)))
            policy_failing = outcome.summary.failing
        if baseline is not None:
            from egress.baseline import compare_to_baseline
            from egress.diff import ResultDiff, render_diff

            diff = ResultDiff(compare_to_baseline(result, baseline).packages)
            text = render_diff(diff, "json" if fmt == "json" else "table")
            failing = diff.fails(fail_on)
        else:
            text = renderer(fmt)(result, ReportOptions(verbose=verbose, color=output is None and sys.stdout.isatty()))
            failing = _fails(result, fail_on)
        write_output(text, output)
    except EgressError as exc:
        progress.close()
        fail(str(exc))
    except KeyboardInterrupt:
        progress.close()
        interrupted()
    for line in result.errors:
        click.echo(f"egress: error: {one_line(line)}", err=True)
    if result.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if failing or policy_failing else EXIT_OK)


def _policy(policy_file: str | None):
    from egress.policy import resolve_policy

    return resolve_policy(Path(policy_file) if policy_file else None, Path.cwd())


def _baseline(baseline_file: str | None):
    if baseline_file is None:
        return None
    from egress.baseline import load_baseline

    return load_baseline(Path(baseline_file))


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


def _register_team_commands() -> None:
    from egress.cli_extra import register

    register(main)


_register_team_commands()

if __name__ == "__main__":
    main()
