"""Wheels and sdists read straight from the archive, never built or extracted.

* ``WheelSource`` — a ``.whl`` (zip).  Paths are relative to the wheel
  root, as the installer lays them out in site-packages (``ntplib.py``,
  ``pkg/mod.py``, ``pkg.pth``, ``pkg-1.0.data/scripts/tool``).
  Name/version come from ``*.dist-info/METADATA``, else from the filename.
* ``SdistSource`` — ``.tar.gz`` / ``.tgz`` / ``.tar.bz2`` / ``.tar.xz`` /
  ``.zip``.  Paths are relative to the archive's single top folder
  (``setup.py``, ``src/pkg/x.py``).  Name/version come from ``PKG-INFO``,
  else from the filename.

Members with absolute or ``..`` names are listed in ``unreadable`` (the
archive holds code we refuse to name, so the package is not "clean");
links are not followed and are listed in ``metadata["skipped_links"]``.
Links, special files, members over ``MAX_FILE_SIZE`` (declared size) and
compiled extension modules (``.so``, ``.pyd``) are listed in ``unreadable``
too (the engine keeps those whose names it would have read).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from egress.errors import SourceError
from egress.sources.download import file_digest
from egress.model import Ecosystem, NotAnalysed, PackageArtifact, SourceFile
from egress.sources.interface import Source
from egress.sources.python_archive_io import ArchiveListing, iter_archive, list_archive
from egress.sources.python_meta import artifact_metadata, core_metadata, decode_text, derived_top_level
from egress.sources.unanalysed import native_files, too_large

_UNSAFE_REASON = "archive member path is absolute or climbs out with '..': not read"
_LINK_REASON = "link in the archive not followed"
_SPECIAL_REASON = "special file in the archive not read"
_EGG_INFO_FILE = re.compile(r"(?:src/)?[^/]+\.egg-info/(?:entry_points|top_level)\.txt")


class _ArchiveSource(Source):
    """One archive on disk; ``origin`` replaces the path in ``locations`` (e.g. the download URL)."""

    def __init__(self, path: Path, origin: str | None = None, digest: str | None = None,
                 extra_metadata: dict | None = None) -> None:
        self.path = Path(path)
        self.origin = origin or str(self.path)
        self.digest = digest
        self.extra_metadata = extra_metadata or {}


class WheelSource(_ArchiveSource):
    """One wheel file on disk."""

    def collect(self) -> Iterator[PackageArtifact]:
        _require_file(self.path)
        listing = list_archive(self.path, capture=_is_dist_info_meta)
        dist_info = _pick_dist_info(listing, self.path.name)
        if dist_info is None:
            raise SourceError(f"{self.path}: not a wheel: it has no *.dist-info folder")
        meta_bytes = listing.captured.get(f"{dist_info}/METADATA")
        fields = core_metadata(meta_bytes) if meta_bytes is not None else {}
        notes = list(self.extra_metadata.get("notes", ()))
        name, version = fields.get("name"), fields.get("version")
        if not (name and version):
            name, version = _wheel_filename_identity(self.path)
            notes.append("no *.dist-info/METADATA: name and version taken from the filename")
        path = self.path
        metadata = artifact_metadata(
            "wheel",
            entry_points=listing.captured.get(f"{dist_info}/entry_points.txt"),
            top_level_txt=listing.captured.get(f"{dist_info}/top_level.txt"),
            filename=self.path.name,
            requires_python=fields.get("requires-python"),
            **_links(listing),
        )
        if not metadata["top_level"]:
            metadata["top_level"] = derived_top_level(listing.files)
        metadata.update({k: v for k, v in self.extra_metadata.items() if k != "notes"})
        if notes:
            metadata["notes"] = notes
        yield PackageArtifact(
            ecosystem=Ecosystem.PYPI,
            name=name,
            version=version,
            read_files=lambda want: _read(path, want),
            locations=(self.origin,),
            metadata=metadata,
            digest=self.digest or _sha256_of(path),
            unreadable=_unreadable(listing),
        )


class SdistSource(_ArchiveSource):
    """One source distribution on disk; its ``setup.py`` is read, never run."""

    def collect(self) -> Iterator[PackageArtifact]:
        _require_file(self.path)
        # One pass over the archive: the top folder is not known yet, so capture
        # metadata files at depth 1 or 2 (with or without the top folder).
        listing = list_archive(self.path, capture=_is_sdist_meta_candidate)
        top = _single_top(listing)
        prefix = f"{top}/" if top else ""

        def inner(name: str) -> bytes | None:
            return listing.captured.get(prefix + name)

        notes = list(self.extra_metadata.get("notes", ()))
        if not top:
            notes.append("archive has no single top folder: paths are relative to the archive root")
        if not any(prefix + marker in listing.files for marker in ("PKG-INFO", "setup.py", "pyproject.toml", "setup.cfg")):
            raise SourceError(f"{self.path}: not a Python sdist (no PKG-INFO, setup.py, setup.cfg or pyproject.toml)")
        fields = core_metadata(inner("PKG-INFO")) if inner("PKG-INFO") is not None else {}
        name, version = fields.get("name"), fields.get("version")
        if not (name and version):
            name, version = _sdist_identity(self.path, top)
            notes.append("no PKG-INFO: name and version taken from the file name")
        egg = _egg_info_files(listing, prefix)
        metadata = artifact_metadata(
            "sdist",
            entry_points=egg.get("entry_points.txt"),
            top_level_txt=egg.get("top_level.txt"),
            filename=self.path.name,
            requires_python=fields.get("requires-python"),
            has_setup_py=f"{prefix}setup.py" in listing.files,
            pyproject_toml=decode_text(inner("pyproject.toml")),
            **_links(listing),
        )
        metadata.update({k: v for k, v in self.extra_metadata.items() if k != "notes"})
        if notes:
            metadata["notes"] = notes
        path = self.path
        yield PackageArtifact(
            ecosystem=Ecosystem.PYPI,
            name=name,
            version=version,
            read_files=lambda want: _read(path, want, prefix),
            locations=(self.origin,),
            metadata=metadata,
            digest=self.digest or _sha256_of(path),
            unreadable=_unreadable(listing, prefix),
        )


def _read(path: Path, want: Callable[[str], bool], prefix: str = "") -> Iterator[SourceFile]:
    def wanted(name: str) -> bool:
        return name.startswith(prefix) and len(name) > len(prefix) and want(name[len(prefix):])

    for name, data in iter_archive(path, wanted):
        yield SourceFile(name[len(prefix):], data)


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise SourceError(f"{path}: no such file")


def _sha256_of(path: Path) -> str:
    try:
        return f"sha256:{file_digest(path, 'sha256').hex()}"
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _is_dist_info_meta(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] in (
        "METADATA", "entry_points.txt", "top_level.txt")


def _pick_dist_info(listing: ArchiveListing, filename: str) -> str | None:
    folders = sorted({f.split("/")[0] for f in listing.files if f.split("/")[0].endswith(".dist-info")})
    if not folders:
        return None
    wanted = canonicalize_name(filename.split("-")[0])
    matching = [f for f in folders if canonicalize_name(f[: -len(".dist-info")].split("-")[0]) == wanted]
    return (matching or folders)[0]


def _wheel_filename_identity(path: Path) -> tuple[str, str]:
    try:
        name, version, _build, _tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename:
        raise SourceError(f"{path}: not a wheel: no *.dist-info/METADATA and the filename "
                          "is not a wheel name") from None
    return str(name), str(version)


def _is_sdist_meta_candidate(name: str) -> bool:
    parts = name.split("/")
    if parts[-1] in ("PKG-INFO", "pyproject.toml") and len(parts) <= 2:
        return True
    return bool(_EGG_INFO_FILE.fullmatch(name) or _EGG_INFO_FILE.fullmatch("/".join(parts[1:])))


def _egg_info_files(listing: ArchiveListing, prefix: str) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name in sorted(listing.captured):
        if name.startswith(prefix) and _EGG_INFO_FILE.fullmatch(name[len(prefix):]):
            found.setdefault(name.rsplit("/", 1)[-1], listing.captured[name])
    return found


def _single_top(listing: ArchiveListing) -> str | None:
    entries = listing.files + listing.dirs + listing.links
    tops = {e.split("/")[0] for e in entries}
    if len(tops) == 1 and all("/" in f for f in listing.files):
        return tops.pop()
    return None


def _sdist_identity(path: Path, top: str | None) -> tuple[str, str]:
    try:
        name, version = parse_sdist_filename(path.name)
        return str(name), str(version)
    except InvalidSdistFilename:
        pass
    stem = re.sub(r"\.(tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar|zip)$", "", path.name, flags=re.I)
    for candidate in (stem, top or ""):
        name, sep, version = candidate.rpartition("-")
        if sep and name and version[:1].isdigit():
            return name, version
    raise SourceError(f"{path}: not an sdist: no PKG-INFO and the file name is not name-version")


def _unreadable(listing: ArchiveListing, prefix: str = "") -> tuple[NotAnalysed, ...]:
    """Members the archive holds but no analyzer will read: unsafe ones by raw name,
    the others by package path (``prefix``, the sdist's top folder, removed)."""
    def inside(name: str) -> str:
        return name.removeprefix(prefix)

    return (*(NotAnalysed(raw, _UNSAFE_REASON) for raw in listing.unsafe),
            *(NotAnalysed(inside(name), _LINK_REASON) for name in listing.links),
            *(NotAnalysed(inside(name), _SPECIAL_REASON) for name in listing.special),
            *(too_large(inside(name), size) for name, size in listing.oversize),
            *native_files(Ecosystem.PYPI, map(inside, listing.files)))


def _links(listing: ArchiveListing) -> dict:
    return {"skipped_links": list(listing.links)} if listing.links else {}
