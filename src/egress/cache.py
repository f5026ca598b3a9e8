"""A persistent cache of per-file analyses, so an unchanged tree costs no parse.

Keys are a hash of the file's path and bytes plus the *analysis
revision*: a hash of egress's version, the analyzer sources and the
catalogs, so any change to what counts as network invalidates every entry
without anyone remembering to bump a number.  SQLite in WAL mode keeps it
safe with two egress processes at once; a damaged or foreign database is
ignored (the scan runs uncached) rather than trusted.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from egress import __version__
from egress.model import FileAnalysis

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS analyses (key BLOB PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS packages (key BLOB PRIMARY KEY, value BLOB NOT NULL);"
)

#: Errors that depend on the machine's load, not on the file: never cached.
_TRANSIENT_ERRORS = ("time limit", "analyzer process crashed")


@lru_cache(maxsize=1)
def analysis_revision() -> bytes:
    """A digest of everything that decides an analysis result."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    root = resources.files("egress")
    for package in ("analyzers", "catalog"):
        for path in sorted(_walk(root.joinpath(package)), key=str):
            h.update(str(path).encode())
            h.update(path.read_bytes())
    # what a package summary is made of besides the analyses: linking, load graph, placing findings
    for module in ("entrypoints.py", "linker.py", "context.py", "build_hooks.py", "install_scripts.py", "engine.py"):
        h.update(root.joinpath(module).read_bytes())
    return h.digest()


def _walk(node) -> list:
    found = []
    for child in node.iterdir():
        if child.is_dir():
            if child.name != "__pycache__":
                found.extend(_walk(child))
        elif child.name.endswith((".py", ".toml")):
            found.append(child)
    return found


def file_key(path: str, data: bytes, check_only: bool = False) -> bytes:
    h = hashlib.blake2b(analysis_revision(), digest_size=20)
    h.update(path.encode("utf-8", "surrogateescape"))
    h.update(b"\1" if check_only else b"\0")
    h.update(data)
    return h.digest()


def package_key(identity: str, content: str, mode: str) -> bytes:
    """Key of a whole package's analyses: its identity and a digest or fingerprint of its content."""
    h = hashlib.blake2b(analysis_revision(), digest_size=20)
    h.update(f"{identity}\0{content}\0{mode}".encode("utf-8", "surrogateescape"))
    return h.digest()


class ResultCache:
    """Per-file and per-package analyses; every failure degrades to a miss."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: list[tuple[bytes, bytes]] = []
        self._pending_packages: list[tuple[bytes, bytes]] = []
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db: sqlite3.Connection | None = sqlite3.connect(path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError):
            self._db = None

    def get(self, key: bytes) -> FileAnalysis | None:
        return self._load("analyses", key)

    def get_package(self, key: bytes) -> object | None:
        return self._load("packages", key)

    def put_package(self, key: bytes, value: object, reasons: Iterable[str]) -> None:
        """Keep a whole package's result, unless a file's ``reasons`` for not being analysed may pass."""
        if any(reason.startswith(_TRANSIENT_ERRORS) for reason in reasons):
            return
        self._pending_packages.append((key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))

    def _load(self, table: str, key: bytes):
        if self._db is None:
            return None
        try:
            row = self._db.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()
            return pickle.loads(row[0]) if row else None
        except Exception:   # a damaged entry is a miss, never a result
            return None

    def put(self, key: bytes, analysis: FileAnalysis) -> None:
        if analysis.error and analysis.error.startswith(_TRANSIENT_ERRORS):
            return
        self._pending.append((key, pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL)))

    def flush(self) -> None:
        if self._db is None or not (self._pending or self._pending_packages):
            return
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO analyses (key, value) VALUES (?, ?)", self._pending)
                self._db.executemany("INSERT OR REPLACE INTO packages (key, value) VALUES (?, ?)",
                                     self._pending_packages)
        except sqlite3.Error:
            pass   # the cache is an optimisation; a failed write costs only speed
        self._pending.clear()
        self._pending_packages.clear()

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None

    def clear(self) -> int:
        """Delete every entry; returns how many there were."""
        if self._db is None:
            return 0
        with self._db:
            count = self._db.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
            self._db.execute("DELETE FROM analyses")
            self._db.execute("DELETE FROM packages")
        self._db.execute("VACUUM")
        return int(count)
