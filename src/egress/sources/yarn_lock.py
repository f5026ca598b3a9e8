"""yarn.lock, classic (v1) and berry (yarn 2+), into the locked package graph.

Classic is yarn's own indented format: each entry is headed by the
descriptors that resolved to it (``"ms@^2.1.1", ms@^2.1.3:``), then
``version``, ``resolved`` (the tarball URL, ``#<sha1>`` appended),
``integrity`` (npm SRI, yarn 1.10+) and ``dependencies`` /
``optionalDependencies`` maps of name to range.  Berry is YAML with a
``__metadata`` entry; descriptors carry a protocol (``ms@npm:^2.1.3``),
``resolution`` names the locked package (``ms@npm:2.1.3``) and
``checksum`` is yarn's hash of its own zip cache entry, not of the npm
tarball, so it is never used as an integrity: the registry's is.  Berry
lists the project itself as ``name@workspace:.``, with dev dependencies
merged into ``dependencies``.

Neither format says what is dev-only, nor (classic) what the project
depends on directly, so the package.json beside the lock supplies the
direct dependencies and their sections; without one, entries nothing
depends on are taken as direct and nothing is marked dev.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote

import yaml

from egress.errors import SourceError
from egress.sources.npm_lockgraph import (ROOT, GraphBuilder, LockedPackage, LockGraph, ProjectManifest,
                                          classify_source, read_project_manifest, split_descriptor,
                                          strip_fragment)

_BERRY_MARKER = re.compile(r"^__metadata:", re.MULTILINE)

#: libyaml's safe loader when PyYAML was built with it (ten times faster on big locks).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yarn_lock(path: Path) -> LockGraph:
    """Read a yarn.lock of either generation; one-line ``SourceError`` (with line) when broken."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read lockfile: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: lockfile is not UTF-8 text") from None
    manifest = read_project_manifest(path.parent)
    if _BERRY_MARKER.search(text):
        return _berry(path, text, manifest)
    return _classic(path, parse_classic(path, text), manifest)


# --- classic ----------------------------------------------------------------------------------------

def parse_classic(path: Path, text: str) -> dict[str, dict]:
    """The classic format as nested dicts: ``{"a@^1, a@^1.2": {"version": "1.2.0", ...}}``."""
    root: dict[str, object] = {}
    stack: list[tuple[int, dict]] = [(-1, root)]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if "\t" in line[:indent + 1] or indent % 2:
            raise SourceError(f"{path}:{number}: bad indentation in yarn.lock")
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if len(stack) - 1 != indent // 2:
            raise SourceError(f"{path}:{number}: unexpected indentation in yarn.lock")
        body = line.strip()
        if body.endswith(":"):
            child: dict[str, object] = {}
            parent[", ".join(_header(path, number, body[:-1]))] = child
            stack.append((indent, child))
            continue
        if indent == 0:
            raise SourceError(f"{path}:{number}: expected an entry header ending in ':' in yarn.lock")
        key, value = _key_value(path, number, body)
        parent[key] = value
    for key, value in root.items():
        if not isinstance(value, dict):
            raise SourceError(f"{path}: yarn.lock entry {key!r} is not a block")
    return root  # type: ignore[return-value]


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _take(path: Path, number: int, text: str, stop: str | None) -> tuple[str, str]:
    """One token (a JSON-quoted string, or bare up to ``stop``) and the text after it."""
    if text.startswith('"'):
        match = _QUOTED.match(text)
        if match is None:
            raise SourceError(f"{path}:{number}: unterminated string in yarn.lock")
        return json.loads(match.group()), text[match.end():]
    end = text.find(stop) if stop else -1
    return (text, "") if end < 0 else (text[:end], text[end:])


def _header(path: Path, number: int, text: str) -> list[str]:
    """``"a@^1", a@^1.2`` -> the descriptors of one entry."""
    descriptors: list[str] = []
    rest = text
    while rest.strip():
        token, rest = _take(path, number, rest.lstrip(" "), ",")
        descriptors.append(token.strip())
        rest = rest.lstrip(" ")
        if rest.startswith(","):
            rest = rest[1:]
        elif rest.strip():
            raise SourceError(f"{path}:{number}: malformed entry header in yarn.lock")
    return descriptors


def _key_value(path: Path, number: int, body: str) -> tuple[str, str]:
    key, rest = _take(path, number, body, " ")
    rest = rest.strip()
    if not rest:
        raise SourceError(f"{path}:{number}: expected 'key value' in yarn.lock: {body[:60]!r}")
    if not rest.startswith('"'):
        return key, rest
    value, tail = _take(path, number, rest, None)
    if tail.strip():
        raise SourceError(f"{path}:{number}: unexpected text after a value in yarn.lock")
    return key, value


def _classic(path: Path, entries: dict[str, dict], manifest: ProjectManifest | None) -> LockGraph:
    builder = GraphBuilder(path, "yarn v1", manifest.name if manifest else path.parent.name)
    by_descriptor: dict[str, str] = {}
    for key, entry in entries.items():
        descriptors = [d.strip() for d in key.split(", ")]
        alias, selector = split_descriptor(descriptors[0])
        name = split_descriptor(selector[4:])[0] if selector.startswith("npm:") else alias
        version = entry.get("version")
        if not isinstance(version, str) or not version:
            raise SourceError(f"{path}: yarn.lock entry {key!r} has no version")
        raw = entry.get("resolved") if isinstance(entry.get("resolved"), str) else None
        integrity = entry.get("integrity") if isinstance(entry.get("integrity"), str) else None
        kind = classify_source(raw or (selector if selector.startswith(("file:", "link:")) else None), name, version)
        builder.add(LockedPackage(name, version, strip_fragment(raw) or (selector if kind != "registry" else None),
                                  integrity, False, False, key, kind, note=raw or selector))
        for descriptor in descriptors:
            by_descriptor[descriptor] = key
    for key, entry in entries.items():
        for section, kind in (("dependencies", "prod"), ("optionalDependencies", "optional")):
            for dep, selector in _pairs(entry.get(section)):
                found = by_descriptor.get(f"{dep}@{selector}")
                if found:
                    builder.edge(key, found, kind)
    if manifest is None:
        builder.roots_inferred = True
    else:
        for dep, kind in manifest.edges():
            found = by_descriptor.get(f"{dep}@{manifest.ranges.get(dep, '')}")
            if found:
                builder.edge(ROOT, found, kind)
    return builder.build(derive_flags=manifest is not None)


def _pairs(section: object) -> list[tuple[str, str]]:
    if not isinstance(section, dict):
        return []
    return [(k, str(v)) for k, v in section.items() if isinstance(k, str)]


# --- berry ------------------------------------------------------------------------------------------

def _berry(path: Path, text: str, manifest: ProjectManifest | None) -> LockGraph:
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        raise SourceError(f"{path}{where}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SourceError(f"{path}: yarn.lock is not a mapping")
    meta = data.get("__metadata") if isinstance(data.get("__metadata"), dict) else {}
    builder = GraphBuilder(path, f"yarn berry v{meta.get('version', '?')}",
                           manifest.name if manifest else path.parent.name)
    by_descriptor: dict[str, str] = {}
    root_key: str | None = None
    for key, entry in data.items():
        if key == "__metadata":
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("resolution"), str):
            raise SourceError(f"{path}: yarn.lock entry {key!r} has no resolution")
        resolution = entry["resolution"]
        name, locator = split_descriptor(resolution)
        version = str(entry.get("version", ""))
        if locator == "workspace:.":
            root_key = str(key)
        package = _berry_package(str(key), name, version, locator)
        if locator != "workspace:.":
            builder.add(package)
        for descriptor in str(key).split(", "):
            by_descriptor[descriptor.strip()] = str(key)
    originals = _patch_originals(builder, by_descriptor, data)
    dev_names = set(manifest.dev) - set(manifest.prod) - set(manifest.optional) if manifest else set()
    for key, entry in data.items():
        if key == "__metadata":
            continue
        source = ROOT if key == root_key else str(key)
        meta_deps = entry.get("dependenciesMeta") if isinstance(entry.get("dependenciesMeta"), dict) else {}
        for section in ("dependencies", "optionalDependencies"):
            for dep, selector in _pairs(entry.get(section)):
                found = by_descriptor.get(f"{dep}@{selector}")
                if not found:
                    continue
                optional = section == "optionalDependencies" or bool((meta_deps.get(dep) or {}).get("optional"))
                kind = "dev" if source == ROOT and dep in dev_names else "optional" if optional else "prod"
                builder.edge(source, found, kind)
                if found in originals:          # a patched package is installed as its original's code
                    builder.edge(source, originals[found], kind)
    targets = {t for ts in builder.edges.values() for t, _ in ts}
    for patch, original in originals.items():              # a builtin patch nobody names sits under its original
        if patch not in targets:
            builder.edge(original, patch)
    for key, package in builder.packages.items():          # other workspaces hang off the project
        if package.kind == "link" and package.resolved and package.resolved.startswith("workspace:"):
            builder.edge(ROOT, key)
    builder.roots_inferred = root_key is None
    return builder.build(derive_flags=True)


def _patch_originals(builder: GraphBuilder, by_descriptor: dict[str, str], data: dict) -> dict[str, str]:
    """patch entry -> the entry of the package it patches (``x@patch:x@npm%3A1.0.0#…`` -> ``x@npm:1.0.0``)."""
    by_resolution = {str(e.get("resolution")): str(k) for k, e in data.items() if isinstance(e, dict)}
    originals: dict[str, str] = {}
    for key, package in builder.packages.items():
        if not (package.resolved or "").startswith("patch:"):
            continue
        candidates = [d.split("@patch:", 1)[1] for d in key.split(", ") if "@patch:" in d]
        candidates.append(package.resolved[len("patch:"):])
        for candidate in candidates:
            inner = unquote(candidate.split("#", 1)[0])
            target = by_descriptor.get(inner) or by_resolution.get(inner)
            if target and target in builder.packages and target != key:
                originals[key] = target
                break
    return originals


def _berry_package(key: str, name: str, version: str, locator: str) -> LockedPackage:
    """A berry entry by its resolution protocol; only ``npm:`` is a registry package."""
    if locator.startswith("npm:"):
        return LockedPackage(name, version, None, None, False, False, key, "registry", note=locator)
    if locator.startswith("patch:"):
        original = unquote(locator[len("patch:"):].split("#", 1)[0])
        return LockedPackage(name, version, locator, None, False, False, key, "file",
                             note=f"yarn patch of {original}; the unpatched package is scanned from its own entry")
    return LockedPackage(name, version, locator, None, False, False, key, classify_source(locator, name, version),
                         note=locator)
