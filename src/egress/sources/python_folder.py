"""An unpacked Python project folder (a checkout, an unpacked sdist).

Identity is read, never executed, from the first that knows it:
``PKG-INFO``, ``pyproject.toml`` ``[project]``, ``setup.cfg``
``[metadata]`` (``version = file: VERSION`` is read; ``attr:`` is looked
up as a literal assignment in the module's source).  A ``setup.py``
is never run, so a version only it knows is reported as ``"unknown"``
with a note, and a name only it knows falls back to the folder's name.

Skipped folders: ``.git``, virtual environments (``.venv``, ``venv``, any
folder with a ``pyvenv.cfg``), ``node_modules``, ``__pycache__``, tool
caches (``.tox``, ``.nox``, ``.eggs``, ``.mypy_cache``, ``.pytest_cache``,
``.ruff_cache``) at any depth, and ``build`` / ``dist`` at the project
root only (``pkg/build/`` can be real code).  Symbolic links are not
followed.  Files that cannot be read are listed in ``unreadable``.
"""

from __future__ import annotations

import ast
import configparser
import os
import tomllib
from pathlib import Path
from typing import Callable, Iterator

from egress.errors import SourceError
from egress.model import Ecosystem, NotAnalysed, PackageArtifact, SourceFile
from egress.sources.interface import Source
from egress.sources.python_meta import artifact_metadata, core_metadata
from egress.sources.unanalysed import folder_entry, native_files

MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "PKG-INFO")
SKIP_ANYWHERE = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox",
                           ".nox", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
SKIP_AT_ROOT = frozenset({"build", "dist"})


class PythonProjectSource(Source):
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def collect(self) -> Iterator[PackageArtifact]:
        root = self.path
        if not root.is_dir():
            raise SourceError(f"{root}: not a folder")
        if not any((root / m).is_file() for m in MARKERS):
            raise SourceError(f"{root}: not a Python project folder (no {', '.join(MARKERS)})")
        name, version, notes, extra = project_identity(root)
        files, unreadable = walk_project(root)
        metadata = artifact_metadata("folder", entry_points=extra.pop("entry_points", None),
                                     top_level_txt=extra.pop("top_level", None),
                                     has_setup_py=(root / "setup.py").is_file(), **extra)
        if notes:
            metadata["notes"] = notes

        def read_files(want: Callable[[str], bool]) -> Iterator[SourceFile]:
            for rel in files:
                if want(rel):
                    yield SourceFile(rel, read_bytes(root / rel))

        yield PackageArtifact(Ecosystem.PYPI, name, version, read_files=read_files,
                              locations=(str(root),), metadata=metadata, unreadable=unreadable)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None


def walk_project(root: Path) -> tuple[tuple[str, ...], tuple[NotAnalysed, ...]]:
    """Readable regular files (relative POSIX paths, sorted) and the unreadable ones."""
    files: list[str] = []
    unreadable: list[NotAnalysed] = []
    for current, dirnames, filenames in os.walk(root, onerror=lambda e: unreadable.append(
            folder_entry(_rel(root, Path(e.filename or root)), e))):
        here = Path(current)
        at_root = here == root
        dirnames[:] = sorted(d for d in dirnames if not _skip_dir(here / d, d, at_root))
        for filename in sorted(filenames):
            full = here / filename
            if full.is_symlink() or not full.is_file():
                continue
            rel = _rel(root, full)
            if os.access(full, os.R_OK):
                files.append(rel)
            else:
                unreadable.append(NotAnalysed(rel, "permission denied"))
    unreadable.extend(native_files(Ecosystem.PYPI, files))
    return tuple(sorted(files)), tuple(unreadable)


def _skip_dir(full: Path, name: str, at_root: bool) -> bool:
    return (name in SKIP_ANYWHERE or (at_root and name in SKIP_AT_ROOT) or full.is_symlink()
            or (full / "pyvenv.cfg").is_file())


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def project_identity(root: Path) -> tuple[str, str, list[str], dict]:
    """``(name, version, notes, extra metadata)`` read statically from the project's files."""
    notes: list[str] = []
    extra: dict = {}
    name = version = None
    pkg_info = _read_optional(root / "PKG-INFO")
    if pkg_info is not None:
        fields = core_metadata(pkg_info)
        name, version = fields.get("name"), fields.get("version")
    pyproject = _toml(root / "pyproject.toml", notes)
    project = pyproject.get("project") if isinstance(pyproject.get("project"), dict) else {}
    name = name or _str(project.get("name"))
    if version is None and "version" not in (project.get("dynamic") or []):
        version = _str(project.get("version"))
    extra["build_backend"] = _str((pyproject.get("build-system") or {}).get("build-backend")) \
        if isinstance(pyproject.get("build-system"), dict) else None
    extra["entry_points"] = _pyproject_entry_points(project)
    raw = _read_optional(root / "pyproject.toml")
    extra["pyproject_toml"] = raw.decode("utf-8", "replace") if raw is not None else None   # build hooks
    cfg = _setup_cfg(root / "setup.cfg", notes)
    name = name or cfg.get("name")
    if version is None and cfg.get("version"):
        version = _cfg_version(root, cfg["version"], notes)
    egg_dirs = sorted(p for base in (root, root / "src") if base.is_dir() for p in base.glob("*.egg-info"))
    if egg_dirs:
        extra["top_level"] = _read_optional(egg_dirs[0] / "top_level.txt")
        extra["entry_points"] = extra["entry_points"] or _read_optional(egg_dirs[0] / "entry_points.txt")
    if not name or not version:
        literal = _setup_py_literals(root / "setup.py")       # read, never run
        name, version = name or literal.get("name"), version or literal.get("version")
    if not name:
        name = root.resolve().name
        notes.append("name not declared statically (setup.py is not executed): using the folder name")
    if not version:
        version = "unknown"
        notes.append("version not declared statically (dynamic, or only in setup.py): reported as unknown")
    return name, version, notes, extra


def _setup_py_literals(path: Path) -> dict[str, str]:
    """``name=`` and ``version=`` given as string literals to a ``setup(...)`` call in setup.py.

    Only literals count: anything computed would need running the file, which egress never does.
    """
    data = _read_optional(path)
    if data is None:
        return {}
    import ast

    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (getattr(node.func, "id", None) == "setup"
                                           or getattr(node.func, "attr", None) == "setup"):
            return {k.arg: k.value.value.strip() for k in node.keywords
                    if k.arg in ("name", "version") and isinstance(k.value, ast.Constant)
                    and isinstance(k.value.value, str) and k.value.value.strip()}
    return {}


def _read_optional(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _str(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _toml(path: Path, notes: list[str]) -> dict:
    data = _read_optional(path)
    if data is None:
        return {}
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        notes.append(f"{path.name} is not valid TOML ({exc}); identity read from other files")
        return {}


def _setup_cfg(path: Path, notes: list[str]) -> dict[str, str]:
    data = _read_optional(path)
    if data is None:
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(data.decode("utf-8", errors="replace"))
    except configparser.Error as exc:
        notes.append(f"setup.cfg cannot be parsed ({str(exc).splitlines()[0]})")
        return {}
    if not parser.has_section("metadata"):
        return {}
    return {k: v.strip() for k, v in parser.items("metadata") if k in ("name", "version")}


def _cfg_version(root: Path, value: str, notes: list[str]) -> str | None:
    """setup.cfg ``version``: a literal, ``file: PATH`` (read) or ``attr: mod.NAME`` (literal lookup)."""
    if value.startswith("file:"):
        target = root / value[len("file:"):].strip().split(",")[0].strip()
        data = _read_optional(target)
        if data is not None and data.strip():
            return data.decode("utf-8", errors="replace").strip()
        return None
    if value.startswith("attr:"):
        return _attr_version(root, value[len("attr:"):].strip())
    return value or None


def _attr_version(root: Path, dotted: str) -> str | None:
    module, _, attribute = dotted.rpartition(".")
    if not module:
        return None
    parts = module.split(".")
    for base in (root, root / "src"):
        for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
            data = _read_optional(candidate)
            if data is None:
                continue
            try:
                tree = ast.parse(data)
            except (SyntaxError, ValueError):
                return None
            for node in tree.body:
                if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str)
                        and any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets)):
                    return node.value.value
            return None
    return None


def _pyproject_entry_points(project: dict) -> str | None:
    """``[project.scripts]`` etc. rendered in entry_points.txt form, so every source reports one format."""
    groups: list[tuple[str, dict]] = []
    for key, group in (("scripts", "console_scripts"), ("gui-scripts", "gui_scripts")):
        if isinstance(project.get(key), dict):
            groups.append((group, project[key]))
    if isinstance(project.get("entry-points"), dict):
        groups.extend((g, v) for g, v in project["entry-points"].items() if isinstance(v, dict))
    if not groups:
        return None
    lines: list[str] = []
    for group, entries in groups:
        lines.append(f"[{group}]")
        lines.extend(f"{k} = {v}" for k, v in entries.items())
        lines.append("")
    return "\n".join(lines)
