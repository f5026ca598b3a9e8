"""Constant folding: what a module name, attribute name or code string always is.

Obfuscated loaders build their names at run time (``'soc' + 'ket'``,
``chr(115) + ...``, ``'tekcos'[::-1]``, ``base64.b64decode(...)``).  Each
folder below recognises one such shape and folds its parts through the
context (``ctx.sub``); the first folder that gives a value wins.  A
``Resolve`` maps a name to the expressions it may be bound to (a name folds
only when all of them give one value); a ``Qualify`` says which library
function a callee is (``b64decode`` taken from ``base64``), so that only the
real decoders are applied.  Nothing is executed: every operation is a
known pure function on constants.

A budget (nesting depth, nodes visited, size of any value) bounds the
work: past it the result is ``Folded(exceeded=True)``, which callers
report rather than drop.  ``Folded.steps`` names the techniques used, for
the finding's note.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import zlib
from dataclasses import dataclass
from typing import Callable

from egress.analyzers.python.ir import (
    Attr, BinOp, Call, Const, Dict, Expr, FStr, Name, Seq, Slice, Subscript,
)

Resolve = Callable[[Name], list[Expr] | None]
Qualify = Callable[[Expr], str | None]

MAX_DEPTH = 100
MAX_NODES = 4000
MAX_SIZE = 1 << 20          # bytes/characters of any folded value (payloads included)

#: Steps that decode data (the note says "decoded ..."), as opposed to building a string.
DECODERS = ("base64", "base32", "base16", "base85", "hex", "rot13", "zlib")


class _Exceeded(Exception):
    pass


@dataclass(frozen=True)
class Folded:
    """A fold's outcome: ``value`` (None: not constant) and how it was obtained."""

    value: object = None
    steps: tuple[str, ...] = ()
    exceeded: bool = False

    @property
    def text(self) -> str | None:
        """The value as a name: a str, or ASCII bytes."""
        if isinstance(self.value, str):
            return self.value
        if isinstance(self.value, bytes):
            try:
                return self.value.decode("ascii")
            except UnicodeDecodeError:
                return None
        return None

    @property
    def decoders(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for step in self.steps:
            if step in DECODERS:
                seen.setdefault(step, None)
        return tuple(seen)

    def note(self, source: str) -> str:
        """``decoded base64 → socket`` / ``folded: 'soc' + 'ket' → socket``; "" for a plain constant."""
        if not self.steps or self.text is None:
            return ""
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        if self.decoders:
            return f"decoded {'+'.join(self.decoders)} → {shown}"
        return f"folded: {source} → {shown}"


class _Ctx:
    def __init__(self, resolve: Resolve, qualify: Qualify | None) -> None:
        self.resolve = resolve
        self.qualify_fn = qualify
        self.steps: list[str] = []
        self.depth = 0
        self.nodes = 0
        self.active: set[int] = set()    # bound expressions being folded: ``x = x + 'a'`` is a cycle

    def qualify(self, e: Expr) -> str | None:
        return self.qualify_fn(e) if self.qualify_fn is not None else None

    def sub(self, e: Expr | None) -> object:
        if e is None:
            return None
        self.depth += 1
        self.nodes += 1
        if self.depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise _Exceeded
        try:
            return self._fold(e)
        finally:
            self.depth -= 1

    def _fold(self, e: Expr) -> object:
        if isinstance(e, Name):
            bound = self.resolve(e)
            if not bound or any(id(b) in self.active for b in bound):
                return None
            self.active.update(id(b) for b in bound)
            try:
                values = [self.sub(b) for b in bound]
            finally:
                self.active.difference_update(id(b) for b in bound)
            first = values[0]
            return first if first is not None and all(v == first for v in values[1:]) else None
        for folder in FOLDERS:
            try:
                result = folder(e, self)
            except (ValueError, TypeError, IndexError, KeyError, LookupError, OverflowError,
                    UnicodeError, binascii.Error, zlib.error):
                result = None
            if result is not None:
                if isinstance(result, (str, bytes, tuple)) and len(result) > MAX_SIZE:
                    raise _Exceeded
                return result
        return None


# -- folders ------------------------------------------------------------------
def _const(e: Expr, ctx: _Ctx) -> object:
    if isinstance(e, Const) and isinstance(e.value, (str, bytes, int, float)):
        return e.value
    return None


def _concat(e: Expr, ctx: _Ctx) -> object:
    if not (isinstance(e, BinOp) and e.op == "+"):
        return None
    left = ctx.sub(e.left)
    right = ctx.sub(e.right) if left is not None else None
    if isinstance(left, (str, bytes, tuple)) and type(left) is type(right):
        ctx.steps.append("concatenation")
        return left + right  # type: ignore[operator]
    return None


def _fstring(e: Expr, ctx: _Ctx) -> object:
    if not isinstance(e, FStr):
        return None
    parts = []
    for part in e.parts:
        value = ctx.sub(part)
        if not isinstance(value, (str, int)):
            return None
        parts.append(str(value))
    if len(e.parts) > 1 or not isinstance(e.parts[0], Const):
        ctx.steps.append("f-string")
    return "".join(parts)


def _seq(e: Expr, ctx: _Ctx) -> object:
    if not isinstance(e, Seq):
        return None
    items = [ctx.sub(item) for item in e.items]
    return tuple(items) if all(i is not None for i in items) else None


def _dict(e: Expr, ctx: _Ctx) -> object:
    if not isinstance(e, Dict) or any(k is None for k in e.keys):
        return None
    out = {}
    for k, v in zip(e.keys, e.values):
        key, value = ctx.sub(k), ctx.sub(v)
        if key is None or value is None:
            return None
        out[key] = value
    return out


def _subscript(e: Expr, ctx: _Ctx) -> object:
    if not isinstance(e, Subscript):
        return None
    base = ctx.sub(e.value)
    if base is None:
        return None
    if isinstance(e.index, Slice):
        bounds = [ctx.sub(p) if p is not None else None for p in (e.index.lower, e.index.upper, e.index.step)]
        given = [p for p in (e.index.lower, e.index.upper, e.index.step) if p is not None]
        if len([b for b in bounds if b is not None]) != len(given) or not all(isinstance(b, int) for b in bounds
                                                                                if b is not None):
            return None
        if not isinstance(base, (str, bytes, tuple)):
            return None
        ctx.steps.append("reverse" if bounds == [None, None, -1] else "slice")
        return base[slice(*bounds)]
    key = ctx.sub(e.index)
    if key is None:
        return None
    if isinstance(base, dict):
        ctx.steps.append("index")
        return base.get(key)  # type: ignore[call-overload]
    if isinstance(base, (str, tuple)) and isinstance(key, int):
        ctx.steps.append("index")
        return base[key]
    return None


def _call(e: Expr, ctx: _Ctx) -> object:
    if not isinstance(e, Call) or any(name is None for name, _ in e.keywords):
        return None
    func = e.func
    if isinstance(func, Attr):
        receiver = ctx.sub(func.value)
        if receiver is not None:
            return _method(receiver, func.attr, e, ctx)
    name = ctx.qualify(func)
    handler = _FUNCTIONS.get(name) if name else None
    if handler is None:
        return None
    args = [ctx.sub(a) for a in e.args]
    kwargs = {k: ctx.sub(v) for k, v in e.keywords}
    if any(a is None for a in args) or any(v is None for v in kwargs.values()):
        return None
    return handler(ctx, args, kwargs)  # type: ignore[arg-type]


_TEXT_CODECS = frozenset({"utf-8", "utf8", "ascii", "latin-1", "latin1", "iso-8859-1"})


def _method(receiver: object, attr: str, call: Call, ctx: _Ctx) -> object:
    args = [ctx.sub(a) for a in call.args]
    if any(a is None for a in args) or call.keywords and attr not in ("decode", "encode"):
        return None
    kwargs = {k: ctx.sub(v) for k, v in call.keywords}
    if attr == "join" and isinstance(receiver, str) and len(args) == 1 and isinstance(args[0], tuple) \
            and all(isinstance(a, str) for a in args[0]):
        ctx.steps.append("join")
        return receiver.join(args[0])
    if attr == "decode" and isinstance(receiver, bytes):
        encoding = str(args[0] if args else kwargs.get("encoding", "utf-8")).lower()
        return receiver.decode(encoding) if encoding in _TEXT_CODECS else None
    if attr == "encode" and isinstance(receiver, str):
        encoding = str(args[0] if args else kwargs.get("encoding", "utf-8")).lower()
        return receiver.encode(encoding) if encoding in _TEXT_CODECS else None
    if isinstance(receiver, str) and attr in ("lower", "upper", "strip", "lstrip", "rstrip", "replace") \
            and all(isinstance(a, str) for a in args):
        if attr == "replace":
            if len(args) != 2:
                return None
            ctx.steps.append("replace")
        return getattr(receiver, attr)(*args)
    return None


# -- library functions (by qualified name) -----------------------------------
def _text(value: object) -> bytes:
    if isinstance(value, str):
        return value.encode("ascii")
    if isinstance(value, bytes):
        return value
    raise TypeError


def _inflate(data: bytes, wbits: int) -> bytes:
    out = zlib.decompressobj(wbits).decompress(data, MAX_SIZE + 1)
    if len(out) > MAX_SIZE:
        raise _Exceeded
    return out


def _decoder(step: str, fn: Callable[[bytes], bytes]):
    def run(ctx: _Ctx, args: list, kwargs: dict) -> object:
        if len(args) != 1:
            return None
        ctx.steps.append(step)
        return fn(_text(args[0]))
    return run


def _chr(ctx: _Ctx, args: list, kwargs: dict) -> object:
    if len(args) == 1 and isinstance(args[0], int):
        ctx.steps.append("chr")
        return chr(args[0])
    return None


def _sequence(ctx: _Ctx, args: list, kwargs: dict) -> object:
    if len(args) == 1 and isinstance(args[0], (str, tuple)):
        return tuple(args[0])
    return None


def _bytes(ctx: _Ctx, args: list, kwargs: dict) -> object:
    """``bytes([105, 109, …])``: code given as a list of byte values."""
    if len(args) == 1 and not kwargs and isinstance(args[0], tuple) \
            and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256 for b in args[0]):
        ctx.steps.append("bytes")
        return bytes(args[0])
    return None


def _reversed(ctx: _Ctx, args: list, kwargs: dict) -> object:
    if len(args) == 1 and isinstance(args[0], (str, tuple)):
        ctx.steps.append("reverse")
        return tuple(reversed(args[0]))
    return None


def _str(ctx: _Ctx, args: list, kwargs: dict) -> object:
    return args[0] if len(args) == 1 and isinstance(args[0], str) else None


def _fromhex(ctx: _Ctx, args: list, kwargs: dict) -> object:
    if len(args) == 1 and isinstance(args[0], str):
        ctx.steps.append("hex")
        return bytes.fromhex(args[0])
    return None


_CODEC_STEPS = {"rot13": "rot13", "rot_13": "rot13", "base64": "base64", "base_64": "base64",
                "hex": "hex", "zlib": "zlib", "zip": "zlib"}


def _codecs(ctx: _Ctx, args: list, kwargs: dict) -> object:
    value = args[0] if args else kwargs.get("obj")
    encoding = args[1] if len(args) > 1 else kwargs.get("encoding", "utf-8")
    if not isinstance(encoding, str) or value is None:
        return None
    enc = encoding.lower().replace("-", "_")
    if enc in ("utf_8", "utf8", "ascii", "latin_1", "latin1"):
        return value.decode(enc) if isinstance(value, bytes) else None
    step = _CODEC_STEPS.get(enc)
    if step is None:
        return None
    ctx.steps.append(step)
    if step == "rot13":
        return codecs.decode(value, "rot13") if isinstance(value, str) else None
    if step == "zlib":
        return _inflate(_text(value), zlib.MAX_WBITS)
    return codecs.decode(_text(value), "base64" if step == "base64" else "hex")


def _decompress(wbits: int):
    def run(ctx: _Ctx, args: list, kwargs: dict) -> object:
        if len(args) >= 1 and isinstance(args[0], bytes):
            ctx.steps.append("zlib")
            return _inflate(args[0], wbits)
        return None
    return run


_FUNCTIONS: dict[str, Callable[[_Ctx, list, dict], object]] = {
    "chr": _chr, "str": _str, "list": _sequence, "tuple": _sequence, "reversed": _reversed,
    "bytes": _bytes, "bytearray": _bytes,
    "bytes.fromhex": _fromhex, "bytearray.fromhex": _fromhex,
    "base64.b64decode": _decoder("base64", base64.b64decode),
    "base64.standard_b64decode": _decoder("base64", base64.standard_b64decode),
    "base64.urlsafe_b64decode": _decoder("base64", base64.urlsafe_b64decode),
    "base64.decodebytes": _decoder("base64", base64.decodebytes),
    "base64.b32decode": _decoder("base32", base64.b32decode),
    "base64.b16decode": _decoder("base16", base64.b16decode),
    "base64.b85decode": _decoder("base85", base64.b85decode),
    "base64.a85decode": _decoder("base85", base64.a85decode),
    "binascii.a2b_base64": _decoder("base64", binascii.a2b_base64),
    "binascii.unhexlify": _decoder("hex", binascii.unhexlify),
    "binascii.a2b_hex": _decoder("hex", binascii.a2b_hex),
    "codecs.decode": _codecs, "codecs.encode": _codecs,
    "zlib.decompress": _decompress(zlib.MAX_WBITS), "gzip.decompress": _decompress(31),
}


def _map_call(e: Expr, ctx: _Ctx) -> object:
    """``map(chr, [115, 111, ...])``: the one ``map`` worth folding."""
    if not (isinstance(e, Call) and len(e.args) == 2 and not e.keywords and ctx.qualify(e.func) == "map"
            and ctx.qualify(e.args[0]) == "chr"):
        return None
    codes = ctx.sub(e.args[1])
    if isinstance(codes, tuple) and all(isinstance(c, int) for c in codes):
        ctx.steps.append("chr")
        return tuple(chr(c) for c in codes)
    return None


FOLDERS: tuple[Callable[[Expr, _Ctx], object], ...] = (
    _const, _concat, _fstring, _seq, _dict, _subscript, _map_call, _call,
)


# -- entry points -----------------------------------------------------------------
def evaluate(expr: Expr, resolve: Resolve, qualify: Qualify | None = None) -> Folded:
    """What ``expr`` always evaluates to, with the steps taken; never raises."""
    ctx = _Ctx(resolve, qualify)
    try:
        value = ctx.sub(expr)
    except _Exceeded:
        return Folded(None, tuple(ctx.steps), exceeded=True)
    except RecursionError:
        return Folded(None, tuple(ctx.steps), exceeded=True)
    return Folded(value, tuple(ctx.steps))


def fold(expr: Expr, resolve: Resolve, qualify: Qualify | None = None) -> str | None:
    """The string ``expr`` always evaluates to, or None when not constant."""
    return evaluate(expr, resolve, qualify).text


def prefix(expr: Expr, resolve: Resolve) -> str:
    """The constant start of a string expression (``"." + name`` -> ``"."``)."""
    whole = fold(expr, resolve)
    if whole is not None:
        return whole
    if isinstance(expr, BinOp) and expr.op == "+":
        left = fold(expr.left, resolve)
        return left + prefix(expr.right, resolve) if left is not None else prefix(expr.left, resolve)
    if isinstance(expr, FStr) and expr.parts:
        head = fold(expr.parts[0], resolve)
        return head if head is not None else ""
    return ""
