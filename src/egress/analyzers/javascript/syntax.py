"""Small syntax questions the flow and the analyzer both ask."""

from __future__ import annotations

from tree_sitter import Node

#: Interop helpers of TypeScript, Babel, esbuild and Rollup output: the value passes through.
INTEROP = frozenset({
    "__importDefault", "__importStar", "__toESM", "_interopRequireDefault",
    "_interopRequireWildcard", "_interopDefault", "_interopDefaultLegacy", "_interopNamespace",
    "_interopNamespaceDefault", "__importWildcard",
})


def operation_node(call: Node) -> Node:
    """Where a call is reported: its start, or the method name when that is elsewhere.

    `https.request(o)` is reported at `https`; in a chain (`create().listen()`)
    or when the method name is on a later line, at the method name, so the
    line is always the line of the operation.
    """
    callee = call.child_by_field_name("function") if call.type == "call_expression" else None
    if callee is None or callee.type != "member_expression":
        return call
    obj = callee.child_by_field_name("object")
    prop = callee.child_by_field_name("property")
    if obj is None or prop is None:
        return call
    if prop.start_point.row != call.start_point.row:
        return prop
    if obj.type in ("call_expression", "new_expression"):
        inner = obj.child_by_field_name("function")
        if not (inner is not None and inner.type in ("identifier", "import") and text(inner) in ("require", "import")):
            return prop
    return call


def member_path(node: Node) -> str | None:
    """`this.socket`, `a.b.c`: a member chain of plain names, or None."""
    parts: list[str] = []
    current = node
    while current.type == "member_expression":
        prop = current.child_by_field_name("property")
        obj = current.child_by_field_name("object")
        if prop is None or obj is None or prop.type not in ("property_identifier", "private_property_identifier"):
            return None
        parts.append(text(prop))
        current = obj
    if current.type == "this":
        parts.append("this")
    elif current.type == "identifier":
        parts.append(text(current))
    else:
        return None
    return ".".join(reversed(parts)) if len(parts) > 1 else None


def is_static(field: Node) -> bool:
    return any(not child.is_named and child.type == "static" for child in field.children)


def is_interop(call: Node) -> bool:
    if call.type != "call_expression":
        return False
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "member_expression":
        callee = callee.child_by_field_name("property")
    if callee is not None and callee.type == "parenthesized_expression":
        inner = callee.named_children
        callee = inner[-1] if inner else None
        if callee is not None and callee.type == "sequence_expression":
            callee = callee.named_children[-1]
        if callee is not None and callee.type == "member_expression":
            callee = callee.child_by_field_name("property")
    return callee is not None and text(callee) in INTEROP


def is_field(parent: Node, field: str, child: Node) -> bool:
    value = parent.child_by_field_name(field)
    return value is not None and value == child


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")
