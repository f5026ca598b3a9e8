"""Who a method belongs to: its *owner*, and who else has that owner.

``methods.py`` follows a method's parameters to the calls that reach it and
`this.x` to what is stored in it; both rest on one question answered here:
what a function is a method of, and what a receiver (`this`, a variable,
`new C(…)`, `module.exports`) is.  Owners are the class or constructor
function (instances and statics), the object literal or the variable
holding it, and the module's exports; TypeScript's IIFE-wrapped ES5
classes and Babel's `_createClass` descriptors are read as the classes they
are.  Answers are memoised per file (the instance lives on ``Bindings``).
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

CLASS_NODES = frozenset({"class_declaration", "class", "abstract_class_declaration"})
_PLAIN_FUNCTIONS = frozenset({"function_expression", "function", "generator_function", "arrow_function"})
_CONSTRUCTOR_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function"})
PARENS = frozenset({"parenthesized_expression", "non_null_expression", "as_expression"})
#: How many superclasses (within the file) an instance's methods are looked up in.
MAX_HERITAGE = 4


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


def unwrap(node: Node) -> Node:
    while node.type in PARENS and node.named_children:
        node = node.named_children[0]
    return node


class Owners:
    """What functions and receivers of one file belong to."""

    def __init__(self, bindings: Bindings) -> None:
        self.bindings = bindings
        self._names: dict[tuple, frozenset[str]] = {}
        self._aliases: dict[tuple[int, str], list[Node]] = {}
        self._families: dict[tuple[str, int], list[tuple[Node, Owner]]] = {}
        self._made: dict[tuple[str, int], list[Node]] = {}

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
                owner = self.holder(left.child_by_field_name("object"))
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
        while parent is not None and parent.type in PARENS:
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
                    owner = self.holder(left)
                    if owner is not None:
                        return owner
        return Owner("object", obj.start_byte, obj)

    def holder(self, node: Node | None) -> Owner | None:
        """The owner a member is stored on: `X.prototype`, `module.exports`, `exports`, `api`, `this`."""
        if node is None:
            return None
        node = unwrap(node)
        if node.type == "member_expression":
            prop = text(node.child_by_field_name("property"))
            obj = node.child_by_field_name("object")
            if prop == "prototype" and obj is not None and obj.type == "identifier":
                return self.class_owner(obj)
            if self.is_exports(node):
                return EXPORTS
            return None
        if node.type == "this":
            return self.this_owner(node)
        if node.type == "identifier":
            if self.is_exports(node):
                return EXPORTS
            cls = self.class_owner(node)
            if cls is not None:
                return Owner("static", cls.key, cls.node)
            decl = self.bindings.declaration(node)
            if decl is not None:
                canonical = self.bindings.index.canonical(decl)
                return Owner("object", canonical.node.start_byte, canonical.node)
        return None

    def is_exports(self, node: Node) -> bool:
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
        if (parent.type in CLASS_NODES or parent.type == "function_declaration") \
                and is_field(parent, "name", decl.node):
            return Owner("instance", parent.start_byte, parent)
        if parent.type == "variable_declarator" and is_field(parent, "name", decl.node):
            value = parent.child_by_field_name("value")
            value = unwrap(value) if value is not None else None
            if value is not None and (value.type in CLASS_NODES or value.type in _CONSTRUCTOR_FUNCTIONS):
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
        while call is not None and call.type in PARENS:
            call = call.parent
        holder = call.parent if call is not None and call.type == "call_expression" else None
        while holder is not None and holder.type in PARENS:
            holder = holder.parent
        if name is None or holder is None or holder.type != "variable_declarator":
            return []
        outer = holder.child_by_field_name("name")
        value = holder.child_by_field_name("value")
        if outer is None or outer.type != "identifier" or text(outer) != text(name) or value is None:
            return []
        key = (holder.start_byte, text(name))
        if key not in self._aliases:
            inner = _iife_result(unwrap(value), self.bindings)
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

    def with_heritage(self, owners: set[Owner]) -> set[Owner]:
        out = set(owners)
        for owner in owners:
            current = owner
            for _ in range(MAX_HERITAGE):
                base = self.superclass(current)
                if base is None or base in out:
                    break
                out.add(base)
                current = base
        return out

    def superclass(self, owner: Owner) -> Owner | None:
        cls = owner.node
        if cls is None or cls.type not in CLASS_NODES:
            return None
        heritage = next((c for c in cls.named_children if c.type == "class_heritage"), None)
        if heritage is None:
            return None
        clause = next((c for c in heritage.named_children if c.type == "extends_clause"), heritage)   # TypeScript
        base = next((c for c in clause.named_children if c.type == "identifier"), None)
        found = self.class_owner(base) if base is not None else None
        return Owner(owner.kind, found.key, found.node) if found is not None else None

    def class_names(self, owner: Owner) -> frozenset[str]:
        """The names of the owner's class and of its subclasses in this file."""
        return frozenset(text(n) for n, _ in self.family(owner))

    def receiver_names(self, owner: Owner) -> frozenset[str]:
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
            names |= self.class_names(Owner("instance", owner.key, owner.node))
        elif owner.kind == "instance":
            for _, member in self.family(owner):
                for made in self.constructions(member):
                    holder = made.parent
                    while holder is not None and holder.type in PARENS | {"await_expression"}:
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

    def family(self, owner: Owner) -> list[tuple[Node, Owner]]:
        """(name node, owner) of a class and its subclasses declared in this file (bounded; memoised)."""
        key = (owner.kind, owner.key)
        if key not in self._families:
            self._families[key] = self._family_of(owner)
        return self._families[key]

    def _family_of(self, owner: Owner) -> list[tuple[Node, Owner]]:
        out: list[tuple[Node, Owner]] = []
        pending = [owner]
        while pending and len(out) < MAX_HERITAGE + 1:
            current = pending.pop()
            name = self.class_name(current)
            if name is None or any(o == current for _, o in out):
                continue
            out.append((name, current))
            decl = self.bindings.index.declaration_at(name)
            for ref in self.bindings.index.references_to(decl, text(name)) if decl is not None else ():
                heritage = ref.parent
                if heritage is not None and heritage.type == "extends_clause":      # TypeScript
                    heritage = heritage.parent
                cls = heritage.parent if heritage is not None and heritage.type == "class_heritage" else None
                if cls is not None and cls.type in CLASS_NODES:
                    pending.append(Owner("instance", cls.start_byte, cls))
        return out

    def class_name(self, owner: Owner) -> Node | None:
        cls = owner.node
        if cls is None or owner.kind not in ("instance", "static"):
            return None
        name = cls.child_by_field_name("name")
        if name is None and cls.parent is not None and cls.parent.type == "variable_declarator":
            name = cls.parent.child_by_field_name("name")
        return name if name is not None and name.type in ("identifier", "type_identifier") else None

    def constructions(self, owner: Owner) -> list[Node]:
        """`new C(…)` of a class declared in this file (memoised)."""
        key = (owner.kind, owner.key)
        if key not in self._made:
            self._made[key] = self._constructions_of(owner)
        return self._made[key]

    def _constructions_of(self, owner: Owner) -> list[Node]:
        name = self.class_name(owner)
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


def _iife_result(value: Node, bindings: Bindings) -> Node | None:
    """The one name an immediately invoked function returns (`(function () { …; return C; }())`)."""
    value = unwrap(value)
    if value.type != "call_expression" or value.child_by_field_name("arguments") is None:
        return None
    callee = value.child_by_field_name("function")
    fn = unwrap(callee) if callee is not None else None
    if fn is None or fn.type not in ("function_expression", "function", "arrow_function"):
        return None
    returned = bindings.returned(fn)
    if len(returned) != 1 or returned[0].type != "identifier":
        return None
    return returned[0]
