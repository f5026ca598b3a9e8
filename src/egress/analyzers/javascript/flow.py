"""Follow network values from where they enter a file to where they are used.

A value (``values.py``) starts at an import site or a free global name and
climbs the syntax tree: through parentheses, ternaries, `||`, `await`,
TypeScript casts and interop wrappers (`__importDefault(require('x'))`),
member accesses (`https.request`), calls and `new`.  A call or `new` of a
network API is a finding; its result may be an object of a catalog class
(`new net.Socket()`) that climbs on.  When a value reaches a binding
(`const send = …`, `x = …`, `this.socket = …`) it is queued, and every
reference that resolves to that binding (``scope.py``), or every use of
the same member path in the file, climbs again with the trace step of the
binding.  Values are deduplicated per binding and the total work is
budgeted, so cycles and huge bundles stay bounded.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Callable, Iterable

from tree_sitter import Node

from egress.catalog import Catalog
from egress.model import Capability, Confidence, Finding, FindingKind, LocalUse

from .bindings import Bindings
from .fold import describe, fold, fold_detail
from .interproc import (
    argument_position, called_function, destructured_element, enclosing_function, function_calls, getter_path,
    parameter,
)
from .location import SourceText, in_function
from .scope import Declaration, NameIndex
from .shellout import promisified
from .special import LocalValue, SpecialValue
from .syntax import is_field as _is, is_interop as _is_interop, is_static as _is_static, member_path
from .syntax import operation_node as _operation_node, text as _text
from .values import (
    BINDER, GlobalObject, GlobalValue, MethodValue, ModuleValue, Use, Value, call_result, call_use,
    member, with_step,
)

#: The analyzer's answers for what the flow cannot decide alone (``hidden.py``, ``crossfile.py``).
SpecialCall = Callable[[Node, SpecialValue, bool], tuple]
ExportHook = Callable[[Node, tuple], bool]
DynamicHook = Callable[[Node, Value, bool], None]   # node, value, fold budget exceeded
_EXPORT_PATHS = ("module.exports", "exports.")
_EXCEEDED = "fold budget exceeded"

#: Wrappers that only re-shape a value: parentheses, `await`, TypeScript casts.
_PASSTHROUGH = frozenset({
    "parenthesized_expression", "await_expression", "as_expression", "non_null_expression",
    "satisfies_expression", "type_assertion",
})
_SHORT_CIRCUIT = frozenset({"||", "&&", "??"})
#: Places where a value leaves the file's view: passed, returned, stored in a literal.
_ESCAPES = frozenset({
    "return_statement", "pair", "array", "spread_element", "export_statement", "object",
    "arrow_function", "yield_expression",
})
MAX_STEPS = 200_000



class FileFlow:
    """The values, bindings and findings of one file."""

    def __init__(self, catalog: Catalog, source: SourceText, index: NameIndex,
                 constant: Callable[[Node], Node | None]) -> None:
        self.catalog = catalog
        self.source = source
        self.index = index
        self.constant = constant
        self.findings: dict[tuple, Finding] = {}
        self.used_origins: set[int] = set()
        self.exposures: dict[int, set[str | None]] = {}
        self.escaped_globals: dict[int, str] = {}   # origin -> global stored or passed on
        self._bound: dict[object, dict[tuple, Value]] = {}
        self._queue: deque[tuple[object, str, tuple[Value, ...]]] = deque()
        self._path_refs: dict[str, list[Node]] = {}
        self._merged: dict[int, set[int]] = {}      # origin -> origins deduplicated into it
        self._steps = 0
        self.exhausted = False                      # the work budget ran out: findings may be missing
        self.finding_nodes: dict[tuple, Node] = {}  # finding key -> node it is reported at
        self.local_uses: list[tuple[Node, LocalUse]] = []
        self.local_calls: list[Node | None] = []    # the call of each local use (None: handed on)
        self.on_special: SpecialCall | None = None
        self.on_export: ExportHook | None = None
        self.on_dynamic: DynamicHook | None = None
        self._bindings: Bindings | None = None
        self._returned: set[tuple[int, int, object]] = set()   # (function, call, value) climbed out once

    # -- entry points --------------------------------------------------
    def climb(self, node: Node, values: Iterable[Value]) -> None:
        """Move `values`, held by `node`, up the tree until they stop or bind."""
        vals = tuple(values)
        while vals:
            self._steps += 1
            if self._steps > MAX_STEPS:
                self.exhausted = True
                return
            parent = node.parent
            if parent is None:
                return self._stop(vals)
            kind = parent.type
            if kind in _PASSTHROUGH:
                if kind == "await_expression":
                    vals = tuple(replace(v, promised=False) if isinstance(v, ModuleValue) else v for v in vals)
                node = parent
            elif kind == "ternary_expression":
                if _is(parent, "condition", node):
                    return self._stop(vals)
                node = parent
            elif kind == "binary_expression":
                operator = parent.child_by_field_name("operator")
                if operator is None or operator.type not in _SHORT_CIRCUIT:
                    return self._stop(vals)
                node = parent
            elif kind == "sequence_expression":
                if parent.named_children[-1] != node:
                    return self._stop(vals)
                node = parent
            elif kind in ("member_expression", "subscript_expression"):
                if not _is(parent, "object", node):
                    return self._stop(vals)
                vals, node = self._member(parent, vals)
            elif kind == "call_expression":
                if not _is(parent, "function", node):
                    return self._stop(vals)
                vals, node = self._call(parent, vals, construct=False), parent
            elif kind == "new_expression":
                if not _is(parent, "constructor", node):
                    return self._stop(vals)
                vals, node = self._call(parent, vals, construct=True), parent
            elif kind == "arguments":
                call = parent.parent
                first = parent.named_children[:1] == [node]
                if call is not None and _is_interop(call) and first:
                    node = call
                elif call is not None and first and (reflect := self._reflect(call)) is not None:
                    vals, node = self._reflected(call, reflect, vals), call
                elif call is not None and first and promisified(call, vals):
                    node = call                 # `util.promisify(exec)` still runs commands (shellout.py)
                else:
                    self._into_parameter(parent, node, vals)
                    return self._escape(node, vals)
            elif kind == "return_statement" or kind == "arrow_function" and _is(parent, "body", node):
                self._out_of_function(node, vals)
                return self._escape(node, vals)
            elif kind == "variable_declarator":
                if _is(parent, "value", node):
                    holder = parent.parent.parent if parent.parent is not None else None
                    if holder is not None and holder.type == "export_statement":
                        self._exported(node, vals)
                    self._bind_pattern(parent.child_by_field_name("name"), vals)
                    return None
                return self._stop(vals)
            elif kind == "assignment_expression":
                if not _is(parent, "right", node):
                    return self._stop(vals)
                left = parent.child_by_field_name("left")
                if left is not None and _text(left).startswith(_EXPORT_PATHS):
                    self._exported(node, vals)
                self._assign(left, vals)
                node = parent
            elif kind == "pair" and _is(parent, "value", node) and self._pair_path(parent) is not None:
                path = self._pair_path(parent)
                self._enqueue(("path", path), path, vals, parent)
                return self._escape(node, vals)
            elif kind in ("field_definition", "public_field_definition"):
                # `class A { socket = new net.Socket() }` is `this.socket = …`
                prop = parent.child_by_field_name("property") or parent.child_by_field_name("name")
                if not _is(parent, "value", node) or prop is None or _is_static(parent):
                    return self._stop(vals)
                path = f"this.{_text(prop)}"
                self._enqueue(("path", path), path, vals, prop)
                return None
            elif kind == "array" and (target := destructured_element(parent, node)) is not None:
                # `const [fs, https] = [require('fs'), require('https')]`, `[, net] = [a, require('net')]`
                if parent.parent is not None and parent.parent.type == "assignment_expression":
                    self._assign(target, vals)
                else:
                    self._bind_pattern(target, vals)
                return self._escape(node, vals)
            elif kind in _ESCAPES:
                return self._escape(node, vals)
            else:
                return self._stop(vals)
        return None

    def bind(self, ident: Node, values: Iterable[Value]) -> None:
        """Bind values to a declared identifier (an ESM import binding)."""
        self._bind_pattern(ident, tuple(values))

    def run(self) -> None:
        """Drain the queue of bindings: climb from every reference of each."""
        while self._queue and self._steps <= MAX_STEPS:
            key, name, values = self._queue.popleft()
            for ref in self._references(key, name):
                self.climb(ref, values)

    # -- climbing steps ------------------------------------------------
    def _member(self, parent: Node, vals: tuple[Value, ...]) -> tuple[tuple[Value, ...], Node]:
        name, note = self._property_name(parent)
        grand = parent.parent
        if name is None and self.on_dynamic is not None:
            for value in vals:
                if isinstance(value, GlobalObject) or isinstance(value, ModuleValue) and not value.path:
                    self._use(value.origin)
                    self.on_dynamic(parent, value, note == _EXCEEDED)
        if name is None or (grand is not None and grand.type == "assignment_expression" and _is(grand, "left", parent)):
            self._stop(vals)
            return (), parent
        if note:
            vals = tuple(replace(v, note=_join(v.note, note)) for v in vals)
        if grand is not None and grand.type == "call_expression" and _is(grand, "function", parent):
            if name == "then" and any(isinstance(v, ModuleValue) and v.promised for v in vals):
                self._then(grand, vals)
                return (), parent
            if name == BINDER:
                return vals, grand          # `fetch.bind(x)` is still fetch
        result: list[Value] = []
        for value in vals:
            got = member(self.catalog, value, name)
            if got is None:
                self._expose(value)
            else:
                result.append(got)
        return tuple(result), parent

    def _property_name(self, node: Node) -> tuple[str | None, str]:
        """The member name, and how it was folded when computed (`globalThis['fe'+'tch']`)."""
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            return (prop.text.decode("utf-8", "replace") if prop is not None and prop.text else None), ""
        index = node.child_by_field_name("index")
        if index is None:
            return None, ""
        folded = fold_detail(index, self.constant)
        if folded.exceeded:
            return None, _EXCEEDED
        return folded.value, describe(index, folded, self.source.text(index, 60))

    def _reflect(self, call: Node) -> str | None:
        """`Reflect.get(obj, name)` / `Reflect.apply(fn, this, args)` with the global `Reflect`."""
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            return None
        obj = callee.child_by_field_name("object")
        method = _text(callee.child_by_field_name("property"))
        if obj is None or obj.type != "identifier" or _text(obj) != "Reflect" or method not in ("get", "apply"):
            return None
        return method if self.index.resolve(obj, "Reflect") is None else None

    def _reflected(self, call: Node, method: str, vals: tuple[Value, ...]) -> tuple[Value, ...]:
        if method == "apply":
            return self._call(call, vals, construct=False)
        arguments = call.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        folded = fold_detail(args[1], self.constant) if len(args) > 1 else None
        if folded is None or folded.value is None:
            self._stop(vals)
            return ()
        note = describe(args[1], folded, self.source.text(args[1], 60))
        return tuple(replace(v, note=_join(v.note, note)) for v in self._members(vals, folded.value, False))

    def _pair_path(self, pair: Node) -> str | None:
        """`const o = {r: require}`: the pair is `o.r`."""
        obj = pair.parent
        decl = obj.parent if obj is not None else None
        key = pair.child_by_field_name("key")
        if decl is None or decl.type != "variable_declarator" or key is None or key.type != "property_identifier":
            return None
        name = decl.child_by_field_name("name")
        if name is None or name.type != "identifier" or not _is(decl, "value", obj):
            return None
        return f"{_text(name)}.{_text(key)}"

    def _exported(self, node: Node, vals: tuple[Value, ...]) -> None:
        """A value assigned to `exports.x` / `module.exports` or declared by `export const`."""
        if self.on_export is None or not self.on_export(node, vals):
            return
        for value in vals:
            if isinstance(value, MethodValue) or isinstance(value, ModuleValue) and value.path:
                use = call_use(self.catalog, value, construct=False)
                if use is not None:
                    self._emit_reference(node, value, use)

    def _call(self, call: Node, vals: tuple[Value, ...], construct: bool) -> tuple[Value, ...]:
        results: list[Value] = []
        for value in vals:
            if isinstance(value, SpecialValue):
                if self.on_special is not None:
                    results.extend(self.on_special(call, value, construct))
                continue
            if isinstance(value, LocalValue):
                self._local_use(_operation_node(call), value, called=True, call=call)
                if construct and value.attribute is None:
                    results.append(value)       # `new Client().get()`: the instance's methods
                continue
            self._expose(value)
            use = call_use(self.catalog, value, construct)
            if use is not None:
                self._emit(call, value, use)
            result = call_result(self.catalog, value)
            if result is not None:
                note = f"new {value.label}()" if construct else f"{value.label}() returns {result.label}"
                results.append(with_step(result, self.source.step(_operation_node(call), note)))
        return tuple(results)

    def _local_bindings(self) -> Bindings:
        if self._bindings is None:
            self._bindings = Bindings(self.index, self.constant)
        return self._bindings

    def _into_parameter(self, arguments: Node, node: Node, vals: tuple[Value, ...]) -> None:
        """`go(require('https'))` with a local `function go(m)`: `m` holds the module (``interproc``)."""
        call = arguments.parent
        fn = called_function(call, self._local_bindings()) if call is not None else None
        position = argument_position(arguments, node) if fn is not None else None
        pattern = parameter(fn, position) if position is not None else None
        if pattern is not None:
            self._bind_pattern(pattern, tuple(with_step(v, self.source.step(node, f"{v.label} passed to a local function"))
                                              for v in vals))

    def _out_of_function(self, node: Node, vals: tuple[Value, ...]) -> None:
        """`return require('https')` in a local function: each call of it holds the module."""
        fn = enclosing_function(node)
        if fn is None:
            return
        if (path := getter_path(fn)) is not None:      # `const o = {get m() {return require('https')}}`: `o.m`
            self._enqueue(("path", path), path, vals, fn)
            return
        for call in function_calls(fn, self._local_bindings()):
            fresh = tuple(v for v in vals if (fn.start_byte, call.start_byte, v.key) not in self._returned)
            if not fresh:
                continue
            self._returned.update((fn.start_byte, call.start_byte, v.key) for v in fresh)
            self.climb(call, tuple(with_step(v, self.source.step(call, f"{v.label} returned by a local function"))
                                   for v in fresh))

    def _then(self, call: Node, vals: tuple[Value, ...]) -> None:
        """`import('https').then(m => m.request(...))`: bind the callback's parameter."""
        arguments = call.child_by_field_name("arguments")
        args = arguments.named_children if arguments is not None else []
        if not args or args[0].type not in ("arrow_function", "function_expression", "function"):
            return
        fn = args[0]
        param = fn.child_by_field_name("parameter")
        if param is None:
            params = fn.child_by_field_name("parameters")
            named = params.named_children if params is not None else []
            param = named[0] if named else None
        if param is not None and param.type in ("required_parameter", "optional_parameter"):
            param = param.child_by_field_name("pattern")
        if param is not None:
            resolved = tuple(replace(v, promised=False) for v in vals if isinstance(v, ModuleValue))
            self._bind_pattern(param, resolved)

    # -- bindings ------------------------------------------------------
    def _bind_pattern(self, pattern: Node | None, vals: tuple[Value, ...]) -> None:
        if pattern is None or not vals:
            return
        kind = pattern.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            decl = self._declaration_of(pattern)
            if decl is None:
                return self._stop(vals)
            self._enqueue(decl.key, _text(pattern), vals, pattern)
        elif kind == "object_pattern":
            for child in pattern.named_children:
                if child.type == "pair_pattern":
                    key = child.child_by_field_name("key")
                    name = fold(key, self.constant) if key is not None and key.type != "property_identifier" else _text(key)
                    if name:
                        self._bind_pattern(child.child_by_field_name("value"), self._members(vals, name, True))
                elif child.type == "shorthand_property_identifier_pattern":
                    self._bind_pattern(child, self._members(vals, _text(child), True))
                elif child.type == "object_assignment_pattern":
                    left = child.child_by_field_name("left")
                    if left is not None:
                        self._bind_pattern(left, self._members(vals, _text(left), True))
        elif kind == "assignment_pattern":
            self._bind_pattern(pattern.child_by_field_name("left"), vals)
        else:
            self._stop(vals)

    def _members(self, vals: tuple[Value, ...], name: str, destructured: bool) -> tuple[Value, ...]:
        out = []
        for value in vals:
            got = member(self.catalog, value, name, destructured)
            if got is None:
                self._expose(value)
            else:
                out.append(got)
        return tuple(out)

    def _assign(self, left: Node | None, vals: tuple[Value, ...]) -> None:
        if left is None:
            return
        if left.type == "identifier":
            name = _text(left)
            decl = self.index.resolve(left, name)
            key: object = self.index.canonical(decl).key if decl is not None else ("free", name)
            self._enqueue(key, name, vals, left)
        elif left.type == "member_expression":
            path = member_path(left)
            if path is None:
                return self._stop(vals)
            if path.startswith(_EXPORT_PATHS):
                # what a file exports of its local modules is a fact for the linker, not read back here
                vals = tuple(v for v in vals if not isinstance(v, LocalValue))
            if vals:
                self._enqueue(("path", path), path, vals, left)
        else:
            self._stop(vals)

    def _declaration_of(self, ident: Node) -> Declaration | None:
        return self.index.declaration_at(ident)

    def _enqueue(self, key: object, name: str, vals: tuple[Value, ...], at: Node) -> None:
        store = self._bound.setdefault(key, {})
        fresh: list[Value] = []
        for value in vals:
            self._expose(value)
            if isinstance(value, GlobalValue):
                self.escaped_globals.setdefault(value.origin, value.name)
            if value.key in store:
                kept = store[value.key].origin
                if kept != value.origin:
                    self._merged.setdefault(kept, set()).add(value.origin)
                    if kept in self.used_origins:
                        self._use(value.origin)
                continue
            stepped = with_step(value, self.source.step(at, f"{value.label} taken as {name}"))
            store[value.key] = stepped
            fresh.append(stepped)
        if fresh:
            self._queue.append((key, name, tuple(fresh)))

    def _references(self, key: object, name: str) -> list[Node]:
        if isinstance(key, tuple) and key[0] == "path":
            return self._path_references(name)
        if isinstance(key, tuple):            # an undeclared (implicitly global) name
            return self.index.free_references(name)
        return self.index.references_of(key, name)

    def _path_references(self, path: str) -> list[Node]:
        """Every read of a member path such as `this.socket` in the file."""
        found = self._path_refs.get(path)
        if found is not None:
            return found
        found = []
        prop = path.rsplit(".", 1)[-1]
        data, needle, pos = self.source.data, prop.encode("utf-8"), 0
        root = self.index.root
        while (pos := data.find(needle, pos)) >= 0:
            start, pos = pos, pos + len(needle)
            node = root.descendant_for_byte_range(start, pos)
            if node is None or node.type not in ("property_identifier", "private_property_identifier"):
                continue
            parent = node.parent
            if parent is None or parent.type != "member_expression" or member_path(parent) != path:
                continue
            grand = parent.parent
            if grand is not None and grand.type == "assignment_expression" and _is(grand, "left", parent):
                continue
            found.append(parent)
        self._path_refs[path] = found
        return found

    # -- outcomes ------------------------------------------------------
    def _emit(self, node: Node, value: Value, use: Use) -> None:
        """A call or `new` that performs the operation: high, medium for a bare socket object."""
        confidence = Confidence.MEDIUM if use.capability is Capability.SOCKET else Confidence.HIGH
        self._record(_operation_node(node), value, use, confidence, "")

    def _emit_reference(self, node: Node, value: Value, use: Use) -> None:
        """A network function handed on, to be called elsewhere: medium."""
        self._record(node, value, use, Confidence.MEDIUM, f"{use.api} handed on (not called here)")

    def _record(self, node: Node, value: Value, use: Use, confidence: Confidence, note: str) -> None:
        line, column = self.source.position(node)
        self._use(value.origin)
        key = (use.api, line, column)
        if key in self.findings:
            return
        self.finding_nodes[key] = node
        self.findings[key] = Finding(
            kind=FindingKind.NETWORK, api=use.api, module=use.module, capability=use.capability,
            file=self.source.path, line=line, column=column, snippet=self.source.snippet(node),
            confidence=confidence, in_function=in_function(node), trace=value.trace,
            note=_join(value.note, note),
        )

    def _local_use(self, node: Node, value: LocalValue, called: bool, call: Node | None = None) -> None:
        line, column = self.source.position(node)
        member = value.member if value.member != "default" else None
        self.local_uses.append((node, LocalUse(
            value.specifier, member, line, column, self.source.snippet(node), in_function(node),
            value.attribute, called,
        )))
        self.local_calls.append(call)

    def _use(self, origin: int) -> None:
        """Mark an origin used, with every origin whose identical value was merged into it."""
        pending = [origin]
        while pending:
            current = pending.pop()
            if current not in self.used_origins:
                self.used_origins.add(current)
                pending.extend(self._merged.get(current, ()))

    def _expose(self, value: Value) -> None:
        if isinstance(value, ModuleValue):
            self.exposures.setdefault(value.origin, set()).add(value.path[0] if value.path else None)

    def _stop(self, vals: tuple[Value, ...]) -> None:
        for value in vals:
            self._expose(value)

    def _escape(self, node: Node, vals: tuple[Value, ...]) -> None:
        if self.on_export is not None:
            self.on_export(node, vals)
        for value in vals:
            self._expose(value)
            if isinstance(value, LocalValue):
                self._local_use(node, value, called=False)
            if isinstance(value, GlobalValue):
                self.escaped_globals.setdefault(value.origin, value.name)
            elif isinstance(value, (ModuleValue, MethodValue)) and (
                    not isinstance(value, ModuleValue) or value.path):
                # `return https.request`, `{lookup: dns.lookup}`, `promisify(dns.resolve)`:
                # a network function handed on is network capability, called elsewhere.
                use = call_use(self.catalog, value, construct=False)
                if use is not None:
                    self._emit_reference(node, value, use)


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)
