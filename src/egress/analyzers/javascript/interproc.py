"""Values into and out of the file's own functions.

`(function (r, n) { r(n).get(u) })(require, 'https')`, `function go(m) {
m.get(u) } go(require('https'))`: a value passed to a local function binds
its parameter.  `function lib() { return require('https') } lib().get(u)`
(also Babel's lazy `function _http() { … return data }`): a value returned
climbs again from each call.  Only functions this file declares and calls
by name, or calls where they stand (an IIFE), are followed; the flow's
budget and per-binding deduplication keep recursion bounded.
"""

from __future__ import annotations

from tree_sitter import Node

from .bindings import Bindings, arguments_of, unwrap
from .scope import FUNCTION_NODES
from .syntax import is_field

_PARAMETER_WRAPPERS = frozenset({"required_parameter", "optional_parameter"})


def called_function(call: Node, bindings: Bindings) -> Node | None:
    """The local function a call invokes: a function literal called in place, or one declared by name."""
    if call.type != "call_expression":
        return None
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    callee = unwrap(callee)
    if callee.type in FUNCTION_NODES:
        return callee
    if callee.type == "identifier":
        return bindings.local_function(callee)
    return None


def parameter(fn: Node, position: int) -> Node | None:
    """The binding pattern of the parameter at ``position`` (None past a rest parameter)."""
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return single if position == 0 else None
    params = fn.child_by_field_name("parameters")
    if params is None:
        return None
    named = [p for p in params.named_children if p.type != "comment"]
    if position >= len(named) or any(p.type == "rest_pattern" for p in named[:position + 1]):
        return None
    found = named[position]
    if found.type in _PARAMETER_WRAPPERS:
        found = found.child_by_field_name("pattern")
    return found


def argument_position(arguments: Node, node: Node) -> int | None:
    """Where ``node`` stands among a call's arguments (None after a spread: positions are unknown)."""
    call = arguments.parent
    args = arguments_of(call) if call is not None else []
    for position, arg in enumerate(args):
        if arg.type == "spread_element":
            return None
        if arg == node:
            return position
    return None


def enclosing_function(node: Node) -> Node | None:
    """The function whose `return` (or expression body) hands ``node``'s value out."""
    parent = node.parent
    if parent is not None and parent.type == "arrow_function" and is_field(parent, "body", node):
        return parent
    current = node.parent
    while current is not None:
        if current.type in FUNCTION_NODES:
            return current if current.type not in ("class_static_block",) else None
        current = current.parent
    return None


def function_calls(fn: Node, bindings: Bindings) -> list[Node]:
    """The calls of ``fn`` in this file: in place (an IIFE), or by its name (recursive calls excluded)."""
    holder = fn.parent
    while holder is not None and holder.type == "parenthesized_expression":
        holder = holder.parent
    if holder is not None and holder.type == "call_expression":
        callee = holder.child_by_field_name("function")
        if callee is not None and unwrap(callee) == fn:
            return [holder]
    if fn.type in ("function_declaration", "generator_function_declaration") or (
            fn.parent is not None and fn.parent.type == "variable_declarator"):
        return [c for c in bindings.callers(fn) if c.type == "call_expression"]
    return []


def destructured_element(array: Node, element: Node) -> Node | None:
    """The pattern an array literal's element is bound to: `const [a, b] = [x, y]` binds `y` to `b`."""
    holder = array.parent
    if holder is None or holder.type not in ("variable_declarator", "assignment_expression"):
        return None
    value_field, name_field = ("value", "name") if holder.type == "variable_declarator" else ("right", "left")
    pattern = holder.child_by_field_name(name_field)
    if holder.child_by_field_name(value_field) != array or pattern is None or pattern.type != "array_pattern":
        return None
    position = _slot(array, element)
    if position is None:
        return None
    for child in pattern.children:
        if _slot(pattern, child) == position and child.is_named and child.type != "comment":
            if child.type == "rest_pattern":
                return None
            return child.child_by_field_name("left") if child.type == "assignment_pattern" else child
    return None


def _slot(container: Node, child: Node) -> int | None:
    """The index of ``child`` in an array literal or pattern, holes counted (None after a spread)."""
    position = 0
    for item in container.children:
        if item == child:
            return position
        if item.type == ",":
            position += 1
        elif item.type == "spread_element":
            return None
    return None


def getter_path(fn: Node) -> str | None:
    """`const o = { get m() { … } }`: reading `o.m` runs the getter, so what it returns is `o.m`."""
    if fn.type != "method_definition" or not any(c.type == "get" for c in fn.children):
        return None
    obj = fn.parent
    holder = obj.parent if obj is not None else None
    name = fn.child_by_field_name("name")
    if obj is None or obj.type != "object" or holder is None or holder.type != "variable_declarator" \
            or name is None or name.type != "property_identifier":
        return None
    ident = holder.child_by_field_name("name")
    if ident is None or ident.type != "identifier" or holder.child_by_field_name("value") != obj:
        return None
    return f"{ident.text.decode('utf-8', 'replace')}.{name.text.decode('utf-8', 'replace')}"
