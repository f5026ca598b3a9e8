"""Constant folding of module names: `require('ht' + 'tps')` is `require('https')`.

A small evaluator over syntax nodes that only knows strings.  Each node
type has its own folder in ``_FOLDERS``; adding an operator is adding one
function there.  A ``Budget`` bounds recursion depth and result length so
that a hostile file cannot make folding expensive.  Anything it does not
understand folds to ``None``, and the caller reports a dynamic require.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Callable

from tree_sitter import Node

#: Given an identifier, the initializer of the constant it names (or None).
ConstantLookup = Callable[[Node], "Node | None"]


@dataclass(frozen=True)
class Budget:
    max_depth: int = 16
    max_length: int = 1024


def fold(node: Node, lookup: ConstantLookup | None = None, budget: Budget = Budget()) -> str | None:
    """The string `node` always evaluates to, or None when it is not a constant."""
    return _Folder(lookup, budget).fold(node, 0)


class _Folder:
    def __init__(self, lookup: ConstantLookup | None, budget: Budget) -> None:
        self.lookup = lookup
        self.budget = budget

    def fold(self, node: Node | None, depth: int) -> str | None:
        if node is None or depth > self.budget.max_depth:
            return None
        folder = _FOLDERS.get(node.type)
        result = folder(self, node, depth + 1) if folder is not None else None
        if result is not None and len(result) > self.budget.max_length:
            return None
        return result


def _string(_: _Folder, node: Node, __: int) -> str | None:
    parts: list[str] = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(_text(child))
        elif child.type == "escape_sequence":
            parts.append(_unescape(_text(child)))
        else:
            return None
    return "".join(parts)


def _template(folder: _Folder, node: Node, depth: int) -> str | None:
    parts: list[str] = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(_text(child))
        elif child.type == "escape_sequence":
            parts.append(_unescape(_text(child)))
        elif child.type == "template_substitution":
            inner = child.named_children
            value = folder.fold(inner[0], depth) if len(inner) == 1 else None
            if value is None:
                return None
            parts.append(value)
        else:
            return None
    return "".join(parts)


def _binary(folder: _Folder, node: Node, depth: int) -> str | None:
    operator = node.child_by_field_name("operator")
    if operator is None or operator.type != "+":
        return None
    left = folder.fold(node.child_by_field_name("left"), depth)
    right = folder.fold(node.child_by_field_name("right"), depth) if left is not None else None
    return None if right is None else left + right


def _parenthesized(folder: _Folder, node: Node, depth: int) -> str | None:
    inner = node.named_children
    return folder.fold(inner[-1], depth) if len(inner) == 1 else None


def _identifier(folder: _Folder, node: Node, depth: int) -> str | None:
    if folder.lookup is None:
        return None
    return folder.fold(folder.lookup(node), depth)


def _number(_: _Folder, node: Node, __: int) -> str | None:
    text = _text(node)
    return text if text.isdigit() and (text == "0" or not text.startswith("0")) else None


def _call(folder: _Folder, node: Node, depth: int) -> str | None:
    """`[...].join(sep)` and `'a'.concat(...)`."""
    callee = node.child_by_field_name("function")
    arguments = node.child_by_field_name("arguments")
    if callee is None or arguments is None or callee.type != "member_expression":
        return None
    target = callee.child_by_field_name("object")
    method = _text(callee.child_by_field_name("property"))
    args = arguments.named_children
    if method == "join" and target is not None and target.type == "array" and len(args) <= 1:
        separator = folder.fold(args[0], depth) if args else ","
        items = [folder.fold(item, depth) for item in target.named_children]
        if separator is None or any(item is None for item in items):
            return None
        return separator.join(items)  # type: ignore[arg-type]
    if method == "concat":
        base = folder.fold(target, depth)
        rest = [folder.fold(arg, depth) for arg in args]
        if base is None or any(item is None for item in rest):
            return None
        return base + "".join(rest)  # type: ignore[arg-type]
    return None


_FOLDERS: dict[str, Callable[[_Folder, Node, int], str | None]] = {
    "string": _string,
    "template_string": _template,
    "binary_expression": _binary,
    "parenthesized_expression": _parenthesized,
    "identifier": _identifier,
    "number": _number,
    "call_expression": _call,
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
