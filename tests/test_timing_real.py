"""Timing on real packages, pinned: what the entry points load runs at import, an optional module at runtime."""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.session import ScanSettings, scan_targets

pytestmark = pytest.mark.network


def _top_level(target: str, cache: Path, dist: str = "default") -> set[tuple[str, str, str, int, str]]:
    result = scan_targets((target,), ScanSettings(cache_dir=str(cache), dist=dist))
    assert result.errors == ()
    [package] = result.packages
    return {(f.kind.value, f.api, f.file, f.line, f.timing.value)
            for f in package.findings if not f.in_function}


def test_node_fetch_module_imported_by_its_main_runs_at_import(tmp_path: Path) -> None:
    # src/index.js (main, exports) imports './headers.js' at its top level
    assert _top_level("npm:node-fetch@3.3.2", tmp_path) == {("importOnly", "http", "src/headers.js", 8, "import")}


def test_urllib3_optional_socks_module_is_runtime(tmp_path: Path) -> None:
    # urllib3/__init__.py imports .connectionpool → .connection → util.ssl_ / util.ssltransport;
    # nothing imports urllib3.contrib.socks unless the caller does
    assert _top_level("pypi:urllib3==2.2.2", tmp_path, dist="wheel") == {
        ("importOnly", "ssl", "urllib3/connection.py", 28, "import"),
        ("network", "http.client.HTTPConnection", "urllib3/connection.py", 81, "import"),
        ("importOnly", "ssl", "urllib3/util/ssl_.py", 95, "import"),
        ("importOnly", "socket", "urllib3/util/ssltransport.py", 4, "import"),
        ("dependency", "pysocks", "urllib3/contrib/socks.py", 44, "runtime"),
        ("importOnly", "ssl", "urllib3/contrib/socks.py", 70, "runtime"),
    }
