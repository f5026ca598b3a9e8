"""Package context that changes what a finding means: file role and timing.

Analyzers see one file; only the pipeline knows that ``test/x.js`` is a
test, that ``setup.py`` of an sdist runs at install time, or that an npm
``postinstall`` script runs ``node install.js``.  This module decides
those from paths and package metadata, as data-light rules; which files
an entry point loads at its top level comes from ``entrypoints``.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from egress.build_hooks import build_hook_files
from egress.entrypoints import load_times
from egress.model import Ecosystem, FileAnalysis, FileRole, Finding, PackageArtifact, Timing

_ROLE_DIRS: dict[str, FileRole] = {
    "test": FileRole.TEST, "tests": FileRole.TEST, "__tests__": FileRole.TEST, "spec": FileRole.TEST,
    "__mocks__": FileRole.TEST, "testing": FileRole.TEST, "fixtures": FileRole.TEST, "__fixtures__": FileRole.TEST,
    "example": FileRole.EXAMPLE, "examples": FileRole.EXAMPLE,
    "doc": FileRole.DOCS, "docs": FileRole.DOCS, "documentation": FileRole.DOCS,
    "bench": FileRole.BENCH, "benchmark": FileRole.BENCH, "benchmarks": FileRole.BENCH,
    "scripts": FileRole.SCRIPTS, "script": FileRole.SCRIPTS,
}
_TEST_FILE = re.compile(r"(\.(test|spec)\.[cm]?[jt]sx?$)|(^test_.*\.py$)|(_test\.py$)|(^conftest\.py$)")

#: npm lifecycle scripts that run when the package is installed or removed.
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare", "preuninstall", "uninstall", "postuninstall")


def file_role(path: str) -> FileRole:
    """The role of a package-relative path: the first role-naming folder wins."""
    parts = path.split("/")
    if len(parts) > 2 and parts[0].endswith(".data"):     # a wheel's install scheme folder
        if parts[1] == "scripts":
            return FileRole.SHIPPED         # the commands pip puts in bin/
        parts = parts[2:]
    for part in parts[:-1]:
        role = _ROLE_DIRS.get(part.lower())
        if role is not None:
            return role
    if _TEST_FILE.search(parts[-1]):
        return FileRole.TEST
    return FileRole.SHIPPED


@dataclass(frozen=True)
class PackageContext:
    """What the pipeline knows about a package's files before analysing them."""

    install_files: frozenset[str] = frozenset()    # files run by install hooks
    sdist_modules: frozenset[str] | None = None    # import names an sdist installs, when it says
    # Files whose top level runs at install, at interpreter start, at import (``with_loads``).
    # ``import_loaded`` None: the load graph is unknown, so all top-level code counts as import.
    install_loaded: frozenset[str] = frozenset()
    startup_loaded: frozenset[str] = frozenset()
    import_loaded: frozenset[str] | None = None
    shipped_loaded: frozenset[str] = frozenset()   # loaded by a shipped entry point: counts as shipped
    #: a Python distribution's only import package (``top_level``): shipped even in a folder named ``docs``
    sole_package: str | None = None

    @classmethod
    def of(cls, artifact: PackageArtifact) -> "PackageContext":
        meta = artifact.metadata
        install: set[str] = set()
        main = meta.get("main") if isinstance(meta.get("main"), str) else "index.js"
        for _, command in install_hooks(meta):
            install.update(_normal(main) if path == "." else path for path in node_files_of(command))
        modules = None
        if artifact.ecosystem is Ecosystem.PYPI and meta.get("kind") in ("sdist", "folder"):
            install.add("setup.py")     # pip runs it to build from source
            install.update(build_hook_files(meta.get("pyproject_toml")))   # in-tree backends, build hooks
            if meta.get("top_level"):
                modules = frozenset(str(name) for name in meta["top_level"])
        top = [str(name) for name in meta.get("top_level") or _declared_packages(meta.get("pyproject_toml"))] \
            if artifact.ecosystem is Ecosystem.PYPI else []
        sole = top[0] if len(top) == 1 and top[0].isidentifier() else None
        return cls(install_files=frozenset(install), sdist_modules=modules, sole_package=sole)

    def role(self, path: str) -> FileRole:
        """The file's role; a root-level script of an sdist that it does not install is tooling.

        A file the package runs (an install or startup file, or one a shipped entry point
        loads) is shipped code wherever it sits: `main: "docs/index.js"` or `index.js`
        requiring `./test/helper.js` cannot hide behind the folder name.
        """
        if path in self.shipped_loaded or path in self.install_files or path in self.install_loaded \
                or path in self.startup_loaded or self._in_sole_package(path):
            return FileRole.SHIPPED
        if (self.sdist_modules is not None and "/" not in path and path.endswith(".py")
                and path not in self.install_files and path[:-3] not in self.sdist_modules):
            return FileRole.SCRIPTS
        return file_role(path)

    def _in_sole_package(self, path: str) -> bool:
        """In the only import package, whose own folder name (``docs``) says nothing of its role;
        folders inside it still do (``tornado/test/``)."""
        if self.sole_package is None or "/" not in path:
            return False
        head, rest = path.split("/", 1)
        return head == self.sole_package and file_role("package/" + rest) is FileRole.SHIPPED

    def with_loads(self, artifact: PackageArtifact, analyses: Mapping[str, FileAnalysis],
                   findings: Iterable[Finding] | None = None) -> "PackageContext":
        """This context with the load sets of the package's entry points, install and startup files.

        Only top-level findings depend on them: given the package's ``findings``, a package
        without a top-level one (most) costs nothing.
        """
        if findings is not None and all(f.in_function and file_role(f.file) is FileRole.SHIPPED
                                        for f in findings):
            return dataclasses.replace(self, import_loaded=frozenset())
        # npm entry points are what package.json declares; Python's are every __init__.py, tests' too
        shipped = None if artifact.ecosystem is Ecosystem.NPM else (
            lambda p: file_role(p) is FileRole.SHIPPED or self._in_sole_package(p))
        loads = load_times(artifact, analyses, self.install_files, shipped=shipped)
        return dataclasses.replace(self, install_loaded=loads.install, startup_loaded=loads.startup,
                                   import_loaded=loads.imported, shipped_loaded=loads.from_shipped)

    def timing(self, finding: Finding) -> Timing:
        """Install files run whole; otherwise code in functions runs when called, and top-level
        code runs when the first loader that reaches its file runs (install, startup, import)."""
        if finding.file in self.install_files:
            return Timing.INSTALL
        if finding.file.endswith(".pth"):
            return Timing.STARTUP
        if finding.in_function:
            return Timing.RUNTIME
        if finding.file in self.install_loaded:
            return Timing.INSTALL
        if finding.file in self.startup_loaded:
            return Timing.STARTUP
        if self.import_loaded is None or finding.file in self.import_loaded:
            return Timing.IMPORT
        return Timing.RUNTIME


_RUN = re.compile(r"(?:^|(?<=[;&|]))\s*(?:npm\s+(?:run|run-script)|yarn(?:\s+run)?|pnpm(?:\s+run)?)\s+([\w:.-]+)")


def install_hooks(metadata: dict) -> Iterator[tuple[str, str]]:
    """``(hook, command)`` for each install hook a package.json declares, in npm's order.

    A hook that runs another script (``npm run fetch``, ``yarn build``) has that
    script's text appended, three levels deep, so what it really runs is read too.
    """
    scripts = metadata.get("scripts") or {}
    if not isinstance(scripts, dict):
        return
    for name in INSTALL_SCRIPTS:
        command = scripts.get(name)
        if isinstance(command, str):
            yield name, _expanded(command, scripts, 3)


def _expanded(command: str, scripts: dict, depth: int) -> str:
    parts = [command]
    for target in _RUN.findall(command) if depth else ():
        body = scripts.get(target)
        if isinstance(body, str) and body != command:
            parts.append(_expanded(body, scripts, depth - 1))
    return " ; ".join(parts)


def shell_commands(command: str) -> list[list[str]]:
    """The simple commands of a shell line, as words: split on ``;``, ``&&``, ``||``, ``|`` outside quotes."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token and set(token) <= set(";&|"):
                commands.append([])
            else:
                commands[-1].append(token)
    except ValueError:               # unbalanced quotes: fall back to plain words
        return [command.split()]
    return [words for words in commands if words]


def node_files_of(command: str) -> list[str]:
    """Script files a lifecycle command runs with ``node``: ``node install.js && node x/y``."""
    files: list[str] = []
    for words in shell_commands(command):
        if len(words) >= 2 and words[0] in ("node", "nodejs"):
            rest = iter(words[1:])
            for word in rest:
                if word in ("-e", "--eval", "-p", "--print"):
                    # inline code: the package files it requires run at install time too
                    files.extend(_normal(m) for m in _INLINE_REQUIRE.findall(next(rest, "")))
                    break
                if word.startswith("-"):
                    continue
                if word == "<":                 # `node < script.txt`: the script comes on stdin
                    word = next(rest, "")
                    if not word:
                        break
                files.append(_normal(word))
                break
    return files


_INLINE_REQUIRE = re.compile(r"""require\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)""")


def _normal(path: str) -> str:
    if path in (".", "./"):
        return "."                  # `node .`: the package's main, mapped by the caller
    path = path.removeprefix("./")
    if "." not in path.rsplit("/", 1)[-1]:
        path = path + ".js"         # `node scripts/setup`: Node tries setup.js; `node s.txt` runs s.txt itself
    return path


def _declared_packages(pyproject: object) -> list[str]:
    """Top-level packages a pyproject.toml lists for setuptools (``[tool.setuptools] packages``)."""
    if not isinstance(pyproject, str):
        return []
    try:
        packages = tomllib.loads(pyproject).get("tool", {}).get("setuptools", {}).get("packages")
    except (tomllib.TOMLDecodeError, AttributeError):
        return []
    if not isinstance(packages, list):
        return []
    return sorted({str(p).split(".")[0] for p in packages if isinstance(p, str)})
