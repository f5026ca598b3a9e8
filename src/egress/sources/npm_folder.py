"""One npm package folder (a directory with package.json), and the file
walker the node_modules source shares.

Readability design: ``PackageArtifact`` is frozen and ``unreadable`` must
be known when the artifact is built, so the file list is computed at
collect time with ``os.scandir`` and every regular file is checked with
``os.access(R_OK)``; files that fail go to ``unreadable`` as
``NotAnalysed`` and are never offered to ``read_files``.  Bytes are read
only in ``read_files``, only for paths the pipeline wants.  A file that
becomes unreadable between listing and reading raises ``SourceError``
(the engine turns it into the package's error line) instead of silently
vanishing from the analysis.

Not part of a package: ``.git/`` at any depth, and nested ``node_modules/``
(other packages): at any depth for a package folder given directly (a
monorepo checkout installs into ``packages/*/node_modules``), but only
the top-level one for an installed package, because a package may ship
directories named node_modules deeper down (``resolve`` ships test
fixtures under ``test/**/node_modules``) that npm installs as its files.  Symbolic links are never used to leave the
package: a link to a file inside the package is read through, a link to a
directory is not followed (its content, when inside, is listed anyway), a
link to anything outside the package is listed as not analysed, and a
dangling link (no content at all) is skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from egress.errors import SourceError
from egress.model import Ecosystem, NotAnalysed, PackageArtifact, SourceFile
from egress.sources.fingerprint import stat_fingerprint
from egress.sources.interface import Source
from egress.sources.npm_manifest import Manifest, parse_manifest
from egress.sources.unanalysed import folder_entry, native_files



@dataclass(frozen=True)
class FileListing:
    files: tuple[str, ...]                  # package-relative POSIX paths, sorted
    unreadable: tuple[NotAnalysed, ...]


def _readable(path: str) -> bool:
    return os.access(path, os.R_OK)


def list_package_files(root: str, *, nested_anywhere: bool = True) -> FileListing:
    """Every file of the package at ``root`` (iterative scandir, no per-file stat beyond d_type).

    ``unreadable`` also names each folder that cannot be listed (``lib/``)
    and each compiled addon (``.node``): content no analyzer reads.

    ``nested_anywhere=False`` skips only ``root/node_modules`` (installed packages).
    """
    root_real = os.path.realpath(root)
    files: list[str] = []
    unreadable: list[NotAnalysed] = []
    stack: list[tuple[str, str]] = [("", root)]
    while stack:
        rel_dir, abs_dir = stack.pop()
        try:
            entries = list(os.scandir(abs_dir))
        except OSError as exc:
            unreadable.append(folder_entry(rel_dir, exc))
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_symlink():
                    if not _excluded(entry.name, rel_dir, nested_anywhere):
                        _symlink(entry, rel, root_real, files, unreadable)
                elif entry.is_dir(follow_symlinks=False):
                    if not _excluded(entry.name, rel_dir, nested_anywhere):
                        stack.append((rel, entry.path))
                elif entry.is_file(follow_symlinks=False):
                    if _readable(entry.path):
                        files.append(rel)
                    else:
                        unreadable.append(NotAnalysed(rel, "permission denied"))
                # sockets, FIFOs and devices hold no code: nothing to read
            except OSError as exc:
                unreadable.append(NotAnalysed(rel, f"cannot be inspected: {exc.strerror or exc}"))
    files.sort()
    unreadable.extend(native_files(Ecosystem.NPM, files))
    unreadable.sort(key=lambda n: n.file)
    return FileListing(tuple(files), tuple(unreadable))


def _excluded(name: str, rel_dir: str, nested_anywhere: bool) -> bool:
    if name == ".git":
        return True
    return name == "node_modules" and (nested_anywhere or not rel_dir)


def _symlink(entry: os.DirEntry, rel: str, root_real: str, files: list[str],
             unreadable: list[NotAnalysed]) -> None:
    target = os.path.realpath(entry.path)
    if not os.path.exists(target):
        return   # dangling: no content to analyse
    inside = target == root_real or target.startswith(root_real + os.sep)
    if not inside:
        unreadable.append(NotAnalysed(rel, "symbolic link to outside the package not followed"))
    elif os.path.isfile(target):
        if _readable(target):
            files.append(rel)
        else:
            unreadable.append(NotAnalysed(rel, "permission denied"))
    # a link to a directory inside the package: its files are listed where they really are


def folder_artifact(root: str, manifest: Manifest, locations: tuple[str, ...], *,
                    installed: bool = False) -> PackageArtifact:
    """A ``kind="folder"`` artifact for the package at ``root`` (listed now, read lazily).

    ``installed``: the package sits in a node_modules tree (see the module docstring).
    """
    listing = list_package_files(root, nested_anywhere=not installed)

    def read_files(want: Callable[[str], bool]) -> Iterator[SourceFile]:
        for rel in listing.files:
            if want(rel):
                yield SourceFile(rel, _read_bytes(root, rel))

    return PackageArtifact(
        ecosystem=Ecosystem.NPM,
        name=manifest.name,
        version=manifest.version,
        read_files=read_files,
        locations=locations,
        metadata=manifest.metadata("folder"),
        digest=None,   # installed files may be patched after install: no registry digest applies
        unreadable=listing.unreadable,
        fingerprint=lambda want: stat_fingerprint(((rel, os.path.join(root, rel)) for rel in listing.files), want),
    )


def _read_bytes(root: str, rel: str) -> bytes:
    try:
        with open(os.path.join(root, rel), "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise SourceError(f"{os.path.join(root, rel)}: cannot read (changed since it was listed?): "
                          f"{exc.strerror or exc}") from None


def read_package_json(folder: str, where: str, *, fallback_name: str | None,
                      fallback_version: str | None) -> Manifest:
    """Read and parse ``folder/package.json``; every failure is a one-line ``SourceError``."""
    try:
        with open(os.path.join(folder, "package.json"), "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise SourceError(f"{where}: no package.json") from None
    except OSError as exc:
        raise SourceError(f"{where}: package.json cannot be read: {exc.strerror or exc}") from None
    return parse_manifest(data, where, fallback_name=fallback_name, fallback_version=fallback_version)


class NpmFolderSource(Source):
    """A package folder such as a checkout or an unpacked package.

    A project's own package.json often lacks ``name`` or ``version``; the
    directory name and ``0.0.0`` stand in rather than refusing to scan.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.not_fetched: list[tuple[str, str]] = []

    def collect(self) -> Iterator[PackageArtifact]:
        if not self.path.is_dir():
            raise SourceError(f"{self.path}: not a directory")
        folder = str(self.path)
        manifest = read_package_json(folder, folder, fallback_name=self.path.resolve().name,
                                     fallback_version="0.0.0")
        if "node_modules" not in self.path.resolve().parts and not (self.path / "node_modules").exists():
            # a project checked out but not installed: say which dependencies this scan cannot see
            self.not_fetched = [(f"{name}@{spec}", _NOT_INSTALLED) for name, spec in _declared(folder)]
        yield folder_artifact(folder, manifest, (folder,))


_NOT_INSTALLED = ("declared in package.json, not installed and no lockfile: not scanned "
                  "(run npm install --ignore-scripts, or scan a lockfile)")


def _declared(folder: str) -> list[tuple[str, str]]:
    """The dependencies and optional dependencies a package.json declares, sorted."""
    import json

    try:
        with open(os.path.join(folder, "package.json"), encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return []
    found: dict[str, str] = {}
    for key in ("dependencies", "optionalDependencies"):
        table = doc.get(key) if isinstance(doc, dict) else None
        if isinstance(table, dict):
            found.update({str(n): str(v) for n, v in table.items()})
    return sorted(found.items())
