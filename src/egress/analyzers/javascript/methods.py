"""Methods as wrappers: which calls reach a method, and what `this.x` holds.

Request details follow a parameter to the arguments its callers pass
(``render.py``, ``dataflow.py``).  In real packages the wrapper is often a
method: of an object literal (`const api = {send(u) {…}}; api.send(url)`),
of a class reached through `this` or an instance (`new C(base).get(p)`), a
prototype method (`C.prototype.get = function (p) {…}`) or an exported one
(`exports.get = …; exports.get(url)`).  A method is known by its *owner*
(the class, the object or the variable holding it, the module's exports)
and its name.  A call `r.m(…)` reaches the method only when the receiver
`r` has that owner, so a method of the same name on an unrelated object
never receives the argument.  `this.x` holds what is stored into `x` on the
same owner (in the constructor, in any method, through an instance), a
class field's initializer or the object literal's own property.

Everything is computed on demand, only at network call sites, and the
text search for a method or property name is memoised per name, so a file
pays nothing unless one of its network calls takes a method's parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from .fold import property_value
from .scope import FUNCTION_NODES
from .syntax import is_field, is_static, text

if TYPE_CHECKING:
    from .bindings import Bindings

_IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_CLASS_NODES = frozenset({"class_declaration", "class", "abstract_class_declaration"})
_PLAIN_FUNCTIONS = frozenset({"function_expression", "function", "generator_function", "arrow_function"})
_CONSTRUCTOR_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function"})
_PARENS = frozenset({"parenthesized_expression", "non_null_expression", "as_expression"})
#: How many superclasses (within the file) an instance's methods are looked up in.
_MAX_HERITAGE = 4
#: Calls of one method name, or stores of one property name, looked at per file.
_MAX_SITES = 400


@dataclass(frozen=True)
class Owner:
    """What a method belongs to: ``kind`` instance / static (a class or constructor function), object, exports.

    ``key`` is the start byte of the class, constructor function, object
    literal or declared variable; 0 for the module's exports.
    """

    kind: str
    key: int
    node: Node | None = field(default=None, compare=False, hash=False)


EXPORTS = Owner("exports", 0)


def _unwrap(node: Node) -> Node:
    while node.type in _PARENS and node.named_children:
        node = node.named_children[0]
    return node


class Methods:
    """Method callers and `this` members of one file, on demand (held by ``Bindings``)."""

    def __init__(self, bindings: Bindings) -> None:
        self.bindings = bindings
        self._data: bytes | None = None
        self._calls: dict[str, list[Node]] = {}
        self._stores: dict[str, list[tuple[Node, Node | None]]] = {}
        self._names: dict[tuple, frozenset[str]] = {}
        self._aliases: dict[tuple[int, str], list[Node]] = {}
        self._members: dict[tuple[int, int], list[Node] | None] = {}
        self._receivers: dict[tuple[int, int, str], frozenset[Owner]] = {}
        self._families: dict[tuple[str, int], list[tuple[Node, Owner]]] = {}
        self._made: dict[tuple[str, int], list[Node]] = {}

    # -- owners -------------------------------------------------------------
    def method_of(self, fn: Node) -> tuple[Owner, str] | None:
        """(owner, method name) when the function `fn` is a method, else None."""
        parent = fn.parent
        if parent is None:
            return None
        if fn.type == "method_definition":
            name = text(fn.child_by_field_name("name"))
            if parent.type == "class_body" and parent.parent is not None:
                cls = parent.parent
                return Owner("static" if is_static(fn) else "instance", cls.start_byte, cls), name
            if parent.type == "object":
                return self._object_owner(parent), name
            return None
        if fn.type not in _PLAIN_FUNCTIONS:
            return None
        if parent.type == "pair" and is_field(parent, "value", fn) and parent.parent is not None \
                and parent.parent.type == "object":
            key = parent.child_by_field_name("key")
            if key is None or key.type not in ("property_identifier", "string"):
                return None
            described = self._described_method(parent.parent) if text(key) == "value" else None
            if described is not None:
                return described
            return self._object_owner(parent.parent), text(key).strip("'\"")
        if parent.type == "assignment_expression" and is_field(parent, "right", fn):
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "member_expression":
                owner = self._holder(left.child_by_field_name("object"))
                prop = left.child_by_field_name("property")
                if owner is not None and prop is not None:
                    return owner, text(prop)
        return None

    def _described_method(self, descriptor: Node) -> tuple[Owner, str] | None:
        """Babel's `_createClass(C, [{key: "get", value: function get(p) {…}}], [statics])`."""
        array = descriptor.parent
        args = array.parent if array is not None and array.type == "array" else None
        call = args.parent if args is not None and args.type == "arguments" else None
        if call is None or call.type != "call_expression" or "createClass" not in text(call.child_by_field_name("function")):
            return None
        listed = [a for a in args.named_children if a.type != "comment"]
        name = property_value(descriptor, "key")
        if len(listed) < 2 or listed[0].type != "identifier" or array not in listed[1:3] \
                or name is None or name.type != "string":
            return None
        owner = self.class_owner(listed[0])
        if owner is None:
            return None
        kind = "instance" if array == listed[1] else "static"
        return Owner(kind, owner.key, owner.node), text(name)[1:-1]

    def _object_owner(self, obj: Node) -> Owner:
        """The owner of an object literal's methods: the variable or exports holding it, else itself."""
        parent = obj.parent
        while parent is not None and parent.type in _PARENS:
            parent = parent.parent
        if parent is not None and parent.type == "variable_declarator":
            name = parent.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                decl = self.bindings.index.declaration_at(name)
                if decl is not None:
                    return Owner("object", decl.node.start_byte, decl.node)
        if parent is not None and parent.type == "assignment_expression":
            left = parent.child_by_field_name("left")
            if left is not None:
                if left.type == "identifier":
                    decl = self.bindings.declaration(left)
                    if decl is not None:
                        return Owner("object", self.bindings.index.canonical(decl).node.start_byte, decl.node)
                else:
                    owner = self._holder(left, whole=True)
                    if owner is not None:
                        return owner
        return Owner("object", obj.start_byte, obj)

    def _holder(self, node: Node | None, whole: bool = False) -> Owner | None:
        """The owner a member is stored on: `X.prototype`, `module.exports`, `exports`, `api`, `this`.

        `whole`: `node` is the object being replaced (`X.prototype = {…}`).
        """
        if node is None:
            return None
        node = _unwrap(node)
        if node.type == "member_expression":
            prop = text(node.child_by_field_name("property"))
            obj = node.child_by_field_name("object")
            if prop == "prototype" and obj is not None and obj.type == "identifier":
                return self.class_owner(obj)
            if self._is_exports(node):
                return EXPORTS
            return None
        if node.type == "this":
            return self.this_owner(node)
        if node.type == "identifier":
            if self._is_exports(node):
                return EXPORTS
            cls = self.class_owner(node)
            if cls is not None:
                return Owner("static", cls.key, cls.node)
            decl = self.bindings.declaration(node)
            if decl is not None:
                canonical = self.bindings.index.canonical(decl)
                return Owner("object", canonical.node.start_byte, canonical.node)
        return None

    def _is_exports(self, node: Node) -> bool:
        if node.type == "identifier":
            return text(node) == "exports" and self.bindings.is_free(node)
        if node.type == "member_expression":
            obj = node.child_by_field_name("object")
            return text(node.child_by_field_name("property")) == "exports" and obj is not None \
                and obj.type == "identifier" and text(obj) == "module" and self.bindings.is_free(obj)
        return False

    def class_owner(self, ident: Node, depth: int = 0) -> Owner | None:
        """The instance owner of the class or constructor function a name declares."""
        decl = self.bindings.declaration(ident)
        if decl is None:
            return None
        parent = decl.node.parent
        if parent is None:
            return None
        if (parent.type in _CLASS_NODES or parent.type == "function_declaration") \
                and is_field(parent, "name", decl.node):
            return Owner("instance", parent.start_byte, parent)
        if parent.type == "variable_declarator" and is_field(parent, "name", decl.node):
            value = parent.child_by_field_name("value")
            value = _unwrap(value) if value is not None else None
            if value is not None and (value.type in _CLASS_NODES or value.type in _CONSTRUCTOR_FUNCTIONS):
                return Owner("instance", value.start_byte, value)
            inner = _iife_result(value, self.bindings) if value is not None and depth < 2 else None
            if inner is not None:
                return self.class_owner(inner, depth + 1)
        return None

    def alias_references(self, cls: Node) -> list[Node]:
        """References of the outer name a class is handed out by from a wrapping IIFE.

        TypeScript's ES5 output: `var C = (function () { function C(b) {…} C.prototype.get = …;
        return C; }())`; `new C(…)` outside refers to the outer `C`.
        """
        name = cls.child_by_field_name("name")
        scope = cls.parent
        while scope is not None and scope.type not in FUNCTION_NODES:
            scope = scope.parent
        call = scope.parent if scope is not None else None
        while call is not None and call.type in _PARENS:
            call = call.parent
        holder = call.parent if call is not None and call.type == "call_expression" else None
        while holder is not None and holder.type in _PARENS:
            holder = holder.parent
        if name is None or holder is None or holder.type != "variable_declarator":
            return []
        outer = holder.child_by_field_name("name")
        value = holder.child_by_field_name("value")
        if outer is None or outer.type != "identifier" or text(outer) != text(name) or value is None:
            return []
        key = (holder.start_byte, text(name))
        if key not in self._aliases:
            inner = _iife_result(_unwrap(value), self.bindings)
            decl = self.bindings.index.declaration_at(outer) if inner is not None and text(inner) == text(name) else None
            self._aliases[key] = self.bindings.index.references_to(decl, text(outer)) if decl is not None else []
        return list(self._aliases[key])

    def this_owner(self, node: Node) -> Owner | None:
        """What `this` is at `node`: the owner of the nearest function that binds it."""
        current = node.parent
        while current is not None:
            kind = current.type
            if kind == "field_definition" and current.parent is not None and current.parent.parent is not None:
                cls = current.parent.parent
                return Owner("static" if is_static(current) else "instance", cls.start_byte, cls)
            if kind in FUNCTION_NODES and kind != "arrow_function":
                found = self.method_of(current)
                if found is not None:
                    return found[0]
                if kind in _CONSTRUCTOR_FUNCTIONS:
                    return Owner("instance", current.start_byte, current)   # a constructor function
                return None
            current = current.parent
        return None

    def receivers(self, node: Node | None) -> set[Owner]:
        """The owners a call's receiver may be (with the in-file superclasses of an instance); memoised."""
        if node is None:
            return set()
        node = _unwrap(node)
        key = (node.start_byte, node.end_byte, node.type)
        if key not in self._receivers:
            self._receivers[key] = frozenset()       # a cycle (this.a = this.a.b) reaches no owner
            self._receivers[key] = frozenset(self._receivers_of(node))
        return set(self._receivers[key])

    def _receivers_of(self, node: Node) -> set[Owner]:
        found: set[Owner] = set()
        if node.type == "this":
            owner = self.this_owner(node)
            if owner is not None:
                found.add(owner)
        elif node.type == "new_expression":
            ctor = node.child_by_field_name("constructor")
            owner = self.class_owner(ctor) if ctor is not None and ctor.type == "identifier" else None
            if owner is not None:
                found.add(owner)
        elif node.type == "member_expression" and self._is_exports(node):
            found.add(EXPORTS)
        elif node.type == "member_expression":          # this.http, with this.http = new Http(…)
            for value in self.member_values(node) or ():
                if _unwrap(value).type == "new_expression":
                    found |= self.receivers(value)
        elif node.type == "identifier":
            holder = self._holder(node)
            if holder is not None:
                found.add(holder)
            if holder is None or holder.kind == "object":
                for value in self.bindings.stored(node)[:8]:
                    value = _unwrap(value)
                    if value.type == "new_expression":
                        found |= self.receivers(value)
        return self._with_heritage(found)

    def _with_heritage(self, owners: set[Owner]) -> set[Owner]:
        out = set(owners)
        for owner in owners:
            current = owner
            for _ in range(_MAX_HERITAGE):
                base = self._superclass(current)
                if base is None or base in out:
                    break
                out.add(base)
                current = base
        return out

    def _superclass(self, owner: Owner) -> Owner | None:
        cls = owner.node
        if cls is None or cls.type not in _CLASS_NODES:
            return None
        heritage = next((c for c in cls.named_children if c.type == "class_heritage"), None)
        if heritage is None:
            return None
        clause = next((c for c in heritage.named_children if c.type == "extends_clause"), heritage)   # TypeScript
        base = next((c for c in clause.named_children if c.type == "identifier"), None)
        found = self.class_owner(base) if base is not None else None
        return Owner(owner.kind, found.key, found.node) if found is not None else None

    # -- callers ------------------------------------------------------------
    def callers(self, fn: Node) -> list[Node]:
        """Calls in this file that reach the method `fn` (`new C(…)` for a constructor)."""
        found = self.method_of(fn)
        if found is None:
            return []
        owner, name = found
        if name == "constructor" and owner.kind == "instance":
            return self._constructions(owner)
        calls = []
        for call in self._calls_named(name):
            if fn.start_byte <= call.start_byte < fn.end_byte:
                continue                        # a recursive call is not a new caller
            callee = call.child_by_field_name("function")
            if callee is not None and self._may_receive(callee.child_by_field_name("object"), owner):
                calls.append(call)
        return calls

    def _may_receive(self, receiver: Node | None, owner: Owner) -> bool:
        """Whether `receiver` is `owner` (or an instance of a subclass of it).

        Names are compared as text first, so only receivers that can be the
        owner have their declarations resolved (each new name is a search of
        the file).
        """
        if receiver is None:
            return False
        receiver = _unwrap(receiver)
        kind = receiver.type
        if kind == "this":
            this = self.this_owner(receiver)
            return this is not None and owner in self._with_heritage({this})
        if kind == "member_expression":
            if owner is EXPORTS:
                return self._is_exports(receiver)
            obj = receiver.child_by_field_name("object")
            return owner.kind == "instance" and obj is not None and obj.type == "this" \
                and owner in self.receivers(receiver)
        if kind == "new_expression":
            ctor = receiver.child_by_field_name("constructor")
            return owner.kind == "instance" and ctor is not None and text(ctor) in self._class_names(owner) \
                and owner in self.receivers(receiver)
        if kind == "identifier":
            return text(receiver) in self._receiver_names(owner) and owner in self.receivers(receiver)
        return False

    def _class_names(self, owner: Owner) -> frozenset[str]:
        """The names of the owner's class and of its subclasses in this file."""
        return frozenset(text(n) for n, _ in self._family(owner))

    def _receiver_names(self, owner: Owner) -> frozenset[str]:
        """Names a receiver of `owner` can have: its variable, the class, variables holding `new C(…)`."""
        key = ("names", owner.kind, owner.key)
        if key in self._names:
            return self._names[key]
        names: set[str] = set()
        if owner is EXPORTS:
            names.add("exports")
        elif owner.kind == "object" and owner.node is not None and owner.node.type == "identifier":
            names.add(text(owner.node))
        elif owner.kind == "static":
            names |= self._class_names(Owner("instance", owner.key, owner.node))
        elif owner.kind == "instance":
            for _, member in self._family(owner):
                for made in self._constructions(member):
                    holder = made.parent
                    while holder is not None and holder.type in _PARENS | {"await_expression"}:
                        holder = holder.parent
                    if holder is not None and holder.type == "variable_declarator":
                        target = holder.child_by_field_name("name")
                    elif holder is not None and holder.type == "assignment_expression":
                        target = holder.child_by_field_name("left")
                    else:
                        continue
                    if target is not None and target.type == "identifier":
                        names.add(text(target))
        self._names[key] = frozenset(names)
        return self._names[key]

    def _family(self, owner: Owner) -> list[tuple[Node, Owner]]:
        """(name node, owner) of a class and its subclasses declared in this file (bounded; memoised)."""
        key = (owner.kind, owner.key)
        if key not in self._families:
            self._families[key] = self._family_of(owner)
        return self._families[key]

    def _family_of(self, owner: Owner) -> list[tuple[Node, Owner]]:
        out: list[tuple[Node, Owner]] = []
        pending = [owner]
        while pending and len(out) < _MAX_HERITAGE + 1:
            current = pending.pop()
            name = self._class_name(current)
            if name is None or any(o == current for _, o in out):
                continue
            out.append((name, current))
            decl = self.bindings.index.declaration_at(name)
            for ref in self.bindings.index.references_to(decl, text(name)) if decl is not None else ():
                heritage = ref.parent
                if heritage is not None and heritage.type == "extends_clause":      # TypeScript
                    heritage = heritage.parent
                cls = heritage.parent if heritage is not None and heritage.type == "class_heritage" else None
                if cls is not None and cls.type in _CLASS_NODES:
                    pending.append(Owner("instance", cls.start_byte, cls))
        return out

    def _class_name(self, owner: Owner) -> Node | None:
        cls = owner.node
        if cls is None or owner.kind not in ("instance", "static"):
            return None
        name = cls.child_by_field_name("name")
        if name is None and cls.parent is not None and cls.parent.type == "variable_declarator":
            name = cls.parent.child_by_field_name("name")
        return name if name is not None and name.type in ("identifier", "type_identifier") else None

    def _constructions(self, owner: Owner) -> list[Node]:
        """`new C(…)` of a class declared in this file (memoised)."""
        key = (owner.kind, owner.key)
        if key not in self._made:
            self._made[key] = self._constructions_of(owner)
        return self._made[key]

    def _constructions_of(self, owner: Owner) -> list[Node]:
        name = self._class_name(owner)
        if name is None:
            return []
        decl = self.bindings.index.declaration_at(name)
        if decl is None:
            return []
        found = []
        refs = self.bindings.index.references_to(decl, text(name))
        if owner.node is not None and owner.node.type in ("function_declaration", "class_declaration"):
            refs += self.alias_references(owner.node)
        for ref in refs:
            parent = ref.parent
            if parent is not None and parent.type == "new_expression" and is_field(parent, "constructor", ref):
                found.append(parent)
        return found

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

    # -- members ------------------------------------------------------------
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
        if obj is None or prop is None or _unwrap(obj).type not in ("this", "new_expression"):
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
        if node.type in _CLASS_NODES and owner.kind in ("instance", "static"):
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
        literal = _unwrap(literal) if literal is not None else None
        if literal is None or literal.type != "object":
            return []
        value = property_value(literal, name)
        return [value] if value is not None else []


def _iife_result(value: Node, bindings: Bindings) -> Node | None:
    """The one name an immediately invoked function returns (`(function () { …; return C; }())`)."""
    value = _unwrap(value)
    if value.type != "call_expression" or value.child_by_field_name("arguments") is None:
        return None
    callee = value.child_by_field_name("function")
    fn = _unwrap(callee) if callee is not None else None
    if fn is None or fn.type not in ("function_expression", "function", "arrow_function"):
        return None
    returned = bindings.returned(fn)
    if len(returned) != 1 or returned[0].type != "identifier":
        return None
    return returned[0]


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
