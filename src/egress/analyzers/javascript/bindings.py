"""What a name holds, for request details: initializers, assignments, callers' arguments.

The request-details passes (``requests.py`` for destinations, ``dataflow.py``
for the data sent) ask the same few questions of an identifier at a network
call site: which expressions were stored in it, which arguments a local
function's parameter receives at its call sites in this file, which module
member it was taken from (`const {hostname} = require('os')`), and which
methods are later called on a call's result (`req.write(body)`).  They are
asked only for network call sites, so nothing here walks the whole tree.
"""

from __future__ import annotations

from tree_sitter import Node

from .fold import ConstantLookup
from .methods import Methods
from .scope import FUNCTION_NODES, Declaration, NameIndex
from .syntax import is_field, text

#: Wrappers a value passes through unchanged.
PASSTHROUGH = frozenset({
    "parenthesized_expression", "await_expression", "as_expression", "non_null_expression",
    "satisfies_expression", "type_assertion",
})
_PARAMETER_WRAPPERS = frozenset({"required_parameter", "optional_parameter", "assignment_pattern"})
_LOOP_PATTERNS = frozenset({"array_pattern", "object_pattern", "pair_pattern", "assignment_pattern",
                            "object_assignment_pattern", "shorthand_property_identifier_pattern"})
#: Methods that return the object they are called on: `req.on('error', f).end(body)`.
_CHAINABLE = frozenset({"on", "once", "setHeader", "setTimeout", "setEncoding", "setNoDelay", "setKeepAlive"})


def arguments_of(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None or arguments.type != "arguments":
        return []
    return [a for a in arguments.named_children if a.type != "comment"]


def callee_of(call: Node) -> Node | None:
    field = "constructor" if call.type == "new_expression" else "function"
    return call.child_by_field_name(field)


def unwrap(node: Node) -> Node:
    while node.type in PASSTHROUGH and node.named_children:
        node = node.named_children[-1] if node.type == "type_assertion" else node.named_children[0]
    return node


def require_specifier(node: Node) -> str | None:
    """`require('os')`, `await import('os')`: the constant specifier, else None."""
    node = unwrap(node)
    if node.type != "call_expression":
        return None
    callee = node.child_by_field_name("function")
    if callee is None or text(callee) not in ("require", "import"):
        return None
    args = arguments_of(node)
    if len(args) != 1 or args[0].type != "string":
        return None
    return text(args[0])[1:-1]


class Bindings:
    """Answers about names in one file, on demand (``NameIndex`` does the scoping)."""

    def __init__(self, index: NameIndex, constant: ConstantLookup) -> None:
        self.index = index
        self.constant = constant
        self._methods: Methods | None = None

    @property
    def methods(self) -> Methods:
        """Method callers and `this` members (``methods.py``), made at the first question."""
        if self._methods is None:
            self._methods = Methods(self)
        return self._methods

    def declaration(self, ident: Node) -> Declaration | None:
        if ident.type not in ("identifier", "shorthand_property_identifier"):
            return None
        return self.index.resolve(ident, text(ident))

    def is_free(self, ident: Node) -> bool:
        return ident.type == "identifier" and self.declaration(ident) is None

    def stored(self, ident: Node) -> list[Node]:
        """Expressions stored in the variable `ident` names: its initializer and plain assignments."""
        decl = self.declaration(ident)
        if decl is None:
            return []
        found: list[Node] = []
        declarator = decl.node.parent
        if declarator is not None and declarator.type == "variable_declarator" and is_field(declarator, "name", decl.node):
            value = declarator.child_by_field_name("value")
            if value is not None:
                found.append(value)
        for ref in self.index.references_to(decl, text(decl.node)):
            parent = ref.parent
            if parent is not None and parent.type in ("assignment_expression", "augmented_assignment_expression") \
                    and is_field(parent, "left", ref):
                right = parent.child_by_field_name("right")
                if right is not None:
                    found.append(right)
        return found

    def literal_object(self, ident: Node) -> Node | None:
        """The object literal a name holds when no member of it is ever written (`o.host = …`)."""
        stored = self.stored(ident)
        if len(stored) != 1 or unwrap(stored[0]).type != "object" or self.members_written(ident):
            return None
        return unwrap(stored[0])

    def members_written(self, ident: Node) -> bool:
        """Some member of what the name holds is written, deleted or `Object.assign`ed (or it is unknown)."""
        decl = self.declaration(ident)
        if decl is None:
            return True
        for ref in self.index.references_to(decl, text(decl.node)):
            parent = ref.parent
            if parent is None:
                continue
            if parent.type in ("member_expression", "subscript_expression") and is_field(parent, "object", ref):
                grand = parent.parent
                if grand is not None and (grand.type in ("assignment_expression", "augmented_assignment_expression")
                                          and is_field(grand, "left", parent) or grand.type == "unary_expression"):
                    return True
            if parent.type == "arguments" and parent.named_children[:1] == [ref] and parent.parent is not None \
                    and text(parent.parent.child_by_field_name("function")) == "Object.assign":
                return True
        return False

    def destructured_from(self, ident: Node) -> tuple[Node, str] | None:
        """`const {hostname: h} = os` → (the `os` node, "hostname") for `h`."""
        decl = self.declaration(ident)
        if decl is None:
            return None
        node, parent = decl.node, decl.node.parent
        key = text(node)
        if parent is not None and parent.type == "pair_pattern":
            key = text(parent.child_by_field_name("key"))
            node, parent = parent, parent.parent
        elif parent is not None and parent.type == "object_assignment_pattern":
            node, parent = parent, parent.parent
        if parent is None or parent.type != "object_pattern":
            return None
        declarator = parent.parent
        if declarator is None or declarator.type != "variable_declarator" or not is_field(declarator, "name", parent):
            return None
        value = declarator.child_by_field_name("value")
        return (value, key) if value is not None else None

    def iterated_from(self, ident: Node) -> Node | None:
        """`for (const [k, v] of Object.entries(process.env))` → the iterated expression, for `k` and `v`."""
        decl = self.declaration(ident)
        if decl is None:
            return None
        child, parent = _out_of(decl.node, _LOOP_PATTERNS)
        if parent is None or parent.type != "for_in_statement" or not is_field(parent, "left", child):
            return None
        return parent.child_by_field_name("right")

    def module_of(self, node: Node | None) -> tuple[str, str | None] | None:
        """The module (and member) an expression or name is: `require('os')`, `os`, `{hostname}`, imports."""
        if node is None:
            return None
        node = unwrap(node)
        specifier = require_specifier(node)
        if specifier is not None:
            return _canonical(specifier), None
        if node.type == "member_expression":
            inner = self.module_of(node.child_by_field_name("object"))
            prop = text(node.child_by_field_name("property"))
            if inner is not None and inner[1] is None:
                return (inner[0], prop) if prop != "promises" else (inner[0], None)
            return None
        if node.type not in ("identifier", "shorthand_property_identifier"):
            return None
        decl = self.declaration(node)
        if decl is None:
            return None
        parent = decl.node.parent
        if parent is not None and parent.type in ("import_clause", "namespace_import", "import_specifier"):
            statement = parent
            while statement is not None and statement.type != "import_statement":
                statement = statement.parent
            source = statement.child_by_field_name("source") if statement is not None else None
            if source is None:
                return None
            member = text(parent.child_by_field_name("name")) if parent.type == "import_specifier" else None
            return _canonical(text(source)[1:-1]), member
        pattern = self.destructured_from(node)
        if pattern is not None:
            inner = self.module_of(pattern[0])
            return (inner[0], pattern[1]) if inner is not None and inner[1] is None else None
        if parent is not None and parent.type == "variable_declarator" and is_field(parent, "name", decl.node):
            value = parent.child_by_field_name("value")
            if value is not None and unwrap(value).type in ("call_expression", "member_expression"):
                return self.module_of(value)
        return None

    def parameter(self, ident: Node) -> tuple[Node, int] | None:
        """(function, position) when `ident` names a plain parameter of a function."""
        decl = self.declaration(ident)
        if decl is None:
            return None
        node, parent = _out_of(decl.node, _PARAMETER_WRAPPERS)
        if parent is not None and parent.type == "arrow_function" and is_field(parent, "parameter", node):
            return parent, 0
        if parent is None or parent.type != "formal_parameters" or parent.parent is None:
            return None
        params = [p for p in parent.named_children if p.type != "comment"]
        if node not in params or any(p.type == "rest_pattern" for p in params[:params.index(node) + 1]):
            return None
        return parent.parent, params.index(node)

    def callers(self, fn: Node) -> list[Node]:
        """Calls of the local function `fn` in this file, except its own recursive calls.

        A function declared by name is called by that name (or constructed:
        `new Agent(host)`); a method is called through a receiver of its owner
        (``methods.py``).
        """
        name = fn.child_by_field_name("name") if fn.type in ("function_declaration", "generator_function_declaration") else None
        if name is None and fn.parent is not None and fn.parent.type == "variable_declarator":
            name = fn.parent.child_by_field_name("name")
        if name is None or name.type != "identifier":
            return self.methods.callers(fn)
        decl = self.index.declaration_at(name)
        if decl is None:
            return []
        calls = []
        refs = self.index.references_to(decl, text(name))
        if fn.type == "function_declaration":
            refs += self.methods.owners.alias_references(fn)     # handed out by an IIFE: `var C = (function () {…}())`
        for ref in refs:
            call = ref.parent
            if call is None or not (call.type == "call_expression" and is_field(call, "function", ref)
                                    or call.type == "new_expression" and is_field(call, "constructor", ref)):
                continue
            if fn.start_byte <= call.start_byte < fn.end_byte:
                continue                        # a recursive call (a redirect followed) is not a new caller
            calls.append(call)
        return calls

    def local_function(self, ident: Node) -> Node | None:
        """The function a called name is declared as in this file."""
        decl = self.declaration(ident)
        if decl is None:
            return None
        parent = decl.node.parent
        if parent is not None and parent.type in ("function_declaration", "generator_function_declaration"):
            return parent
        if parent is not None and parent.type == "variable_declarator":
            value = parent.child_by_field_name("value")
            if value is not None and value.type in FUNCTION_NODES:
                return value
        return None

    def method_calls(self, call: Node) -> list[tuple[str, Node]]:
        """Methods called on a call's result: chained, or through the variable it is stored in."""
        found, node = _chain(call)
        parent = node.parent
        if found and found[-1][0] not in _CHAINABLE:
            return found
        if parent is not None and parent.type == "variable_declarator" and is_field(parent, "value", node):
            found.extend(self.calls_on(parent.child_by_field_name("name")))
        return found

    def calls_on(self, ident: Node | None) -> list[tuple[str, Node]]:
        """`x.write(…)`, `x.send(…)`: method calls on every reference of the variable `ident` names."""
        if ident is None or ident.type != "identifier":
            return []
        decl = self.declaration(ident) or self.index.declaration_at(ident)
        if decl is None:
            return []
        found = []
        for ref in self.index.references_to(decl, text(ident)):
            found.extend(_chain(ref)[0])
        return found

    def returned(self, fn: Node) -> list[Node]:
        """What a local function returns (its expression body or `return` statements, not nested ones)."""
        body = fn.child_by_field_name("body")
        if body is None:
            return []
        if body.type != "statement_block":
            return [body]
        found: list[Node] = []
        pending = list(body.named_children)
        while pending:
            node = pending.pop()
            if node.type in FUNCTION_NODES or node.type == "class_declaration":
                continue
            if node.type == "return_statement":
                found.extend(c for c in node.named_children if c.type != "comment")
                continue
            pending.extend(node.named_children)
        return found


def _out_of(node: Node, wrappers: frozenset[str]) -> tuple[Node, Node | None]:
    """The outermost of the wrapping nodes around a declared name, and what holds it."""
    child, parent = node, node.parent
    while parent is not None and parent.type in wrappers:
        child, parent = parent, parent.parent
    return child, parent


def _chain(node: Node) -> tuple[list[tuple[str, Node]], Node]:
    """Method calls chained on `node` (`x.on(…).end(…)`), and the node the chain ends at."""
    found: list[tuple[str, Node]] = []
    while node.parent is not None and node.parent.type in PASSTHROUGH:
        node = node.parent
    parent = node.parent
    while parent is not None and parent.type == "member_expression" and is_field(parent, "object", node):
        grand = parent.parent
        if grand is None or grand.type != "call_expression" or not is_field(grand, "function", parent):
            break
        method = text(parent.child_by_field_name("property"))
        found.append((method, grand))
        if method not in _CHAINABLE:
            break
        node, parent = grand, grand.parent
    return found, node


def _canonical(specifier: str) -> str:
    name = specifier.removeprefix("node:")
    return "fs" if name == "fs/promises" else name
