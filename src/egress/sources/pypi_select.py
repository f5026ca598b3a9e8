"""Choosing the release and the files of it to scan, from an index's file list.

Versions come from filenames (the index lists files, not releases).
Yanked files (PEP 592) are skipped unless the spec pins that exact
version with ``==``/``===``.  Pre-releases follow ``SpecifierSet``: only
when the specifier names one, or when no final release matches (pip
does the same).  ``Requires-Python`` is not applied: egress scans what
was named, whatever interpreter would install it.

Which files (``dist``):

* ``sdist`` — the source distribution (``.tar.gz`` preferred over other forms);
* ``wheel`` — one wheel: a pure-Python one (``py3-none-any``) if any,
  otherwise one platform wheel chosen deterministically (manylinux x86_64
  first, then CPython 3.11 / abi3, then filename order);
* ``all`` — every file of the release;
* ``default`` — the sdist *and* one wheel (as for ``wheel``) when both
  exist, otherwise whichever exists.  The sdist matters because its
  ``setup.py`` runs at install time; the wheel is what most installs
  actually unpack, and may contain generated code the sdist lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from egress.errors import SourceError
from egress.sources.pypi_simple import IndexFile
from egress.sources.pypi_spec import PypiSpec

DISTS = ("default", "sdist", "wheel", "all")
_LEGACY_SDIST = (".tar.bz2", ".tgz", ".tar.xz", ".tar")
_SDIST_ORDER = (".tar.gz", ".zip", ".tgz", ".tar.bz2", ".tar.xz", ".tar")


@dataclass(frozen=True)
class Candidate:
    file: IndexFile
    version: Version
    kind: str                       # "wheel" | "sdist"
    tags: frozenset[Tag] = frozenset()


@dataclass(frozen=True)
class Selection:
    version: Version
    files: tuple[Candidate, ...]
    notes: tuple[str, ...] = ()


def candidates_of(files: list[IndexFile], name: str) -> list[Candidate]:
    """The wheels and sdists of project ``name``; eggs, installers and odd names are dropped."""
    wanted = canonicalize_name(name)
    result = []
    for file in files:
        parsed = _parse_filename(file.filename)
        if parsed is None or parsed[0] != wanted:
            continue
        _, version, kind, tags = parsed
        result.append(Candidate(file, version, kind, tags))
    return result


def select(spec: PypiSpec, candidates: list[Candidate], dist: str) -> Selection:
    """The release ``spec`` resolves to and the files of it ``dist`` asks for."""
    if dist not in DISTS:
        raise SourceError(f"unknown --dist {dist!r}; choose one of {', '.join(DISTS)}")
    notes: list[str] = []
    pinned = spec.pinned_version
    usable = [c for c in candidates if not c.file.yanked]
    versions = spec.specifier.filter(sorted({c.version for c in usable}))
    best = max(versions, default=None)
    if best is None and pinned is not None:
        yanked = [c for c in candidates if c.version in spec.specifier]
        if yanked:
            best = max(c.version for c in yanked)
            usable = yanked
            notes.append(f"{spec.name} {best} is yanked; scanned because it is pinned with ==")
    if best is None:
        known = ", ".join(str(v) for v in sorted({c.version for c in candidates})[-8:]) or "none"
        raise SourceError(f"no release of {spec.name} matches {spec.specifier or 'any version'} "
                          f"(latest releases: {known})")
    release = [c for c in usable if c.version == best]
    chosen, more = _choose(release, dist, spec.name, best)
    return Selection(best, tuple(chosen), tuple(notes + more))


def _choose(release: list[Candidate], dist: str, name: str, version: Version) -> tuple[list[Candidate], list[str]]:
    sdists = sorted((c for c in release if c.kind == "sdist"), key=_sdist_key)
    wheels = [c for c in release if c.kind == "wheel"]
    wheel, notes = _best_wheel(wheels)
    if dist == "all":
        return sorted(release, key=lambda c: c.file.filename), []
    if dist == "sdist":
        if not sdists:
            raise SourceError(f"{name} {version} has no sdist on the index (try --dist wheel)")
        return [sdists[0]], []
    if dist == "wheel":
        if wheel is None:
            raise SourceError(f"{name} {version} has no wheel on the index (try --dist sdist)")
        return [wheel], notes
    chosen = sdists[:1] + ([wheel] if wheel is not None else [])
    return chosen, notes


def _sdist_key(c: Candidate) -> tuple[int, str]:
    name = c.file.filename.lower()
    rank = next((i for i, ext in enumerate(_SDIST_ORDER) if name.endswith(ext)), len(_SDIST_ORDER))
    return rank, c.file.filename


def _best_wheel(wheels: list[Candidate]) -> tuple[Candidate | None, list[str]]:
    if not wheels:
        return None, []
    pure = [w for w in wheels if _is_pure(w.tags)]
    if pure:
        return min(pure, key=lambda w: (0 if any(t.interpreter.startswith("py3") for t in w.tags) else 1,
                                        w.file.filename)), []
    chosen = min(wheels, key=_platform_key)
    return chosen, [f"no pure-Python wheel: scanned one platform wheel, {chosen.file.filename}"]


def _is_pure(tags: frozenset[Tag]) -> bool:
    return any(t.abi == "none" and t.platform == "any" for t in tags)


_PLATFORMS = (r"manylinux.*_x86_64", r"musllinux.*_x86_64", r"linux_x86_64", r"manylinux.*_aarch64",
              r"macosx.*", r"win_amd64", r"win32")


def _platform_key(w: Candidate) -> tuple[int, int, str]:
    platform = min((next((i for i, p in enumerate(_PLATFORMS) if re.fullmatch(p, t.platform)), len(_PLATFORMS))
                    for t in w.tags), default=len(_PLATFORMS))
    return platform, min((_interpreter_rank(t) for t in w.tags), default=99), w.file.filename


def _interpreter_rank(tag: Tag) -> int:
    match = re.fullmatch(r"cp3(\d+)", tag.interpreter)
    if not match:
        return 90
    minor = int(match.group(1))
    if tag.abi == "abi3" and minor <= 11:
        return 1
    return 0 if minor == 11 else 2 + abs(minor - 11) * 2 + (1 if minor < 11 else 0)


def _parse_filename(filename: str) -> tuple[str, Version, str, frozenset[Tag]] | None:
    try:
        if filename.endswith(".whl"):
            name, version, _build, tags = parse_wheel_filename(filename)
            return str(name), version, "wheel", tags
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return str(name), version, "sdist", frozenset()
        for ext in _LEGACY_SDIST:
            if filename.lower().endswith(ext):
                stem, sep, raw_version = filename[: -len(ext)].rpartition("-")
                if not sep:
                    return None
                return canonicalize_name(stem), Version(raw_version), "sdist", frozenset()
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None
