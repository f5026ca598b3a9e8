"""pnpm-lock.yaml (lockfile versions 5.x, 6.0 and 9.0) into the locked package graph.

``importers`` (or, for a single project before 9.0, top-level
``dependencies`` / ``devDependencies`` / ``optionalDependencies``) name each
project's direct dependencies: ``{specifier, version}`` (5.x: just the
version).  A version is a reference to a package key: a plain version
(``2.8.3``, with a peer suffix ``18.2.0(react@18.2.0)``), an alias's
``real@1.2.3`` (6.0: ``/real@1.2.3``), ``link:../x`` for a local folder,
or a key of its own (``file:``, tarball and git packages).

Keys: 9.0 ``name@1.2.3`` with the graph in ``snapshots`` (peer-suffixed
keys) and metadata in ``packages`` (unsuffixed); 6.0 ``/name@1.2.3``;
5.x ``/name/1.2.3``, graph and metadata both in ``packages``.  The
metadata's ``resolution`` is ``{integrity}`` for a registry package (no
URL: the registry's standard tarball path is used), ``{tarball}`` for a
URL, ``{type: git, repo, commit}`` or ``{directory}``.  A file may hold
several YAML documents (an environment lockfile first); the project's
is the last one.  dev and optional flags are derived from the importers.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import yaml

from egress.errors import SourceError
from egress.sources.npm_lockgraph import (ROOT, GraphBuilder, LockedPackage, LockGraph, classify_source,
                                          read_project_manifest, split_descriptor)

_SECTIONS = (("dependencies", "prod"), ("optionalDependencies", "optional"), ("devDependencies", "dev"))

#: libyaml's safe loader when PyYAML was built with it (ten times faster on big locks).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_pnpm_lock(path: Path) -> LockGraph:
    """Read a pnpm-lock.yaml; one-line ``SourceError`` (with the line of a YAML error) when broken."""
    data = _load(path)
    raw_version = data.get("lockfileVersion")
    try:
        major = int(float(str(raw_version).split(".")[0] if isinstance(raw_version, str) else raw_version))
    except (TypeError, ValueError):
        raise SourceError(f"{path}: no lockfileVersion in pnpm-lock.yaml") from None
    if major not in (5, 6, 7, 8, 9):
        raise SourceError(f"{path}: unsupported pnpm lockfileVersion {raw_version!r} (egress reads 5.x to 9.0)")
    packages = _mapping(path, data, "packages")
    graph_entries = _mapping(path, data, "snapshots") if major >= 9 else packages
    manifest = read_project_manifest(path.parent)
    builder = GraphBuilder(path, f"pnpm {raw_version}", manifest.name if manifest else path.parent.name)
    for key, entry in graph_entries.items():
        meta_key = _strip_peers(key) if major >= 9 else key
        meta = packages.get(meta_key, entry) if major >= 9 else entry
        builder.add(_package(path, str(key), meta if isinstance(meta, dict) else {}, major))
    for key, entry in graph_entries.items():
        for section, kind in _SECTIONS[:2]:
            for dep, ref in _refs(entry.get(section) if isinstance(entry, dict) else None):
                target = _target(builder, dep, ref, major)
                if target:
                    builder.edge(str(key), target, kind)
    importers = data.get("importers")
    if not isinstance(importers, dict):
        importers = {".": {s: data.get(s) for s, _ in _SECTIONS}}
    for importer in importers:
        if importer != ".":
            _importer_node(builder, path.parent, str(importer))
    for importer, sections in importers.items():
        source = ROOT if importer == "." else f"workspace:{importer}"
        for section, kind in _SECTIONS:
            for dep, ref in _refs(sections.get(section) if isinstance(sections, dict) else None):
                target = _target(builder, dep, ref, major, str(importer))
                if target:
                    builder.edge(source, target, kind)
    return builder.build(derive_flags=True)


def _load(path: Path) -> dict:
    try:
        text = path.read_bytes().decode("utf-8-sig")
        documents = [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]
    except OSError as exc:
        raise SourceError(f"{path}: cannot read lockfile: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: lockfile is not UTF-8 text") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        raise SourceError(f"{path}{where}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: not valid YAML: {exc}") from None
    if not documents or not isinstance(documents[-1], dict):
        raise SourceError(f"{path}: pnpm-lock.yaml is not a mapping")
    return documents[-1]


def _mapping(path: Path, data: dict, key: str) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SourceError(f"{path}: '{key}' in pnpm-lock.yaml is not a mapping")
    return value


def _package(path: Path, key: str, meta: dict, major: int) -> LockedPackage:
    name, version = _split_key(key, major)
    name = meta.get("name") if isinstance(meta.get("name"), str) else name
    version = str(meta["version"]) if meta.get("version") is not None else version
    resolution = meta.get("resolution") if isinstance(meta.get("resolution"), dict) else {}
    integrity = resolution.get("integrity") if isinstance(resolution.get("integrity"), str) else None
    tarball = resolution.get("tarball") if isinstance(resolution.get("tarball"), str) else None
    if resolution.get("type") == "git" or "repo" in resolution:
        where = f"git+{resolution.get('repo')}#{resolution.get('commit')}"
        return LockedPackage(name, version, where, None, False, False, key, "git", note=where)
    if isinstance(resolution.get("directory"), str):
        where = f"file:{resolution['directory']}"
        return LockedPackage(name, version, where, None, False, False, key, "file", note=where)
    if tarball is not None:
        kind = classify_source(tarball, name, version)
        return LockedPackage(name, version, tarball, integrity, False, False, key, kind, note=tarball)
    if integrity is None and not resolution:
        raise SourceError(f"{path}: package {key!r} has no resolution in pnpm-lock.yaml")
    return LockedPackage(name, version, None, integrity, False, False, key, "registry", note=version)


def _split_key(key: str, major: int) -> tuple[str, str]:
    """``name@1.2.3(peer@1)`` / ``/name@1.2.3`` / ``/name/1.2.3`` -> (name, version)."""
    bare = _strip_peers(key).lstrip("/")
    if major >= 6:
        return split_descriptor(bare)
    name, _, version = bare.rpartition("/")     # 5.x: /name/1.2.3, /@scope/name/1.2.3_peer@1.0.0
    return (name, version.split("_", 1)[0]) if name else (bare, "")


def _strip_peers(key: str) -> str:
    cut = key.find("(")
    return key if cut < 0 else key[:cut]


def _refs(section: object) -> list[tuple[str, str]]:
    if not isinstance(section, dict):
        return []
    out = []
    for dep, value in section.items():
        ref = value.get("version") if isinstance(value, dict) else value
        if ref is not None:
            out.append((str(dep), str(ref)))
    return out


def _target(builder: GraphBuilder, dep: str, ref: str, major: int, importer: str = ".") -> str | None:
    """The node a dependency reference points at (a ``link:`` to a workspace is that project)."""
    if ref.startswith("link:"):
        workspace = f"workspace:{posixpath.normpath(posixpath.join(importer, ref[5:]))}"
        if workspace in builder.packages:
            return workspace
        key = f"{dep}@{ref}"
        if key not in builder.packages:
            builder.add(LockedPackage(dep, "", ref, None, False, False, key, "link",
                                      note=f"linked local folder {ref[5:]}"))
        return key
    if major >= 9:
        candidates = (f"{dep}@{ref}", ref)
    elif major >= 6:
        candidates = (f"/{dep}@{ref}", ref, f"/{ref}")
    else:
        candidates = (f"/{dep}/{ref}", ref, f"/{ref}")
    return next((c for c in candidates if c in builder.packages), None)


def _importer_node(builder: GraphBuilder, folder: Path, importer: str) -> None:
    """A workspace project other than the root: local code, a child of the project."""
    manifest = read_project_manifest(folder / importer)
    key = f"workspace:{importer}"
    builder.add(LockedPackage(manifest.name if manifest else importer, "", key, None, False, False, key, "link",
                              note=f"workspace project {importer}"))
    builder.edge(ROOT, key)
