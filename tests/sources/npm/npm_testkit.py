"""Builders for the npm source tests: tarballs and package folders written into tmp_path."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Iterable

FIXTURE_PKG = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "npm" / "tiny-pkg"

#: Every file of the tiny-pkg fixture, package-relative, sorted.
FIXTURE_FILES = (
    "README.md",
    "bin/tiny.js",
    "esm/index.mjs",
    "index.js",
    "lib/util.js",
    "package.json",
    "scripts/setup.js",
)

#: The metadata every npm source must derive from tiny-pkg's package.json (kind aside).
FIXTURE_METADATA = {
    "scripts": {"postinstall": "node scripts/setup.js", "test": "node index.js"},
    "script_lines": {"postinstall": 11, "test": 11},
    "dependencies": {"left-pad": "^1.3.0"},
    "optionalDependencies": {"fsevents": "^2.3.3"},
    "devDependencies": {"tap": "^18.0.0"},
    "main": "index.js",
    "module": "esm/index.mjs",
    "exports": {".": {"require": "./index.js", "import": "./esm/index.mjs"}},
    "bin": {"tiny": "bin/tiny.js"},
    "type": None,
}


def fixture_files() -> dict[str, bytes]:
    return {rel: (FIXTURE_PKG / rel).read_bytes() for rel in FIXTURE_FILES}


def manifest(name: str, version: str, **extra: object) -> bytes:
    return json.dumps({"name": name, "version": version, **extra}).encode()


def add_file(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def add_link(tar: tarfile.TarFile, name: str, target: str, *, hard: bool = False) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def build_tgz(dest: Path, files: dict[str, bytes], *, root: str = "package", gzip: bool = True,
              extra: Iterable[tuple[str, bytes]] = ()) -> Path:
    """Write ``files`` under ``root/`` (in the given order), then raw ``extra`` members."""
    with tarfile.open(dest, "w:gz" if gzip else "w") as tar:
        for rel, data in files.items():
            add_file(tar, f"{root}/{rel}" if root else rel, data)
        for name, data in extra:
            add_file(tar, name, data)
    return dest


def sri_of(path: Path, algorithm: str = "sha512") -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, path.read_bytes()).digest()).decode()


def write_package(folder: Path, name: str, version: str, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_bytes(manifest(name, version))
    for rel, text in (files or {"index.js": f"module.exports = '{name}';\n"}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def read_all(artifact) -> dict[str, bytes]:
    return {f.path: f.data for f in artifact.read_files(lambda p: True)}
