"""``pypi:`` specs: what a user (or a requirements/lock file) asks PyPI for.

A spec is a project name, a PEP 440 specifier (empty = the latest
release) and optional ``--hash`` pins in pip's ``--require-hashes``
spelling (``sha256:<hex>``).  Names are normalised (PEP 503) only for
look-ups; ``name`` keeps the user's spelling.  Environment markers are
kept as text and never evaluated: egress scans what the user named,
whatever interpreter or platform would install it.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from egress.errors import SpecError

PREFIX = "pypi:"
#: Hash algorithms pip accepts in ``--hash``; weaker ones are refused.
HASH_ALGORITHMS = ("sha256", "sha384", "sha512")
#: Where options (``--hash``) start after a requirement: a dash after whitespace.
OPTION_START = re.compile(r"(^|\s)--?[A-Za-z]")
#: What a VCS or URL requirement starts with (``git+https://…``, ``https://…``) or holds (``name @ url``).
_VCS_OR_URL = re.compile(r"^\s*(?:(?:git|hg|svn|bzr)\+|file:)|://|@")
#: A project name with optional extras, then whatever should be its version specifiers.
_NAME_PART = re.compile(r"\s*[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\])?\s*")
_CLAUSE = re.compile(r"\s*(===|==|!=|<=|>=|~=|<|>)\s*(.*?)\s*")


class UnsupportedRequirement(SpecError):
    """A VCS or URL requirement: a real requirement, but not a registry release egress can fetch."""


@dataclass(frozen=True)
class PypiSpec:
    name: str
    specifier: SpecifierSet
    hashes: tuple[str, ...] = ()     # "sha256:<lowercase hex>", in the order given
    marker: str = ""                 # environment marker, kept, never evaluated

    @property
    def normalized(self) -> str:
        return canonicalize_name(self.name)

    @property
    def pinned_version(self) -> str | None:
        """The version of an exact ``==`` / ``===`` pin (no wildcard), else ``None``."""
        specs = list(self.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
            return specs[0].version
        return None

    def __str__(self) -> str:
        return f"{PREFIX}{self.name}{self.specifier}"


def parse_pypi_spec(text: str, hashes: tuple[str, ...] = ()) -> PypiSpec:
    """Parse ``pypi:name``, ``pypi:name==1.0``, ``pypi:name<2 --hash=sha256:…``.

    The ``pypi:`` prefix is optional so that lock parsers can share this.
    Direct URLs and markers are refused here: a command-line spec names a
    registry release.
    """
    raw = text.strip()
    body = raw[len(PREFIX):] if raw.lower().startswith(PREFIX) else raw
    match = OPTION_START.search(body)
    requirement_text, options = (body[: match.start()], body[match.start():]) if match else (body, "")
    try:
        tokens = shlex.split(options)
    except ValueError as exc:
        raise SpecError(f"malformed PyPI spec {text!r}: {exc}") from None
    pins = list(hashes)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--hash="):
            pins.append(token[len("--hash="):])
        elif token == "--hash" and i + 1 < len(tokens):
            pins.append(tokens[i + 1])
            i += 1
        elif token == "--hash":
            raise SpecError(f"malformed --hash option in PyPI spec {text!r}")
        else:
            raise SpecError(f"unsupported option {token!r} in PyPI spec {text!r}")
        i += 1
    requirement = requirement_from_text(requirement_text, where=f"PyPI spec {text!r}")
    if requirement.marker is not None:
        raise SpecError(f"environment markers are not allowed in a command-line spec: {text!r}")
    return PypiSpec(requirement.name, requirement.specifier, normalize_hashes(pins, where=text))


def requirement_from_text(text: str, *, where: str) -> Requirement:
    """A PEP 508 requirement without a URL, or ``SpecError`` saying where."""
    if not text.strip():
        raise SpecError(f"empty {where}")
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        if _VCS_OR_URL.search(text.split(";", 1)[0]):
            raise UnsupportedRequirement(_unsupported(text)) from None
        first = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
        raise SpecError(f"malformed {where}: {_version_problem(text) or first}") from None
    if requirement.url:
        raise UnsupportedRequirement(_unsupported(text))
    return requirement


def _unsupported(text: str) -> str:
    return f"VCS and URL requirements are not supported: {' '.join(text.split())}; scan the file or folder itself"


def _version_problem(text: str) -> str | None:
    """Why the specifiers after a name are wrong, in a user's words; ``None`` when it is something else.

    packaging reports ``requests==notaversion`` as a grammar error at the
    ``==`` ("Expected semicolon ... or end"), which names neither the
    version nor what is wrong with it.
    """
    name = _NAME_PART.match(text)
    if not name:
        return None
    rest = text[name.end():].split(";", 1)[0].strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    for clause in rest.split(","):
        match = _CLAUSE.fullmatch(clause)
        if not match:
            return None
        operator, version = match.groups()
        if not version:
            return f"no version after {operator}"
        try:
            Specifier(operator + version)
        except InvalidSpecifier:
            try:
                Version(version.removesuffix(".*"))
            except InvalidVersion:
                return f"not a version: {version}"
            return f"not a valid version specifier: {operator}{version}"
    return None


def normalize_hashes(values: list[str] | tuple[str, ...], *, where: str) -> tuple[str, ...]:
    """``ALG:HEX`` strings checked and lower-cased; duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for value in values:
        algorithm, sep, hexdigest = value.strip().partition(":")
        algorithm, hexdigest = algorithm.lower(), hexdigest.lower()
        if not sep or algorithm not in HASH_ALGORITHMS:
            raise SpecError(f"unsupported hash {value!r} in {where} (use sha256:<hex>)")
        expected_len = hashlib.new(algorithm).digest_size * 2
        if len(hexdigest) != expected_len or any(c not in "0123456789abcdef" for c in hexdigest):
            raise SpecError(f"malformed {algorithm} hash {value!r} in {where}")
        seen.setdefault(f"{algorithm}:{hexdigest}", None)
    return tuple(seen)
