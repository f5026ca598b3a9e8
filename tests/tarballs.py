"""Tiny npm tarballs and sdists built in tests from files we write."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path


def tgz_bytes(members: dict[str, str]) -> bytes:
    """A gzipped tar of ``members`` (archive path → text)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_tgz(path: Path, members: dict[str, str]) -> Path:
    path.write_bytes(tgz_bytes(members))
    return path
