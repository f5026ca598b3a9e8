"""The result cache: hits return what was stored, damage and transient errors are misses."""

from __future__ import annotations

from pathlib import Path

from egress.cache import ResultCache, file_key
from egress.model import FileAnalysis


def test_roundtrip_and_keys_depend_on_path_and_bytes(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c.sqlite3")
    key = file_key("a.js", b"require('https')")
    assert file_key("b.js", b"require('https')") != key
    assert file_key("a.js", b"require('http')") != key
    cache.put(key, FileAnalysis(file="a.js", error="syntax error at line 1"))
    cache.close()
    again = ResultCache(tmp_path / "c.sqlite3")
    assert again.get(key) == FileAnalysis(file="a.js", error="syntax error at line 1")
    assert again.clear() == 1
    assert again.get(key) is None


def test_time_limit_results_are_not_cached(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c.sqlite3")
    key = file_key("a.js", b"x")
    cache.put(key, FileAnalysis(file="a.js", error="time limit (60 s) exceeded"))
    cache.flush()
    assert cache.get(key) is None


def test_a_damaged_database_means_no_cache_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    cache = ResultCache(path)
    assert cache.get(file_key("a.js", b"x")) is None
    cache.put(file_key("a.js", b"x"), FileAnalysis(file="a.js"))
    cache.close()
