"""Calls of hidden loaders, raw bindings and code sinks (the ``SpecialValue``s).

`module.require(n)`, `require.call(this, n)`, `createRequire(u)(n)`,
`Module._load(n)`, an aliased `r(n)`: the name is folded and loaded as a
plain `require` would (``_FilePass.load``).  `process.binding('tcp_wrap')`
is a raw socket with no `net` in sight: a network finding of its own.
`eval`, `Function`, `vm.*`, `_compile` and string timers run their
argument: a constant that names `require` or the global object gives that
value back; any other constant is a payload, parsed and analysed
(``payload.py``); a non-constant is a dynamic-code finding.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tree_sitter import Node

from egress.model import Capability, Confidence, FindingKind

from .bindings import unwrap
from .fold import PAYLOAD_BUDGET, fold_detail
from .payload import run_payload
from .shellout import launch_call
from .special import (
    BINDING, CODE, CREATE_REQUIRE, FUNCTION, LAUNCH, LAUNCHER, LOADER, LOADER_APPLY, LOADER_CALL, MODULE_CLASS,
    MODULE_OBJECT, RETURNS, SpecialValue,
)
from .values import GlobalObject, Value

if TYPE_CHECKING:
    from .analyzer import _FilePass

#: Internal bindings that are raw network sockets or resolvers.
RAW_BINDINGS = frozenset({"tcp_wrap", "tcp_stream", "udp_wrap", "cares_wrap", "tls_wrap"})
_GLOBAL_OBJECTS = frozenset({"this", "globalThis", "global", "window", "self"})
_RETURN = re.compile(r"^\s*return\s+([A-Za-z_$][\w$]*)\s*;?\s*$")
#: Timers run a string argument as code; only string-looking arguments are reported.
_TIMERS = frozenset({"setTimeout", "setInterval"})
_STRINGISH = frozenset({"string", "template_string", "binary_expression"})


def special_call(fp: "_FilePass", call: Node, value: SpecialValue, construct: bool) -> tuple[Value, ...]:
    """What calling (or constructing) a special value gives, recording findings on the way."""
    kind = value.kind
    args = _arguments(call)
    if kind in (LOADER, LOADER_CALL, LOADER_APPLY) and not construct:
        arg = _loader_argument(kind, args)
        loaded = fp.load(call, arg, value.label, value) if arg is not None else None
        return (loaded,) if loaded is not None else ()
    if kind == CREATE_REQUIRE and not construct:
        return (SpecialValue(LOADER, "createRequire()", value.trace, value.origin, value.note),)
    if kind == MODULE_CLASS and construct:
        return (SpecialValue(MODULE_OBJECT, "new Module()", value.trace, value.origin, value.note),)
    if kind == RETURNS and not construct and isinstance(value.result, tuple):
        return value.result
    if kind == BINDING and not construct:
        _binding(fp, call, value, args[0] if args else None)
        return ()
    if kind in (CODE, FUNCTION):
        return _code(fp, call, value, args)
    if kind in (LAUNCH, LAUNCHER):
        return launch_call(fp, call, value, construct)       # child_process, worker_threads: shellout.py
    return ()


def _loader_argument(kind: str, args: list[Node]) -> Node | None:
    if kind == LOADER:
        return args[0] if args else None
    if kind == LOADER_CALL:
        return args[1] if len(args) > 1 else None
    if len(args) > 1 and args[1].type == "array":
        items = [c for c in args[1].named_children if c.type != "comment"]
        return items[0] if items else None
    return None


def _binding(fp: "_FilePass", call: Node, value: SpecialValue, arg: Node | None) -> None:
    folded = fold_detail(arg, fp.constant) if arg is not None else None
    if folded is None or folded.value is None:
        if arg is not None:
            fp.dynamic(call, FindingKind.DYNAMIC_REQUIRE, value.label, Confidence.LOW,
                       f"{value.label}({fp.source.text(arg, 80)})", folded is not None and folded.exceeded)
        return
    if folded.value in RAW_BINDINGS:
        api = f"{value.label}('{folded.value}')"
        how = fp.describe(arg, folded)
        fp.add(call, FindingKind.NETWORK, api, "process", Capability.CONNECT, Confidence.HIGH,
               note="; ".join(n for n in ("raw socket binding", how) if n), export=True)


def _code(fp: "_FilePass", call: Node, value: SpecialValue, args: list[Node]) -> tuple[Value, ...]:
    args = args[value.skip:]
    if not args:
        return ()
    is_function = value.kind == FUNCTION
    is_timer = value.label.split(".")[0] in _TIMERS     # `setTimeout.call(null, fn, 0)` too
    arg = args[-1] if is_function else args[0]
    if is_timer and arg.type not in _STRINGISH:
        return ()                      # a callback, the usual case: not code generation
    folded = fold_detail(arg, fp.constant, PAYLOAD_BUDGET)
    label = f"new {value.label}" if is_function and call.type == "new_expression" else value.label
    if folded.value is None:
        fp.dynamic(call, FindingKind.DYNAMIC_CODE, label, Confidence.MEDIUM,
                   f"{label}({fp.source.text(arg, 80)})", folded.exceeded)
        return ()
    text = folded.value
    if not is_function and value.label.split(".")[0] == "eval":
        stripped = text.strip().rstrip(";").strip()
        if stripped == "require":
            return (SpecialValue(LOADER, "eval('require')", value.trace, call.start_byte),)
        if stripped in _GLOBAL_OBJECTS:
            return (_global_object(fp, call, f"eval('{stripped}')"),)
    if is_function and (match := _RETURN.match(text)) is not None:
        name = match.group(1)
        if name == "require":
            result: tuple = (SpecialValue(LOADER, f"{label}('return require')()", value.trace, call.start_byte),)
            return (SpecialValue(RETURNS, label, value.trace, call.start_byte, result=result),)
        if name in _GLOBAL_OBJECTS:
            result = (_global_object(fp, call, f"{label}('return {name}')()"),)
            return (SpecialValue(RETURNS, label, value.trace, call.start_byte, result=result),)
    if is_function:
        text = _bound_parameters(fp, call, args[:-1]) + text
    run_payload(fp, call, text, folded.how, label)
    return ()


_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


def _bound_parameters(fp: "_FilePass", call: Node, params: list[Node]) -> str:
    """`Function('r', code)(require)`: the payload sees `r` as `require`, so it is bound first.

    Only plain names handed straight to the new function are bound (`require`, `module`,
    `process`…), on the payload's first line so its line numbers stay the same.
    """
    invocations = _invocations(fp, call)
    if not invocations:
        return ""
    names: list[str] = []
    for param in params:
        folded = fold_detail(param, fp.constant, PAYLOAD_BUDGET).value
        names += [n.strip() for n in folded.split(",")] if isinstance(folded, str) else [""]
    bound: dict[str, str] = {}
    for invocation in invocations:       # the first plain name passed at each position is bound
        passed = _arguments(invocation)
        for name, arg in zip(names, passed):
            if _IDENT.match(name) and arg.type == "identifier" and arg.text and arg.text.decode() != name:
                bound.setdefault(name, f"var {name} = {arg.text.decode()};")
    return " ".join(bound.values()) + (" " if bound else "")


def _invocations(fp: "_FilePass", call: Node) -> list[Node]:
    """Calls of the function a `Function(…)` call makes: in place, or through the constant it is stored in."""
    parent = call.parent
    if parent is not None and parent.type == "call_expression" and parent.child_by_field_name("function") == call:
        return [parent]
    if parent is None or parent.type != "variable_declarator" or parent.child_by_field_name("value") != call:
        return []
    name = parent.child_by_field_name("name")
    decl = fp.index.declaration_at(name) if name is not None and name.type == "identifier" else None
    if decl is None:
        return []
    calls = []
    for ref in fp.index.references_to(decl, name.text.decode("utf-8", "replace")):
        holder = ref.parent
        if holder is not None and holder.type == "call_expression" and holder.child_by_field_name("function") == ref:
            calls.append(holder)
    return calls


def _global_object(fp: "_FilePass", call: Node, how: str) -> GlobalObject:
    step = fp.source.step(call, f"global object from {how}")
    return GlobalObject("globalThis", (), (step,), call.start_byte, f"global object from {how}")


def _arguments(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None or arguments.type != "arguments":
        return []
    return [c for c in arguments.named_children if c.type != "comment"]


_FUNCTION_LITERALS = frozenset({
    "function_expression", "function", "arrow_function", "generator_function", "class",
})


def function_constructors(root: Node, data: bytes, bindings) -> list[Node]:
    """`.constructor` accesses that give the Function constructor (or its async/generator kin).

    Any function's constructor is `Function`: `(() => {}).constructor`, `f.constructor`
    for a local function `f`, `X.constructor.constructor` (a constructor's constructor),
    and `Object.getPrototypeOf(async function () {}).constructor`.  Each makes code
    from a string as `Function(…)` does, so the caller climbs from it as from `Function`.
    """
    found: list[Node] = []
    needle, pos = b"constructor", 0
    while (pos := data.find(needle, pos)) >= 0:
        start, pos = pos, pos + len(needle)
        prop = root.descendant_for_byte_range(start, pos)
        if prop is None or prop.type != "property_identifier" or prop.start_byte != start or prop.end_byte != pos:
            continue
        member = prop.parent
        if member is None or member.type != "member_expression" or member.child_by_field_name("property") != prop:
            continue
        obj = member.child_by_field_name("object")
        if obj is not None and _makes_functions(unwrap(obj), bindings):
            found.append(member)
    return found


def _makes_functions(obj: Node, bindings) -> bool:
    """Whether `obj.constructor` is the Function constructor: `obj` is a function, or a function's prototype."""
    if obj.type in _FUNCTION_LITERALS:
        return True
    if obj.type == "member_expression":
        prop = obj.child_by_field_name("property")
        return prop is not None and prop.text == b"constructor"      # a constructor is a function
    if obj.type == "identifier":
        return bindings.local_function(obj) is not None
    if obj.type == "call_expression":                # Object.getPrototypeOf(async function () {})
        callee = obj.child_by_field_name("function")
        args = _arguments(obj)
        return (callee is not None and callee.type == "member_expression" and len(args) == 1
                and (callee.child_by_field_name("property") or obj).text == b"getPrototypeOf"
                and unwrap(args[0]).type in _FUNCTION_LITERALS)
    return False
