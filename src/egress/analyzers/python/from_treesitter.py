"""Front end 2: tree-sitter-python, for files stdlib ``ast`` rejects.

Python 2 code (``print x``, ``except E, e``, ``0777``) and syntax newer
than the running interpreter still get analysed.  The parse runs under a
hard time limit: tree-sitter-python 0.25 is quadratic on long runs of
comment lines, so the parse reads the source through a callback and a
progress callback cancels it past the deadline (py-tree-sitter >= 0.25
ignores ``progress_callback`` when given plain bytes).
"""

from __future__ import annotations

import ast
import time

import tree_sitter
import tree_sitter_python

from egress.analyzers.python import ir
from egress.analyzers.python.scopes import Builder

_LANGUAGE = tree_sitter.Language(tree_sitter_python.language())
_CHUNK = 64 * 1024

Node = tree_sitter.Node


class ParseTimeout(Exception):
    """The parse was cancelled at the time limit."""


def parse(source: bytes, limit: float) -> tree_sitter.Tree:
    """Parse ``source``; raises ``ParseTimeout`` once ``limit`` seconds have passed."""
    parser = tree_sitter.Parser(_LANGUAGE)
    deadline = time.monotonic() + limit

    def read(offset: int, _point: tuple[int, int]) -> bytes:
        return source[offset:offset + _CHUNK]

    def progress(_offset: int, _has_error: bool) -> bool:
        return time.monotonic() > deadline

    try:
        tree = parser.parse(read, progress_callback=progress)
    except ValueError:          # "Parsing failed": cancelled by the callback
        raise ParseTimeout from None
    if tree is None:
        raise ParseTimeout
    return tree


def first_error_line(tree: tree_sitter.Tree) -> int | None:
    """The line of the first ERROR or MISSING node, if any."""
    node = tree.root_node
    if not node.has_error:
        return None
    while True:
        for child in node.children:
            if child.type == "ERROR" or child.is_missing:
                return child.start_point[0] + 1
            if child.has_error:
                node = child
                break
        else:
            return node.start_point[0] + 1


_STRING_PARTS = frozenset({"string_start", "string_content", "string_end", "escape_sequence"})
_SEQUENCES = frozenset({"tuple", "list", "expression_list", "pattern_list", "tuple_pattern", "list_pattern"})
_SKIP = frozenset({"comment", "pass_statement", "break_statement", "continue_statement",
                   "future_import_statement", "line_continuation"})


class _Converter:
    def __init__(self, builder: Builder, source: bytes) -> None:
        self.b = builder
        self.src = source

    def text(self, node: Node) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    # -- statements -------------------------------------------------------
    def block(self, node: Node | None) -> None:
        if node is None:
            return
        for child in node.named_children:
            self.stmt(child)

    def stmt(self, node: Node) -> None:
        t = node.type
        if t in _SKIP:
            return
        b = self.b
        b.stmt()
        line, col = node.start_point[0] + 1, node.start_point[1]
        if t in ("block", "module", "ERROR"):
            self.block(node)
        elif t == "expression_statement":
            for child in node.named_children:
                self._expression_statement(child)
        elif t == "import_statement":
            for child in node.children_by_field_name("name"):
                if child.type == "aliased_import":
                    b.import_(self.text(child.child_by_field_name("name")),
                              self.text(child.child_by_field_name("alias")), line, col)
                else:
                    b.import_(self.text(child), None, line, col)
        elif t == "import_from_statement":
            self._import_from(node, line, col)
        elif t in ("function_definition", "decorated_definition", "class_definition"):
            self._definition(node)
        elif t == "return_statement":
            values = [self.expr(c) for c in node.named_children]
            b.return_(values[0] if len(values) == 1 else (ir.Seq(line, col, tuple(values)) if values else None))
        elif t in ("if_statement", "elif_clause", "while_statement"):
            b.expr(self.expr_field(node, "condition"))
            with b.conditional():
                self.block(node.child_by_field_name("consequence") or node.child_by_field_name("body"))
                for alt in node.children_by_field_name("alternative"):
                    self.stmt(alt)
        elif t == "else_clause" or t == "finally_clause":
            self.block(node.child_by_field_name("body") or _last_block(node))
        elif t == "for_statement":
            iterable = self.expr_field(node, "right")
            b.expr(iterable)
            with b.conditional():
                left = node.child_by_field_name("left")
                if left is not None:
                    b.assign_iterated(self.target(left), iterable)
                self.block(node.child_by_field_name("body"))
                for alt in node.children_by_field_name("alternative"):
                    self.stmt(alt)
        elif t == "try_statement":
            with b.conditional():
                self.block(node.child_by_field_name("body"))
                for child in node.named_children:
                    if child.type in ("except_clause", "except_group_clause"):
                        self._except(child)
                    elif child.type == "else_clause":
                        self.stmt(child)
            for child in node.named_children:
                if child.type == "finally_clause":
                    self.stmt(child)
        elif t == "with_statement":
            for clause in node.named_children:
                if clause.type == "with_clause":
                    for item in clause.named_children:
                        self._with_item(item)
            self.block(node.child_by_field_name("body"))
        elif t in ("global_statement", "nonlocal_statement"):
            if t == "global_statement":
                b.declare_global([self.text(c) for c in node.named_children if c.type == "identifier"])
        elif t == "match_statement":
            b.expr(self.expr_field(node, "subject"))
            with b.conditional():
                for body in node.children_by_field_name("body"):
                    for case in body.named_children:
                        self.block(case.child_by_field_name("consequence"))
        elif t.endswith("_statement") or t == "chevron":
            for child in node.named_children:
                b.expr(self.expr(child))
        else:                       # a bare expression (inside ERROR recovery)
            b.expr(self.expr(node))

    def _expression_statement(self, node: Node) -> None:
        b = self.b
        if node.type == "assignment":
            targets = []
            while node is not None and node.type == "assignment":
                left = node.child_by_field_name("left")
                if left is not None:
                    targets.append(left)
                node = node.child_by_field_name("right")
            if node is None:
                return
            value = self.expr(node)
            b.expr(value, assigned=True)
            for target in targets:
                b.assign(self.target(target), value)
        elif node.type == "augmented_assignment":
            b.expr(self.expr_field(node, "right"))
        else:
            b.expr(self.expr(node))

    def _import_from(self, node: Node, line: int, col: int) -> None:
        module_node = node.child_by_field_name("module_name")
        level, module = 0, ""
        if module_node is not None and module_node.type == "relative_import":
            for part in module_node.named_children:
                if part.type == "import_prefix":
                    level = self.text(part).count(".")
                else:
                    module = self.text(part)
        elif module_node is not None:
            module = self.text(module_node)
        names: list[tuple[str, str | None]] = []
        for child in node.children_by_field_name("name"):
            if child.type == "aliased_import":
                names.append((self.text(child.child_by_field_name("name")),
                              self.text(child.child_by_field_name("alias"))))
            else:
                names.append((self.text(child), None))
        if any(c.type == "wildcard_import" for c in node.named_children):
            names.append(("*", None))
        self.b.import_from(module, level, names, line, col)

    def _definition(self, node: Node) -> None:
        b = self.b
        if node.type == "decorated_definition":
            for dec in node.named_children:
                if dec.type == "decorator":
                    for c in dec.named_children:
                        b.expr(self.expr(c))
            inner = node.child_by_field_name("definition")
            if inner is not None:
                self._definition(inner)
            return
        name_node = node.child_by_field_name("name")
        name = self.text(name_node) if name_node is not None else "<unknown>"
        if node.type == "class_definition":
            bases: list[ir.Expr] = []
            supers = node.child_by_field_name("superclasses")
            for c in supers.named_children if supers is not None else ():
                if c.type == "keyword_argument":
                    b.expr(self.expr_field(c, "value"))
                else:
                    bases.append(self.expr(c))
            for base in bases:
                b.expr(base)
            b.begin_class(name, tuple(bases), node.start_point[0] + 1, node.start_point[1])
            self.block(node.child_by_field_name("body"))
            b.end_class()
            return
        defaults: dict[str, ir.Expr] = {}
        params = self._params(node.child_by_field_name("parameters"), defaults)
        b.begin_function(name, params, defaults)
        self.block(node.child_by_field_name("body"))
        b.end_function()

    def _params(self, node: Node | None, defaults: dict[str, ir.Expr] | None = None) -> list[str]:
        names: list[str] = []
        for p in node.named_children if node is not None else ():
            if p.type == "identifier":
                names.append(self.text(p))
            elif p.type in ("default_parameter", "typed_default_parameter"):
                value = self.expr_field(p, "value")
                self.b.expr(value)
                n = p.child_by_field_name("name")
                found = self._identifiers(n) if n is not None else []
                if defaults is not None and len(found) == 1 and value is not None:
                    defaults[found[0]] = value
                names += found
            else:               # typed, splat, Python 2 tuple parameters
                names += self._identifiers(p)[:1] if p.type == "typed_parameter" else self._identifiers(p)
        return names

    def _identifiers(self, node: Node) -> list[str]:
        if node.type == "identifier":
            return [self.text(node)]
        if node.type == "type":
            return []
        return [n for c in node.named_children for n in self._identifiers(c)]

    def _except(self, node: Node) -> None:
        b = self.b
        values = [c for c in node.named_children if c.type != "block"]
        for v in values:
            if v.type == "as_pattern":
                inner = v.named_children[0] if v.named_children else None
                if inner is not None:
                    b.expr(self.expr(inner))
                alias = v.child_by_field_name("alias")
                for name in self._identifiers(alias) if alias is not None else ():
                    b.bind_unknown(name)
            elif len(values) == 2 and v is values[1] and v.type == "identifier":
                b.bind_unknown(self.text(v))       # Python 2: except E, e
            else:
                b.expr(self.expr(v))
        for c in node.named_children:
            if c.type == "block":
                self.block(c)

    def _with_item(self, item: Node) -> None:
        value_node = item.child_by_field_name("value")
        if value_node is None:
            return
        if value_node.type == "as_pattern":
            inner = value_node.named_children[0]
            value = self.expr(inner)
            self.b.expr(value, assigned=True)
            alias = value_node.child_by_field_name("alias")
            if alias is not None and alias.named_children:
                self.b.assign(self.target(alias.named_children[0]), value)
        else:
            self.b.expr(self.expr(value_node))

    def target(self, node: Node) -> ir.Expr:
        line, col = node.start_point[0] + 1, node.start_point[1]
        if node.type in _SEQUENCES or node.type == "parenthesized_expression":
            return ir.Seq(line, col, tuple(self.target(c) for c in node.named_children))
        if node.type in ("list_splat_pattern", "list_splat"):
            return self.target(node.named_children[0]) if node.named_children else ir.Opaque(line, col, ())
        return self.expr(node)

    # -- expressions ------------------------------------------------------
    def expr_field(self, node: Node, field: str) -> ir.Expr | None:
        child = node.child_by_field_name(field)
        return self.expr(child) if child is not None else None

    def expr(self, node: Node) -> ir.Expr:
        t = node.type
        line, col = node.start_point[0] + 1, node.start_point[1]
        if t in ("identifier", "keyword_identifier"):
            return ir.Name(line, col, self.text(node))
        if t == "attribute":
            obj, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
            if obj is not None and attr is not None:
                return ir.Attr(line, col, self.expr(obj), self.text(attr))
        elif t == "call":
            return self._call(node, line, col)
        elif t == "string":
            return self._string(node, line, col)
        elif t == "concatenated_string":
            parts = [self._string(c, line, col) for c in node.named_children]
            if all(isinstance(p, ir.Const) and isinstance(p.value, str) for p in parts):
                return ir.Const(line, col, "".join(p.value for p in parts))  # type: ignore[union-attr]
            return self._fstring(node, line, col) or ir.Opaque(line, col, tuple(parts))
        elif t in ("integer", "float"):
            return ir.Const(line, col, _number(self.text(node)))
        elif t in ("true", "false", "none"):
            return ir.Const(line, col, {"true": True, "false": False, "none": None}[t])
        elif t == "unary_operator":
            op, arg = node.child_by_field_name("operator"), node.child_by_field_name("argument")
            if arg is not None:
                value = self.expr(arg)
                if op is not None and self.text(op) == "-" and isinstance(value, ir.Const) \
                        and type(value.value) in (int, float):
                    return ir.Const(line, col, -value.value)  # type: ignore[operator]
                return ir.Opaque(line, col, (value,))
        elif t == "subscript":
            value_node = node.child_by_field_name("value")
            indexes = [self.expr(c) for c in node.children_by_field_name("subscript")]
            if value_node is not None and indexes:
                index = indexes[0] if len(indexes) == 1 else ir.Seq(indexes[0].line, indexes[0].col, tuple(indexes))
                return ir.Subscript(line, col, self.expr(value_node), index)
        elif t == "slice":
            return self._slice(node, line, col)
        elif t == "dictionary":
            keys: list[ir.Expr | None] = []
            values: list[ir.Expr] = []
            for c in node.named_children:
                if c.type == "pair":
                    k, v = c.child_by_field_name("key"), c.child_by_field_name("value")
                    if k is not None and v is not None:
                        keys.append(self.expr(k))
                        values.append(self.expr(v))
                elif c.type == "dictionary_splat" and c.named_children:
                    keys.append(None)
                    values.append(self.expr(c.named_children[0]))
            return ir.Dict(line, col, tuple(keys), tuple(values))
        elif t == "binary_operator":
            op = node.child_by_field_name("operator")
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                return ir.BinOp(line, col, self.text(op) if op is not None else "?",
                                self.expr(left), self.expr(right))
        elif t == "boolean_operator":
            return ir.Choice(line, col, tuple(self.expr(c) for c in node.named_children))
        elif t == "conditional_expression":
            kids = [self.expr(c) for c in node.named_children]
            if len(kids) == 3:
                return ir.Choice(line, col, (kids[0], kids[2]), (kids[1],))
        elif t == "parenthesized_expression" and len(node.named_children) == 1:
            return self.expr(node.named_children[0])
        elif t in _SEQUENCES:
            return ir.Seq(line, col, tuple(self.expr(c) for c in node.named_children))
        elif t == "named_expression":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None:
                v = self.expr(value)
                self.b.expr(v, assigned=True)
                self.b.assign(ir.Name(line, col, self.text(name)), v)
                return ir.Name(line, col, self.text(name))
        elif t == "lambda":
            params = self._params(node.child_by_field_name("parameters"))
            self.b.begin_function(None, params)
            body = node.child_by_field_name("body")
            self.b.return_(self.expr(body) if body is not None else None)
            self.b.end_function()
            return ir.Opaque(line, col, ())
        elif t in ("type", "comment"):
            return ir.Opaque(line, col, ())
        return ir.Opaque(line, col, tuple(self.expr(c) for c in node.named_children if c.type != "comment"))

    def _call(self, node: Node, line: int, col: int) -> ir.Expr:
        func_node = node.child_by_field_name("function")
        func = self.expr(func_node) if func_node is not None else ir.Opaque(line, col, ())
        args: list[ir.Expr] = []
        keywords: list[tuple[str | None, ir.Expr]] = []
        arguments = node.child_by_field_name("arguments")
        for a in arguments.named_children if arguments is not None else ():
            if a.type == "keyword_argument":
                name, value = a.child_by_field_name("name"), a.child_by_field_name("value")
                if value is not None:
                    keywords.append((self.text(name) if name is not None else None, self.expr(value)))
            elif a.type == "dictionary_splat":
                keywords.append((None, self.expr(a.named_children[0]) if a.named_children else ir.Opaque(line, col, ())))
            elif a.type == "list_splat":
                args.append(self.expr(a.named_children[0]) if a.named_children else ir.Opaque(line, col, ()))
            elif a.type != "comment":
                args.append(self.expr(a))
        return ir.Call(line, col, func, tuple(args), tuple(keywords))

    def _slice(self, node: Node, line: int, col: int) -> ir.Expr:
        parts: list[ir.Expr | None] = [None, None, None]
        at = 0
        for c in node.children:
            if c.type == ":":
                at += 1
            elif c.is_named and at < 3 and c.type != "comment":
                parts[at] = self.expr(c)
        return ir.Slice(line, col, parts[0], parts[1], parts[2])

    def _fstring(self, node: Node, line: int, col: int) -> ir.Expr | None:
        """An f-string as stdlib ``ast`` reads it, placed where it sits (same form as front end 1)."""
        from egress.analyzers.python import from_ast

        try:
            tree = ast.parse("(" + self.text(node) + ")", mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
        if not isinstance(tree.body, ast.JoinedStr):
            return None
        expr = from_ast.convert(tree.body, self.b)
        ir.shift(expr, line - 1, col - 1)
        return expr

    def _string(self, node: Node, line: int, col: int) -> ir.Expr:
        if any(c.type not in _STRING_PARTS for c in node.named_children):
            folded = self._fstring(node, line, col)
            if folded is not None:
                return folded
            inner = [self.expr(c.named_children[0]) for c in node.named_children
                     if c.type == "interpolation" and c.named_children]
            return ir.Opaque(line, col, tuple(inner))
        try:
            return ir.Const(line, col, ast.literal_eval(self.text(node)))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return ir.Opaque(line, col, ())


def _number(text: str) -> object:
    """An int or float literal's value; Python 2 forms (``0777``, ``10L``) too."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    digits = text.rstrip("lL").replace("_", "")
    try:
        return int(digits, 8) if digits.startswith("0") and digits.isdigit() else int(digits, 0)
    except ValueError:
        return 0


def _last_block(node: Node) -> Node | None:
    blocks = [c for c in node.named_children if c.type == "block"]
    return blocks[-1] if blocks else None


def build(tree: tree_sitter.Tree, source: bytes, builder: Builder) -> None:
    """Report every statement of ``tree`` to ``builder``."""
    _Converter(builder, source).block(tree.root_node)
