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


def test_an_unchanged_package_is_not_read_again(tmp_path: Path) -> None:
    """Warm scans of installed trees: the package key (stat fingerprint) hits, no file is read."""
    from egress.engine import ScanOptions, scan
    from egress.model import Ecosystem, PackageArtifact, SourceFile

    reads: list[str] = []
    stamp = {"value": "v1"}

    def read_files(want):
        reads.append("read")
        yield SourceFile("index.js", b"require('https').get('https://example.org')\n")

    artifact = PackageArtifact(Ecosystem.NPM, "p", "1.0.0", read_files=read_files,
                               fingerprint=lambda want: stamp["value"])
    cache = ResultCache(tmp_path / "c.sqlite3")
    first = scan([artifact], ScanOptions(jobs=1, cache=cache))
    second = scan([artifact], ScanOptions(jobs=1, cache=cache))
    assert reads == ["read"]
    assert first.packages == second.packages
    assert [a.api for a in second.packages[0].alerts] == ["https.get"]
    stamp["value"] = "v2"                       # a file changed: its stat data changed
    scan([artifact], ScanOptions(jobs=1, cache=cache))
    assert reads == ["read", "read"]


def test_two_egress_processes_share_one_cache(tmp_path: Path) -> None:
    """Concurrent scans with one cache directory both finish, with identical reports."""
    import json
    import subprocess
    import sys

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text('{"name": "shared", "version": "1.0.0"}')
    for i in range(40):
        (pkg / f"m{i}.js").write_text(f"const https = require('https');\nexports.f{i} = (u) => https.get(u);\n")
    cmd = [sys.executable, "-m", "egress.cli", "scan", str(pkg), "--format", "json", "--cache-dir", str(tmp_path / "c")]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err.decode() for _, err in outputs]
    docs = [json.loads(out) for out, _ in outputs]
    assert docs[0]["packages"] == docs[1]["packages"]
    assert len(docs[0]["packages"][0]["alerts"]) == 40
    third = subprocess.run(cmd, capture_output=True, timeout=120)    # and a warm run after both
    assert json.loads(third.stdout)["packages"] == docs[0]["packages"]


def test_the_package_record_follows_metadata_and_alert_options(tmp_path: Path) -> None:
    """A warm hit is one summary record: new metadata is a miss, alert options apply to the record."""
    from egress.engine import ScanOptions, scan
    from egress.model import Ecosystem, PackageArtifact, SourceFile

    reads: list[str] = []

    def read_files(want):
        reads.append("read")
        yield SourceFile("index.js", b"module.exports = 1;\n")
        yield SourceFile("test/t.js", b"require('https').get('https://example.org')\n")

    def artifact(metadata: dict) -> PackageArtifact:
        return PackageArtifact(Ecosystem.NPM, "p", "1.0.0", read_files=read_files, metadata=metadata,
                               fingerprint=lambda want: "same stat")

    cache = ResultCache(tmp_path / "c.sqlite3")
    plain = scan([artifact({})], ScanOptions(jobs=1, cache=cache)).packages[0]
    with_tests = scan([artifact({})], ScanOptions(jobs=1, cache=cache, include_tests=True)).packages[0]
    assert reads == ["read"]
    assert (plain.verdict.value, [a.api for a in with_tests.alerts]) == ("none", ["https.get"])
    hooked = scan([artifact({"scripts": {"postinstall": "node test/t.js"}})],
                  ScanOptions(jobs=1, cache=cache)).packages[0]
    assert reads == ["read", "read"]            # install files changed what the findings mean
    assert [(a.type, a.api) for a in hooked.alerts if a.api == "https.get"] == [
        ("networkAccess", "https.get"), ("installTimeNetwork", "https.get")]
