"""What a source finds but no analyzer reads: reported, so a package is never counted clean.

Three kinds of content end up here, each with one fixed wording:

* compiled native code (npm addons, Python extension modules): code that
  runs but that egress cannot read (``NATIVE_SUFFIXES``, ``NATIVE_REASON``);
* folders that cannot be listed: their files are unknown, so the entry is
  the folder itself, written with a trailing ``/`` (``folder_entry``);
* archive members larger than ``MAX_FILE_SIZE``: refused from their
  declared size before any byte is decompressed (``too_large``), and read
  in bounded chunks otherwise (``read_bounded``), so a decompression bomb
  costs no memory.

The engine keeps a source's ``unreadable`` entry when the analyzers would
have wanted the file, or when ``always_reported`` says so (folders and
native code have no analyzable name but still hide code).
"""

from __future__ import annotations

from typing import BinaryIO, Iterable

from egress.model import MAX_FILE_SIZE, Ecosystem, NotAnalysed

#: Files that hold compiled code, per ecosystem (the only place this list lives).
NATIVE_SUFFIXES: dict[Ecosystem, tuple[str, ...]] = {
    Ecosystem.NPM: (".node",),
    Ecosystem.PYPI: (".so", ".pyd"),
}
NATIVE_REASON = "compiled native code, not analysed"
BYTECODE_REASON = "Python bytecode without its source, not analysed"
_ALL_NATIVE = tuple(s for suffixes in NATIVE_SUFFIXES.values() for s in suffixes) + (".pyc",)
_CHUNK = 1 << 20


def native_files(ecosystem: Ecosystem, paths: Iterable[str]) -> tuple[NotAnalysed, ...]:
    """A ``NotAnalysed`` for each path of ``ecosystem``'s compiled-code suffixes."""
    suffixes = NATIVE_SUFFIXES[ecosystem]
    paths = list(paths)
    found = [NotAnalysed(p, NATIVE_REASON) for p in paths if p.endswith(suffixes)]
    if ecosystem is Ecosystem.PYPI:
        # a .pyc beside no .py is a module shipped as bytecode only (__pycache__ holds caches of sources)
        sources = {p for p in paths if p.endswith(".py")}
        found += [NotAnalysed(p, BYTECODE_REASON) for p in paths
                  if p.endswith(".pyc") and "__pycache__" not in p.split("/") and p[:-1] not in sources]
    return tuple(found)


def folder_entry(rel_dir: str, error: OSError) -> NotAnalysed:
    """A folder whose listing failed: ``lib/`` with ``permission denied`` (or the OS's reason)."""
    if isinstance(error, PermissionError):
        reason = "folder cannot be listed: permission denied"
    else:
        reason = f"folder cannot be listed: {error.strerror or error}"
    return NotAnalysed(rel_dir.strip("/") + "/" if rel_dir.strip("/") else "./", reason)


def always_reported(path: str) -> bool:
    """True for entries that count whatever the analyzers read: folders and native code."""
    return path.endswith("/") or path.endswith(_ALL_NATIVE)


def too_large_reason(size: int, limit: int = MAX_FILE_SIZE) -> str:
    """The engine's own wording for a file over the size limit."""
    return f"file too large ({size} bytes > {limit})"


def too_large(path: str, size: int, limit: int = MAX_FILE_SIZE) -> NotAnalysed:
    return NotAnalysed(path, too_large_reason(size, limit))


def read_bounded(handle: BinaryIO, limit: int = MAX_FILE_SIZE) -> bytes | None:
    """All of ``handle``, or ``None`` as soon as it passes ``limit`` bytes (at most limit+1 held)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = handle.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
