"""The locked package graph every npm-family lockfile is read into, and views over it.

package-lock.json, yarn.lock and pnpm-lock.yaml describe the same thing in
three shapes: which exact packages get installed, where they come from,
and which depends on which.  Each parser (``npm_lock``, ``yarn_lock``,
``pnpm_lock``) turns its shape into one ``LockGraph`` so that fetching,
``--omit dev`` and the "which direct dependency brings network code in"
view are written once.

Node ids are the lock's own key for an entry (``node_modules/a/node_modules/b``
for npm, the entry's descriptors for yarn, the snapshot key for pnpm), so
a location always points back into the lockfile.  ``ROOT`` is the project.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Literal, Mapping
from urllib.parse import unquote, urlsplit

from egress.errors import SourceError

ROOT = ""
PackageKind = Literal["registry", "git", "file", "link", "remote"]
EdgeKind = Literal["prod", "dev", "optional"]

#: Lockfile names in the order one is chosen when a folder holds several
#: (npm reads npm-shrinkwrap.json before package-lock.json).
LOCKFILE_NAMES = ("npm-shrinkwrap.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock")


@dataclass(frozen=True)
class LockedPackage:
    """One installed package as the lock pins it."""

    name: str                 # the real package name (an alias's target, not the alias)
    version: str
    resolved: str | None      # where it is fetched from (no URL fragment)
    integrity: str | None     # npm SRI; None when the lock has none we can trust
    dev: bool                 # installed only for development (``--omit dev`` drops it)
    optional: bool            # reached only through optional dependencies
    path: str                 # the lock's key for it: node id and location
    kind: PackageKind
    bundled: bool = False     # shipped inside its parent's tarball (npm bundleDependencies)
    note: str = ""            # why a non-registry package is what it is (shown as not fetched)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class LockGraph:
    """Every locked package and the dependency edges from the project down."""

    lockfile: str
    format: str                                  # "package-lock v3", "yarn v1", "pnpm 9.0", ...
    root_name: str
    packages: Mapping[str, LockedPackage] = field(hash=False)
    edges: Mapping[str, tuple[str, ...]] = field(hash=False)   # node id -> dependency ids; ROOT first
    roots_inferred: bool = False                 # no root entry / package.json: direct deps guessed

    @property
    def direct(self) -> tuple[str, ...]:
        return self.edges.get(ROOT, ())


class GraphBuilder:
    """Collects nodes and typed edges, then settles dev/optional flags and orphans.

    ``derive_flags=True`` computes ``dev`` / ``optional`` from reachability
    (yarn, pnpm: the lock does not store them); npm locks keep their own.
    A package nothing reaches is never marked dev (it is scanned, not
    dropped), and when it has no dependent at all it becomes a direct
    dependency so the transitive view shows it (yarn workspaces, extraneous).
    """

    def __init__(self, lockfile: Path, fmt: str, root_name: str) -> None:
        self.lockfile, self.format, self.root_name = str(lockfile), fmt, root_name
        self.packages: dict[str, LockedPackage] = {}
        self.edges: dict[str, list[tuple[str, EdgeKind]]] = {ROOT: []}
        self.roots_inferred = False

    def add(self, package: LockedPackage) -> None:
        self.packages[package.path] = package
        self.edges.setdefault(package.path, [])

    def edge(self, source: str, target: str, kind: EdgeKind = "prod") -> None:
        targets = self.edges.setdefault(source, [])
        if target != source and all(t != target for t, _ in targets):
            targets.append((target, kind))

    def build(self, *, derive_flags: bool) -> LockGraph:
        plain = {s: tuple(t for t, _ in ts if t in self.packages) for s, ts in self.edges.items()}
        depended = {t for s, ts in plain.items() if s != ROOT for t in ts if t != s}
        reached = _reach(plain, ROOT, lambda s, t: True)
        for node in sorted(self.packages):
            if node not in reached and node not in depended:
                self.edge(ROOT, node)
        plain[ROOT] = tuple(t for t, _ in self.edges[ROOT] if t in self.packages)
        packages = self.packages
        if derive_flags:
            reached = _reach(plain, ROOT, lambda s, t: True)
            prod = _reach(plain, ROOT, lambda s, t: self._kind(s, t) != "dev")
            required = _reach(plain, ROOT, lambda s, t: self._kind(s, t) != "optional")
            packages = {k: replace(p, dev=k in reached and k not in prod, optional=k in reached and k not in required)
                        for k, p in packages.items()}
        return LockGraph(self.lockfile, self.format, self.root_name, dict(sorted(packages.items())), plain,
                         self.roots_inferred)

    def _kind(self, source: str, target: str) -> EdgeKind:
        return next((k for t, k in self.edges.get(source, ()) if t == target), "prod")


def _reach(plain: Mapping[str, tuple[str, ...]], start: str, follow: Callable[[str, str], bool]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in plain.get(node, ()):
            if target not in seen and follow(node, target):
                seen.add(target)
                queue.append(target)
    seen.discard(start)
    return seen


def shortest_path(graph: LockGraph, target: str, start: str = ROOT) -> list[str] | None:
    """Names from ``start`` to ``target`` (the root shown as the project's name), or None."""
    parents = _bfs(graph, start)
    if target not in parents:
        return None
    chain = [target]
    while chain[-1] != start:
        chain.append(parents[chain[-1]])
    return [_display(graph, node) for node in reversed(chain)]


def _bfs(graph: LockGraph, start: str) -> dict[str, str]:
    parents = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in graph.edges.get(node, ()):
            if target not in parents and target != ROOT:
                parents[target] = node
                queue.append(target)
    return parents


def _display(graph: LockGraph, node: str) -> str:
    return graph.root_name if node == ROOT else graph.packages[node].name


def transitive_view(graph: LockGraph, network_names: set[str]) -> dict[str, list[tuple[str, list[str]]]]:
    """For each direct dependency, the network packages under it with one shortest path each.

    ``network_names`` holds ``name@version`` keys (or bare names, matching
    every version).  The result maps each direct dependency's name to a
    list of ``("name@version", ["app", "direct", ..., "name"])``, shortest
    first; the direct dependency itself is listed when it is a network
    package.  Direct dependencies with none map to an empty list.
    """
    view: dict[str, list[tuple[str, list[str]]]] = {}
    for direct in sorted(graph.direct, key=lambda n: (graph.packages[n].name, n)):
        parents = _bfs(graph, direct)
        found = view.setdefault(graph.packages[direct].name, [])
        for node in parents:
            package = graph.packages[node]
            if package.label not in network_names and package.name not in network_names:
                continue
            if any(label == package.label for label, _ in found):
                continue
            chain = [node]
            while chain[-1] != direct:
                chain.append(parents[chain[-1]])
            found.append((package.label, [graph.root_name] + [graph.packages[n].name for n in reversed(chain)]))
        found.sort(key=lambda item: (len(item[1]), item[0]))
    return view


# --- helpers the parsers share -------------------------------------------------------------------

_GIT_PREFIXES = ("git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:")


def classify_source(resolved: str | None, name: str, version: str) -> PackageKind:
    """Where a package comes from, by its resolved URL (or, without one, its version string)."""
    where = resolved or version
    if where.startswith(_GIT_PREFIXES) or "#commit=" in where:
        return "git"
    if where.startswith("file:"):
        return "file"
    if where.startswith(("link:", "portal:", "workspace:")):
        return "link"
    if where.startswith(("http://", "https://")):
        return "registry" if is_registry_tarball(where, name, version) else "remote"
    return "registry" if resolved is None and _looks_like_version(version) else "file"


def is_registry_tarball(url: str, name: str, version: str) -> bool:
    """``…/{name}/-/{basename}-{version}.tgz``: the layout every npm registry serves tarballs at."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:          # `https://[not an address]/…`: no registry serves that
        return False
    base = name.rsplit("/", 1)[-1]
    return path.endswith(f"/{name}/-/{base}-{version}.tgz")


_VERSION = re.compile(r"v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.\-+]*)?")


def _looks_like_version(text: str) -> bool:
    return bool(_VERSION.fullmatch(text))


def strip_fragment(url: str | None) -> str | None:
    """yarn v1 appends ``#<sha1>`` to resolved URLs; the fragment is never part of the download."""
    if url is None or not url.startswith(("http://", "https://")):
        return url
    return url.split("#", 1)[0]


def split_descriptor(descriptor: str) -> tuple[str, str]:
    """``name@range`` (``@scope/name@range``) -> (name, range); no ``@`` means any version."""
    at = descriptor.find("@", 1)
    return (descriptor, "") if at < 0 else (descriptor[:at], descriptor[at + 1:])


@dataclass(frozen=True)
class ProjectManifest:
    """The direct dependencies package.json declares, by section."""

    name: str
    prod: tuple[str, ...]
    dev: tuple[str, ...]
    optional: tuple[str, ...]
    ranges: Mapping[str, str] = field(default_factory=dict, hash=False)   # name -> range as written

    def edges(self) -> Iterable[tuple[str, EdgeKind]]:
        """Each direct dependency once: a name in dependencies and devDependencies is prod."""
        seen: set[str] = set()
        for names, kind in ((self.prod, "prod"), (self.optional, "optional"), (self.dev, "dev")):
            for dep in names:
                if dep not in seen:
                    seen.add(dep)
                    yield dep, kind


def read_project_manifest(folder: Path) -> ProjectManifest | None:
    """package.json beside a lockfile; None when absent, ``SourceError`` when unreadable."""
    path = folder / "package.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path}: cannot read package.json beside the lockfile: {exc}") from None
    if not isinstance(data, dict):
        raise SourceError(f"{path}: package.json is not a JSON object")

    def names(section: str) -> tuple[str, ...]:
        value = data.get(section)
        return tuple(k for k in value if isinstance(k, str)) if isinstance(value, dict) else ()

    ranges: dict[str, str] = {}
    for section in ("peerDependencies", "devDependencies", "optionalDependencies", "dependencies"):
        value = data.get(section)
        if isinstance(value, dict):
            ranges.update({k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)})
    name = data.get("name") if isinstance(data.get("name"), str) else folder.name
    return ProjectManifest(name or folder.name, names("dependencies") + names("peerDependencies"),
                           names("devDependencies"), names("optionalDependencies"), ranges)


def find_lockfile(folder: Path) -> Path | None:
    """The lockfile a project folder holds, in ``LOCKFILE_NAMES`` order."""
    return next((folder / n for n in LOCKFILE_NAMES if (folder / n).is_file()), None)
