"""Methods as wrappers: which calls reach a method, and what `this.x` holds.

Request details follow a parameter to the arguments its callers pass
(``render.py``, ``dataflow.py``).  In real packages the wrapper is often a
method: of an object literal (`const api = {send(u) {…}}; api.send(url)`),
of a class reached through `this` or an instance (`new C(base).get(p)`), a
prototype method (`C.prototype.get = function (p) {…}`) or an exported one
(`exports.get = …; exports.get(url)`).  A method is known by its *owner*
(``owners.py``: the class, the object or the variable holding it, the
module's exports) and its name.  A call `r.m(…)` reaches the method only when the receiver
`r` has that owner, so a method of the same name on an unrelated object
never receives the argument.  `this.x` holds what is stored into `x` on the
same owner (in the constructor, in any method, through an instance), a
class field's initializer, a TypeScript parameter property, a getter's
return value or the object literal's own property.

Everything is computed on demand, only at network call sites, and the
text search for a method or property name is memoised per name, so a file
pays nothing unless one of its network calls takes a method's parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from .fold import property_value
from .owners import CLASS_NODES, EXPORTS, Owner, Owners, unwrap
from .scope import FUNCTION_NODES
from .syntax import is_field, is_static, text

if TYPE_CHECKING:
    from .bindings import Bindings

_IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
#: Calls of one method name, or stores of one property name, looked at per file.
_MAX_SITES = 400


class Methods:
    """Method callers and `this` members of one file, on demand (held by ``Bindings``)."""

    def __init__(self, bindings: Bindings) -> None:
        self.bindings = bindings
        self.owners = Owners(bindings)
        self._data: bytes | None = None
        self._calls: dict[str, list[Node]] = {}
        self._stores: dict[str, list[tuple[Node, Node | None]]] = {}
        self._members: dict[tuple[int, int], list[Node] | None] = {}
        self._receivers: dict[tuple[int, int, str], frozenset[Owner]] = {}

    def callers(self, fn: Node) -> list[Node]:
        """Calls in this file that reach the method `fn` (`new C(…)` for a constructor)."""
        found = self.owners.method_of(fn)
        if found is None:
            return []
        owner, name = found
        if name == "constructor" and owner.kind == "instance":
            return self._constructor_calls(owner)
        calls = []
        for call in self._calls_named(name):
            if fn.start_byte <= call.start_byte < fn.end_byte:
                continue                        # a recursive call is not a new caller
            callee = call.child_by_field_name("function")
            if callee is not None and self._may_receive(callee.child_by_field_name("object"), owner):
                calls.append(call)
        return calls

    def _constructor_calls(self, owner: Owner) -> list[Node]:
        """`new C(…)`; `new D(…)` of a subclass without a constructor of its own; `super(…)` in one that has."""
        calls: list[Node] = []
        for _, member in self.owners.family(owner):
            body = member.node.child_by_field_name("body") if member.node is not None else None
            ctor = next((m for m in body.named_children if m.type == "method_definition"
                         and text(m.child_by_field_name("name")) == "constructor"), None) if body is not None else None
            if member == owner or ctor is None:
                calls += self.owners.constructions(member)
            elif member.node is not None and self.owners.superclass(member) == owner:
                calls += _super_calls(ctor)
        return calls

    def _may_receive(self, receiver: Node | None, owner: Owner) -> bool:
        """Whether `receiver` is `owner` (or an instance of a subclass of it).

        Names are compared as text first, so only receivers that can be the
        owner have their declarations resolved (each new name is a search of
        the file).
        """
        if receiver is None:
            return False
        receiver = unwrap(receiver)
        kind = receiver.type
        if kind == "this":
            this = self.owners.this_owner(receiver)
            return this is not None and owner in self.owners.with_heritage({this})
        if kind == "member_expression":
            if owner is EXPORTS:
                return self.owners.is_exports(receiver)
            obj = receiver.child_by_field_name("object")
            return owner.kind == "instance" and obj is not None and obj.type == "this" \
                and owner in self.receivers(receiver)
        if kind == "new_expression":
            ctor = receiver.child_by_field_name("constructor")
            return owner.kind == "instance" and ctor is not None and text(ctor) in self.owners.class_names(owner) \
                and owner in self.receivers(receiver)
        if kind == "identifier":
            return text(receiver) in self.owners.receiver_names(owner) and owner in self.receivers(receiver)
        return False

    def receivers(self, node: Node | None) -> set[Owner]:
        """The owners a call's receiver may be (with the in-file superclasses of an instance); memoised."""
        if node is None:
            return set()
        node = unwrap(node)
        key = (node.start_byte, node.end_byte, node.type)
        if key not in self._receivers:
            self._receivers[key] = frozenset()       # a cycle (this.a = this.a.b) reaches no owner
            self._receivers[key] = frozenset(self._receivers_of(node))
        return set(self._receivers[key])

    def _receivers_of(self, node: Node) -> set[Owner]:
        found: set[Owner] = set()
        if node.type == "this":
            owner = self.owners.this_owner(node)
            if owner is not None:
                found.add(owner)
        elif node.type == "new_expression":
            ctor = node.child_by_field_name("constructor")
            owner = self.owners.class_owner(ctor) if ctor is not None and ctor.type == "identifier" else None
            if owner is not None:
                found.add(owner)
        elif node.type == "member_expression" and self.owners.is_exports(node):
            found.add(EXPORTS)
        elif node.type == "member_expression":          # this.http, with this.http = new Http(…)
            for value in self.member_values(node) or ():
                if unwrap(value).type == "new_expression":
                    found |= self.receivers(value)
        elif node.type == "identifier":
            holder = self.owners.holder(node)
            if holder is not None:
                found.add(holder)
            if holder is None or holder.kind == "object":
                for value in self.bindings.stored(node)[:8]:
                    value = unwrap(value)
                    if value.type == "new_expression":
                        found |= self.receivers(value)
        return self.owners.with_heritage(found)

    def _calls_named(self, name: str) -> list[Node]:
        """Every `x.name(…)` call in the file, found by text search and confirmed in the tree."""
        if name not in self._calls:
            calls = []
            for prop in self._properties(name):
                member = prop.parent
                call = member.parent if member is not None else None
                if call is not None and call.type == "call_expression" and is_field(call, "function", member):
                    calls.append(call)
            self._calls[name] = calls
        return self._calls[name]

    def _properties(self, name: str) -> list[Node]:
        """The `…​.name` property nodes of member expressions in the file (bounded)."""
        if self._data is None:
            self._data = self.bindings.index.root.text or b""
        data, needle, root = self._data, name.encode("utf-8"), self.bindings.index.root
        found: list[Node] = []
        pos = 0
        while len(found) < _MAX_SITES and needle and (pos := data.find(needle, pos)) >= 0:
            start, pos = pos, pos + len(needle)
            if start and data[start - 1] in _IDENT_BYTES or pos < len(data) and data[pos] in _IDENT_BYTES:
                continue
            node = root.descendant_for_byte_range(start, pos)
            if node is None or node.start_byte != start or node.end_byte != pos \
                    or node.type not in ("property_identifier", "private_property_identifier"):
                continue
            parent = node.parent
            if parent is not None and parent.type == "member_expression" and is_field(parent, "property", node):
                found.append(node)
        return found

    def member_values(self, member: Node) -> list[Node] | None:
        """What `this.x` (or `new C(…).x`) may hold (memoised per node; see `_member_values`)."""
        key = (member.start_byte, member.end_byte)
        if key not in self._members:
            self._members[key] = None               # a cycle through this member reads nothing
            self._members[key] = self._member_values(member)
        found = self._members[key]
        return list(found) if found is not None else None

    def _member_values(self, member: Node) -> list[Node] | None:
        """What `this.x` (or `new C(…).x`) may hold: every store to `x` on the same owner.

        None when the receiver's owner is unknown, nothing is stored, or a
        store is not a plain one (`this.x += …`): the reading is then dynamic.
        A plain variable's members are the name passes' business (``bindings``).
        """
        obj = member.child_by_field_name("object")
        prop = member.child_by_field_name("property")
        if obj is None or prop is None or unwrap(obj).type not in ("this", "new_expression"):
            return None
        owners = self.receivers(obj)
        if not owners:
            return None
        name = text(prop)
        values: list[Node] = []
        for target, value in self._stores_of(name):
            target_obj = target.child_by_field_name("object")
            if any(self._may_receive(target_obj, owner) for owner in owners):
                if value is None:
                    return None
                values.append(value)
        for owner in owners:
            values += self._declared(owner, name)
        return values or None

    def _stores_of(self, name: str) -> list[tuple[Node, Node | None]]:
        """`r.name = value` in the file: (the member, its value; None for `+=`, `delete`, …)."""
        if name not in self._stores:
            stores: list[tuple[Node, Node | None]] = []
            for prop in self._properties(name):
                member = prop.parent
                parent = member.parent if member is not None else None
                if parent is None or member is None:
                    continue
                if parent.type == "assignment_expression" and is_field(parent, "left", member):
                    stores.append((member, parent.child_by_field_name("right")))
                elif parent.type == "augmented_assignment_expression" and is_field(parent, "left", member) \
                        or parent.type in ("unary_expression", "update_expression"):
                    stores.append((member, None))
            self._stores[name] = stores
        return self._stores[name]

    def _declared(self, owner: Owner, name: str) -> list[Node]:
        """A class field's initializer (`base = '…'`) or the owner object literal's own property."""
        node = owner.node
        if node is None:
            return []
        if node.type in CLASS_NODES and owner.kind in ("instance", "static"):
            body = node.child_by_field_name("body")
            found = []
            for member in body.named_children if body is not None else ():
                if member.type in ("field_definition", "public_field_definition") \
                        and is_static(member) == (owner.kind == "static"):
                    key = member.child_by_field_name("property") or member.child_by_field_name("name")
                    value = member.child_by_field_name("value")
                    if key is not None and text(key) == name and value is not None:
                        found.append(value)
                elif member.type == "method_definition" and owner.kind == "instance" \
                        and text(member.child_by_field_name("name")) == "constructor":
                    found += _parameter_properties(member, name)
                elif member.type == "method_definition" and text(member.child_by_field_name("name")) == name \
                        and any(c.type == "get" for c in member.children) \
                        and is_static(member) == (owner.kind == "static"):
                    found += self.bindings.returned(member)           # `get url() { return this.base + '/x' }`
            return found
        if owner.kind != "object":
            return []
        literal = node
        if node.type == "identifier" and node.parent is not None and node.parent.type == "variable_declarator":
            literal = node.parent.child_by_field_name("value")
        literal = unwrap(literal) if literal is not None else None
        if literal is None or literal.type != "object":
            return []
        value = property_value(literal, name)
        return [value] if value is not None else []



def _super_calls(ctor: Node) -> list[Node]:
    """The `super(…)` calls written in a constructor's own body (not in nested functions)."""
    found: list[Node] = []
    body = ctor.child_by_field_name("body")
    pending = list(body.named_children) if body is not None else []
    while pending:
        node = pending.pop()
        if node.type in FUNCTION_NODES and node.type != "arrow_function" or node.type in CLASS_NODES:
            continue
        if node.type == "call_expression" and (callee := node.child_by_field_name("function")) is not None \
                and callee.type == "super":
            found.append(node)
        pending.extend(node.named_children)
    return found


def _parameter_properties(ctor: Node, name: str) -> list[Node]:
    """TypeScript `constructor(private base: string)`: the parameter named `name` is stored as `this.base`."""
    params = ctor.child_by_field_name("parameters")
    found = []
    for param in params.named_children if params is not None else ():
        if param.type not in ("required_parameter", "optional_parameter"):
            continue
        if not any(c.type in ("accessibility_modifier", "readonly", "override_modifier") for c in param.children):
            continue
        pattern = param.child_by_field_name("pattern")
        if pattern is not None and pattern.type == "identifier" and text(pattern) == name:
            found.append(pattern)
    return found


def call_label(call: Node) -> str:
    """A short name for a call in notes: `api.send`, `this.post`, `new Client`, `….get` for a long receiver."""
    if call.type == "new_expression":
        return "new " + text(call.child_by_field_name("constructor"))
    callee = call.child_by_field_name("function")
    if callee is None:
        return ""
    if callee.type != "member_expression":
        return text(callee)
    obj = callee.child_by_field_name("object")
    prop = text(callee.child_by_field_name("property"))
    if obj is not None and obj.type in ("identifier", "this", "member_expression") and len(text(obj)) <= 40 \
            and "\n" not in text(obj):
        return f"{text(obj)}.{prop}"
    if obj is not None and obj.type == "new_expression":
        return f"new {text(obj.child_by_field_name('constructor'))}(…).{prop}"
    return f"….{prop}"
