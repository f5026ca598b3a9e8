"""Front end 1: the stdlib ``ast`` tree, reported to a ``Builder``.

One recursive pass over statements; expressions are converted to the
common form (``ir``) with a dispatch table.  Annotations are skipped: a
type hint naming ``socket.socket`` is not a use.
"""

from __future__ import annotations

import ast

from egress.analyzers.python import ir
from egress.analyzers.python.scopes import Builder

_BINOPS = {ast.Add: "+", ast.Mod: "%", ast.Mult: "*"}


class _Converter:
    def __init__(self, builder: Builder) -> None:
        self.b = builder
        self._expr = {
            ast.Name: self._name,
            ast.Attribute: self._attr,
            ast.Call: self._call,
            ast.Constant: self._const,
            ast.BinOp: self._binop,
            ast.BoolOp: self._boolop,
            ast.IfExp: self._ifexp,
            ast.Tuple: self._seq,
            ast.List: self._seq,
            ast.Starred: lambda n: self.expr(n.value),
            ast.NamedExpr: self._walrus,
            ast.Lambda: self._lambda,
            ast.Subscript: lambda n: ir.Subscript(n.lineno, n.col_offset, self.expr(n.value), self.expr(n.slice)),
            ast.Slice: self._slice,
            ast.Dict: self._dict,
            ast.JoinedStr: self._fstring,
            ast.UnaryOp: self._unary,
        }

    # -- statements -------------------------------------------------------
    def body(self, stmts: list[ast.stmt]) -> None:
        for node in stmts:
            self.stmt(node)

    def stmt(self, node: ast.stmt) -> None:
        b = self.b
        b.stmt()
        if isinstance(node, ast.Expr):
            b.expr(self.expr(node.value))
        elif isinstance(node, ast.Assign):
            value = self.expr(node.value)
            b.expr(value, assigned=True)
            for target in node.targets:
                b.assign(self.target(target), value)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                b.import_(alias.name, alias.asname, node.lineno, node.col_offset)
        elif isinstance(node, ast.ImportFrom):
            names = [(a.name, a.asname) for a in node.names]
            b.import_from(node.module or "", node.level or 0, names, node.lineno, node.col_offset)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node)
        elif isinstance(node, ast.ClassDef):
            for dec in node.decorator_list:
                b.expr(self.expr(dec))
            for kw in node.keywords:
                b.expr(self.expr(kw.value))
            bases = tuple(self.expr(base) for base in node.bases)
            for base in bases:
                b.expr(base)
            b.begin_class(node.name, bases, node.lineno, node.col_offset)
            self.body(node.body)
            b.end_class()
        elif isinstance(node, ast.Return):
            b.return_(self.expr(node.value) if node.value is not None else None)
        elif isinstance(node, (ast.If, ast.While)):
            b.expr(self.expr(node.test))
            with b.conditional():
                self.body(node.body)
                self.body(node.orelse)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterable = self.expr(node.iter)
            b.expr(iterable)
            with b.conditional():
                b.assign_iterated(self.target(node.target), iterable)
                self.body(node.body)
                self.body(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.expr(item.context_expr)
                b.expr(value, assigned=item.optional_vars is not None)
                if item.optional_vars is not None:
                    b.assign(self.target(item.optional_vars), value)
            self.body(node.body)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            with b.conditional():
                self.body(node.body)
                for handler in node.handlers:
                    if handler.type is not None:
                        b.expr(self.expr(handler.type))
                    if handler.name:
                        b.bind_unknown(handler.name)
                    self.body(handler.body)
                self.body(node.orelse)
            self.body(node.finalbody)
        elif isinstance(node, ast.AnnAssign):
            b.expr(self.expr(node.annotation), typing=True)
            if node.value is not None:
                value = self.expr(node.value)
                b.expr(value, assigned=True)
                b.assign(self.target(node.target), value)
        elif isinstance(node, ast.AugAssign):
            b.expr(self.expr(node.value))
        elif isinstance(node, ast.Global):
            b.declare_global(list(node.names))
        elif isinstance(node, ast.Match):
            b.expr(self.expr(node.subject))
            with b.conditional():
                for case in node.cases:
                    self.body(case.body)
        else:   # Raise, Assert, Delete, Pass, ...: only their expressions
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    b.expr(self.expr(child))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        b = self.b
        for dec in node.decorator_list:
            b.expr(self.expr(dec))
        args = node.args
        defaults: dict[str, ir.Expr] = {}
        positional = (*args.posonlyargs, *args.args)
        pairs = [*zip(positional[len(positional) - len(args.defaults):], args.defaults),
                 *zip(args.kwonlyargs, args.kw_defaults)]
        for param, default in pairs:
            if default is not None:
                defaults[param.arg] = value = self.expr(default)
                b.expr(value)
        for annotation in _annotations(node):
            b.expr(self.expr(annotation), typing=True)
        b.begin_function(node.name, _params(args), defaults)
        self.body(node.body)
        b.end_function()

    def target(self, node: ast.expr) -> ir.Expr:
        if isinstance(node, (ast.Tuple, ast.List)):
            return ir.Seq(node.lineno, node.col_offset, tuple(self.target(e) for e in node.elts))
        if isinstance(node, ast.Starred):
            return self.target(node.value)
        return self.expr(node)

    # -- expressions ------------------------------------------------------
    def expr(self, node: ast.expr) -> ir.Expr:
        handler = self._expr.get(type(node))
        if handler is not None:
            return handler(node)
        kids = tuple(self.expr(c) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            kids += tuple(self.expr(c) for g in node.generators for c in (g.iter, *g.ifs))
        return ir.Opaque(node.lineno, node.col_offset, kids)

    def _name(self, n: ast.Name) -> ir.Expr:
        return ir.Name(n.lineno, n.col_offset, n.id)

    def _attr(self, n: ast.Attribute) -> ir.Expr:
        return ir.Attr(n.lineno, n.col_offset, self.expr(n.value), n.attr)

    def _call(self, n: ast.Call) -> ir.Expr:
        return ir.Call(n.lineno, n.col_offset, self.expr(n.func),
                       tuple(self.expr(a) for a in n.args),
                       tuple((k.arg, self.expr(k.value)) for k in n.keywords))

    def _const(self, n: ast.Constant) -> ir.Expr:
        return ir.Const(n.lineno, n.col_offset, n.value)

    def _binop(self, n: ast.BinOp) -> ir.Expr:
        return ir.BinOp(n.lineno, n.col_offset, _BINOPS.get(type(n.op), "?"),
                        self.expr(n.left), self.expr(n.right))

    def _boolop(self, n: ast.BoolOp) -> ir.Expr:
        return ir.Choice(n.lineno, n.col_offset, tuple(self.expr(v) for v in n.values))

    def _ifexp(self, n: ast.IfExp) -> ir.Expr:
        return ir.Choice(n.lineno, n.col_offset, (self.expr(n.body), self.expr(n.orelse)),
                         (self.expr(n.test),))

    def _seq(self, n: ast.Tuple | ast.List) -> ir.Expr:
        return ir.Seq(n.lineno, n.col_offset, tuple(self.expr(e) for e in n.elts))

    def _slice(self, n: ast.Slice) -> ir.Expr:
        def part(p: ast.expr | None) -> ir.Expr | None:
            return self.expr(p) if p is not None else None

        return ir.Slice(n.lineno, n.col_offset, part(n.lower), part(n.upper), part(n.step))

    def _dict(self, n: ast.Dict) -> ir.Expr:
        return ir.Dict(n.lineno, n.col_offset, tuple(self.expr(k) if k is not None else None for k in n.keys),
                       tuple(self.expr(v) for v in n.values))

    def _fstring(self, n: ast.JoinedStr) -> ir.Expr:
        parts: list[ir.Expr] = []
        for v in n.values:
            if isinstance(v, ast.FormattedValue):
                inner = self.expr(v.value)
                plain = v.conversion == -1 and v.format_spec is None
                parts.append(inner if plain else ir.Opaque(inner.line, inner.col, (inner,)))
            else:
                parts.append(self.expr(v))
        return ir.FStr(n.lineno, n.col_offset, tuple(parts))

    def _unary(self, n: ast.UnaryOp) -> ir.Expr:
        operand = self.expr(n.operand)
        if isinstance(n.op, ast.USub) and isinstance(operand, ir.Const) \
                and type(operand.value) in (int, float):
            return ir.Const(n.lineno, n.col_offset, -operand.value)  # type: ignore[operator]
        return ir.Opaque(n.lineno, n.col_offset, (operand,))

    def _walrus(self, n: ast.NamedExpr) -> ir.Expr:
        value = self.expr(n.value)
        self.b.expr(value, assigned=True)
        self.b.assign(ir.Name(n.target.lineno, n.target.col_offset, n.target.id), value)
        return ir.Name(n.target.lineno, n.target.col_offset, n.target.id)

    def _lambda(self, n: ast.Lambda) -> ir.Expr:
        defaults = tuple(self.expr(d) for d in (*n.args.defaults, *(d for d in n.args.kw_defaults if d)))
        self.b.begin_function(None, _params(n.args))
        self.b.return_(self.expr(n.body))
        self.b.end_function()
        return ir.Opaque(n.lineno, n.col_offset, defaults)


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    args = node.args
    every = (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
    found = [a.annotation for a in every if a is not None and a.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def _params(args: ast.arguments) -> list[str]:
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def convert(node: ast.expr, builder: Builder) -> ir.Expr:
    """One expression in the common form (tree-sitter hands f-strings over to this)."""
    return _Converter(builder).expr(node)


def build(tree: ast.Module, builder: Builder) -> None:
    """Report every statement of ``tree`` to ``builder``."""
    _Converter(builder).body(tree.body)


def build_imports(tree: ast.Module, builder: Builder) -> None:
    """Report only the imports (with their scopes): for files that name no catalogued module.

    Such a file can only give "imports a client library" findings; skipping
    its expressions keeps the cost of large code bases low.
    """

    def body(stmts: list[ast.stmt]) -> None:
        for node in stmts:
            builder.stmt()
            if isinstance(node, ast.Import):
                for alias in node.names:
                    builder.import_(alias.name, alias.asname, node.lineno, node.col_offset)
            elif isinstance(node, ast.ImportFrom):
                names = [(a.name, a.asname) for a in node.names]
                builder.import_from(node.module or "", node.level or 0, names, node.lineno, node.col_offset)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                builder.begin_function(node.name, [])
                body(node.body)
                builder.end_function()
            elif isinstance(node, ast.ClassDef):
                builder.begin_class(node.name, (), node.lineno, node.col_offset)
                body(node.body)
                builder.end_class()
            elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith,
                                   ast.Try, getattr(ast, "TryStar", ast.Try))):
                body(node.body)
                body(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    body(handler.body)
                body(getattr(node, "finalbody", []))
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    body(case.body)

    body(tree.body)


def simple_expression(node: ast.expr, line: int, col: int, depth: int = 0) -> ir.Expr | None:
    """IR for a small expression read out of a string, placed at the ``eval`` call that reads it."""
    if depth > 12:
        return None
    if isinstance(node, ast.Name):
        return ir.Name(line, col, node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, bytes)):
        return ir.Const(line, col, node.value)
    if isinstance(node, ast.Attribute):
        base = simple_expression(node.value, line, col, depth + 1)
        return ir.Attr(line, col, base, node.attr) if base is not None else None
    if isinstance(node, ast.Call) and not node.keywords:
        func = simple_expression(node.func, line, col, depth + 1)
        args = [simple_expression(a, line, col, depth + 1) for a in node.args]
        if func is None or any(a is None for a in args):
            return None
        return ir.Call(line, col, func, tuple(args), ())      # type: ignore[arg-type]
    return None
