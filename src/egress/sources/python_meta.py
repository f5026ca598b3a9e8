"""Core-metadata reading shared by the wheel, sdist, folder and environment sources.

``METADATA`` / ``PKG-INFO`` are RFC 822 style headers; only the headers
are parsed (the body is the long description).  Everything here works on
bytes already read: no I/O, no imports of the package.
"""

from __future__ import annotations

import posixpath
from email.parser import HeaderParser
from pathlib import PurePosixPath
from typing import Iterable


def core_metadata(data: bytes) -> dict[str, str]:
    """``Name``, ``Version`` and the other single headers, last one wins; undecodable bytes replaced."""
    message = HeaderParser().parsestr(data.decode("utf-8", errors="replace"))
    return {key.lower(): str(value).strip() for key, value in message.items()}


def top_level(data: bytes | None) -> list[str]:
    """The lines of a ``top_level.txt`` (import names the distribution provides)."""
    if not data:
        return []
    return [line.strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]


def decode_text(data: bytes | str | None) -> str | None:
    if data is None or isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")


def safe_relative(name: str) -> str | None:
    """``name`` as a clean relative POSIX path, or ``None`` if it is absolute or climbs with ``..``.

    Archive members are named by whoever built the archive; a name that
    leaves the archive root is never read or reported as a package file.
    """
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return posixpath.join(*parts)


def artifact_metadata(kind: str, *, entry_points: bytes | str | None = None, top_level_txt: bytes | None = None,
                      **extra: object) -> dict:
    """The ``metadata`` dict of a Python artifact, keys set only when known."""
    metadata: dict = {"kind": kind, "top_level": top_level(top_level_txt)}
    if entry_points is not None:
        metadata["entry_points"] = decode_text(entry_points)
    metadata.update({k: v for k, v in extra.items() if v is not None})
    return metadata


def derived_top_level(paths: Iterable[str]) -> list[str]:
    """Import names a distribution without ``top_level.txt`` provides: its top folders and modules."""
    names: set[str] = set()
    for path in paths:
        first, _, rest = path.partition("/")
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".data", ".egg-info")):
            continue
        if rest:
            names.add(first)
        elif first.endswith((".py", ".so", ".pyd")):
            names.add(first.split(".")[0])
    return sorted(names)
