"""Constant folding: `require('ht' + 'tps')` is `require('https')`.

A small evaluator over syntax nodes that knows strings, numbers, bytes,
arrays and plain object literals.  Each node type has its own folder in
``_FOLDERS`` and each method call its own handler in ``_METHODS`` /
``_FUNCTIONS`` (``decoders.py``); adding an operator is adding one
function there.  A ``Budget`` bounds depth, result length and the number
of nodes visited, so a hostile file cannot make folding expensive; when it
runs out the result says so (``Folded.exceeded``) and the caller reports
that, never silently a non-constant.  Every decoding step is recorded in
``Folded.how`` so a finding can say how a name was revealed.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Callable, Union

from tree_sitter import Node

#: Given an identifier, the initializer of the constant it names (or None).
ConstantLookup = Callable[[Node], "Node | None"]


@dataclass(frozen=True)
class Budget:
    max_depth: int = 16
    max_length: int = 1024
    max_nodes: int = 2_000


#: Payloads handed to eval/Function may be large; their decoding is still bounded.
PAYLOAD_BUDGET = Budget(max_depth=24, max_length=1_000_000, max_nodes=20_000)


@dataclass(frozen=True)
class ObjectLiteral:
    """A `{...}` literal, read lazily property by property."""

    node: Node


Const = Union[str, int, bytes, list, ObjectLiteral]


class Exceeded(Exception):
    """The fold budget ran out."""


@dataclass
class Folded:
    """The outcome of one fold: the value, how it was revealed, whether the budget ran out."""

    value: str | None
    how: list[str] = field(default_factory=list)
    exceeded: bool = False


def fold(node: Node, lookup: ConstantLookup | None = None, budget: Budget = Budget()) -> str | None:
    """The string `node` always evaluates to, or None when it is not a constant."""
    return fold_detail(node, lookup, budget).value


def fold_detail(node: Node | None, lookup: ConstantLookup | None = None, budget: Budget = Budget()) -> Folded:
    """Like `fold`, with the decoding steps and whether the budget was exceeded."""
    folder = Folder(lookup, budget)
    try:
        value = folder.string(node, 0)
    except Exceeded:
        return Folded(None, folder.how, exceeded=True)
    return Folded(value, folder.how)


def fold_number(node: Node | None, lookup: ConstantLookup | None = None, budget: Budget = Budget()) -> int | None:
    """The integer `node` always evaluates to (`parseInt('443', 10)`, `0x1bb`), or None."""
    try:
        return Folder(lookup, budget).number(node, 0)
    except Exceeded:
        return None


def describe(node: Node, folded: Folded, source_text: str) -> str:
    """`folded: 'ht' + 'tps' → https` / `decoded base64 → net`, or "" for a plain literal."""
    if folded.value is None or _plain_literal(node):
        return ""
    decodings = [step for step in folded.how if step.startswith("decoded")]
    if decodings:
        return f"{', '.join(dict.fromkeys(decodings))} → {folded.value}"
    return f"folded: {source_text} → {folded.value}"


def _plain_literal(node: Node) -> bool:
    return node.type == "string" and all(c.type == "string_fragment" for c in node.named_children)


class Folder:
    """One evaluation; `how` collects the decoding steps taken."""

    def __init__(self, lookup: ConstantLookup | None, budget: Budget) -> None:
        self.lookup = lookup
        self.budget = budget
        self.how: list[str] = []
        self._nodes = 0
        self.env: list[dict[str, Const]] = []     # parameters and locals of local functions being folded

    def note(self, step: str) -> None:
        if step not in self.how:
            self.how.append(step)

    def value(self, node: Node | None, depth: int) -> Const | None:
        """Any constant (string, number, bytes, array, object literal)."""
        if node is None:
            return None
        self._nodes += 1
        if depth > self.budget.max_depth or self._nodes > self.budget.max_nodes:
            raise Exceeded()
        folder = _FOLDERS.get(node.type)
        result = folder(self, node, depth + 1) if folder is not None else None
        if isinstance(result, (str, bytes, list)) and len(result) > self.budget.max_length:
            raise Exceeded()
        return result

    def string(self, node: Node | None, depth: int) -> str | None:
        result = self.value(node, depth)
        return result if isinstance(result, str) else None

    def number(self, node: Node | None, depth: int) -> int | None:
        result = self.value(node, depth)
        return result if isinstance(result, int) and not isinstance(result, bool) else None

    def strings(self, node: Node | None, depth: int) -> list | None:
        result = self.value(node, depth)
        return result if isinstance(result, list) else None


def _quoted(folder: Folder, node: Node, depth: int) -> str | None:
    """A string or template literal: fragments, escapes, and substitutions that fold."""
    parts: list[str] = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(_text(child))
        elif child.type == "escape_sequence":
            parts.append(_unescape(_text(child)))
        elif child.type == "template_substitution":
            inner = child.named_children
            value = folder.value(inner[0], depth) if len(inner) == 1 else None
            if not isinstance(value, (str, int)):
                return None
            parts.append(str(value))
        else:
            return None
    return "".join(parts)


def _binary(folder: Folder, node: Node, depth: int) -> Const | None:
    operator = node.child_by_field_name("operator")
    if operator is not None and operator.type == "-":
        return _minus(folder, folder.value(node.child_by_field_name("left"), depth), node, depth)
    if operator is None or operator.type != "+":
        return None
    left = folder.value(node.child_by_field_name("left"), depth)
    if not isinstance(left, (str, int)):
        return None
    right = folder.value(node.child_by_field_name("right"), depth)
    if not isinstance(right, (str, int)):
        return None
    if isinstance(left, int) and isinstance(right, int):
        return left + right
    return f"{left}{right}"


def _minus(folder: Folder, left: Const | None, node: Node, depth: int) -> int | None:
    """`i - 0x1d2`: index arithmetic of string-array accessors."""
    right = folder.value(node.child_by_field_name("right"), depth)
    if isinstance(left, int) and isinstance(right, int) and not isinstance(left, bool):
        return left - right
    return None


def _parenthesized(folder: Folder, node: Node, depth: int) -> Const | None:
    inner = node.named_children
    return folder.value(inner[-1], depth) if len(inner) == 1 else None


def _cast(folder: Folder, node: Node, depth: int) -> Const | None:
    """TypeScript `x as string`, `x!`, `x satisfies T`: the expression; `<string>x`: the last child."""
    inner = node.named_children
    if not inner:
        return None
    return folder.value(inner[-1] if node.type == "type_assertion" else inner[0], depth)


def _identifier(folder: Folder, node: Node, depth: int) -> Const | None:
    if folder.env and (name := _text(node)) in folder.env[-1]:
        return folder.env[-1][name]
    if folder.lookup is None:
        return None
    found = folder.lookup(node)
    if found is None and _text(node) == "__dirname":
        return "."          # the file's own folder: `__dirname + '/lib/x.js'` names ./lib/x.js
    return folder.value(found, depth)


def _number(_: Folder, node: Node, __: int) -> int | None:
    text = _text(node).replace("_", "")
    try:
        if text.lower().startswith(("0x", "0o", "0b")):
            return int(text, 0)
        if text.isdigit() and (text == "0" or not text.startswith("0")):
            return int(text)
    except ValueError:
        return None
    return None


def _unary(folder: Folder, node: Node, depth: int) -> int | None:
    """`-2` (slice bounds); nothing else."""
    operator = node.child_by_field_name("operator")
    if operator is None or operator.type != "-":
        return None
    value = folder.number(node.child_by_field_name("argument"), depth)
    return -value if value is not None else None


def _array(folder: Folder, node: Node, depth: int) -> list | None:
    items = []
    for child in node.named_children:
        if child.type == "comment":
            continue
        if child.type == "spread_element":
            inner = folder.strings(child.named_children[0] if child.named_children else None, depth)
            if inner is None:
                return None
            items.extend(inner)
            continue
        value = folder.value(child, depth)
        if not isinstance(value, (str, int)):
            return None
        items.append(value)
    return items


def _object(_: Folder, node: Node, __: int) -> ObjectLiteral:
    return ObjectLiteral(node)


def _member(folder: Folder, node: Node, depth: int) -> Const | None:
    """`m.a` of a constant object, `s.length`."""
    prop = node.child_by_field_name("property")
    target = folder.value(node.child_by_field_name("object"), depth)
    if prop is None or target is None:
        return None
    return _index(folder, target, _text(prop), depth)


def _subscript(folder: Folder, node: Node, depth: int) -> Const | None:
    """`p[0]`, `m['a']`, `'https'[0]`."""
    target = folder.value(node.child_by_field_name("object"), depth)
    if target is None:
        return None
    key = folder.value(node.child_by_field_name("index"), depth)
    return _index(folder, target, key, depth) if isinstance(key, (str, int)) else None


def _index(folder: Folder, target: Const, key: str | int, depth: int) -> Const | None:
    if isinstance(target, ObjectLiteral):
        return folder.value(property_value(target.node, str(key)), depth)
    if isinstance(target, (str, list)):
        if key == "length":
            return len(target)
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if isinstance(key, int) and 0 <= key < len(target):
            return target[key]
    return None


def property_value(obj: Node, name: str) -> Node | None:
    """The value node of property `name` in an object literal (the last one wins)."""
    found: Node | None = None
    for child in obj.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            if key is not None and _key_name(key) == name:
                found = child.child_by_field_name("value")
        elif child.type == "shorthand_property_identifier" and _text(child) == name:
            found = child                   # `{host}`: the variable of that name is the value
        elif child.type == "spread_element":
            found = None            # a spread may override anything before it
    return found


def _key_name(key: Node) -> str | None:
    if key.type in ("property_identifier", "number"):
        return _text(key)
    if key.type == "string":
        return _quoted(None, key, 0)  # type: ignore[arg-type]  # strings have no substitutions
    return None


def _call(folder: Folder, node: Node, depth: int) -> Const | None:
    from .decoders import call_value        # the method and function table lives there

    found = call_value(folder, node, depth)
    return found if found is not None else _local_call(folder, node, depth)


_FUNCTION_TYPES = frozenset({"arrow_function", "function_expression", "function", "function_declaration"})


def _local_call(folder: Folder, node: Node, depth: int) -> Const | None:
    """A call of the file's own small function with constant arguments: `_0x2b(1)` of
    `var _0x2b = i => _0x1a[i]`, the string-array accessor of obfuscated code.

    The body is read as straight-line code only: parameter and local assignments,
    then `return`; anything else (a branch, a loop, a nested call with effects) is
    no constant.  Parameters shadow the file's names while the body is folded.
    """
    callee = node.child_by_field_name("function")
    if callee is None or callee.type != "identifier" or folder.lookup is None:
        return None
    fn = folder.lookup(callee)
    if fn is None or fn.type not in _FUNCTION_TYPES:
        return None
    names = _parameter_names(fn)
    arguments = node.child_by_field_name("arguments")
    args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
    if names is None or len(args) > len(names):
        return None
    env: dict[str, Const] = {}
    for name, arg in zip(names, args):
        value = folder.value(arg, depth)
        if value is None:
            return None
        env[name] = value
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    folder.env.append(env)
    try:
        return folder.value(body, depth) if body.type != "statement_block" else _straight_line(folder, body, env, depth)
    finally:
        folder.env.pop()


def _parameter_names(fn: Node) -> list[str] | None:
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return [_text(single)] if single.type == "identifier" else None
    params = fn.child_by_field_name("parameters")
    names = []
    for param in params.named_children if params is not None else []:
        if param.type == "required_parameter":
            param = param.child_by_field_name("pattern") or param
        if param.type != "identifier":
            return None
        names.append(_text(param))
    return names


def _straight_line(folder: Folder, body: Node, env: dict[str, Const], depth: int) -> Const | None:
    for statement in body.named_children:
        kind = statement.type
        if kind == "comment" or kind == "empty_statement":
            continue
        if kind == "return_statement":
            returned = [c for c in statement.named_children if c.type != "comment"]
            return folder.value(returned[0], depth) if len(returned) == 1 else None
        if kind in ("lexical_declaration", "variable_declaration"):
            for declarator in statement.named_children:
                name = declarator.child_by_field_name("name")
                if declarator.type != "variable_declarator" or name is None or name.type != "identifier":
                    return None
                value = folder.value(declarator.child_by_field_name("value"), depth)
                if value is None:
                    return None
                env[_text(name)] = value
        elif kind == "expression_statement" and statement.named_children \
                and statement.named_children[0].type == "assignment_expression":
            assignment = statement.named_children[0]
            left = assignment.child_by_field_name("left")
            if left is None or left.type != "identifier" or _text(left) not in env:
                return None
            value = folder.value(assignment.child_by_field_name("right"), depth)
            if value is None:
                return None
            env[_text(left)] = value
        else:
            return None
    return None


def _new(folder: Folder, node: Node, depth: int) -> Const | None:
    from .decoders import new_value

    return new_value(folder, node, depth)


_FOLDERS: dict[str, Callable[[Folder, Node, int], Const | None]] = {
    "string": _quoted,
    "template_string": _quoted,
    "binary_expression": _binary,
    "parenthesized_expression": _parenthesized,
    "as_expression": _cast,
    "satisfies_expression": _cast,
    "non_null_expression": _cast,
    "type_assertion": _cast,
    "identifier": _identifier,
    "shorthand_property_identifier": _identifier,
    "number": _number,
    "unary_expression": _unary,
    "array": _array,
    "object": _object,
    "member_expression": _member,
    "subscript_expression": _subscript,
    "call_expression": _call,
    "new_expression": _new,
}


def _unescape(sequence: str) -> str:
    if sequence.startswith("\\u{") and sequence.endswith("}"):
        try:
            return chr(int(sequence[3:-1], 16))
        except ValueError:
            return ""
    if len(sequence) == 2 and sequence[1] in "\r\n":
        return ""                      # line continuation
    try:
        return codecs.decode(sequence, "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return sequence[1:]


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")
