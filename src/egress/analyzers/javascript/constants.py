"""Which expression a name always holds: the constant lookup behind folding.

`const m = 'ht' + 'tps'` holds its initializer; a `let` or `var` only while nothing
assigns it again; an object or array literal only while nothing changes it (a member
written, a mutator called, the value passed to a function that is not a known reader).
A function declaration holds itself (folded at its calls, ``fold._local_call``) unless
it is reassigned; a parameter holds the constant every call of its local function
passes (an IIFE's `(function (r, n) { r(n) })(require, 'https')`).
"""

from __future__ import annotations

from tree_sitter import Node

from .bindings import Bindings, arguments_of
from .fold import fold_detail
from .interproc import function_calls
from .scope import NameIndex


class Constants:
    """Constant lookups for one file, with the parameters worked out so far."""

    def __init__(self, index: NameIndex) -> None:
        self.index = index
        self._parameters: dict[int, Node | None] = {}   # parameter declaration -> constant every call passes

    def _parameter_constant(self, ident: Node, key: int) -> Node | None:
        """A parameter every call of its local function passes the same constant for (an IIFE's
        `(function (r, n) { r(n) })(require, 'https')`): that argument, else None."""
        if key in self._parameters:
            return self._parameters[key]
        self._parameters[key] = None              # while folding the callers' arguments: no cycles
        bindings = Bindings(self.index, self.lookup)
        found = bindings.parameter(ident)
        decl = bindings.declaration(ident)
        if found is None or decl is None:
            return None
        if any(_is_written(ref) for ref in self.index.references_to(decl, ident.text.decode("utf-8", "replace"))):
            return None                            # reassigned inside the function: not the argument any more
        fn, position = found
        passed = [arguments_of(c)[position] if position < len(arguments_of(c)) else None
                  for c in function_calls(fn, bindings)]
        values = {fold_detail(p, self.lookup).value if p is not None else None for p in passed}
        if not passed or len(values) != 1 or None in values:
            return None
        self._parameters[key] = passed[0]
        return passed[0]

    def lookup(self, ident: Node) -> Node | None:
        """The initializer of the constant an identifier names (for folding); `{host}` names `host`."""
        if ident.type not in ("identifier", "shorthand_property_identifier"):
            return None
        name = ident.text.decode("utf-8", "replace") if ident.text else ""
        decl = self.index.resolve(ident, name)
        if decl is None:
            return None
        declarator = decl.node.parent
        if declarator is not None and declarator.type in _PARAMETER_HOLDERS:
            return self._parameter_constant(ident, decl.key)
        if declarator is not None and declarator.type == "function_declaration":
            # a function folded by its calls (`fold._local_call`), unless it is reassigned
            refs = self.index.references_to(decl, name)
            return None if any(_is_written(ref) for ref in refs) else declarator
        if declarator is None or declarator.type != "variable_declarator":
            return None
        if declarator.child_by_field_name("name") != decl.node:
            return None
        holder = declarator.parent
        is_const = holder is not None and holder.child_count > 0 and holder.children[0].type == "const"
        value = declarator.child_by_field_name("value")
        container = value is not None and value.type in ("object", "array")
        if not is_const or container:
            refs = self.index.references_to(decl, name)
            if not is_const and any(_is_written(ref) for ref in refs):
                return None
            if container and any(_is_mutated(ref) for ref in refs):
                return None                 # `m.a = …`, `p.push(…)`, `f(p)`: not a constant any more
        return value


_PARAMETER_HOLDERS = frozenset({"formal_parameters", "required_parameter", "optional_parameter", "arrow_function"})


def _is_written(ref: Node) -> bool:
    parent = ref.parent
    if parent is None:
        return False
    if parent.type in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == ref
    return parent.type == "update_expression"


#: Functions that read an object or array handed to them and never change it.
_READERS = frozenset({b"Object.values", b"Object.keys", b"Object.entries", b"JSON.stringify", b"String", b"Array.from",
                      b"Buffer.from", b"String.fromCharCode", b"atob"})
_MUTATORS = frozenset({"push", "pop", "shift", "unshift", "splice", "reverse", "sort", "fill", "copyWithin"})


def _is_mutated(ref: Node) -> bool:
    """A use of an object or array that may change it: a member written, a mutator called, passed on."""
    parent = ref.parent
    if parent is None:
        return False
    if parent.type == "arguments":
        call = parent.parent
        callee = call.child_by_field_name("function") if call is not None else None
        return callee is None or callee.text not in _READERS      # `Object.values(p)` only reads it
    if parent.type in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == ref
    if parent.type not in ("member_expression", "subscript_expression") or parent.child_by_field_name("object") != ref:
        return False
    grand = parent.parent
    if grand is None:
        return False
    if grand.type in ("assignment_expression", "augmented_assignment_expression"):
        return grand.child_by_field_name("left") == parent
    if grand.type in ("update_expression", "unary_expression"):
        return grand.type == "update_expression" or grand.children[0].type == "delete"
    prop = parent.child_by_field_name("property")
    return (grand.type == "call_expression" and prop is not None and prop.text is not None
            and prop.text.decode("utf-8", "replace") in _MUTATORS)
