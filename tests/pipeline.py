"""One package through the whole pipeline, as `egress scan PATH` sees it: the tests' shared helper."""

from __future__ import annotations

from pathlib import Path

from egress.model import PackageResult
from egress.session import ScanSettings, scan_targets


def scan_one(path: Path, cache: Path) -> PackageResult:
    """The single package at ``path``, scanned with a private cache; it must read cleanly."""
    result = scan_targets((str(path),), ScanSettings(cache_dir=str(cache), jobs=1))
    assert result.errors == ()
    [package] = result.packages
    assert package.not_analysed == ()
    return package
