"""Pinned specs from Python lockfiles: ``poetry.lock``, ``uv.lock``, ``pylock.toml`` (PEP 751).

A lockfile already names one version per package and the hashes of
its files; those become ``PypiSpec``s (``==version`` plus ``sha256:``
pins), so ``PypiRegistrySource`` downloads exactly the locked files.
The project's own entry (uv ``editable``/``virtual``, a pylock
``directory``) is skipped: scan that folder itself.  Packages that come
from git, a URL or a local path cannot be fetched from an index and are
a ``SpecError`` naming the package, never silently dropped.

``parse_python_dependencies(path)`` picks the parser from the file name.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from egress.errors import SpecError
from egress.sources.pypi_spec import HASH_ALGORITHMS, PypiSpec, normalize_hashes
from egress.sources.python_requirements import read_text, parse_pyproject, parse_requirements

_POETRY_LOCAL = ("git", "directory", "file", "url")
_UV_LOCAL = ("git", "path", "directory", "url")
_UV_SELF = ("editable", "virtual")


def parse_python_dependencies(path: Path) -> list[PypiSpec]:
    """Dispatch on the file name: lockfiles, pyproject.toml, else a requirements file."""
    path = Path(path)
    name = path.name.lower()
    if name == "poetry.lock":
        return parse_poetry_lock(path)
    if name == "uv.lock":
        return parse_uv_lock(path)
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return parse_pylock(path)
    if name == "pyproject.toml":
        return parse_pyproject(path)
    return parse_requirements(path)


def parse_poetry_lock(path: Path) -> list[PypiSpec]:
    document = _toml(path)
    legacy_files = (document.get("metadata") or {}).get("files") or {}
    specs = []
    for i, package in enumerate(_tables(document, "package", path), 1):
        name, version = _identity(package, path, i)
        source = package.get("source") or {}
        if isinstance(source, dict) and source.get("type") in _POETRY_LOCAL:
            raise SpecError(f"{path}: package {name} comes from {source.get('type')} "
                            f"({source.get('url', '?')}), not an index; scan it as a folder or archive")
        files = package.get("files") or legacy_files.get(name) or []
        hashes = [f.get("hash", "") for f in files if isinstance(f, dict) and f.get("hash")]
        specs.append(_spec(name, version, _supported(hashes), path, package.get("markers")))
    return specs


def parse_uv_lock(path: Path) -> list[PypiSpec]:
    document = _toml(path)
    specs = []
    for i, package in enumerate(_tables(document, "package", path), 1):
        source = package.get("source") or {}
        if not isinstance(source, dict):
            source = {}
        if any(key in source for key in _UV_SELF):
            continue
        name = package.get("name")
        local = next((key for key in _UV_LOCAL if key in source), None)
        if local:
            raise SpecError(f"{path}: package {name} comes from {local} ({source[local]}), not an index; "
                            "scan it as a folder or archive")
        name, version = _identity(package, path, i)
        files = [package.get("sdist")] + list(package.get("wheels") or [])
        hashes = [f.get("hash", "") for f in files if isinstance(f, dict) and f.get("hash")]
        specs.append(_spec(name, version, _supported(hashes), path))
    return specs


def parse_pylock(path: Path) -> list[PypiSpec]:
    document = _toml(path)
    specs = []
    for i, package in enumerate(_tables(document, "packages", path), 1):
        if "directory" in package:
            continue
        name = package.get("name")
        for local in ("vcs", "archive"):
            if local in package:
                raise SpecError(f"{path}: package {name} comes from a {local} entry, not an index; "
                                "scan it as a folder or archive")
        name, version = _identity(package, path, i)
        files = [package.get("sdist")] + list(package.get("wheels") or [])
        hashes = [f"{alg}:{value}" for f in files if isinstance(f, dict)
                  for alg, value in (f.get("hashes") or {}).items() if alg in HASH_ALGORITHMS]
        specs.append(_spec(name, version, hashes, path, package.get("marker")))
    return specs


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None


def _tables(document: dict, key: str, path: Path) -> list[dict]:
    tables = document.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise SpecError(f"{path}: [[{key}]] entries are malformed")
    return tables


def _identity(package: dict, path: Path, index: int) -> tuple[str, str]:
    name, version = package.get("name"), package.get("version")
    if not isinstance(name, str) or not name:
        raise SpecError(f"{path}: package entry {index} has no name")
    if not isinstance(version, str) or not version:
        raise SpecError(f"{path}: package {name} has no locked version; re-lock it with a static version")
    try:
        Version(version)
    except InvalidVersion:
        raise SpecError(f"{path}: package {name} has an invalid version {version!r}") from None
    return name, version


def _supported(hashes: list[str]) -> list[str]:
    return [h for h in hashes if h.partition(":")[0].lower() in HASH_ALGORITHMS]


def _spec(name: str, version: str, hashes: list[str], path: Path, marker: object = None) -> PypiSpec:
    return PypiSpec(name, SpecifierSet(f"=={version}"), normalize_hashes(hashes, where=str(path)),
                    marker if isinstance(marker, str) else "")
