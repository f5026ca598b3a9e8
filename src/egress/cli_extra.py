"""Commands that fit egress into a team's routine: ``baseline write`` and ``diff``.

``register(main)`` adds them to the ``egress`` group.  They scan through
the same machinery as ``egress scan`` (sources, ``Fetcher``, the
per-file cache, ``engine.scan``) via ``egress.session.scan_targets``.  Every
error becomes one line on stderr and exit code 2; ``diff --fail-on``
exits 1 when something *gained* reaches that severity.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from egress.baseline import compare_to_baseline, load_baseline, write_baseline
from egress.cli_common import (EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, fail, interrupted, one_line, scan_options,
                               settings_from, write_output)
from egress.diff import DIFF_FORMATS, ResultDiff, diff_results, render_diff
from egress.errors import EgressError
from egress.model import ScanResult, Severity
from egress.session import ScanSettings, scan_targets


def _scan_or_exit(targets: tuple[str, ...], settings: ScanSettings) -> ScanResult:
    """Scan; any failure (a bad target, a package that could not be read) ends the command with exit 2."""
    try:
        result = scan_targets(targets, settings)
    except EgressError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        interrupted()
    if result.errors:
        for line in result.errors:
            click.echo(f"egress: error: {one_line(line)}", err=True)
        sys.exit(EXIT_ERROR)
    return result


@click.group("baseline")
def baseline_group() -> None:
    """Record today's findings so later runs report only what is new (format: docs/policy.md)."""


@baseline_group.command("write")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("targets", nargs=-1)
@scan_options
def baseline_write(file: str, targets: tuple[str, ...], **kwargs: Any) -> None:
    """Scan TARGETS and write their alerts to FILE as the baseline."""
    if not targets:
        fail("nothing to scan: give a path or a spec such as npm:axios@1.7.2 after the baseline file")
    result = _scan_or_exit(targets, settings_from(kwargs))
    try:
        write_baseline(result, Path(file))
    except EgressError as exc:
        fail(str(exc))
    alerts = sum(len(p.alerts) for p in result.packages)
    packages = len(result.packages)
    click.echo(f"wrote baseline of {packages} package{'s' if packages != 1 else ''} and {alerts} "
               f"alert{'s' if alerts != 1 else ''} to {file}", err=True)


@baseline_group.command("compare")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("targets", nargs=-1)
@click.option("-f", "--format", "fmt", type=click.Choice(DIFF_FORMATS), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]),
              help="Exit 1 when something new carries an alert at or above this severity.")
@scan_options
def baseline_compare(file: str, targets: tuple[str, ...], fmt: str, fail_on: str | None, **kwargs: Any) -> None:
    """Scan TARGETS and show what is new, or gone, since the baseline FILE (as a diff)."""
    if not targets:
        fail("nothing to scan: give a path or a spec such as npm:axios@1.7.2 after the baseline file")
    try:
        baseline = load_baseline(Path(file))     # an invalid baseline fails before anything is scanned
    except EgressError as exc:
        fail(str(exc))
    result = _scan_or_exit(targets, settings_from(kwargs))
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
@scan_options
def diff_command(old: str, new: str, fmt: str, output: str | None, fail_on: str | None, **kwargs: Any) -> None:
    """Compare two versions of a package (npm:a@1 npm:a@2), two folders or two lock files."""
    settings = settings_from(kwargs)
    before = _scan_or_exit((old,), settings)
    after = _scan_or_exit((new,), settings)
    diff = diff_results(before, after)
    try:
        write_output(render_diff(diff, fmt), output)
    except EgressError as exc:
        fail(str(exc))
    sys.exit(EXIT_FINDINGS if diff.fails(fail_on) else EXIT_OK)


def register(main_group: click.Group) -> None:
    """Add ``baseline`` and ``diff`` to the ``egress`` command group."""
    main_group.add_command(baseline_group)
    main_group.add_command(diff_command)


__all__ = ["register", "baseline_group", "diff_command"]
