"""Pinned requirements from ``requirements.txt`` and ``pyproject.toml``: parsed, never resolved.

Every requirement must name exactly one version (``name==1.2.3`` or
``name===1.2.3``): egress scans what will be installed, and only a
resolver knows that for ``requests>=2``.  Anything else — a range, a
bare name, a URL, a path, ``-e`` — is a ``SpecError`` naming the file,
the line number and the line, asking for a pinned file (``pip-compile``,
``uv pip compile``).  Nothing is guessed.

requirements.txt: comments (``#`` at line start or after a space), line
continuations (``\\``), ``-r``/``--requirement`` includes (relative to
the including file), per-requirement ``--hash`` pins (into
``PypiSpec.hashes``).  Environment markers are kept in
``PypiSpec.marker`` and not evaluated: a pin for another platform is
still scanned.  Extras are dropped (they add dependencies, which are
their own lines in a pinned file).  ``-c`` constraint files add no
packages and are ignored, as are global options (``--index-url``,
``--require-hashes``, ``--only-binary``…).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

from egress.errors import SpecError
from egress.sources.pypi_spec import (
    OPTION_START, PypiSpec, UnsupportedRequirement, normalize_hashes, requirement_from_text,
)

_HINT = "pin it (name==version) or resolve the file first (pip-compile, uv pip compile)"
_COMMENT = re.compile(r"(^|\s+)#.*$")
_INCLUDE = ("-r", "--requirement")
_CONSTRAINT = ("-c", "--constraint")
_EDITABLE = ("-e", "--editable")
_GLOBAL = {"-i", "--index-url", "--extra-index-url", "--no-index", "-f", "--find-links", "--trusted-host",
           "--pre", "--prefer-binary", "--require-hashes", "--only-binary", "--no-binary", "--use-feature"}
_PER_REQUIREMENT = {"--hash", "--config-settings", "--global-option", "--install-option"}


def parse_requirements(path: Path) -> list[PypiSpec]:
    """The pinned specs of a requirements file and the files it includes, in file order."""
    return _parse_file(Path(path), seen=())


def parse_pyproject(path: Path) -> list[PypiSpec]:
    """``[project].dependencies`` of a pyproject.toml, each of which must be pinned with ``==``."""
    path = Path(path)
    text = read_text(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    project = document.get("project")
    dependencies = project.get("dependencies", []) if isinstance(project, dict) else []
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise SpecError(f"{path}: [project].dependencies must be a list of strings")
    lines = text.splitlines()
    specs = []
    for dependency in dependencies:
        lineno = next((i for i, line in enumerate(lines, 1) if dependency in line), 0)
        specs.append(pinned_spec(dependency, path, lineno, hashes=()))
    return specs


def pinned_spec(text: str, path: Path, lineno: int, hashes: tuple[str, ...] | list[str]) -> PypiSpec:
    """One requirement string that must be an exact pin, else ``SpecError`` naming file and line."""
    where = f"{path}:{lineno}"
    try:
        requirement = requirement_from_text(text, where=f"requirement at {where}: {text!r}")
    except UnsupportedRequirement as exc:
        raise SpecError(f"{where}: {exc}") from None
    except SpecError as exc:
        raise SpecError(f"{exc}; {_HINT}") from None
    specs = list(requirement.specifier)
    exact = (len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"))
    if not exact:
        raise SpecError(f"{where}: {text.strip()!r} is not pinned to one version; {_HINT}")
    marker = str(requirement.marker) if requirement.marker is not None else ""
    return PypiSpec(requirement.name, SpecifierSet(str(requirement.specifier)),
                    normalize_hashes(list(hashes), where=where), marker)


def _parse_file(path: Path, seen: tuple[Path, ...]) -> list[PypiSpec]:
    resolved = path.resolve()
    if resolved in seen:
        raise SpecError(f"{path}: included recursively (via {' -> '.join(str(p) for p in seen)})")
    specs: list[PypiSpec] = []
    for lineno, line in _logical_lines(read_text(path)):
        specs.extend(_parse_line(path, lineno, line, seen + (resolved,)))
    return specs


def _parse_line(path: Path, lineno: int, line: str, seen: tuple[Path, ...]) -> list[PypiSpec]:
    where = f"{path}:{lineno}"
    if line.startswith("-"):
        option, value = _split_option(line, where)
        if option in _INCLUDE:
            return _parse_file(path.parent / value, seen)
        if option in _CONSTRAINT or option in _GLOBAL:
            return []
        if option in _EDITABLE:
            raise SpecError(f"{where}: {line!r} is an editable install, not a release; scan the folder "
                            f"itself, or {_HINT}")
        raise SpecError(f"{where}: unsupported option in {line!r}")
    match = OPTION_START.search(line)
    requirement, options = (line[: match.start()], line[match.start():]) if match else (line, "")
    hashes = _hash_options(options, where, line)
    return [pinned_spec(requirement.strip(), path, lineno, hashes)]


def _split_option(line: str, where: str) -> tuple[str, str]:
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise SpecError(f"{where}: malformed line {line!r}: {exc}") from None
    option, _, inline = tokens[0].partition("=")
    value = inline or (tokens[1] if len(tokens) > 1 else "")
    if option.startswith("-r") and len(option) > 2 and not option.startswith("--"):
        option, value = "-r", option[2:]
    if option in _INCLUDE + _CONSTRAINT + _EDITABLE and not value:
        raise SpecError(f"{where}: {option} needs a value: {line!r}")
    return option, value


def _hash_options(options: str, where: str, line: str) -> list[str]:
    try:
        tokens = shlex.split(options)
    except ValueError as exc:
        raise SpecError(f"{where}: malformed options in {line!r}: {exc}") from None
    hashes: list[str] = []
    i = 0
    while i < len(tokens):
        option, sep, value = tokens[i].partition("=")
        if not sep and i + 1 < len(tokens) and not tokens[i + 1].startswith("-"):
            value, i = tokens[i + 1], i + 1
        if option not in _PER_REQUIREMENT:
            raise SpecError(f"{where}: unsupported option {option!r} in {line!r}")
        if option == "--hash":
            hashes.append(value)
        i += 1
    return hashes


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """``(first physical line number, text)`` with comments removed and ``\\`` continuations joined."""
    result: list[tuple[int, str]] = []
    buffer: list[str] = []
    start = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = lineno
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        joined = " ".join(part.strip() for part in buffer).strip()
        buffer = []
        if joined:
            result.append((start, joined))
    if buffer and " ".join(buffer).strip():
        result.append((start, " ".join(part.strip() for part in buffer).strip()))
    return result


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
