"""An expression as text with `<dynamic>` for what is not constant.

`https://api.example.com/v1/${id}` renders as `https://api.example.com/v1/<dynamic>`;
`a || 'https://b'` as both alternatives.  Constants come from the folder
(``fold.py``: concatenation, decoders, constant objects); names are followed
to what was stored in them and, for a parameter of a local function, to the
arguments of its callers in this file (one level), so a helper such as
`function get(u) { https.get(u) }` shows each URL it is called with.  The
alternatives and the work are bounded.  Methods count as helpers too
(``methods.py``): `api.send(url)`, `new Client(base).get(path)`, with
`this.base` read from what the owner stores in it; a parameter is followed
through at most ``CALLER_HOPS`` callers (a method handing its argument to
another method of the same object), and readings of one member are
memoised per renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin

from tree_sitter import Node

from .bindings import PASSTHROUGH, Bindings, arguments_of, callee_of
from .fold import fold_number, fold_detail
from .methods import call_label
from .syntax import text

DYNAMIC = "<dynamic>"
MAX_ALTERNATIVES = 8
_MAX_DEPTH = 10
#: Callers followed from a parameter: its function's callers, and theirs when they pass a parameter on.
CALLER_HOPS = 2
#: Calls whose result is their first argument as text (for a URL, near enough).
_TEXT_OF = frozenset({"String", "encodeURI", "URL", "url.parse", "url.format", "URL.parse", "new URL", "new Request"})


@dataclass(frozen=True)
class Piece:
    """One alternative: its text and how it was found (a caller's line)."""

    text: str
    note: str = ""


#: A hook that renders special leaves (`os.homedir()` as `~`), or returns None.
Leaf = Callable[[Node], "str | None"]


class Renderer:
    def __init__(self, bindings: Bindings, position: Callable[[Node], tuple[int, int]], leaf: Leaf | None = None,
                 hops: int = CALLER_HOPS) -> None:
        self.bindings = bindings
        self.position = position
        self.leaf = leaf
        self.hops = hops
        self._inner: Renderer | None = None
        self._members: dict[tuple[int, int], list[Piece]] = {}
        self._params: dict[tuple[int, int], list[Piece]] = {}

    def render(self, node: Node | None, depth: int = 0) -> list[Piece]:
        if node is None or depth > _MAX_DEPTH:
            return [Piece(DYNAMIC)]
        if self.leaf is not None:
            special = self.leaf(node)
            if special is not None:
                return [Piece(special)]
        folded = fold_detail(node, self.bindings.constant).value
        if folded is not None:
            return [Piece(folded)]
        kind = node.type
        if kind == "number":
            return [Piece(text(node))]
        if kind == "call_expression" and (number := fold_number(node, self.bindings.constant)) is not None:
            return [Piece(str(number))]                 # `parseInt('31337', 10)`
        if kind in PASSTHROUGH:
            inner = node.named_children
            return self.render(inner[-1] if kind == "type_assertion" else inner[0], depth + 1) if inner else [Piece(DYNAMIC)]
        if kind == "template_string":
            return self._template(node, depth)
        if kind == "binary_expression":
            operator = text(node.child_by_field_name("operator"))
            left = self.render(node.child_by_field_name("left"), depth + 1)
            right = self.render(node.child_by_field_name("right"), depth + 1)
            if operator == "+":
                return _product(left, right)
            if operator in ("||", "??"):
                return _limit(left + right)
            return [Piece(DYNAMIC)]
        if kind == "ternary_expression":
            return _limit(self.render(node.child_by_field_name("consequence"), depth + 1)
                          + self.render(node.child_by_field_name("alternative"), depth + 1))
        if kind in ("identifier", "shorthand_property_identifier"):       # `{host}` names the variable
            return self._identifier(node, depth)
        if kind in ("call_expression", "new_expression"):
            return self._call(node, depth)
        if kind == "member_expression" and text(node.child_by_field_name("property")) in ("href", "toString"):
            return self.render(node.child_by_field_name("object"), depth + 1)
        if kind == "member_expression" and text(node.child_by_field_name("object")) == "process.env":
            return [Piece(DYNAMIC, f"from env {text(node.child_by_field_name('property'))}")]
        if kind == "member_expression":
            return self._member(node, depth)
        return [Piece(DYNAMIC)]

    def _member(self, node: Node, depth: int) -> list[Piece]:
        """`this.base`: the alternatives of what its owner stores in it (memoised; a cycle is dynamic)."""
        key = (node.start_byte, node.end_byte)
        if key in self._members:
            return self._members[key]
        self._members[key] = [Piece(DYNAMIC)]
        values = self.bindings.methods.member_values(node)
        pieces = _limit([p for v in values for p in self.render(v, depth + 1)]) if values else [Piece(DYNAMIC)]
        self._members[key] = pieces
        return pieces

    def _template(self, node: Node, depth: int) -> list[Piece]:
        pieces = [Piece("")]
        for child in node.named_children:
            if child.type == "template_substitution":
                inner = child.named_children
                pieces = _product(pieces, self.render(inner[0], depth + 1) if len(inner) == 1 else [Piece(DYNAMIC)])
            elif child.type in ("string_fragment", "escape_sequence"):
                value = fold_detail(child).value if child.type == "escape_sequence" else None
                pieces = _product(pieces, [Piece(value if value is not None else text(child))])
        return pieces

    def _identifier(self, node: Node, depth: int) -> list[Piece]:
        stored = self.bindings.stored(node)
        if stored:
            return _limit([p for value in stored for p in self.render(value, depth + 1)])
        param = self.bindings.parameter(node) if self.hops > 0 else None
        if param is None:
            return [Piece(DYNAMIC)]
        key = (node.start_byte, node.end_byte)
        if key not in self._params:             # a renderer's hops are fixed: one reading per parameter use
            self._params[key] = [Piece(DYNAMIC)]
            self._params[key] = self._callers(param, depth)
        return self._params[key]

    def _callers(self, param: tuple[Node, int], depth: int) -> list[Piece]:
        fn, position = param
        pieces: list[Piece] = []
        if self._inner is None:
            self._inner = Renderer(self.bindings, self.position, self.leaf, self.hops - 1)
        for call in self.bindings.callers(fn)[:MAX_ALTERNATIVES]:
            args = arguments_of(call)
            line = self.position(call)[0]
            own = f"passed to {call_label(call)}() at line {line}"
            for piece in self._inner.render(args[position] if position < len(args) else None, depth + 1):
                # the nearest call site names the reading; a note of another kind (from env …) is kept
                note = own if not piece.note or piece.note.startswith("passed to ") else piece.note
                pieces.append(Piece(piece.text, note))
        return _limit(pieces) or [Piece(DYNAMIC)]

    def _call(self, node: Node, depth: int) -> list[Piece]:
        callee = callee_of(node)
        name = text(callee)
        if node.type == "new_expression":
            name = "new " + name
        args = arguments_of(node)
        if name in ("new URL", "url.resolve") and len(args) >= 2:
            first, second = (args[0], args[1]) if name == "new URL" else (args[1], args[0])
            return _limit([Piece(_join_url(base.text, path.text), base.note or path.note)
                           for base in self.render(second, depth + 1) for path in self.render(first, depth + 1)])
        if name in _TEXT_OF and args:
            return self.render(args[0], depth + 1)
        if callee is not None and callee.type == "member_expression" \
                and text(callee.child_by_field_name("property")) in ("toString", "trim"):
            return self.render(callee.child_by_field_name("object"), depth + 1)
        return [Piece(DYNAMIC)]


def _join_url(base: str, path: str) -> str:
    if "://" in path:
        return path
    if DYNAMIC in path and not path.startswith("/"):
        return base.rstrip("/") + "/" + path if DYNAMIC not in base else DYNAMIC
    if DYNAMIC in base:
        return base
    return urljoin(base, path)


def _product(left: list[Piece], right: list[Piece]) -> list[Piece]:
    return _limit([Piece(collapse(a.text + b.text), a.note or b.note) for a in left for b in right])


def collapse(value: str) -> str:
    while DYNAMIC + DYNAMIC in value:
        value = value.replace(DYNAMIC + DYNAMIC, DYNAMIC)
    return value


def _limit(pieces: list[Piece]) -> list[Piece]:
    seen: dict[str, Piece] = {}
    for piece in pieces:
        seen.setdefault(piece.text, piece)
    return list(seen.values())[:MAX_ALTERNATIVES]
