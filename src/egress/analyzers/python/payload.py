"""Code run from strings: ``exec``/``eval``/``compile`` and file loaders.

A string that folds to a constant (after base64, hex, zlib... decoding; not
``marshal``, whose code objects are not source) is parsed as Python and
analysed like a file, up to ``MAX_DEPTH`` payloads deep and ``fold.MAX_SIZE``
long.  Its findings are placed at the call that runs it (that is the line a
reviewer can see), with the payload's own line in the note.  A string that
does not fold is ``DYNAMIC_CODE``; ``exec(open(path).read())`` and
``importlib.util.spec_from_file_location`` load a file of the package,
which is analysed on its own, so they are ``DYNAMIC_REQUIRE`` low with the
path.  When something cannot be resolved, the note lists network-looking
strings of the file, which say where to look.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

from egress.analyzers.python.ir import Attr, Call, Expr, Name
from egress.analyzers.python.locate import Locator, render
from egress.analyzers.python.scopes import Builder, Scope
from egress.catalog import Catalog
from egress.model import Capability, Confidence, Finding, FindingKind, TraceStep

if TYPE_CHECKING:
    from egress.analyzers.python.walk import Walker

MAX_DEPTH = 3
_PARSE_LIMIT = 2.0          # seconds, for a payload that only tree-sitter reads
RUNNERS = frozenset({"exec", "eval", "compile"})
_STRING = re.compile(r"""(?:[bBuU]?)(['"])([^'"\\\n]{1,200})\1""")
_URL = re.compile(r"^(?:https?|wss?|ftp|smtp)://", re.IGNORECASE)


def analyse_text(catalog: Catalog, path: str, text: str, depth: int) -> list[Finding] | str:
    """Findings of ``text`` parsed as a module (payload lines), or why it could not be read."""
    from egress.analyzers.python import from_ast, from_treesitter
    from egress.analyzers.python.evaluate import Evaluator
    from egress.analyzers.python.walk import Walker

    builder = Builder()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
        from_ast.build(tree, builder)
    except (SyntaxError, ValueError, MemoryError) as exc:     # Python 2 code: tree-sitter, as for files
        builder = Builder()
        data = text.encode("utf-8", "surrogatepass")
        try:
            ts_tree = from_treesitter.parse(data, _PARSE_LIMIT)
        except from_treesitter.ParseTimeout:
            return f"payload parse time limit ({_PARSE_LIMIT} s) exceeded"
        if from_treesitter.first_error_line(ts_tree) is not None:
            return f"payload does not parse as Python: {getattr(exc, 'msg', exc)}"
        from_treesitter.build(ts_tree, data, builder)
    loc = Locator(path, text.splitlines() or [""])
    return Walker(catalog, Evaluator(catalog, builder.program, loc), loc, depth).run(builder.program)


def network_strings(catalog: Catalog, lines: list[str]) -> list[str]:
    """Quoted strings that name a network module or client, or are URLs (at most 3)."""
    roots = {m.split(".")[0] for m in catalog.modules} | {d.split(".")[0] for d in catalog.dependencies}
    found: dict[str, None] = {}
    for line in lines:
        if "'" not in line and '"' not in line:
            continue
        for m in _STRING.finditer(line):
            s = m.group(2)
            if s.split(".")[0] in roots or _URL.match(s):
                found.setdefault(repr(s), None)
                if len(found) == 3:
                    return list(found)
    return list(found)


class CodeRunner:
    """Findings for the places that run code given as data."""

    def __init__(self, walker: "Walker") -> None:
        self.w = walker
        self._strings: list[str] | None = None

    def strings_note(self) -> str:
        if self._strings is None:
            self._strings = network_strings(self.w.catalog, self.w.loc.lines)
        return f"file also contains network-looking strings: {', '.join(self._strings)}" if self._strings else ""

    def unresolved(self, kind: FindingKind, api: str, module: str, at: Expr, scope: Scope, note: str,
                   confidence: Confidence) -> None:
        full = "; ".join(n for n in (note, self.strings_note()) if n)
        self.w.add(kind, api, module, Capability.CONNECT, at, scope, (), full, confidence)

    # -- exec / eval / compile ---------------------------------------------
    def run(self, call: Call, runner: str, scope: Scope, order: int) -> None:
        code = call.args[0] if call.args else dict(call.keywords).get("source")
        if code is None:
            return
        compiled = self.w.ev.bound_to(code, scope, order)
        if isinstance(compiled, Call) and self.w.builtin(compiled.func, scope, order) == "compile":
            return                          # exec(compile(...)): the compile call is the one analysed
        path = self._read_of_open(code, scope, order)
        if path is not None:
            shown = self.w.ev.fold(path, scope, order).text
            note = f"runs file {shown!r}" if shown is not None else f"runs file {render(path)}"
            self.w.add(FindingKind.DYNAMIC_REQUIRE, runner, "builtins", Capability.CONNECT, call, scope, (),
                       note, Confidence.LOW)
            return
        folded = self.w.ev.fold(code, scope, order)
        value = _text_of(folded.value)
        if value is None and isinstance(code, Name):
            origins = self._parameter_payloads(code, scope, order)
            if origins:         # `def f(p=b64decode(…)): exec(p)`: each constant a caller or the default gives
                for origin_folded, origin_value in origins:
                    self._analyse(call, runner, scope, origin_folded, origin_value)
                return
        if value is None:
            why = "fold budget exceeded" if folded.exceeded else f"{runner}({render(code)})"
            self.unresolved(FindingKind.DYNAMIC_CODE, runner, "builtins", call, scope, why, Confidence.MEDIUM)
            return
        self._analyse(call, runner, scope, folded, value)

    def _parameter_payloads(self, code: Name, scope: Scope, order: int) -> list:
        """The constant texts a parameter receives from this file's callers or its default (all or none)."""
        from egress.analyzers.python.strings import Strings

        func = Strings.param_binding(code.id, self.w.ev.visible_bindings(code.id, scope, order))
        if func is None:
            return []
        out = []
        for origin in Strings(self.w.ev).origins(func, code.id):
            origin_folded = self.w.ev.fold(origin.expr, origin.scope, origin.order)
            text = _text_of(origin_folded.value)
            if text is None:
                return []                  # one caller passes something unknown: the call stays unresolved
            out.append((origin_folded, text))
        return out

    def _analyse(self, call: Call, runner: str, scope: Scope, folded, value: str) -> None:
        depth = self.w.depth + 1
        if depth > MAX_DEPTH:
            self.unresolved(FindingKind.DYNAMIC_CODE, runner, "builtins", call, scope,
                            f"payload nested deeper than {MAX_DEPTH}", Confidence.MEDIUM)
            return
        found = analyse_text(self.w.catalog, self.w.loc.path, value, depth)
        if isinstance(found, str):
            self.unresolved(FindingKind.DYNAMIC_CODE, runner, "builtins", call, scope, found, Confidence.MEDIUM)
            return
        decoders = folded.decoders
        where = (f"in decoded payload ({'+'.join(decoders)}, depth {depth})" if decoders
                 else f"in payload ({'folded' if folded.steps else 'constant'} string, depth {depth})")
        for f in found:
            self._place(f, call, scope, where)

    def _place(self, f: Finding, call: Call, scope: Scope, where: str) -> None:
        """A payload finding moved to the call that runs the payload."""
        w = self.w
        column = w.loc.column(call.line, call.col)
        note = f"{where}, payload line {f.line}" + (f"; {f.note}" if f.note else "")
        trace = tuple(TraceStep(w.loc.path, call.line, column, f"payload line {t.line}: {t.note}")
                      for t in f.trace)
        placed = replace(f, file=w.loc.path, line=call.line, column=column,
                         snippet=w.loc.snippet(call.line, column), in_function=scope.in_function,
                         trace=trace, note=note)
        w.place(placed, scope)

    # -- importlib.util.spec_from_file_location ------------------------------
    def load_file(self, call: Call, api: str, scope: Scope, order: int) -> None:
        location = call.args[1] if len(call.args) > 1 else dict(call.keywords).get("location")
        if location is None:
            note = "loads a module from a file"
        else:
            shown = self.w.ev.fold(location, scope, order).text
            shown_expr = self.w.ev.source(location, scope, order)
            note = f"loads file {shown!r}" if shown is not None else f"loads file {shown_expr}"
        self.w.add(FindingKind.DYNAMIC_REQUIRE, api, api.rsplit(".", 1)[0], Capability.CONNECT, call, scope, (),
                   note, Confidence.LOW)


    def _read_of_open(self, code: Expr, scope: Scope, order: int) -> Expr | None:
        """``open(path).read()``, ``with open(path) as f: f.read()`` (also ``io.open``): the path."""
        if not (isinstance(code, Call) and isinstance(code.func, Attr) and code.func.attr == "read"):
            return None
        handle = self.w.ev.bound_to(code.func.value, scope, order)
        if isinstance(handle, Call) and handle.args:
            opener = handle.func
            if (isinstance(opener, Name) and opener.id == "open") or (isinstance(opener, Attr) and opener.attr == "open"):
                return handle.args[0]
        return None



def _text_of(value: object) -> str | None:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) else None
