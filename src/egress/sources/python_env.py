"""Installed Python environments: a venv, a site-packages folder, or an interpreter.

``PythonEnvSource(path)`` accepts a virtual environment (a folder with
``pyvenv.cfg``: its ``lib/python3.*/site-packages`` or
``Lib/site-packages``), a site-packages folder itself, or a Python
executable (asked where its site-packages are).  Each distribution is
one artifact with exactly the files its install record lists (see
``python_installed``); ``locations`` is its ``.dist-info`` folder.

Asking an interpreter runs it with ``-I -S``: isolated, and without the
``site`` module, because ``site`` would execute the environment's
``.pth`` files — code we are here to scan.  The venv prefix that ``site``
would have set is worked out the same way ``site`` does (a
``pyvenv.cfg`` beside or above the executable), and nothing from the
environment is imported.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Callable, Iterator

from egress.errors import SourceError
from egress.model import PackageArtifact, SourceFile
from egress.sources.interface import Source
from egress.sources.python_installed import UNATTRIBUTED, site_packages_artifacts

_SITE_NAMES = ("site-packages", "dist-packages")
_PATHS_SCRIPT = """
import json, os, sys
d = os.path.dirname(os.path.abspath(sys.executable))
for c in (d, os.path.dirname(d)):
    if os.path.isfile(os.path.join(c, "pyvenv.cfg")):
        sys.prefix = sys.exec_prefix = c
        break
import site, sysconfig
p = sysconfig.get_paths()
extra = []
if not os.path.isfile(os.path.join(sys.prefix, "pyvenv.cfg")):
    # distributions patch site.py with their own folders (Debian's dist-packages);
    # with -S importing site runs none of its .pth files
    extra = site.getsitepackages([sys.prefix])
print(json.dumps([sys.prefix, p["purelib"], p["platlib"], *extra]))
"""


class PythonEnvSource(Source):
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def collect(self) -> Iterator[PackageArtifact]:
        strays: list[PackageArtifact] = []
        for site, root in self._sites():
            for artifact in site_packages_artifacts(site, root):
                if artifact.name == UNATTRIBUTED:
                    strays.append(artifact)
                else:
                    yield artifact
        if strays:
            yield _merged(strays)

    def _sites(self) -> list[tuple[Path, Path]]:
        path = self.path
        if path.is_file():
            prefix, sites = _interpreter_paths(path)
            return [(s, prefix) for s in sites]
        if not path.is_dir():
            raise SourceError(f"{path}: no such folder or interpreter")
        if (path / "pyvenv.cfg").is_file():
            sites = venv_site_packages(path)
            if not sites:
                raise SourceError(f"{path}: virtual environment without a lib/python3.*/site-packages folder")
            return [(s, path) for s in sites]
        try:
            looks_like_site = path.name in _SITE_NAMES or any(_is_meta(p) for p in path.iterdir())
        except OSError as exc:
            raise SourceError(f"{path}: cannot list: {exc.strerror or exc}") from None
        if looks_like_site:
            return [(path, env_root_of(path))]
        raise SourceError(f"{path}: not a virtual environment (no pyvenv.cfg) or a site-packages folder")


def venv_site_packages(venv: Path) -> list[Path]:
    """The site-packages folders of a venv, each once (``lib64`` is often a link to ``lib``)."""
    found: dict[str, Path] = {}
    candidates = sorted(venv.glob("lib*/python3*/site-packages")) + [venv / "Lib" / "site-packages"]
    for candidate in candidates:
        if candidate.is_dir():
            found.setdefault(os.path.realpath(candidate), candidate)
    return list(found.values())


def env_root_of(site: Path) -> Path:
    """The prefix a site-packages folder belongs to; record paths may not leave it."""
    parts = site.parts
    if len(parts) >= 3 and re.fullmatch(r"python\d[\d.]*", parts[-2]) and parts[-3].startswith("lib"):
        return Path(*parts[:-3])
    if len(parts) >= 2 and parts[-2].lower() == "lib":
        return Path(*parts[:-2])
    return site


def site_packages_of_interpreter(python: Path) -> list[Path]:
    """The purelib and platlib folders of ``python`` (existing, each once)."""
    return _interpreter_paths(python)[1]


def _interpreter_paths(python: Path) -> tuple[Path, list[Path]]:
    try:
        completed = subprocess.run([str(python), "-I", "-S", "-c", _PATHS_SCRIPT], capture_output=True,
                                   text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SourceError(f"{python}: cannot run this interpreter: {exc.__class__.__name__}: {exc}") from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or [""])[-1]
        if not _PYTHON_ERROR.match(last):   # another program, whose complaint may quote our whole script
            raise SourceError(_not_python(python))
        raise SourceError(f"{python}: interpreter failed to report its paths: {last[:200]}")
    try:
        prefix, *paths = json.loads(completed.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError, TypeError):
        raise SourceError(_not_python(python)) from None
    found: dict[str, Path] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.setdefault(os.path.realpath(p), p)
    if not found:
        raise SourceError(f"{python}: interpreter has no site-packages folder on disk")
    return Path(prefix), list(found.values())


#: The last line of a Python traceback: ``ModuleNotFoundError: No module named 'site'``.
_PYTHON_ERROR = re.compile(r"[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt): ")


def _not_python(python: Path) -> str:
    return f"{python} is not a Python interpreter (it did not report its paths)"


def _merged(strays: list[PackageArtifact]) -> PackageArtifact:
    """One ``<unattributed>`` artifact per environment, even when purelib and platlib differ.

    The pipeline keys packages by name@version; two artifacts with the same
    key would be folded into one and the second folder's files never read.
    """
    if len(strays) == 1:
        return strays[0]

    def read_files(want: Callable[[str], bool]) -> Iterator[SourceFile]:
        for stray in strays:
            yield from stray.read_files(want)

    return dataclasses.replace(strays[0], read_files=read_files, fingerprint=None,
                               locations=tuple(loc for s in strays for loc in s.locations),
                               unreadable=tuple(u for s in strays for u in s.unreadable))


def _is_meta(path: Path) -> bool:
    return path.name.endswith((".dist-info", ".egg-info"))
