"""Where modules enter a file: `require`, `import`, `export … from`, `import()`.

Each site yields the specifier expression and a callback-free description;
the analyzer decides what the specifier names (catalog module, network
client, or nothing) and starts the flow.  Type-only imports and exports of
TypeScript (`import type`, `import {type X}`, `export type … from`) are
dropped here: they vanish at compile time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import re2
from tree_sitter import Node

from .scope import NameIndex

#: A quoted relative specifier (`'./x'`, `"../"`, `'..'`): how a file can name another of its package.
_RELATIVE_STRING = re2.compile(rb"'\.\.?(?:/[^'\n]*)?'" + rb'|"\.\.?(?:/[^"\n]*)?"')


@dataclass(frozen=True)
class ImportBinding:
    """One local name an ESM import declares: `member` None means the whole module."""

    ident: Node
    member: str | None


@dataclass(frozen=True)
class ImportSite:
    node: Node                      # the require/import() call or the statement
    form: str                       # "require", "import", "export", "import()"
    argument: Node | None           # the specifier expression
    bindings: tuple[ImportBinding, ...] = ()
    exposed: tuple[str | None, ...] = ()    # re-exported members (None: all of them)
    side_effect: bool = False       # `import 'x'`: no binding at all


def require_sites(index: NameIndex) -> Iterator[ImportSite]:
    """Calls of the free (global) `require`; a local `require` is someone else's function."""
    for ref in index.sites("require").references:
        call = ref.parent
        if call is None or call.type != "call_expression" or call.child_by_field_name("function") != ref:
            continue
        if index.resolve(ref, "require") is not None:
            continue
        yield ImportSite(call, "require", _first_argument(call))


def dynamic_import_sites(root: Node, data: bytes) -> Iterator[ImportSite]:
    """`import(x)` calls, located by text and confirmed in the tree."""
    pos = 0
    while (pos := data.find(b"import", pos)) >= 0:
        start, pos = pos, pos + 6
        node = root.named_descendant_for_byte_range(start, pos)
        if node is None or node.type != "import" or node.start_byte != start:
            continue
        call = node.parent
        if call is not None and call.type == "call_expression" and call.child_by_field_name("function") == node:
            yield ImportSite(call, "import()", _first_argument(call))


def static_sites(root: Node) -> Iterator[ImportSite]:
    """Top-level `import` statements and `export … from` (ESM allows them nowhere else)."""
    for stmt in root.named_children:
        if stmt.type == "import_statement" and not _has_token(stmt, "type"):
            site = _import_site(stmt)
            if site is not None:
                yield site
        elif stmt.type == "export_statement" and stmt.child_by_field_name("source") is not None:
            if not _has_token(stmt, "type"):
                yield _export_site(stmt)


def _import_site(stmt: Node) -> ImportSite | None:
    source = stmt.child_by_field_name("source")
    bindings: list[ImportBinding] = []
    clause = None
    for child in stmt.named_children:
        if child.type == "import_require_clause":       # TS: import x = require('y')
            ident = child.named_children[0] if child.named_children else None
            source = child.child_by_field_name("source")
            if ident is not None and ident.type == "identifier":
                bindings.append(ImportBinding(ident, None))
            return ImportSite(stmt, "import", source, tuple(bindings))
        if child.type == "import_clause":
            clause = child
    if clause is None:
        return ImportSite(stmt, "import", source, side_effect=True)
    for child in clause.named_children:
        if child.type == "identifier":
            bindings.append(ImportBinding(child, None))
        elif child.type == "namespace_import":
            idents = [c for c in child.named_children if c.type == "identifier"]
            if idents:
                bindings.append(ImportBinding(idents[0], None))
        elif child.type == "named_imports":
            for spec in child.named_children:
                if spec.type != "import_specifier" or _has_token(spec, "type"):
                    continue
                name = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias")
                target = alias if alias is not None else name
                if name is not None and target is not None and target.type == "identifier":
                    bindings.append(ImportBinding(target, _name(name)))
    if not bindings:
        return None        # only type specifiers: nothing is imported at run time
    return ImportSite(stmt, "import", source, tuple(bindings))


def _export_site(stmt: Node) -> ImportSite:
    exposed: list[str | None] = []
    clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
    if clause is None:
        exposed.append(None)                            # export * [as ns] from
    else:
        for spec in clause.named_children:
            if spec.type == "export_specifier" and not _has_token(spec, "type"):
                name = spec.child_by_field_name("name")
                if name is not None:
                    exposed.append(_name(name))
    return ImportSite(stmt, "export", stmt.child_by_field_name("source"), exposed=tuple(exposed))


def relative_specifiers(root: Node, data: bytes) -> tuple[str, ...]:
    """Every relative specifier the file loads anywhere: `require`, `import()`, `import`/`export … from`.

    For a file the pre-filter skipped (no computed `require`, no escapes), so that
    the engine can tell whether it imports a module of its package that hands out
    network capability.  Literal strings are found by text and confirmed in the tree:
    a quoted `./x` in a comment or inside a longer string is not a load.  A shadowed
    `require` still counts (an over-approximation: one more file analysed).
    """
    found: dict[str, None] = {}
    for match in _RELATIVE_STRING.finditer(data):
        start, end = match.span()
        node = root.descendant_for_byte_range(start, end)
        if node is None or node.type != "string" or node.start_byte != start or node.end_byte != end:
            continue
        parent = node.parent
        if parent is None:
            continue
        if parent.type == "arguments":
            call = parent.parent
            callee = call.child_by_field_name("function") if call is not None else None
            if callee is None or call.type != "call_expression" or not (
                    callee.type == "import" or callee.type == "identifier" and callee.text == b"require"):
                continue
        elif parent.type not in ("import_statement", "export_statement", "import_require_clause"):
            continue
        found.setdefault(data[start + 1:end - 1].decode("utf-8", "surrogateescape"), None)
    return tuple(found)


def _first_argument(call: Node) -> Node | None:
    arguments = call.child_by_field_name("arguments")
    if arguments is None or arguments.type != "arguments":
        return None
    named = [c for c in arguments.named_children if c.type != "comment"]
    return named[0] if named else None


def _has_token(node: Node, token: str) -> bool:
    return any(not child.is_named and child.type == token for child in node.children)


def _name(node: Node) -> str:
    text = node.text.decode("utf-8", "replace") if node.text else ""
    if node.type == "string" and len(text) >= 2:
        return text[1:-1]
    return text
