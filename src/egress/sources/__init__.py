"""Where packages come from: one module per kind of input.

``source_for`` maps what a user typed to the source that reads it.  Specs
(``npm:``/``pypi:``) go to the registries; paths are recognised by what
they contain, not only by their names, so a ``.tgz`` sdist is not read as
an npm tarball.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path

from egress.errors import SourceError
from egress.sources.download import Fetcher
from egress.sources.interface import Source
from egress.sources.npm_lockgraph import LOCKFILE_NAMES, find_lockfile


@dataclass(frozen=True)
class SourceConfig:
    fetcher: Fetcher
    registry: str | None = None      # npm registry base URL
    index_url: str | None = None     # PyPI simple index URL
    dist: str = "default"            # which PyPI files: default | sdist | wheel | all
    omit_dev: bool = False           # npm lockfiles: leave dev-only packages out (--omit dev)


def source_for(target: str, config: SourceConfig) -> Source:
    """The source for one target; ``SourceError`` with one line when there is none."""
    if target.startswith("npm:"):
        from egress.sources.npm_registry import NpmRegistrySource
        from egress.sources.npm_spec import parse_npm_spec

        return NpmRegistrySource([parse_npm_spec(target)], config.fetcher, registry=config.registry)
    if target.startswith("pypi:"):
        from egress.sources.pypi_registry import PypiRegistrySource
        from egress.sources.pypi_spec import parse_pypi_spec

        return PypiRegistrySource([parse_pypi_spec(target)], config.fetcher, dist=config.dist,
                                  index_url=config.index_url)
    path = Path(target)
    if not path.exists():
        raise SourceError(f"no such file or directory: {target}")
    if path.is_dir():
        return _folder_source(path, config)
    if path.name in LOCKFILE_NAMES:
        return npm_lock_source(path, config)
    if path.name in PYTHON_DEPENDENCY_FILES or path.name.endswith((".txt", ".in")) \
            or (path.name.startswith("pylock.") and path.name.endswith(".toml")):
        return python_dependencies_source(path, config)
    return _file_source(path)


#: File names read as pinned Python dependency sets (requirements files are any *.txt given).
PYTHON_DEPENDENCY_FILES = ("pyproject.toml", "poetry.lock", "uv.lock", "pylock.toml")


def python_dependencies_source(path: Path, config: SourceConfig) -> Source:
    """Every pinned distribution of a requirements or lock file, fetched from the index."""
    from egress.sources.pypi_registry import PypiRegistrySource
    from egress.sources.python_locks import parse_python_dependencies

    if not path.is_file():
        raise SourceError(f"no such file: {path}")
    specs = parse_python_dependencies(path)
    return PypiRegistrySource(specs, config.fetcher, dist=config.dist, index_url=config.index_url)


def interpreter_source(python: str) -> Source:
    """The environment of a Python interpreter (``--python``); the interpreter only lists its paths."""
    from egress.sources.python_env import PythonEnvSource

    if not Path(python).exists():
        raise SourceError(f"no such interpreter: {python}")
    return PythonEnvSource(Path(python))


def npm_lock_source(path: Path, config: SourceConfig) -> Source:
    """Every package an npm, yarn or pnpm lockfile pins, fetched verified without installing."""
    from egress.sources.npm_lock import NpmLockSource

    return NpmLockSource(path, config.fetcher, registry=config.registry, omit_dev=config.omit_dev)


def _folder_source(path: Path, config: SourceConfig) -> Source:
    # A package installed in a node_modules tree is that package, even when it has
    # nested node_modules or ships a lockfile; elsewhere those make it a project.
    if path.name == "node_modules":     # the tree itself: the packages installed in it
        from egress.sources.node_modules import NodeModulesSource

        return NodeModulesSource(path, omit_dev=config.omit_dev)
    installed = "node_modules" in path.resolve().parts and (path / "package.json").is_file()
    if installed:
        from egress.sources.npm_folder import NpmFolderSource

        return NpmFolderSource(path)
    if (path / "node_modules").is_dir():
        from egress.sources.node_modules import NodeModulesSource

        return NodeModulesSource(path, omit_dev=config.omit_dev)
    if (path / "pyvenv.cfg").is_file() or path.name in ("site-packages", "dist-packages") \
            or any(path.glob("*.dist-info")):
        from egress.sources.python_env import PythonEnvSource

        return PythonEnvSource(path)
    if find_lockfile(path) is not None:   # a project not installed yet: read its lockfile
        return npm_lock_source(path, config)
    if (path / "package.json").is_file():
        from egress.sources.npm_folder import NpmFolderSource

        return NpmFolderSource(path)
    if any((path / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg", "PKG-INFO")):
        from egress.sources.python_folder import PythonProjectSource

        return PythonProjectSource(path)
    raise SourceError(f"{path}: not a package folder, project with node_modules, or Python environment")


def _file_source(path: Path) -> Source:
    name = path.name.lower()
    if name.endswith(".whl"):
        from egress.sources.python_archive import WheelSource

        return WheelSource(path)
    if name.endswith(".zip") or name.endswith(".tar.bz2"):
        from egress.sources.python_archive import SdistSource

        return SdistSource(path)
    if name.endswith((".tgz", ".tar.gz")):
        if _looks_like_sdist(path):
            from egress.sources.python_archive import SdistSource

            return SdistSource(path)
        from egress.sources.npm_tarball import NpmTarballSource

        return NpmTarballSource(path)
    raise SourceError(f"{path}: not a package archive this tool reads (.tgz, .tar.gz, .whl, .zip)")


def _looks_like_sdist(path: Path) -> bool:
    """An sdist has ``<name>-<version>/PKG-INFO`` near the top; npm tarballs have package.json."""
    try:
        with tarfile.open(path, "r:*") as archive:
            for count, member in enumerate(archive):
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == "PKG-INFO":
                    return True
                if len(parts) == 2 and parts[1] == "package.json":
                    return False
                if count > 200:
                    break
    except (tarfile.TarError, OSError, EOFError):
        return False   # let the npm reader report the corruption in its own words
    return False
