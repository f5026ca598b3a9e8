"""package-lock.json and npm-shrinkwrap.json (lockfile versions 1, 2 and 3).

Versions 2 and 3 list every installed folder under ``packages``, keyed by
its path (``node_modules/a/node_modules/b``), with ``version``,
``resolved``, ``integrity`` and the ``dev`` / ``optional`` /
``devOptional`` flags npm computed; the root entry ``""`` holds the
project's own dependency sections.  Links (workspaces, ``file:`` folders)
are an entry with ``link: true`` whose ``resolved`` names the target
folder, whose own entry carries the dependencies.  Version 1 nests
``dependencies`` objects instead (``requires`` names what each needs) and
has no root entry, so the project's direct dependencies come from the
package.json beside the lock.

Edges follow Node's lookup: a dependency of the folder at ``P`` is the
nearest ``P/node_modules/x``, then the same in each parent folder.  A
``devOptional`` package is kept by ``--omit dev`` (npm keeps it too unless
optional packages are omitted as well), so it counts as optional, not dev.
"""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from egress.errors import EgressError, IntegrityError, SourceError
from egress.model import PackageArtifact
from egress.sources.download import Digest, Fetcher
from egress.sources.interface import Source
from egress.sources.npm_lockgraph import (ROOT, GraphBuilder, LockedPackage, LockGraph, classify_source,
                                          find_lockfile, read_project_manifest, split_descriptor, strip_fragment)
from egress.sources.npm_registry import DEFAULT_REGISTRY, fetch_packument, registry_base, resolve
from egress.sources.npm_spec import NpmSpec
from egress.sources.npm_tarball import NpmTarballSource

#: Dependency sections of a package entry and the edge kind each gives.
_SECTIONS = (("dependencies", "prod"), ("optionalDependencies", "optional"), ("peerDependencies", "prod"))
_ROOT_SECTIONS = _SECTIONS + (("devDependencies", "dev"),)


def parse_npm_lock(path: Path) -> LockGraph:
    """Read a package-lock.json / npm-shrinkwrap.json; one-line ``SourceError`` when it is not one."""
    data = load_json(path)
    version = data.get("lockfileVersion")
    if not isinstance(version, int) or isinstance(version, bool) or version not in (1, 2, 3):
        raise SourceError(f"{path}: unsupported lockfileVersion {version!r} (egress reads 1, 2 and 3)")
    packages = data.get("packages")
    if version >= 2:
        if not isinstance(packages, dict):
            raise SourceError(f"{path}: lockfileVersion {version} without a 'packages' object")
        return _from_packages(path, data, packages, version)
    return _from_v1(path, data)


def load_json(path: Path) -> dict:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read lockfile: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: lockfile is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise SourceError(f"{path}: lockfile is not a JSON object")
    return data


def _from_packages(path: Path, data: dict, entries: dict, version: int) -> LockGraph:
    root = entries.get("")
    root = root if isinstance(root, dict) else None
    builder = GraphBuilder(path, f"package-lock v{version}", _root_name(path, data, root))
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            raise SourceError(f"{path}: packages[{key!r}] is not an object")
        if key and "node_modules" in key.split("/"):
            builder.add(_package(path, key, entry, entries))
    known = set(builder.packages)
    for key in [ROOT, *builder.packages]:
        entry = root if key == ROOT else entries[key]
        if entry is None:
            continue
        origin = key
        if entry.get("link") and isinstance(entry.get("resolved"), str):
            origin = entry["resolved"]                    # a link's dependencies are its target's
            entry = entries.get(origin) if isinstance(entries.get(origin), dict) else {}
        sections = _ROOT_SECTIONS if key == ROOT or origin != key else _SECTIONS
        for section, kind in sections:
            for dep in _names(entry.get(section)):
                found = lookup(known, origin, dep)
                if found:
                    builder.edge(key, found, kind)
    if root is None:
        _manifest_roots(builder, path, known)
    for key, package in builder.packages.items():       # workspaces hang off the project
        if package.kind == "link" and key.count("node_modules/") == 1:
            builder.edge(ROOT, key)
    return builder.build(derive_flags=False)


def _package(path: Path, key: str, entry: dict, entries: dict) -> LockedPackage:
    alias = key.rsplit("node_modules/", 1)[-1]
    name = entry["name"] if isinstance(entry.get("name"), str) and entry["name"] else alias
    dev, optional = bool(entry.get("dev")), bool(entry.get("optional") or entry.get("devOptional"))
    resolved = entry.get("resolved") if isinstance(entry.get("resolved"), str) else None
    if entry.get("link"):
        target = entries.get(resolved) if resolved is not None else None
        version = target.get("version") if isinstance(target, dict) else None
        return LockedPackage(name, version if isinstance(version, str) else "", resolved, None, dev, optional,
                             key, "link", note=f"linked local folder {resolved}")
    version = entry.get("version")
    if not isinstance(version, str) or not version:
        raise SourceError(f"{path}: packages[{key!r}] has no version")
    integrity = entry.get("integrity") if isinstance(entry.get("integrity"), str) else None
    return LockedPackage(name, version, strip_fragment(resolved), integrity, dev, optional, key,
                         classify_source(resolved, name, version), bundled=bool(entry.get("inBundle")),
                         note=resolved or version)


def _from_v1(path: Path, data: dict) -> LockGraph:
    builder = GraphBuilder(path, "package-lock v1", _root_name(path, data, None))
    requires: dict[str, list[str]] = {}
    stack: list[tuple[str, object]] = [("", data.get("dependencies") or {})]
    while stack:
        prefix, deps = stack.pop()
        if not isinstance(deps, dict):
            raise SourceError(f"{path}: 'dependencies' under {prefix or 'the root'!r} is not an object")
        for alias, entry in deps.items():
            key = f"{prefix}node_modules/{alias}"
            if not isinstance(entry, dict) or not isinstance(entry.get("version"), str) or not entry["version"]:
                raise SourceError(f"{path}: dependency {key!r} has no version")
            builder.add(_v1_package(key, alias, entry))
            requires[key] = _names(entry.get("requires"))
            stack.append((key + "/", entry.get("dependencies") or {}))
    known = set(builder.packages)
    for key, names in requires.items():
        for dep in names:
            found = lookup(known, key, dep)
            if found:
                builder.edge(key, found, "optional" if builder.packages[found].optional else "prod")
    _manifest_roots(builder, path, known)
    return builder.build(derive_flags=False)


def _v1_package(key: str, alias: str, entry: dict) -> LockedPackage:
    version: str = entry["version"]
    name = alias
    if version.startswith("npm:"):                       # an alias: "npm:real@1.2.3"
        name, version = split_descriptor(version[4:])
    resolved = entry.get("resolved") if isinstance(entry.get("resolved"), str) else None
    integrity = entry.get("integrity") if isinstance(entry.get("integrity"), str) else None
    kind = classify_source(resolved, name, version)
    if kind != "registry" and not resolved:
        resolved = version
    return LockedPackage(name, version, strip_fragment(resolved), integrity, bool(entry.get("dev")),
                         bool(entry.get("optional")), key, kind, bundled=bool(entry.get("bundled")),
                         note=resolved or version)


def _manifest_roots(builder: GraphBuilder, path: Path, known: set[str]) -> None:
    """Direct dependencies from package.json beside the lock (lockfile v1, or v2 without a root entry)."""
    manifest = read_project_manifest(path.parent)
    if manifest is None:
        builder.roots_inferred = True                    # orphans become direct in build()
        return
    for dep, kind in manifest.edges():
        found = lookup(known, ROOT, dep)
        if found:
            builder.edge(ROOT, found, kind)


def lookup(known: set[str], location: str, dep: str) -> str | None:
    """Node's resolution: the nearest ``…/node_modules/dep`` from ``location`` upwards."""
    parts = location.split("/") if location else []
    for i in range(len(parts), -1, -1):
        if i and parts[i - 1] == "node_modules":
            continue
        prefix = "/".join(parts[:i])
        candidate = f"{prefix}/node_modules/{dep}" if prefix else f"node_modules/{dep}"
        if candidate in known:
            return candidate
    return None


def _root_name(path: Path, data: dict, root: dict | None) -> str:
    for value in ((root or {}).get("name"), data.get("name")):
        if isinstance(value, str) and value:
            return value
    return path.parent.name or "project"


def _names(section: object) -> list[str]:
    return [k for k in section if isinstance(k, str)] if isinstance(section, dict) else []


# --- the source: every locked registry package, fetched verified -----------------------------------

def parse_lockfile(path: Path) -> LockGraph:
    """Any npm-family lockfile by its name: package-lock/shrinkwrap JSON, yarn.lock, pnpm-lock.yaml."""
    name = path.name.lower()
    if name.endswith(".json"):
        return parse_npm_lock(path)
    if name.endswith((".yaml", ".yml")):
        from egress.sources.pnpm_lock import parse_pnpm_lock

        return parse_pnpm_lock(path)
    if name.endswith(".lock"):
        from egress.sources.yarn_lock import parse_yarn_lock

        return parse_yarn_lock(path)
    raise SourceError(f"{path}: not an npm lockfile (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml)")


@dataclass(frozen=True)
class _Wanted:
    """One registry name@version to fetch, and every lock path it is installed at."""

    name: str
    version: str
    url: str | None
    integrity: str | None
    locations: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


class NpmLockSource(Source):
    """The packages a lockfile pins, fetched from the registry without installing anything.

    The lock is read when the source is made, so a corrupt lockfile fails
    before any scan and ``graph`` / ``not_fetched`` are known at once.
    ``not_fetched`` lists ``(name@version, reason)`` for git, local and
    unverifiable remote packages (never downloaded, never yielded);
    ``omitted`` the dev-only packages ``omit_dev`` left out.  Downloads run
    on ``jobs`` threads; a package that cannot be fetched or verified is
    raised (``IntegrityError`` for a digest mismatch) once every other
    package has been yielded, and any further failures are in ``errors``.
    """

    def __init__(self, path: Path, fetcher: Fetcher, *, registry: str | None = None, omit_dev: bool = False,
                 jobs: int = 8) -> None:
        path = Path(path)
        if not path.exists():
            raise SourceError(f"no such file or directory: {path}")
        lockfile = find_lockfile(path) if path.is_dir() else path
        if lockfile is None:
            raise SourceError(f"{path}: no npm lockfile (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml)")
        self.lockfile = lockfile
        self.fetcher = fetcher
        self.registry = registry_base(registry)
        self.custom_registry = registry_base(registry) != DEFAULT_REGISTRY
        self.jobs = max(1, jobs)
        self.graph = parse_lockfile(lockfile)
        self.not_fetched: list[tuple[str, str]] = []
        self.omitted: list[str] = []
        self.errors: list[str] = []
        self._wanted = self._plan(omit_dev)

    def _plan(self, omit_dev: bool) -> list[_Wanted]:
        groups: dict[tuple[str, str], list[LockedPackage]] = {}
        dev_copies: set[str] = set()
        for package in self.graph.packages.values():
            if omit_dev and package.dev:
                dev_copies.add(package.label)
                continue
            reason = _not_fetched_reason(package)
            if reason is not None:
                if (package.label, reason) not in self.not_fetched:
                    self.not_fetched.append((package.label, reason))
                continue
            groups.setdefault((package.name, package.version), []).append(package)
        self.not_fetched.sort()
        kept = {f"{n}@{v}" for n, v in groups} | {label for label, _ in self.not_fetched}
        self.omitted = sorted(dev_copies - kept)    # a prod copy elsewhere in the tree keeps it in
        wanted = []
        for (name, version), copies in sorted(groups.items()):
            url = next((p.resolved for p in copies if p.resolved), None)
            integrity = next((p.integrity for p in copies if p.integrity), None)
            wanted.append(_Wanted(name, version, self._rehost(url), integrity, tuple(sorted(p.path for p in copies))))
        return wanted

    def _rehost(self, url: str | None) -> str | None:
        """npm's replace-registry-host default: the public registry's URLs go to the configured one."""
        if url is None or not self.custom_registry:
            return url
        try:
            parts = urlsplit(url)
        except ValueError:
            return url              # not a URL npm could fetch either: the fetch reports it
        if parts.netloc in _PUBLIC_HOSTS:
            return self.registry + parts.path.lstrip("/")
        return url

    def collect(self) -> Iterator[PackageArtifact]:
        outcomes: dict[int, PackageArtifact | EgressError] = {}
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="egress-lock") as pool:
            futures = {pool.submit(self._fetch, item): index for index, item in enumerate(self._wanted)}
            try:
                for future in as_completed(futures):
                    try:
                        outcomes[futures[future]] = future.result()
                    except EgressError as exc:
                        outcomes[futures[future]] = exc
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        failures: list[EgressError] = []
        for index in range(len(self._wanted)):
            outcome = outcomes[index]
            if isinstance(outcome, EgressError):
                failures.append(outcome)
            else:
                yield outcome
        if failures:
            self.errors.extend(str(exc) for exc in failures[1:])
            raise failures[0]

    def _fetch(self, item: _Wanted) -> PackageArtifact:
        """Download and verify one package (a worker thread), then list its tarball."""
        url, integrity = item.url, item.integrity
        if url is not None and integrity is not None:
            path = self._download(item, url, integrity)
        elif integrity is not None:
            try:                                         # the registry's standard tarball path
                path = self._download(item, self._standard_url(item), integrity)
            except IntegrityError:
                raise
            except SourceError:
                url, _ = self._from_packument(item)
                path = self._download(item, url, integrity)
        else:
            registry_url, integrity = self._from_packument(item)
            path = self._download(item, url or registry_url, integrity)
        artifacts = list(NpmTarballSource(path, origin=f"npm:{item.label}", integrity=integrity).collect())
        return _as_locked(artifacts[0], item)

    def _download(self, item: _Wanted, url: str, integrity: str) -> Path:
        digest = Digest.from_sri(integrity)
        try:
            return self.fetcher.fetch_verified(url, digest, f"{item.name.replace('/', '_')}-{item.version}.tgz")
        except IntegrityError as exc:
            raise IntegrityError(f"{item.label} (locked in {self.lockfile.name}): {exc}") from None

    def _standard_url(self, item: _Wanted) -> str:
        return f"{self.registry}{item.name}/-/{item.name.rsplit('/', 1)[-1]}-{item.version}.tgz"

    def _from_packument(self, item: _Wanted) -> tuple[str, str]:
        spec = NpmSpec(item.name, item.version)
        resolved = resolve(spec, fetch_packument(spec, self.fetcher, self.registry))
        return resolved.tarball, resolved.integrity


_PUBLIC_HOSTS = ("registry.npmjs.org", "registry.yarnpkg.com")


def _not_fetched_reason(package: LockedPackage) -> str | None:
    if package.bundled:
        return "bundled in its parent's tarball (scanned with it)"
    if package.kind == "registry":
        return None
    if package.kind == "remote":
        if package.integrity and package.resolved:
            return None
        return f"remote tarball without an integrity in the lock: {package.note}"
    if package.kind == "git":
        return f"git dependency: {package.note}"
    if package.kind == "link":
        return package.note if package.note.startswith(("linked", "workspace")) else f"linked local folder: {package.note}"
    return package.note if package.note.startswith("yarn patch") else f"local file dependency: {package.note}"


def _as_locked(artifact: PackageArtifact, item: _Wanted) -> PackageArtifact:
    """The lock's name@version and paths; a tarball whose package.json says otherwise is noted."""
    metadata = artifact.metadata
    if (artifact.name, artifact.version) != (item.name, item.version):
        metadata = dict(metadata, manifest_identity=f"{artifact.name}@{artifact.version}")
    return dataclasses.replace(artifact, name=item.name, version=item.version, locations=item.locations,
                               metadata=metadata)
