"""Cheap identities for installed packages, so an unchanged tree is not read again.

A folder has no registry digest (files may be patched after install), and
reading and hashing every file costs more than analysing a warm cache.
The fingerprint hashes each wanted file's path, size, inode, mtime and
ctime: ctime changes on any write or ``utime`` call and cannot be set back
from user space, so a file edited and re-dated still looks changed.
``--no-cache`` skips this for a forensic scan.
"""

from __future__ import annotations

import hashlib
import os
from typing import Callable, Iterable


def stat_fingerprint(files: Iterable[tuple[str, str]], want: Callable[[str], bool]) -> str | None:
    """A digest of the wanted files' stat data; None when one cannot be stat'ed."""
    h = hashlib.blake2b(digest_size=20)
    for rel, abs_path in files:
        if not want(rel):
            continue
        try:
            st = os.stat(abs_path)
        except OSError:
            return None
        h.update(f"{rel}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\n".encode(
            "utf-8", "surrogateescape"))
    return h.hexdigest()
