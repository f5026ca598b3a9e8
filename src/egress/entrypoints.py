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
bytes as it reads them (one scan, and a line pass only for the rare
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
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import re2

from egress.linker import PackageLinker
from egress.model import Ecosystem, FileAnalysis, PackageArtifact, SourceFile

Resolve = Callable[[str, str], "str | None"]

# -- the text pass ---------------------------------------------------------------------------------
# A quoted relative specifier, found by its literal first bytes (`re` scans for them with a fast
# literal search, no backtracking), then the bytes before it say how it is loaded: groups 1
# `require(`, 2 `import(`; `from '…'` and `import '…'` are ESM static forms (top level by the grammar).
_JS_QUOTED = (re.compile(rb"'(\.\.?(?:/[^'\n]*)?)'"), re.compile(rb'"(\.\.?(?:/[^"\n]*)?)"'))
_JS_LOADER = re.compile(rb"(?:\b(require)\s*\(\s*|\b(import)\s*\(\s*|\bfrom\s*|\bimport\s*)\Z")
_LOADER_WINDOW = 64
# Python statements that load modules (read apart in Python: one wrapper call per match), and a
# literal name loaded by a call (``__import__('x')``, ``importlib.import_module('x')``).
_PY_LOAD = re2.compile(
    rb"(?m)(?:^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n#;]*)|import[ \t]+[^\n#;]+)"
    rb"|\b(?:__import__|import_module)\s*\(\s*['\"][\w.]+['\"])")

_JS_CONTROL = frozenset({b"if", b"for", b"while", b"switch", b"catch", b"with", b"function", b"return", b"do",
                         b"else"})
# Heads are read with `re` (many short, anchored matches: cheaper per call than the RE2 wrapper) on at
# most _HEAD_LIMIT bytes, and only for lines that enclose an indented load.
_HEAD_LIMIT = 400
#: Lines opening a function whose body runs only when called (never an immediately invoked one).
_NAME = rb"""(?:[\w$.]+|"[^"\n]*"|'[^'\n]*')"""      # a variable, member or (quoted) property name
_JS_FUNCTION_HEAD = re.compile(
    rb"export\s+default\s+(?:async\s+)?function\b"                                        # default export
    rb"|(?:export\s+)?(?:async\s+)?function\b\s*\*?\s*[\w$]+\s*[(<]"                          # declaration
    rb"|(?:(?:const|let|var)\s+)?" + _NAME + rb"\s*[=:]\s*(?:async\s+)?function\b[^(]*\("   # assigned expression
    rb"|(?:(?:const|let|var)\s+)?" + _NAME + rb"\s*[=:]\s*(?:async\s*)?(?:\([^()]*\)|[\w$]+)"  # assigned arrow
    rb"\s*(?::[^=;{]*)?=>")
_JS_METHOD_HEAD = re.compile(
    rb"(?:(?:static|async|get|set|public|private|protected|override|readonly)\s+|\*\s*)*"
    rb"#?([\w$]+)\s*(?:<[^>]*>)?\([^()]*\)\s*(?::[^{;=]*)?\{")
_PY_LAZY_HEAD = re.compile(rb"(?:async\s+)?def\b|if\s+(?:typing\.)?TYPE_CHECKING\s*:")
_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
_JS_COMMENTS = (b"//", b"/*", b"*", b"#!")
_PY_COMMENTS = (b"#",)


def load_specifiers(source: SourceFile, ecosystem: Ecosystem) -> tuple[str, ...]:
    """Local module specifiers a file loads when its top level runs (relative, or absolute for Python).

    Cheap by design: a substring gate, then one scan (JavaScript: for quoted relative
    specifiers, by their literal first bytes; Python: RE2 for import statements); only files
    with an indented ``require``/``import`` pay for a pass over their lines.
    """
    language = source.language or ("python" if source.path.endswith((".py", ".pyw", ".pth"))
                                   else "javascript" if ecosystem is Ecosystem.NPM else None)
    data = source.data
    if language == "javascript":
        return _js_specifiers(data) if b"'." in data or b'".' in data else ()
    if language == "python":
        return _py_specifiers(data) if b"import" in data else ()
    return ()


def js_relative_loads(data: bytes) -> tuple[str, ...]:
    """Every relative specifier a JavaScript file loads, at its top level or later (lazy ones too).

    The engine reads an extensionless or oddly named file that one of these names
    exactly (``require('./lib/payload')``): Node loads it as JavaScript.
    """
    if b"'." not in data and b'".' not in data:
        return ()
    found: list[str] = []
    for quoted in _JS_QUOTED:
        for match in quoted.finditer(data):
            start = match.start()
            if _JS_LOADER.search(data, max(0, start - _LOADER_WINDOW), start) is not None:
                found.append(match.group(1).decode("utf-8", "surrogateescape"))
    return tuple(dict.fromkeys(found))


def _js_specifiers(data: bytes) -> tuple[str, ...]:
    eager: list[tuple[int, str]] = []        # (offset, specifier) of loads that run with the file
    calls: list[tuple[int, str]] = []        # (offset, specifier) of require()/import() to place
    for quoted in _JS_QUOTED:
        for match in quoted.finditer(data):
            start = match.start()
            loader = _JS_LOADER.search(data, max(0, start - _LOADER_WINDOW), start)
            if loader is None:
                continue
            specifier = match.group(1).decode("utf-8", "surrogateescape")
            if loader.group(1) is None and loader.group(2) is None:
                eager.append((start, specifier))
            else:
                calls.append((start, specifier))
    indented: list[int] = []
    lazy: set[int] = set()
    for offset, _ in calls:
        start = data.rfind(b"\n", max(0, offset - _HEAD_LIMIT), offset) + 1
        if start == 0 and offset > _HEAD_LIMIT:
            continue                         # far into a long (minified) line: taken as eager
        if data[start:start + 1] in (b" ", b"\t"):
            indented.append(offset)          # enclosing lines decide: the line pass below
        elif _same_line_lazy(data[start:offset]):
            lazy.add(offset)
    if indented:
        lazy |= _lazy_offsets(data, indented, _js_head_is_lazy, _JS_COMMENTS, same_line=True)
    eager.extend(call for call in calls if call[0] not in lazy)
    return tuple(dict.fromkeys(specifier for _, specifier in sorted(eager)))


def _py_specifiers(data: bytes) -> tuple[str, ...]:
    found: list[tuple[int, list[str]]] = []
    for match in _PY_LOAD.finditer(data):
        whole = match.group()
        body = whole.lstrip(b" \t")
        specs = [s for s in _py_names(body.decode("utf-8", "surrogateescape"))
                 if s and (s[0] == "." or s.partition(".")[0] not in _STDLIB)]
        if specs:
            found.append((match.start() + len(whole) - len(body), specs))
    indented = [offset for offset, _ in found if _indented(data, offset)]
    lazy = _lazy_offsets(data, indented, _py_head_is_lazy, _PY_COMMENTS, same_line=False) if indented else set()
    return tuple(dict.fromkeys(s for offset, specs in found if offset not in lazy for s in specs))


def _py_names(statement: str) -> list[str]:
    """Modules one matched statement loads; ``from m import a`` also names ``m.a`` (maybe a submodule)."""
    if statement.startswith("from"):
        _, module, rest = statement.split(None, 2)
        joiner = "" if module.strip(".") == "" else "."
        names = (_bare(n) for n in rest[len("import"):].strip("()\\ \t\r\n").split(","))
        return [module, *(module + joiner + n for n in names if n)]
    if statement.startswith("import") and statement[6:7] in (" ", "\t"):
        return [_bare(m) for m in statement[6:].split(",")]
    quote = "'" if "'" in statement else '"'
    return [statement.split(quote)[1]]


def _indented(data: bytes, offset: int) -> bool:
    start = data.rfind(b"\n", 0, offset) + 1
    return data[start:start + 1] in (b" ", b"\t")


def _bare(name: str) -> str:
    """``a.b as c`` → ``a.b``; ``*`` and junk → ``""``."""
    words = name.split()
    word = words[0] if words else ""
    if word == "*" or not all(part.isidentifier() for part in word.lstrip(".").split(".") if part):
        return ""
    return word


def _lazy_offsets(data: bytes, offsets: list[int], head_is_lazy: Callable[[bytes], bool],
                  comments: tuple[bytes, ...], same_line: bool) -> set[int]:
    """Offsets (of indented loads) that sit inside a function, judged by the enclosing lines.

    The lines enclosing a load are those of lower indentation back to the last line at column
    0 (a top-level statement), so the pass walks back to that line and forward again, keeping
    the stack of enclosing lines; a line's head is read only when it encloses a load.  A load
    on a comment line is kept (an over-approximation).
    """
    lazy: set[int] = set()
    stack: list[list] = []      # [indentation, line, opens a lazy body (None: not read yet)]
    position = 0                # start of the line the forward pass stands on
    for offset in sorted(offsets):
        block = _block_start(data, offset, position, comments)
        if block > position:
            stack, position = [], block
        while True:
            stop = data.find(b"\n", position)
            stop = len(data) if stop < 0 else stop
            line = data[position:stop]
            body = line.lstrip(b" \t")
            if body and not body.startswith(comments):
                indent = len(line) - len(body)
                while stack and stack[-1][0] >= indent:
                    stack.pop()
                if offset <= stop:      # the load's line: stay on it (another load may share it)
                    if _enclosed(stack, head_is_lazy) or (
                            same_line and _same_line_lazy(data[position + indent:offset])):
                        lazy.add(offset)
                    break
                stack.append([indent, body, None])
            elif offset <= stop:
                break
            position = stop + 1
    return lazy


def _block_start(data: bytes, offset: int, floor: int, comments: tuple[bytes, ...]) -> int:
    """Start of the last line at or before ``offset`` that begins at column 0 with code (else ``floor``)."""
    end = offset
    while True:
        newline = data.rfind(b"\n", floor, end)
        start = floor if newline < 0 else newline + 1
        if start <= floor:
            return floor
        first = data[start:start + 2]
        if first[:1] not in (b" ", b"\t", b"\r", b"\n", b"") and not first.startswith(comments):
            return start
        end = start - 1


def _enclosed(stack: list[list], head_is_lazy: Callable[[bytes], bool]) -> bool:
    for entry in stack:
        if entry[2] is None:
            entry[2] = head_is_lazy(entry[1])
        if entry[2]:
            return True
    return False


def _same_line_lazy(prefix: bytes) -> bool:
    """``exports.get = function () { return require('./x')``: a function opened, not closed, before the call."""
    return (0 < len(prefix) <= _HEAD_LIMIT and b"}" not in prefix and b";" not in prefix
            and _js_head_is_lazy(prefix))


def _js_head_is_lazy(text: bytes) -> bool:
    text = text[:_HEAD_LIMIT]
    if _JS_FUNCTION_HEAD.match(text) is not None:
        return True
    method = _JS_METHOD_HEAD.match(text)
    return method is not None and method.group(1) not in _JS_CONTROL


def _py_head_is_lazy(text: bytes) -> bool:
    return _PY_LAZY_HEAD.match(text[:_HEAD_LIMIT]) is not None


def with_imports(analyses: dict[str, FileAnalysis],
                 imports: Mapping[str, tuple[str, ...]]) -> dict[str, FileAnalysis]:
    """The analyses with each file's load specifiers attached (kept with them in the package cache)."""
    out = dict(analyses)
    for path, specifiers in imports.items():
        analysis = out.get(path)
        if analysis is not None:            # the analyzer's own (folded) loads are kept beside the text's
            merged = tuple(dict.fromkeys(specifiers + analysis.imports))
            if merged != analysis.imports:
                out[path] = dataclasses.replace(analysis, imports=merged)
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
        entries.update(f for f in files if _fullmatch(pattern, f))
    return entries


def _fullmatch(pattern, path: str) -> bool:
    try:
        return pattern.fullmatch(path) is not None
    except UnicodeError:        # a file name that is not UTF-8 matches no package.json pattern
        return False


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
    ``top_level`` (any root module when it names none), console/GUI script modules, and a
    wheel's scripts (``*.data/scripts/``, run as commands like npm ``bin``).
    """
    top_level = {str(name) for name in metadata.get("top_level") or ()}
    entries: set[str] = set()
    for path in files:
        folder, _, name = path.rpartition("/")
        if name in ("__init__.py", "__main__.py") or folder.endswith(".data/scripts"):
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
def loaded_from(roots: Iterable[str], analyses: Mapping[str, FileAnalysis], resolve: Resolve,
                launched: bool = False) -> frozenset[str]:
    """The roots and every file their top level loads, transitively (``launched``: and the files
    they start as new processes anywhere, for which files run at all)."""
    seen: set[str] = set()
    todo = [r for r in roots if r in analyses]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        analysis = analyses[path]
        targets = [resolve(path, specifier) for specifier in analysis.imports]
        if launched:     # a launch is a package file path (Python) or a specifier (JavaScript: `./b.js`)
            targets += [launch if launch in analyses else resolve(path, launch) for launch in analysis.launches]
        todo.extend(t for t in targets if t is not None and t not in seen)
    return frozenset(seen)


@dataclass(frozen=True)
class LoadTimes:
    """Files whose top level runs at install, at interpreter start, or at import."""

    install: frozenset[str]
    startup: frozenset[str]
    imported: frozenset[str]
    #: loaded by an entry point that ``shipped`` accepts (not a test's own ``__init__``): code that runs
    #: when the package is used, whatever folder it sits in
    from_shipped: frozenset[str] = frozenset()


def load_times(artifact: PackageArtifact, analyses: Mapping[str, FileAnalysis],
               install_roots: Iterable[str] = (), shipped: Callable[[str], bool] | None = None) -> LoadTimes:
    """The load sets of one package, from its metadata and the files' load specifiers."""
    linker = PackageLinker(artifact.ecosystem, dict(analyses), artifact.metadata)
    if artifact.ecosystem is Ecosystem.NPM:
        entries = npm_entries(artifact.metadata, linker.resolve, analyses)
        startup_roots: list[str] = []
    else:
        entries = python_entries(artifact.metadata, linker.resolve, analyses)
        # .pth lines, and the modules site imports at every start when they sit at the top of a path
        startup_roots = [p for p in analyses if p.endswith(".pth") or p in ("sitecustomize.py", "usercustomize.py")]
    imported = loaded_from(entries, analyses, linker.resolve)
    return LoadTimes(
        install=loaded_from(install_roots, analyses, linker.resolve),
        startup=loaded_from(startup_roots, analyses, linker.resolve),
        imported=imported,
        from_shipped=loaded_from([e for e in entries if shipped is None or shipped(e)] + list(install_roots),
                                 analyses, linker.resolve, launched=True),
    )


__all__ = ["LoadTimes", "load_specifiers", "load_times", "loaded_from", "npm_entries", "python_entries",
           "with_imports"]
