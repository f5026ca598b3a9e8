"""Output formats: one module per format, each a ``render(ScanResult, options) -> str``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from egress.errors import ReportError
from egress.model import ScanResult


@dataclass(frozen=True)
class ReportOptions:
    verbose: bool = False
    color: bool = False
    width: int | None = None


Renderer = Callable[[ScanResult, ReportOptions], str]


def renderer(name: str) -> Renderer:
    """The renderer of a format name; ``ReportError`` for an unknown one."""
    if name == "table":
        from egress.report.table import render
    elif name == "json":
        from egress.report.json_report import render
    elif name == "sarif":
        from egress.report.sarif import render
    elif name == "markdown":
        from egress.report.markdown import render
    elif name == "html":
        from egress.report.html import render
    else:
        raise ReportError(f"unknown report format {name!r}")
    return render


FORMATS = ("table", "json", "sarif", "markdown", "html")
