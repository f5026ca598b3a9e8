"""What a file hands out to its importers, as facts the cross-file linker joins.

The flow (``flow.py``) finds where network capability is reached; this
module answers, for such a place, *under which exported name* an importer
reaches it: `exports.send = function(){ https.get() }` is `send`,
`module.exports = {get(u){…}}` is the module value's method `get`, a
top-level `function send(){…}` is whatever `module.exports = {send}` /
`export {send}` later makes of it.  Only syntax near the place is walked
(its ancestors), plus one pass over the top-level statements, computed
once per file and only when something network-relevant was found.
"""

from __future__ import annotations

from typing import Callable

from tree_sitter import Node

from egress.catalog import Catalog
from egress.model import ExportFact

from .syntax import is_field, member_path, text
from .values import api_prefix, main_capability, module_name

#: (exported name or None for the module value, method name importers call or None)
Target = tuple["str | None", "str | None"]
Names = dict[str, list[Target]]

_DECLARATIONS = frozenset({
    "function_declaration", "generator_function_declaration", "class_declaration",
    "abstract_class_declaration",
})


def is_relative(specifier: str) -> bool:
    return specifier in (".", "..") or specifier.startswith(("./", "../"))


def export_targets(node: Node, names: Callable[[], Names]) -> list[Target]:
    """The names under which the code at `node` is exported (empty: not exported)."""
    member_of: str | None = None
    pending: str | None = None
    child, parent = node, node.parent
    while parent is not None:
        kind = parent.type
        if kind == "assignment_expression" and is_field(parent, "right", child):
            target = _export_path(parent.child_by_field_name("left"))
            if target is not None:
                return [(target, member_of)] if target != "" else [(None, member_of)]
        elif kind == "pair" and is_field(parent, "value", child):
            member_of = _key(parent.child_by_field_name("key")) or member_of
        elif kind == "object" and child.type == "shorthand_property_identifier":
            member_of = text(child)
        elif kind == "method_definition":
            member_of = _key(parent.child_by_field_name("name")) or member_of
        elif kind in _DECLARATIONS:
            name = text(parent.child_by_field_name("name"))
            holder = parent.parent
            if holder is not None and holder.type == "program":
                return _substitute(names().get(name, []), member_of)
            if holder is not None and holder.type == "export_statement":
                pending = name
        elif kind == "variable_declarator" and is_field(parent, "value", child):
            ident = parent.child_by_field_name("name")
            holder = parent.parent.parent if parent.parent is not None else None
            if ident is not None and ident.type == "identifier" and holder is not None:
                if holder.type == "program":
                    return _substitute(names().get(text(ident), []), member_of)
                if holder.type == "export_statement":
                    pending = text(ident)
        elif kind == "export_statement":
            if _has_token(parent, "default"):
                return [(None, member_of)]
            return [(pending, member_of)] if pending else []
        elif kind == "arguments" and parent.parent is not None:
            target = _export_call(parent.parent, child)
            if target is not None:
                return [target]
        elif kind == "program":
            return []
        child, parent = parent, parent.parent
    return []


#: Compiler helpers that re-export a whole module: `__exportStar(require('./x'), exports)`.
_EXPORT_STAR = frozenset({"__exportStar", "__export", "_exportStar"})


def _export_call(call: Node, arg: Node) -> Target | None:
    """TypeScript and Babel output: `Object.defineProperty(exports, 'send', {get: …})`, `__exportStar(m, exports)`."""
    callee = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    if callee is None or call.type != "call_expression" or arguments is None or arguments.type != "arguments":
        return None
    args = [a for a in arguments.named_children if a.type != "comment"]
    name = text(callee.child_by_field_name("property")) if callee.type == "member_expression" else text(callee)
    if name == "defineProperty" and len(args) == 3 and args[2] == arg and text(args[0]) in ("exports", "module.exports"):
        key = _key(args[1])
        return (key, None) if key else None
    if name in _EXPORT_STAR and args and args[0] == arg:
        return (None, None)
    return None


def top_level_function(node: Node) -> Node | None:
    """The name of the top-level function (declaration or `const f = () => …`) containing `node`."""
    current, found = node.parent, None
    while current is not None and current.type != "program":
        holder = current.parent
        if current.type in ("function_declaration", "generator_function_declaration"):
            found = current.child_by_field_name("name") if holder is not None and holder.type == "program" else found
        elif current.type == "variable_declarator" and holder is not None and holder.parent is not None:
            value = current.child_by_field_name("value")
            name = current.child_by_field_name("name")
            if (holder.parent.type == "program" and name is not None and name.type == "identifier"
                    and value is not None and value.type in ("arrow_function", "function_expression", "function")):
                found = name
        current = holder
    return found


def exported_names(root: Node) -> Names:
    """Top-level names and how the file exports them (`module.exports = {send}`, `export {a as b}`)."""
    names: Names = {}

    def add(local: str, target: Target) -> None:
        names.setdefault(local, []).append(target)

    for stmt in root.named_children:
        if stmt.type == "expression_statement" and stmt.named_children:
            expr = stmt.named_children[0]
            if expr.type != "assignment_expression":
                continue
            target = _export_path(expr.child_by_field_name("left"))
            right = expr.child_by_field_name("right")
            if target is None or right is None:
                continue
            _value_names(right, None if target == "" else target, add)
        elif stmt.type == "export_statement" and stmt.child_by_field_name("source") is None:
            value = stmt.child_by_field_name("value")
            if value is not None and _has_token(stmt, "default"):
                _value_names(value, None, add)
            for clause in (c for c in stmt.named_children if c.type == "export_clause"):
                for spec in clause.named_children:
                    name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                    if spec.type == "export_specifier" and name is not None:
                        exported = text(alias) if alias is not None else text(name)
                        add(text(name), (None if exported == "default" else exported, None))
    return names


def static_export_facts(root: Node, catalog: Catalog, position: Callable[[Node], tuple[int, int]]) -> list[ExportFact]:
    """`export {request as open} from 'node:http'`, `export * from './x'`."""
    facts: list[ExportFact] = []
    for stmt in root.named_children:
        source = stmt.child_by_field_name("source") if stmt.type == "export_statement" else None
        if source is None or _has_token(stmt, "type"):
            continue
        specifier = text(source)[1:-1]
        entry = catalog.module(specifier)
        if not is_relative(specifier) and entry is None:
            continue
        clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
        if clause is None:
            alias = next((c for c in stmt.named_children if c.type == "namespace_export"), None)
            name = text(alias.named_children[-1]) if alias is not None and alias.named_children else None
            line, column = position(stmt)
            if entry is not None:
                facts.append(ExportFact(name, api_prefix(entry), module_name(entry), main_capability(entry),
                                        line, column, note="module"))
            else:
                facts.append(ExportFact(name, line=line, column=column, via_specifier=specifier))
            continue
        for spec in clause.named_children:
            name_node, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
            if spec.type != "export_specifier" or name_node is None or _has_token(spec, "type"):
                continue
            member, exported = text(name_node), text(alias) if alias is not None else text(name_node)
            exported_name = None if exported == "default" else exported
            line, column = position(spec)
            if entry is None:
                facts.append(ExportFact(exported_name, line=line, column=column, via_specifier=specifier,
                                        via_member=None if member == "default" else member))
                continue
            cap = entry.members.get(member, entry.unlisted)
            if member == "default":
                facts.append(ExportFact(exported_name, api_prefix(entry), module_name(entry), main_capability(entry),
                                        line, column, note="module"))
            elif cap is not None and cap.value != "helper":
                facts.append(ExportFact(exported_name, f"{api_prefix(entry)}.{member}", module_name(entry), cap,
                                        line, column))
    return facts


def _value_names(value: Node, target: str | None, add: Callable[[str, Target], None]) -> None:
    if value.type == "new_expression":             # `module.exports = new Client()`: its methods
        value = value.child_by_field_name("constructor") or value
    if value.type == "identifier":
        add(text(value), (target, None))
    elif value.type == "object":
        for prop in value.named_children:
            if prop.type == "shorthand_property_identifier":
                add(text(prop), (target, text(prop)))
            elif prop.type == "pair":
                inner = prop.child_by_field_name("value")
                key = _key(prop.child_by_field_name("key"))
                if inner is not None and inner.type == "identifier" and key:
                    add(text(inner), (target, key))


def _export_path(left: Node | None) -> str | None:
    """"" for `module.exports`, "x" for `exports.x` / `module.exports.x`, None otherwise."""
    path = member_path(left) if left is not None and left.type == "member_expression" else None
    if path is None:
        return None
    parts = path.split(".")
    if parts == ["module", "exports"]:
        return ""
    if parts[0] == "exports" and len(parts) == 2:
        return parts[1]
    if parts[:2] == ["module", "exports"] and len(parts) == 3:
        return parts[2]
    return None


def _substitute(targets: list[Target], member_of: str | None) -> list[Target]:
    return [(name, inner if inner is not None else member_of) for name, inner in targets]


def _key(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type in ("property_identifier", "private_property_identifier"):
        return text(node)
    if node.type == "string":
        return text(node)[1:-1]
    return None


def _has_token(node: Node, token: str) -> bool:
    return any(not child.is_named and child.type == token for child in node.children)
