"""Real packages, pinned, downloaded once per test session into a private cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.engine import ScanOptions, scan
from egress.model import PackageResult
from egress.sources import SourceConfig, source_for
from egress.sources.download import Fetcher


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("egress-cache")


@pytest.fixture(scope="session")
def scan_target(cache_dir: Path):
    """Scan one target (spec or path) through the real pipeline; returns its package results."""
    results: dict[str, list[PackageResult]] = {}

    def run(target: str, **options) -> list[PackageResult]:
        key = target + repr(sorted(options.items()))
        if key not in results:
            with Fetcher(cache_dir) as fetcher:
                source = source_for(target, SourceConfig(fetcher=fetcher, dist=options.pop("dist", "default")))
                result = scan(source.collect(), ScanOptions(jobs=2, **options))
            assert result.errors == ()
            results[key] = list(result.packages)
        return results[key]

    return run
