"""Which files run when: entry points and the files they load at their top level.

A finding's timing depends on more than its own file.  Importing an npm
package runs the top level of its entry file (package.json ``main``,
default ``index.js``; every ``exports`` target, ``module``, ``bin``), and
that code's top-level ``require('./x')`` runs ``x.js``'s top level in turn.
Importing anything of a Python package runs its ``__init__.py``, whose
``from . import transport`` runs ``transport.py``.  The same holds for
install and startup code: ``install.js`` requiring ``./lib/fetch`` runs
that file's top level at install time, ``.pth`` lines importing a module
run it at every interpreter start.

The pre-filter leaves most files unanalysed, so the load graph cannot come
from the analyzers: the engine calls ``load_specifiers`` on every file's
bytes as it reads them (one RE2 scan, and a line pass only for the rare
indented ``require``), keeps the specifiers on ``FileAnalysis.imports``,
and ``load_times`` resolves them with the linker's own rules.

Whether a ``require`` runs at load is decided from the text, erring
towards "it does": ESM static imports always do; a ``require``/``import()``
is lazy only when the nearest enclosing lines (by indentation) open a
function declaration, a method, or a function assigned to a name, or when
the call follows such an opening on its own line with no ``}`` or ``;``
between.  Python imports under ``def`` or ``if TYPE_CHECKING:`` are lazy.
"""

from __future__ import annotations

import configparser
import dataclasses
import posixpath
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import re2

from egress.linker import PackageLinker
from egress.model import Ecosystem, FileAnalysis, PackageArtifact, SourceFile

Resolve = Callable[[str, str], "str | None"]

# -- the text pass ---------------------------------------------------------------------------------
# Groups: 1 `require(`, 2 `import(`, 3 the relative specifier.  `from '…'` and `import '…'` are ESM
# static forms (top level by the grammar).
_JS_LOAD = re2.compile(
    rb"""(?:\b(require)\s*\(\s*|\b(import)\s*\(\s*|\bfrom\s*|\bimport\s*)['"](\.\.?(?:/[^'"\n]*)?)['"]""")
# Groups: 1 module of `from M import …`, 2 its names, 3 the list of `import a.b, c as d`.
_PY_LOAD = re2.compile(
    rb"(?m)^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]*(\([^)]*\)|[^\n#;]*)|import[ \t]+([^\n#;]+))")

_JS_CONTROL = frozenset({"if", "for", "while", "switch", "catch", "with", "function", "return", "do", "else"})
#: Lines opening a function whose body runs only when called (never an immediately invoked one).
_JS_FUNCTION_HEAD = re2.compile(
    r"^(?:export\s+(?:default\s+)?)?(?:async\s+)?function\b\s*\*?\s*[\w$]+\s*\("       # declaration
    r"|^(?:(?:const|let|var)\s+)?[\w$.]+\s*[=:]\s*(?:async\s+)?function\b[^(]*\("       # assigned expression
    r"|^(?:(?:const|let|var)\s+)?[\w$.]+\s*[=:]\s*(?:async\s*)?(?:\([^()]*\)|[\w$]+)\s*=>")  # assigned arrow
_JS_METHOD_HEAD = re2.compile(r"^(?:(?:static|async|get|set)\s+|\*\s*)*([\w$]+)\s*\([^()]*\)\s*\{")
_PY_LAZY_HEAD = re2.compile(r"^(?:async\s+)?def\b|^if\s+(?:typing\.)?TYPE_CHECKING\s*:")
_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


def load_specifiers(source: SourceFile, ecosystem: Ecosystem) -> tuple[str, ...]:
    """Local module specifiers a file loads when its top level runs (relative, or absolute for Python).

    Cheap by design: one RE2 scan of the bytes; files without a match cost nothing more.
    """
    language = source.language or ("python" if source.path.endswith((".py", ".pyw", ".pth"))
                                   else "javascript" if ecosystem is Ecosystem.NPM else None)
    if language == "javascript":
        return _js_specifiers(source.data)
    if language == "python":
        return _py_specifiers(source.data)
    return ()


def _js_specifiers(data: bytes) -> tuple[str, ...]:
    eager: list[str] = []
    calls: list[tuple[int, str]] = []        # (offset, specifier) of require()/import() to place
    for match in _JS_LOAD.finditer(data):
        specifier = match.group(3).decode("utf-8", "surrogateescape")
        if match.group(1) is None and match.group(2) is None:
            eager.append(specifier)
        else:
            calls.append((match.start(), specifier))
    indented: list[int] = []
    lazy: set[int] = set()
    for offset, _ in calls:
        start = _line_start(data, offset)
        if data[start:start + 1] in (b" ", b"\t"):
            indented.append(offset)          # enclosing lines decide: the line pass below
        elif _same_line_lazy(data[start:offset].decode("utf-8", "replace")):
            lazy.add(offset)
    if indented:
        lazy |= _lazy_offsets(data, indented, _js_head_is_lazy, same_line=True)
    eager.extend(s for (offset, s) in calls if offset not in lazy)
    return tuple(dict.fromkeys(eager))


def _py_specifiers(data: bytes) -> tuple[str, ...]:
    found: list[tuple[int, list[str]]] = []
    for match in _PY_LOAD.finditer(data):
        module, names, modules = (g.decode("utf-8", "surrogateescape") if g is not None else None
                                  for g in match.groups())
        if modules is not None:
            specs = [_bare(m) for m in modules.split(",")]
        else:
            assert module is not None and names is not None
            joiner = "" if module.strip(".") == "" else "."
            specs = [module, *(module + joiner + n for n in map(_bare, names.strip("()\\ \t\n").split(",")) if n)]
        specs = [s for s in specs if s and (s.startswith(".") or s.split(".")[0] not in _STDLIB)]
        if specs:
            # the offset of the statement itself: `^[ \t]*` may have started on a blank line above
            found.append((match.start() + len(match.group(0)) - len(match.group(0).lstrip()), specs))
    indented = [offset for offset, _ in found if offset > 0 and data[offset - 1:offset] != b"\n"]
    lazy = _lazy_offsets(data, indented, _py_head_is_lazy, same_line=False) if indented else set()
    return tuple(dict.fromkeys(s for offset, specs in found if offset not in lazy for s in specs))


def _bare(name: str) -> str:
    """``a.b as c`` → ``a.b``; ``*`` and junk → ``""``."""
    word = name.strip().split()[0] if name.strip() else ""
    return word if word and all(part.isidentifier() for part in word.lstrip(".").split(".") if part) \
        and word != "*" else ""


def _lazy_offsets(data: bytes, offsets: list[int], head_is_lazy: Callable[[str], bool],
                  same_line: bool) -> set[int]:
    """Offsets (of loads) that sit inside a function, judged by the indentation of enclosing lines.

    One forward pass over the lines up to the last offset, keeping the stack of lines that
    enclose the current one (lower indentation); only runs for files with an indented load.
    """
    lazy: set[int] = set()
    pending = sorted(offsets)
    stack: list[tuple[int, bool]] = []      # (indentation, opens a lazy body)
    position, index = 0, 0
    end = len(data)
    while index < len(pending) and position <= end:
        stop = data.find(b"\n", position)
        stop = end if stop < 0 else stop
        line = data[position:stop]
        body = line.lstrip(b" \t")
        indent = len(line) - len(body)
        text = body.decode("utf-8", "replace")
        if body and not text.startswith(("//", "/*", "*", "#")):
            while stack and stack[-1][0] >= indent:
                stack.pop()
            enclosed = any(opens for _, opens in stack)
            while index < len(pending) and pending[index] <= stop:
                offset = pending[index]
                prefix = data[position + indent:offset].decode("utf-8", "replace")
                if enclosed or (same_line and _same_line_lazy(prefix)):
                    lazy.add(offset)
                index += 1
            stack.append((indent, head_is_lazy(text)))
        else:
            while index < len(pending) and pending[index] <= stop:
                index += 1       # a load inside a comment line: keep it (over-approximation)
        position = stop + 1
    return lazy


def _same_line_lazy(prefix: str) -> bool:
    """``exports.get = function () { return require('./x')``: a function opened, not closed, before the call."""
    return bool(prefix) and "}" not in prefix and ";" not in prefix and _js_head_is_lazy(prefix)


def _line_start(data: bytes, offset: int) -> int:
    return data.rfind(b"\n", 0, offset) + 1


def _js_head_is_lazy(text: str) -> bool:
    if _JS_FUNCTION_HEAD.search(text) is not None:
        return True
    method = _JS_METHOD_HEAD.search(text)
    return method is not None and method.group(1) not in _JS_CONTROL


def _py_head_is_lazy(text: str) -> bool:
    return _PY_LAZY_HEAD.search(text) is not None


def with_imports(analyses: dict[str, FileAnalysis],
                 imports: Mapping[str, tuple[str, ...]]) -> dict[str, FileAnalysis]:
    """The analyses with each file's load specifiers attached (kept with them in the package cache)."""
    out = dict(analyses)
    for path, specifiers in imports.items():
        analysis = out.get(path)
        if analysis is not None and analysis.imports != specifiers:
            out[path] = dataclasses.replace(analysis, imports=specifiers)
    return out


# -- entry points ----------------------------------------------------------------------------------
def npm_entries(metadata: Mapping, resolve: Resolve, files: Iterable[str]) -> set[str]:
    """Files Node loads as the package: ``main`` (else ``index.js``), ``module``, every ``exports``
    target (conditions, subpaths, ``*`` patterns) and every ``bin``."""
    entries: set[str] = set()
    patterns: list[str] = []

    def add(target: object) -> None:
        if not isinstance(target, str) or not target.strip():
            return
        if "*" in target:
            patterns.append(target.removeprefix("./"))
            return
        found = resolve("package.json", "./" + target.removeprefix("./"))
        if found is not None:
            entries.add(found)

    main = metadata.get("main")
    before = len(entries)
    add(main)
    if len(entries) == before:           # no main, or one that names no file: Node falls back to index
        add("index.js")
    add(metadata.get("module"))
    for target in _strings(metadata.get("exports")):
        add(target)
    binaries = metadata.get("bin")
    for target in (binaries.values() if isinstance(binaries, dict) else [binaries]):
        add(target)
    if patterns:
        pattern = re2.compile("|".join(
            "(?:" + ".*".join(re2.escape(part) for part in p.split("*")) + ")" for p in patterns))
        entries.update(f for f in files if pattern.fullmatch(f) is not None)
    return entries


def _strings(value: object, depth: int = 0) -> Iterable[str]:
    """Every string target of an ``exports`` value: each condition and each subpath."""
    if depth > 8:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)


def python_entries(metadata: Mapping, resolve: Resolve, files: Iterable[str]) -> set[str]:
    """Files whose top level runs when the distribution is imported or run.

    Every ``__init__.py`` (importing anything below a package runs it), ``__main__.py``,
    a top-level module (``six.py``, also under ``src/``) the distribution names in
    ``top_level`` (any root module when it names none), and console/GUI script modules.
    """
    top_level = {str(name) for name in metadata.get("top_level") or ()}
    entries: set[str] = set()
    for path in files:
        folder, _, name = path.rpartition("/")
        if name in ("__init__.py", "__main__.py"):
            entries.add(path)
        elif name.endswith(".py") and folder in ("", "src") and name != "setup.py" \
                and (not top_level or name[:-3] in top_level):
            entries.add(path)
    for module in _script_modules(metadata.get("entry_points")):
        found = resolve("", module)
        if found is not None:
            entries.add(found)
    return entries


def _script_modules(text: object) -> list[str]:
    """Modules named by ``console_scripts`` / ``gui_scripts`` in entry_points.txt."""
    if not isinstance(text, str):
        return []
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    return [value.split(":")[0].strip() for section in ("console_scripts", "gui_scripts")
            if parser.has_section(section) for value in parser[section].values()]


# -- the closure -----------------------------------------------------------------------------------
def loaded_from(roots: Iterable[str], analyses: Mapping[str, FileAnalysis], resolve: Resolve) -> frozenset[str]:
    """The roots and every file their top level loads, transitively."""
    seen: set[str] = set()
    todo = [r for r in roots if r in analyses]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for specifier in analyses[path].imports:
            target = resolve(path, specifier)
            if target is not None and target not in seen:
                todo.append(target)
    return frozenset(seen)


@dataclass(frozen=True)
class LoadTimes:
    """Files whose top level runs at install, at interpreter start, or at import."""

    install: frozenset[str]
    startup: frozenset[str]
    imported: frozenset[str]


def load_times(artifact: PackageArtifact, analyses: Mapping[str, FileAnalysis],
               install_roots: Iterable[str] = ()) -> LoadTimes:
    """The load sets of one package, from its metadata and the files' load specifiers."""
    linker = PackageLinker(artifact.ecosystem, dict(analyses), artifact.metadata)
    if artifact.ecosystem is Ecosystem.NPM:
        entries = npm_entries(artifact.metadata, linker.resolve, analyses)
        startup_roots: list[str] = []
    else:
        entries = python_entries(artifact.metadata, linker.resolve, analyses)
        startup_roots = [p for p in analyses if p.endswith(".pth")]
    return LoadTimes(
        install=loaded_from(install_roots, analyses, linker.resolve),
        startup=loaded_from(startup_roots, analyses, linker.resolve),
        imported=loaded_from(entries, analyses, linker.resolve),
    )


__all__ = ["LoadTimes", "load_specifiers", "load_times", "loaded_from", "npm_entries", "python_entries",
           "with_imports"]
