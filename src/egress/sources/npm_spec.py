"""``npm:<name>[@<selector>]`` specs, checked before anything is fetched.

The selector is what npm accepts after ``@`` for a registry package: an
exact version (``1.7.2``), a range (``^14``, ``>=1 <2``, ``1.x``) or a
dist-tag (``latest``, ``next``); none means ``latest``.  Other npm spec
kinds (git URLs, ``file:``, aliases ``npm:a@npm:b``) are not registry
lookups and are refused.

Names follow npm's rules for packages that can exist on the registry,
including old ones: at most 214 characters, only URL-safe characters
(letters, digits, ``-._~!*'()``; upper case is allowed because early
packages such as ``JSONStream`` use it), no leading ``.`` or ``_`` and
at most one ``@scope/`` prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import nodesemver

from egress.errors import SpecError

PREFIX = "npm:"
MAX_NAME_LENGTH = 214
_PART = re.compile(r"[A-Za-z0-9\-._~!*'()]+")
_RESERVED = frozenset({"node_modules", "favicon.ico"})
#: A dist-tag is any URL-safe word that is not itself a version range.
_TAG = re.compile(r"[A-Za-z0-9\-._~]+")


class SelectorKind(StrEnum):
    VERSION = "version"
    RANGE = "range"
    TAG = "tag"


@dataclass(frozen=True)
class NpmSpec:
    """A registry package and which of its versions the user asked for."""

    name: str
    selector: str = "latest"

    @property
    def kind(self) -> SelectorKind:
        return selector_kind(self.selector)

    def __str__(self) -> str:
        return f"{PREFIX}{self.name}@{self.selector}"


def parse_npm_spec(text: str) -> NpmSpec:
    """Parse ``npm:name``, ``npm:name@1.2.3``, ``npm:@scope/name@^1``, ``npm:ws@latest``."""
    if not text.startswith(PREFIX):
        raise SpecError(f"not an npm spec (expected npm:<name>[@<version|range|tag>]): {text!r}")
    body = text[len(PREFIX):].strip()
    at = body.find("@", 1)   # a leading "@" opens a scope, the next one the selector
    name, selector = (body, "latest") if at < 0 else (body[:at], body[at + 1:].strip())
    validate_npm_name(name, text)
    if not selector:
        raise SpecError(f"empty version after '@' in npm spec {text!r}")
    selector_kind(selector, text)   # raises for what is neither version, range nor tag
    return NpmSpec(name=name, selector=selector)


def validate_npm_name(name: str, spec: str | None = None) -> None:
    """Raise ``SpecError`` unless ``name`` can be an npm registry package name."""
    where = f" in npm spec {spec!r}" if spec else ""
    if not name:
        raise SpecError(f"missing package name{where}")
    if len(name) > MAX_NAME_LENGTH:
        raise SpecError(f"npm package name longer than {MAX_NAME_LENGTH} characters{where}")
    if name.startswith("@"):
        scope, slash, bare = name[1:].partition("/")
        if not slash or not scope or not bare:
            raise SpecError(f"scoped npm package name must be @scope/name: {name!r}{where}")
        parts = (scope, bare)
    else:
        parts = (name,)
        if name.startswith("_"):
            raise SpecError(f"npm package name cannot start with '_': {name!r}{where}")
    for part in parts:
        if not _PART.fullmatch(part):
            raise SpecError(f"invalid character in npm package name {name!r}{where}")
        if part.startswith("."):
            raise SpecError(f"npm package name cannot start with '.': {name!r}{where}")
    if name.lower() in _RESERVED:
        raise SpecError(f"{name!r} is a reserved name, not an npm package{where}")


def selector_kind(selector: str, spec: str | None = None) -> SelectorKind:
    """Classify a selector as npm does: exact version, else range, else dist-tag."""
    if _valid_version(selector):
        return SelectorKind.VERSION
    if _valid_range(selector):
        return SelectorKind.RANGE
    if _TAG.fullmatch(selector):
        return SelectorKind.TAG
    shown = spec if spec is not None else selector
    raise SpecError(f"not a version, range or dist-tag: {selector!r} in npm spec {shown!r}")


def exact_version(selector: str) -> str | None:
    """The normalised version for an exact selector (``v1.2.3`` -> ``1.2.3``), else None."""
    return _valid_version(selector)


def _valid_version(text: str) -> str | None:
    try:
        parsed = nodesemver.valid(text, False)   # a SemVer object, not a string
    except (ValueError, TypeError):
        return None
    return None if parsed is None else str(parsed.version)


def _valid_range(text: str) -> str | None:
    try:
        return nodesemver.valid_range(text, False)
    except (ValueError, TypeError):
        return None
