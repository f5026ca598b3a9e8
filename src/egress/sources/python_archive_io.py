"""Reading zip and tar archives in place: list once, stream wanted members later.

Nothing is extracted to disk.  Member names are whatever the archive's
author wrote, so every name goes through ``safe_relative``: absolute and
``..`` names are refused (reported, never read), and links are never
followed (a link's target, if inside the archive, is read as itself).
A member whose declared size is over ``MAX_FILE_SIZE`` is listed in
``oversize`` and never decompressed, and every read stops at the limit
plus one byte, so neither a bomb nor a lying header costs memory.
Every failure of the archive libraries becomes one ``SourceError`` line.
"""

from __future__ import annotations

import lzma
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from egress.errors import SourceError
from egress.model import MAX_FILE_SIZE
from egress.sources.python_meta import safe_relative
from egress.sources.unanalysed import read_bounded, too_large_reason

_ZIP_SUFFIXES = (".whl", ".zip")
_TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")
_ERRORS = (tarfile.TarError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error,
           lzma.LZMAError, ValueError, NotImplementedError, RuntimeError)
_S_IFMT, _S_IFLNK = 0o170000, 0o120000


@dataclass(frozen=True)
class ArchiveListing:
    """What an archive holds, by archive-root-relative POSIX path."""

    files: tuple[str, ...]
    dirs: tuple[str, ...]
    unsafe: tuple[str, ...]          # raw member names refused: absolute or climbing with ..
    links: tuple[str, ...]           # symlink / hardlink members, not followed
    oversize: tuple[tuple[str, int], ...] = ()   # (path, declared size) of files never read
    special: tuple[str, ...] = ()    # devices, FIFOs: no file to read
    captured: dict[str, bytes] = field(default_factory=dict, compare=False)


def archive_format(path: Path) -> str:
    """``"zip"`` or ``"tar"``, by suffix, else by content; ``SourceError`` otherwise."""
    name = path.name.lower()
    if name.endswith(_ZIP_SUFFIXES):
        return "zip"
    if name.endswith(_TAR_SUFFIXES):
        return "tar"
    try:
        if zipfile.is_zipfile(path):
            return "zip"
        if tarfile.is_tarfile(path):
            return "tar"
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror or exc}") from None
    raise SourceError(f"{path}: not a zip or tar archive")


def list_archive(path: Path, capture: Callable[[str], bool] = lambda _: False) -> ArchiveListing:
    """List every member and keep the bytes of those ``capture`` names (small metadata files)."""
    files: list[str] = []
    dirs: list[str] = []
    unsafe: list[str] = []
    links: list[str] = []
    oversize: list[tuple[str, int]] = []
    special: list[str] = []
    captured: dict[str, bytes] = {}
    for raw, kind, safe, size, read in _members(path):
        if safe is None:
            unsafe.append(raw)
        elif kind == "dir":
            dirs.append(safe)
        elif kind == "link":
            links.append(safe)
        elif kind == "file" and size > MAX_FILE_SIZE:
            oversize.append((safe, size))
        elif kind == "file":
            files.append(safe)
            if capture(safe):
                captured[safe] = read()
        else:
            special.append(safe)
    return ArchiveListing(tuple(files), tuple(dirs), tuple(unsafe), tuple(links), oversize=tuple(oversize),
                          special=tuple(special), captured=captured)


def iter_archive(path: Path, want: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(path, bytes)`` of regular, safely named members ``want`` accepts, in archive order."""
    for _raw, kind, safe, size, read in _members(path):
        if kind == "file" and safe is not None and size <= MAX_FILE_SIZE and want(safe):
            yield safe, read()


def _members(path: Path) -> Iterator[tuple[str, str, str | None, int, Callable[[], bytes]]]:
    """``(raw name, kind, safe path, declared size, reader)`` per member; kind is file/dir/link/other.

    Readers run in the caller's frame, so they carry their own error translation.
    """
    fmt = archive_format(path)
    members = _zip_members(path) if fmt == "zip" else _tar_members(path)
    try:
        while True:
            try:
                raw, kind, safe, size, read = next(members)
            except StopIteration:
                return
            except _ERRORS as exc:
                raise _archive_error(path, fmt, exc) from None
            yield raw, kind, safe, size, _guarded(read, path, fmt)
    finally:
        members.close()     # closes the archive when the caller stops early


def _guarded(read: Callable[[], bytes], path: Path, fmt: str) -> Callable[[], bytes]:
    def guarded() -> bytes:
        try:
            return read()
        except _ERRORS as exc:
            raise _archive_error(path, fmt, exc) from None

    return guarded


def _archive_error(path: Path, fmt: str, exc: BaseException) -> SourceError:
    detail = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return SourceError(f"{path}: corrupt or truncated {fmt} archive: {detail}")


def _zip_members(path: Path) -> Iterator[tuple[str, str, str | None, int, Callable[[], bytes]]]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            mode = info.external_attr >> 16
            if info.is_dir():
                kind = "dir"
            elif info.create_system == 3 and mode & _S_IFMT == _S_IFLNK:
                kind = "link"
            else:
                kind = "file"
            yield (info.filename, kind, safe_relative(info.filename), info.file_size,
                   (lambda i=info: _zip_read(archive, i)))


def _tar_members(path: Path) -> Iterator[tuple[str, str, str | None, int, Callable[[], bytes]]]:
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            if member.isdir():
                kind = "dir"
            elif member.issym() or member.islnk():
                kind = "link"
            elif member.isfile():
                kind = "file"
            else:
                kind = "other"
            yield member.name, kind, safe_relative(member.name), member.size, (lambda m=member: _tar_read(archive, m))


def _tar_read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    if handle is None:
        raise EOFError(f"member {member.name!r} has no data")
    data = read_bounded(handle)
    if data is None:
        raise EOFError(f"member {member.name!r}: {too_large_reason(member.size)}")
    if len(data) != member.size:
        raise EOFError(f"member {member.name!r} is truncated")
    return data


def _zip_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, never more than the limit plus one: its declared size may lie."""
    with archive.open(info) as handle:
        data = read_bounded(handle)
    if data is None:
        raise EOFError(f"member {info.filename!r} inflates past its declared size "
                       f"({info.file_size} bytes) and the limit ({MAX_FILE_SIZE})")
    return data
