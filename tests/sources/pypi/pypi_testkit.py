"""Builders for tiny wheels and sdists from the fixture trees, and an offline index."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path
from typing import Callable

import httpx

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "pypi"


def tree_files(name: str) -> dict[str, bytes]:
    """Relative POSIX path -> bytes of every file in a fixture tree, sorted."""
    root = FIXTURES / name
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build_wheel(target: Path, files: dict[str, bytes] | None = None, dist_info: str = "demo_pkg-1.0.dist-info",
                with_record: bool = True) -> Path:
    """A wheel of the ``wheel`` fixture tree with a RECORD of real sha256 digests."""
    files = dict(tree_files("wheel") if files is None else files)
    if with_record:
        rows = []
        for rel, data in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{rel},sha256={digest},{len(data)}")
        rows.append(f"{dist_info}/RECORD,,")
        files[f"{dist_info}/RECORD"] = ("\n".join(rows) + "\n").encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in files.items():
            archive.writestr(rel, data)
    return target


def build_sdist_tar(target: Path, top: str = "demo-pkg-1.0", files: dict[str, bytes] | None = None,
                    extra: Callable[[tarfile.TarFile], None] | None = None, mode: str = "w:gz") -> Path:
    files = tree_files("sdist") if files is None else files
    with tarfile.open(target, mode) as archive:
        for rel, data in files.items():
            info = tarfile.TarInfo(f"{top}/{rel}" if top else rel)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if extra:
            extra(archive)
    return target


def add_tar_file(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def add_tar_symlink(archive: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    archive.addfile(info)


def build_sdist_zip(target: Path, top: str = "demo-pkg-1.0") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for rel, data in tree_files("sdist").items():
            archive.writestr(f"{top}/{rel}", data)
    return target


def sha256_hex(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def everything(_: str) -> bool:
    return True


def read_all(artifact) -> dict[str, bytes]:
    return {f.path: f.data for f in artifact.read_files(everything)}


def mock_index(routes: dict[str, httpx.Response | Callable[[httpx.Request], httpx.Response]],
               seen: list[str] | None = None) -> httpx.MockTransport:
    """A transport answering the given URLs and failing the test loudly for any other."""
    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if seen is not None:
            seen.append(url)
        route = routes.get(url)
        if route is None:
            raise AssertionError(f"unexpected request to {url}")
        return route(request) if callable(route) else route

    return httpx.MockTransport(handler)
