"""The modules a Python file imports, read off a tree-sitter tree.

For files the pre-filter skipped (no network import, no dynamic import):
the engine analyses one in a later round only when it imports a module of
its package that hands out network capability, so it needs every import
statement, at any depth, in any of its forms (continuation lines,
parentheses, ``;``).  ``import`` keywords are found by text and confirmed
in the tree, so a word in a docstring or comment is not an import.
"""

from __future__ import annotations

import re2
from tree_sitter import Node

_IMPORT = re2.compile(rb"\bimport\b")


def imported_modules(root: Node, data: bytes) -> tuple[str, ...]:
    """``import a.b`` -> ``a.b``; ``from .m import x, y`` -> ``.m``, ``.m.x``, ``.m.y`` (a name may be a
    submodule); ``from . import t`` -> ``.``, ``.t``."""
    found: dict[str, None] = {}
    seen: set[int] = set()
    for match in _IMPORT.finditer(data):
        start, end = match.span()
        keyword = root.descendant_for_byte_range(start, end)
        statement = keyword.parent if keyword is not None and keyword.type == "import" else None
        if statement is None or statement.start_byte in seen:
            continue
        seen.add(statement.start_byte)
        if statement.type == "import_statement":
            for name in statement.children_by_field_name("name"):
                found.setdefault(_dotted(name), None)
        elif statement.type == "import_from_statement":
            module_node = statement.child_by_field_name("module_name")
            if module_node is None:
                continue
            module = _text(module_node)
            found.setdefault(module, None)
            joiner = "" if module.strip(".") == "" else "."
            for name in statement.children_by_field_name("name"):
                found.setdefault(module + joiner + _dotted(name), None)
    return tuple(found)


def _dotted(node: Node) -> str:
    if node.type == "aliased_import":
        inner = node.child_by_field_name("name")
        node = inner if inner is not None else node
    return _text(node)


def _text(node: Node) -> str:
    raw = node.text.decode("utf-8", "replace") if node.text else ""
    return "".join(raw.replace("\\\n", " ").split())
