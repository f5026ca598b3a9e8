"""What every egress command shares: scan options, one-line errors, safe report writing."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, NoReturn

import click

from egress.errors import ReportError
from egress.session import ScanSettings

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def scan_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say how to scan, shared by ``scan``, ``baseline`` and ``diff``."""
    for option in reversed([
        click.option("--include-tests", is_flag=True,
                     help="Let findings in tests/examples/docs count toward verdicts."),
        click.option("--registry", help="npm registry base URL (default: $npm_config_registry, else npm's)."),
        click.option("--index-url", help="PyPI simple index URL (default: $PIP_INDEX_URL, else PyPI)."),
        click.option("--dist", type=click.Choice(["default", "sdist", "wheel", "all"]), default="default",
                     show_default=True, help="Which PyPI files to scan for pypi: specs."),
        click.option("--cache-dir", type=click.Path(file_okay=False),
                     help="Cache directory (default: the user cache dir)."),
        click.option("--skip-syntax-check", "parse_all", flag_value=False, default=True,
                     help="Faster: do not parse files that name no network or code-loading signal, so their "
                          "syntax errors are not reported."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the download and analysis caches."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="Worker processes (default: cores)."),
        click.option("--file-time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
                     help="Seconds one file may take before it is reported as not analysed."),
        click.option("--omit", "omit", type=click.Choice(["dev"]), multiple=True,
                     help="--omit dev: leave dev-only packages out (lockfiles, and npm-installed node_modules trees)."),
        click.option("--prod", is_flag=True, help="The same as --omit dev."),
    ]):
        command = option(command)
    return command


def settings_from(kwargs: dict[str, Any]) -> ScanSettings:
    """Take the scan options out of a command's keyword arguments."""
    omit_dev = "dev" in kwargs.pop("omit", ()) or bool(kwargs.pop("prod", False))
    fields = {k: kwargs.pop(k) for k in list(kwargs) if k in ScanSettings.__dataclass_fields__}
    return ScanSettings(**fields, omit_dev=omit_dev)


def write_output(text: str, output: str | None) -> None:
    """Write a report; a file is replaced atomically so an earlier report is never half-overwritten."""
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
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from None


def one_line(message: str) -> str:
    return " ".join(message.split())


def fail(message: str) -> NoReturn:
    click.echo(f"egress: error: {one_line(message)}", err=True)
    sys.exit(EXIT_ERROR)


def interrupted() -> NoReturn:
    click.echo("egress: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)
