"""An npm package tarball (``.tgz``), read straight from the archive.

Nothing is extracted and nothing is written: the archive is streamed with
``tarfile`` in ``r|`` mode.  ``collect()`` makes one full pass to list the
members, read package.json, prove the archive is intact to its last byte
(gzip CRC and length included) and hash it; ``read_files(want)`` makes one
more pass and stops as soon as every wanted member has been read.

Paths follow what npm itself installs (node-tar with ``strip: 1``): the
raw name is split on ``/``, its first component is dropped whatever it is
(``package``, ``.``, the empty one before a leading ``/``, any folder
name), then empty and ``.`` parts are dropped: ``/package/hidden.js`` is
``package/hidden.js``, ``./pkgroot/dot.js`` is ``pkgroot/dot.js``.  When a
path occurs twice the later member wins, as on extraction.  Members npm
never installs are never read: symbolic and hard links, devices, names
with a ``..`` part (node-tar refuses them), files directly at the top.
Nor are members over ``MAX_FILE_SIZE`` by their declared size (a
decompression bomb is never inflated; reads are bounded anyway).  Each
is listed, with the reason, in ``metadata["skipped_members"]`` and in
``unreadable`` (the engine keeps the entries whose names it would read),
as is compiled native code (``.node`` addons).

Failure policy: a truncated or corrupt archive fails ``collect()`` as a
whole (``SourceError``) because no member after the damage can be trusted;
a local tarball cannot be partially analysed and still look clean.  If the
file changes between ``collect()`` and ``read_files()`` so that the second
pass breaks, ``read_files`` raises ``SourceError`` (the engine records it
as the package's error line) rather than yielding a partial file set.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import tarfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from egress.errors import IntegrityError, SourceError
from egress.model import MAX_FILE_SIZE, Ecosystem, NotAnalysed, PackageArtifact, SourceFile
from egress.sources.download import Digest
from egress.sources.interface import Source
from egress.sources.npm_manifest import parse_manifest
from egress.sources.unanalysed import native_files, read_bounded, too_large_reason

#: Exceptions that mean "the archive bytes are damaged" while streaming.
_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError, ValueError)
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class _Index:
    """What the listing pass learned about one archive."""

    files: dict[str, int]          # package path -> ordinal of the member that wins
    package_json: bytes | None
    skipped: tuple[str, ...]       # "member: reason" for members never read
    unreadable: tuple[NotAnalysed, ...]   # the same members, by package path (raw name if it has none)
    sri: str                       # integrity of the whole file


class NpmTarballSource(Source):
    """One ``.tgz``; ``origin`` (``npm:name@version``) names it in locations when known."""

    def __init__(self, path: Path, *, origin: str | None = None, integrity: str | None = None) -> None:
        self.path = Path(path)
        self.origin = origin
        self.integrity = integrity

    def collect(self) -> Iterator[PackageArtifact]:
        expected = Digest.from_sri(self.integrity) if self.integrity else None
        index = _index(self.path, expected.algorithm if expected else "sha512")
        if expected is not None and index.sri != _sri(expected.algorithm, expected.value):
            raise IntegrityError(f"{self.path}: integrity mismatch: expected {self.integrity[:30]}…, got {index.sri[:30]}…")
        where = f"{self.path}: corrupt npm tarball"
        if index.package_json is None:
            raise SourceError(f"{where}: no package.json under the archive's top directory")
        manifest = parse_manifest(index.package_json, where)
        metadata = manifest.metadata("tarball")
        metadata["skipped_members"] = index.skipped
        path = self.path

        def read_files(want: Callable[[str], bool]) -> Iterator[SourceFile]:
            return _read_members(path, {o: p for p, o in index.files.items() if want(p)})

        yield PackageArtifact(
            ecosystem=Ecosystem.NPM,
            name=manifest.name,
            version=manifest.version,
            read_files=read_files,
            locations=(self.origin or str(self.path),),
            metadata=metadata,
            digest=self.integrity or index.sri,
            unreadable=index.unreadable + native_files(Ecosystem.NPM, sorted(index.files)),
        )


def _index(path: Path, algorithm: str) -> _Index:
    """The listing pass: every member, package.json's bytes and the file's digest."""
    hasher = hashlib.new(algorithm)
    files: dict[str, int] = {}
    skipped: list[str] = []
    refused: dict[str, NotAnalysed] = {}      # by package path: the later member wins
    unplaced: list[NotAnalysed] = []          # names npm installs nowhere, by raw name
    package_json: bytes | None = None
    try:
        with _stream(path, hasher) as tar:
            for ordinal, member in enumerate(tar):
                rel, reason = _package_path(member)
                if reason:
                    skipped.append(f"{member.name}: {reason}")
                    if rel is None:
                        unplaced.append(NotAnalysed(member.name, reason))
                    else:
                        refused[rel] = NotAnalysed(rel, reason)
                        files.pop(rel, None)
                        if rel == "package.json":
                            package_json = None
                    continue
                if rel is None:
                    continue
                files[rel] = ordinal
                refused.pop(rel, None)
                if rel == "package.json":
                    package_json = _read(tar, member)
    except SourceError:
        raise
    except _ARCHIVE_ERRORS as exc:
        raise SourceError(f"{path}: corrupt npm tarball: {_reason(exc)}") from None
    if package_json is None and "package.json" in refused:
        raise SourceError(f"{path}: corrupt npm tarball: package.json not read: {refused['package.json'].reason}")
    return _Index(files, package_json, tuple(skipped), (*unplaced, *refused.values()), _sri(algorithm, hasher.digest()))


def _read_members(path: Path, wanted: dict[int, str]) -> Iterator[SourceFile]:
    """The reading pass: yield wanted members in archive order, stop after the last."""
    if not wanted:
        return
    remaining = len(wanted)
    try:
        with _stream(path, None) as tar:
            for ordinal, member in enumerate(tar):
                rel = wanted.get(ordinal)
                if rel is None:
                    continue
                yield SourceFile(rel, _read(tar, member))
                remaining -= 1
                if remaining == 0:
                    return
    except SourceError:
        raise
    except _ARCHIVE_ERRORS as exc:
        raise SourceError(f"{path}: corrupt npm tarball (changed since it was listed?): {_reason(exc)}") from None
    if remaining:
        raise SourceError(f"{path}: npm tarball changed since it was listed: {remaining} member(s) missing")


@contextmanager
def _stream(path: Path, hasher: "hashlib._Hash | None") -> Iterator[tarfile.TarFile]:
    """Open the archive as a forward-only tar stream, gzip or plain.

    With a ``hasher`` the whole file is drained on exit, so the gzip
    trailer (CRC, length) is checked and every byte is hashed.
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot open npm tarball: {exc.strerror or exc}") from None
    with raw:
        reader: BinaryIO = _HashingReader(raw, hasher) if hasher is not None else raw  # type: ignore[assignment]
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream: BinaryIO = gzip.GzipFile(fileobj=reader, mode="rb") if compressed else reader  # type: ignore[assignment]
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            yield tar
        if hasher is not None:
            while stream.read(1 << 20):
                pass
            while reader.read(1 << 20):
                pass


class _HashingReader:
    """A read-only file wrapper that hashes what passes through it."""

    def __init__(self, raw: BinaryIO, hasher: "hashlib._Hash") -> None:
        self._raw = raw
        self._hasher = hasher

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._hasher.update(data)
        return data


def _package_path(member: tarfile.TarInfo) -> tuple[str | None, str | None]:
    """The package-relative path npm would install ``member`` at, and why it is never read.

    ``(path, None)``: a regular file to read; ``(path, reason)``: a member
    at that path that is not read; ``(None, reason)``: a name npm would not
    install anywhere; ``(None, None)``: a directory or the top folder.
    """
    parts = [p for p in member.name.split("/")[1:] if p not in ("", ".")]
    if member.isdir():
        return None, None
    if ".." in parts:
        return None, "path contains '..' (npm does not install it)"
    if not parts:
        return None, "outside the archive's top directory (npm does not install it)"
    rel = "/".join(parts)
    if member.issym() or member.islnk():
        return rel, f"{'symbolic' if member.issym() else 'hard'} link not followed"
    if not member.isfile():
        return rel, "special file not read"
    if member.size > MAX_FILE_SIZE:
        return rel, too_large_reason(member.size)
    return rel, None


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:   # cannot happen for regular files; guard the type
        raise SourceError(f"member {member.name} has no data")
    data = read_bounded(handle)
    if data is None:     # cannot happen either: the declared size was checked; never hold more
        raise SourceError(f"member {member.name}: {too_large_reason(member.size)}")
    return data


def _sri(algorithm: str, digest: bytes) -> str:
    return f"{algorithm}-{base64.b64encode(digest).decode('ascii')}"


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
