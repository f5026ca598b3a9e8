"""What data flows into a request: environment, host identity, files, command output.

A request that carries ``os.environ`` or a credentials file is the
material of an exfiltration alert, so the sources are traced backwards
from the request's URL, body and DNS name: through names bound in the
function, parameters (to their callers in the same file, one level;
a constructor's to the class's calls), attributes of the file's classes
(``self.token = token``), the returns of local functions, and the operations that keep data intact
(concatenation, f-strings, displays, ``json.dumps``, ``.encode()``,
``base64.b64encode``, ``urlencode``).  What is sensitive is reviewed data:
the ``[source.*]`` sections of ``catalog/pypi.toml``.  A call neither they
nor the pass-through tables below name is a stop: its result is not
assumed to carry its arguments' data, which keeps "sends the environment"
claims honest.
"""

from __future__ import annotations

from typing import Mapping

from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.ir import Attr, Call, Choice, Const, Expr, Name, Subscript, children
from egress.analyzers.python.methods import attribute_bindings
from egress.analyzers.python.scopes import Scope
from egress.analyzers.python.strings import Strings
from egress.analyzers.python.values import FuncVal

MAX_DEPTH = 8

#: Functions whose result carries their arguments' data.
PASS_THROUGH = frozenset({
    "json.dumps", "base64.b64encode", "base64.urlsafe_b64encode", "base64.standard_b64encode",
    "base64.b32encode", "base64.b16encode", "base64.b85encode", "base64.encodebytes", "binascii.hexlify",
    "binascii.b2a_hex", "binascii.b2a_base64", "codecs.encode", "zlib.compress", "gzip.compress",
    "urllib.parse.urlencode", "urllib.parse.quote", "urllib.parse.quote_plus", "urllib.quote",
    "urllib.urlencode", "str", "bytes", "bytearray", "dict", "list", "tuple", "repr", "sorted", "format",
})

#: Methods whose result carries the receiver's (and arguments') data.
PASS_METHODS = frozenset({
    "read", "readlines", "readline", "read_text", "read_bytes", "encode", "decode", "format", "join",
    "replace", "strip", "lstrip", "rstrip", "lower", "upper", "hex", "items", "keys", "values", "copy",
    "get", "split", "splitlines", "to_bytes",
})


class DataFlow:
    """``sources(e)``: the data sources that flow into ``e`` (sorted, unique)."""

    def __init__(self, ev: Evaluator, strings: Strings) -> None:
        self.ev = ev
        self.strings = strings
        self.labels = _labels(ev.catalog.sources)
        self._memo: dict[int, frozenset[str]] = {}

    def sources(self, exprs: list[tuple[Expr, Scope, int]]) -> tuple[str, ...]:
        found: set[str] = set()
        for e, scope, order in exprs:
            found |= self._sources(e, scope, order, 0, set())
        # "env" for the whole mapping already covers single variables read from it
        if "env" in found:
            found = {s for s in found if not s.startswith("env ")} | {"env"}
        return tuple(sorted(found))

    def _sources(self, e: Expr, scope: Scope, order: int, depth: int, active: set[int]) -> set[str]:
        if depth > MAX_DEPTH or id(e) in active or isinstance(e, Const):
            return set()
        memo = self._memo.get(id(e))
        if memo is not None:
            return memo
        active.add(id(e))
        try:
            found = self._of(e, scope, order, depth + 1, active)
        finally:
            active.discard(id(e))
        self._memo[id(e)] = frozenset(found)
        return found

    def _of(self, e: Expr, scope: Scope, order: int, depth: int, active: set[int]) -> set[str]:
        if isinstance(e, Name):
            return self._name(e, scope, order, depth, active)
        if isinstance(e, Attr):
            source = self._label(e, scope, order)
            if source:
                return {source}
            out = set()
            for b in attribute_bindings(self.ev, e, scope, order):      # self.token = token
                out |= self._sources(b.value, b.scope, b.order, depth, active)  # type: ignore[arg-type]
            return out | self._sources(e.value, scope, order, depth, active)
        if isinstance(e, Subscript):
            if self._label(e.value, scope, order) == "env":      # os.environ['TOKEN']
                key = self.ev.fold(e.index, scope, order).text
                return {f"env {key}" if key else "env"}
            return self._sources(e.value, scope, order, depth, active)
        if isinstance(e, Call):
            return self._call(e, scope, order, depth, active)
        if isinstance(e, Choice):
            kids: tuple[Expr, ...] = e.options
        else:
            kids = children(e)
        out: set[str] = set()
        for child in kids:
            out |= self._sources(child, scope, order, depth, active)
        return out

    def _name(self, e: Name, scope: Scope, order: int, depth: int, active: set[int]) -> set[str]:
        bindings = self.ev.visible_bindings(e.id, scope, order)
        if not bindings:
            return set()
        func = self.strings.param_binding(e.id, bindings)
        out: set[str] = set()
        if func is not None:
            for origin in self.strings.origins(func, e.id):
                out |= self._sources(origin.expr, origin.scope, origin.order, depth, active)
            return out
        for b in bindings:
            if b.kind == "assign" and b.value is not None:
                out |= self._sources(b.value, b.scope, b.order, depth, active)
            elif b.kind == "import" and b.imp is not None and b.imp.name is not None:
                source = self.labels.get(f"{b.imp.module}.{b.imp.name}")
                if source:
                    out.add(source)
        return out

    def _call(self, e: Call, scope: Scope, order: int, depth: int, active: set[int]) -> set[str]:
        func = e.func
        name = self.ev.qualify(func, scope, order) or ""
        args = [*e.args, *(v for _, v in e.keywords)]
        label = self._label(func, scope, order)
        if label == "env":
            key = self.ev.fold(e.args[0], scope, order).text if e.args and name != "os.environ.copy" else None
            return {f"env {key}" if key else "env"}
        if label == "file":
            return self._file(e, scope, order)
        if label:
            return {label}
        out: set[str] = set()
        if name in PASS_THROUGH or (isinstance(func, Attr) and func.attr in PASS_METHODS):
            parts = args + ([func.value] if isinstance(func, Attr) else [])
            for part in parts:
                out |= self._sources(part, scope, order, depth, active)
            return out
        for v in self.ev.eval(func, scope, order):
            if isinstance(v, FuncVal):
                for r, o in v.scope.returns:
                    out |= self._sources(r, v.scope, o, depth, active)
        return out

    def _label(self, e: Expr, scope: Scope, order: int) -> str | None:
        """The catalog's data label of what ``e`` names (``os.environ`` -> "env"), builtins included."""
        name = self.ev.qualify(e, scope, order)
        if name is None:
            return None
        return self.labels.get(name if "." in name else f"builtins.{name}")

    def _file(self, e: Call, scope: Scope, order: int) -> set[str]:
        """``open(os.path.expanduser('~/.aws/credentials'))`` -> "file ~/.aws/credentials"."""
        if not e.args:
            return set()
        path = self.strings.pieces(e.args[0], scope, order)[0].text
        if path == "<dynamic>":
            return set()
        return {f"file {path}"}


def _labels(sources: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """``{"os": {"environ": "env"}}`` -> ``{"os.environ": "env"}``."""
    return {f"{module}.{member}": label for module, members in sources.items() for member, label in members.items()}
