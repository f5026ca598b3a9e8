"""The distributions installed in one site-packages folder, each with exactly its files.

A file belongs to the distribution whose install record lists it:
``*.dist-info/RECORD`` (paths relative to site-packages, possibly
``../../bin/tool``), ``*.egg-info/installed-files.txt`` (paths relative to
the egg-info folder), or everything inside an old ``*.egg`` folder.
Record paths that leave the environment are skipped (listed in
``metadata["outside_env"]``); listed files missing on disk are
``unreadable`` (compiled ``__pycache__`` files excepted: they are never
analysed and Python rewrites them).  Files nobody claims — a dropped
``evil.py``, a ``.pth`` an installer did not record — are the artifact
``"<unattributed>"``: they run just the same, so they are never ignored.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from egress.errors import SourceError
from egress.model import Ecosystem, NotAnalysed, PackageArtifact, SourceFile
from egress.sources.python_folder import read_bytes
from egress.sources.python_meta import artifact_metadata, core_metadata, derived_top_level
from egress.sources.fingerprint import stat_fingerprint
from egress.sources.unanalysed import folder_entry, native_files

UNATTRIBUTED = "<unattributed>"
_MISSING = "listed in the install record but missing on disk"
_META_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class _Dist:
    name: str
    version: str
    meta_dir: Path
    files: tuple[tuple[str, str], ...]        # (path as reported, absolute path)
    missing: tuple[str, ...]
    outside: tuple[str, ...]
    metadata: dict


def site_packages_artifacts(site: Path, env_root: Path) -> Iterator[PackageArtifact]:
    """One artifact per distribution in ``site``, then the unattributed files if any."""
    site = Path(os.path.normpath(site))
    root = os.path.normpath(env_root)
    claimed: set[str] = set()
    try:
        entries = sorted(site.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise SourceError(f"{site}: cannot list site-packages: {exc.strerror or exc}") from None
    for meta_dir in entries:
        dist = _read_dist(site, meta_dir, root)
        if dist is None:
            continue
        claimed.update(abs_path for _, abs_path in dist.files)
        claimed.update(os.path.normpath(site / m) for m in dist.missing)
        yield _artifact(dist.name, dist.version, str(dist.meta_dir), dist.files, dist.missing, dist.metadata)
    unlisted: list[NotAnalysed] = []
    stray = tuple(_unclaimed(site, claimed, unlisted))
    if stray or unlisted:
        artifact = _artifact(UNATTRIBUTED, "", str(site), stray, (), {"kind": "unattributed", "top_level": []})
        yield dataclasses.replace(artifact, unreadable=artifact.unreadable + tuple(unlisted))


def _artifact(name: str, version: str, location: str, files: tuple[tuple[str, str], ...],
              missing: tuple[str, ...], metadata: dict) -> PackageArtifact:
    unreadable = [NotAnalysed(rel, _MISSING) for rel in missing]
    readable = []
    for rel, abs_path in files:
        if os.access(abs_path, os.R_OK):
            readable.append((rel, abs_path))
        else:
            unreadable.append(NotAnalysed(rel, "permission denied"))

    unreadable.extend(native_files(Ecosystem.PYPI, (rel for rel, _ in readable)))

    def read_files(want: Callable[[str], bool]) -> Iterator[SourceFile]:
        for rel, abs_path in readable:
            if want(rel):
                yield SourceFile(rel, read_bytes(Path(abs_path)))

    return PackageArtifact(Ecosystem.PYPI, name, version, read_files=read_files, locations=(location,),
                           metadata=metadata, unreadable=tuple(unreadable),
                           fingerprint=lambda want: stat_fingerprint(readable, want))


def _read_dist(site: Path, meta_dir: Path, root: str) -> _Dist | None:
    suffix = meta_dir.suffix
    if suffix == ".dist-info" and meta_dir.is_dir():
        listed = _record_paths(meta_dir / "RECORD")
        info = meta_dir
        fields_file = meta_dir / "METADATA"
    elif suffix == ".egg-info":
        info = meta_dir
        fields_file = meta_dir / "PKG-INFO" if meta_dir.is_dir() else meta_dir
        listed = _installed_files(meta_dir, site) if meta_dir.is_dir() else None
    elif suffix == ".egg" and meta_dir.is_dir():
        info = meta_dir / "EGG-INFO"
        fields_file = info / "PKG-INFO"
        listed = [p.relative_to(site).as_posix() for p in sorted(meta_dir.rglob("*")) if p.is_file()]
    else:
        return None
    fields = core_metadata(_optional(fields_file) or b"")
    stem_name, _, stem_version = meta_dir.stem.partition("-")
    notes: list[str] = []
    if listed is None:
        listed = []
        notes.append(f"no install record in {meta_dir.name}: its files cannot be attributed "
                     f"and are reported under {UNATTRIBUTED}")
    files, missing, outside = _resolve(site, listed, root)
    metadata = artifact_metadata(
        "installed",
        entry_points=_optional(info / "entry_points.txt"),
        top_level_txt=_optional(info / "top_level.txt"),
        **({"outside_env": list(outside)} if outside else {}),
        **({"notes": notes} if notes else {}),
    )
    if not metadata["top_level"]:
        metadata["top_level"] = derived_top_level(rel for rel, _ in files)
    name = fields.get("name") or stem_name
    version = fields.get("version") or stem_version.split("-")[0] or "unknown"
    return _Dist(name, version, meta_dir, files, missing, outside, metadata)


def _optional(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _record_paths(record: Path) -> list[str] | None:
    data = _optional(record)
    if data is None:
        return None
    rows = csv.reader(io.StringIO(data.decode("utf-8", errors="replace")))
    return [row[0] for row in rows if row and row[0].strip()]


def _installed_files(egg_info: Path, site: Path) -> list[str] | None:
    data = _optional(egg_info / "installed-files.txt")
    if data is None:
        return None
    base = egg_info.relative_to(site).as_posix()
    return [f"{base}/{line.strip()}" for line in data.decode("utf-8", errors="replace").splitlines()
            if line.strip()]


def _resolve(site: Path, listed: list[str], root: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...],
                                                                   tuple[str, ...]]:
    """Split record entries into present files, missing files and paths outside the environment."""
    files: dict[str, str] = {}
    missing: list[str] = []
    outside: list[str] = []
    for entry in listed:
        entry = entry.replace("\\", "/")
        abs_path = os.path.normpath(os.path.join(site, entry))
        rel = os.path.relpath(abs_path, site).replace(os.sep, "/")
        if not (abs_path == root or abs_path.startswith(root.rstrip(os.sep) + os.sep)):
            outside.append(entry)
        elif os.path.isfile(abs_path):
            files.setdefault(rel, abs_path)
        elif not os.path.lexists(abs_path):
            if not ("/__pycache__/" in f"/{rel}" and rel.endswith(".pyc")):
                missing.append(rel)
    return tuple(sorted(files.items())), tuple(dict.fromkeys(missing)), tuple(outside)


def _unclaimed(site: Path, claimed: set[str], unlisted: list[NotAnalysed]) -> Iterator[tuple[str, str]]:
    def failed(error: OSError) -> None:
        where = Path(error.filename or site)
        rel = where.relative_to(site).as_posix() if where != site else "."
        unlisted.append(folder_entry(rel, error))

    for current, dirnames, filenames in os.walk(site, onerror=failed):
        here = Path(current)
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.endswith(_META_SUFFIXES + (".egg",))
                             and not (here / d).is_symlink())
        for filename in sorted(filenames):
            full = here / filename
            if here == site and filename.endswith(".egg-info"):
                continue     # a distutils metadata file, read as its distribution
            abs_path = os.path.normpath(full)
            if abs_path not in claimed and full.is_file():
                yield full.relative_to(site).as_posix(), abs_path
