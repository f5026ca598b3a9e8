"""The calls constant folding understands: string methods, array methods, decoders.

Two tables, one handler per name: ``_METHODS`` for `target.method(args)`
on a folded target (`'sptth'.split('')`, `[…].join('')`, `buf.toString()`)
and ``_FUNCTIONS`` for calls whose callee is a known global function
(`atob`, `String.fromCharCode`, `Buffer.from`, `zlib.inflateSync`).  Each
handler gets the already folded target and argument *nodes*, folds what it
needs and returns a constant or None.  Decoding is done in Python (base64,
hex, zlib); decompression output is bounded by the fold budget, so a zip
bomb stops at the limit instead of filling memory.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
import zlib
from typing import Callable
from urllib.parse import unquote

from tree_sitter import Node

from .fold import Const, Exceeded, Folder, ObjectLiteral

Handler = Callable[[Folder, Const, list[Node], int], "Const | None"]
Function = Callable[[Folder, list[Node], int], "Const | None"]


def call_value(folder: Folder, node: Node, depth: int) -> Const | None:
    callee = node.child_by_field_name("function")
    arguments = node.child_by_field_name("arguments")
    if callee is None or arguments is None or arguments.type != "arguments":
        return None
    args = [a for a in arguments.named_children if a.type != "comment"]
    name = _callee_name(callee)
    if name in _FUNCTIONS:
        return _FUNCTIONS[name](folder, args, depth)
    if callee.type != "member_expression":
        return None
    method = _text(callee.child_by_field_name("property"))
    handler = _METHODS.get(method)
    if handler is None:
        return None
    target = folder.value(callee.child_by_field_name("object"), depth)
    return handler(folder, target, args, depth) if target is not None else None


def new_value(folder: Folder, node: Node, depth: int) -> Const | None:
    """`new Buffer(s, 'base64')`, the deprecated spelling of `Buffer.from`."""
    ctor = node.child_by_field_name("constructor")
    arguments = node.child_by_field_name("arguments")
    if ctor is None or _text(ctor) != "Buffer" or arguments is None:
        return None
    return _buffer_from(folder, [a for a in arguments.named_children if a.type != "comment"], depth)


def _callee_name(callee: Node) -> str:
    """`atob`, `String.fromCharCode`, `Buffer.from`, `zlib.inflateSync` (object text ignored for zlib)."""
    if callee.type == "identifier":
        return _text(callee)
    if callee.type != "member_expression":
        return ""
    obj, prop = callee.child_by_field_name("object"), _text(callee.child_by_field_name("property"))
    if prop in _ZLIB:
        return f"zlib.{prop}"
    if obj is not None and obj.type in ("identifier", "member_expression"):
        return f"{_text(obj)}.{prop}"
    if obj is not None and obj.type == "call_expression":       # `require('path').join(…)`
        callee, arguments = obj.child_by_field_name("function"), obj.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        if callee is not None and _text(callee) == "require" and len(args) == 1 and args[0].type == "string":
            return f"{_text(args[0])[1:-1].removeprefix('node:')}.{prop}"
    return ""


# -- string, array and bytes methods ---------------------------------------
def _join(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    if not isinstance(target, list) or len(args) > 1:
        return None
    separator = folder.string(args[0], depth) if args else ","
    return None if separator is None else separator.join(str(item) for item in target)


def _reverse(folder: Folder, target: Const, args: list[Node], __: int) -> Const | None:
    if not isinstance(target, list) or args:
        return None
    folder.note("reversed")
    return target[::-1]


def _split(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    if not isinstance(target, str) or len(args) != 1:
        return None
    separator = folder.string(args[0], depth)
    if separator is None:
        return None
    return list(target) if separator == "" else target.split(separator)


def _concat(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    rest = [folder.value(arg, depth) for arg in args]
    if isinstance(target, str) and all(isinstance(r, (str, int)) for r in rest):
        return target + "".join(str(r) for r in rest)
    if isinstance(target, list) and all(isinstance(r, (list, str, int)) for r in rest):
        out = list(target)
        for item in rest:
            out.extend(item if isinstance(item, list) else [item])
        return out
    return None


def _slice(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    bounds = [folder.number(arg, depth) for arg in args[:2]]
    if not isinstance(target, (str, list)) or not args or len(args) > 2 or None in bounds:
        return None
    return target[bounds[0]:bounds[1] if len(bounds) == 2 else None]


def _substring(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    bounds = [folder.number(arg, depth) for arg in args[:2]]
    if not isinstance(target, str) or not args or len(args) > 2 or None in bounds:
        return None
    start = max(0, bounds[0])  # type: ignore[type-var]
    end = max(0, bounds[1]) if len(bounds) == 2 else len(target)  # type: ignore[type-var]
    return target[min(start, end):max(start, end)]


def _substr(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    bounds = [folder.number(arg, depth) for arg in args[:2]]
    if not isinstance(target, str) or not args or len(args) > 2 or None in bounds:
        return None
    start = bounds[0] if bounds[0] >= 0 else max(0, len(target) + bounds[0])  # type: ignore[operator]
    return target[start:start + bounds[1]] if len(bounds) == 2 else target[start:]  # type: ignore[operator]


def _replace(folder: Folder, target: Const, args: list[Node], depth: int, every: bool = False) -> Const | None:
    if not isinstance(target, str) or len(args) != 2:
        return None
    replacement = folder.string(args[1], depth)
    if replacement is None or "$" in replacement:
        return None
    pattern, node = None, args[0]
    if node.type == "regex":
        pattern, flags = _plain_regex(node)
        every = every or "g" in flags
    else:
        pattern = folder.string(node, depth)
    if pattern is None:
        return None
    return target.replace(pattern, replacement, -1 if every else 1)


def _replace_all(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    return _replace(folder, target, args, depth, every=True)


def _plain_regex(node: Node) -> tuple[str | None, str]:
    """A regex literal that is only literal characters, as the text it matches."""
    pattern = _text(node.child_by_field_name("pattern"))
    flags = _text(node.child_by_field_name("flags"))
    if "i" in flags or not re.fullmatch(r"(?:[A-Za-z0-9_\-:/ ]|\\[.*+?()\[\]{}|^$/\\])+", pattern):
        return None, flags
    return re.sub(r"\\(.)", r"\1", pattern), flags


def _case(lower: bool) -> Handler:
    def handler(_: Folder, target: Const, args: list[Node], __: int) -> Const | None:
        if not isinstance(target, str) or args:
            return None
        return target.lower() if lower else target.upper()
    return handler


def _trim(_: Folder, target: Const, args: list[Node], __: int) -> Const | None:
    return target.strip() if isinstance(target, str) and not args else None


def _char_at(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    at = folder.number(args[0], depth) if len(args) == 1 else None
    if not isinstance(target, str) or at is None:
        return None
    return target[at] if 0 <= at < len(target) else ""


def _to_string(folder: Folder, target: Const, args: list[Node], depth: int) -> Const | None:
    if isinstance(target, str) and not args:
        return target
    if not isinstance(target, bytes) or len(args) > 1:
        return None
    encoding = folder.string(args[0], depth) if args else "utf8"
    if encoding is None:
        return None
    encoding = encoding.lower().replace("-", "")
    if encoding in ("utf8", "utf16le", "ucs2"):
        codec = "utf-8" if encoding == "utf8" else "utf-16-le"
        return target.decode(codec, "replace")
    if encoding in ("latin1", "binary", "ascii"):
        return bytes(b & 0x7F for b in target).decode("latin-1") if encoding == "ascii" else target.decode("latin-1")
    if encoding == "hex":
        return target.hex()
    if encoding == "base64":
        return base64.b64encode(target).decode("ascii")
    return None


_METHODS: dict[str, Handler] = {
    "join": _join, "reverse": _reverse, "split": _split, "concat": _concat,
    "slice": _slice, "substring": _substring, "substr": _substr,
    "replace": _replace, "replaceAll": _replace_all,
    "toLowerCase": _case(True), "toUpperCase": _case(False), "trim": _trim,
    "charAt": _char_at, "toString": _to_string,
}


# -- global functions and decoders ------------------------------------------
def _from_char_code(folder: Folder, args: list[Node], depth: int) -> Const | None:
    codes: list[int] = []
    for arg in args:
        if arg.type == "spread_element":
            inner = folder.strings(arg.named_children[0] if arg.named_children else None, depth)
            if inner is None or not all(isinstance(c, int) for c in inner):
                return None
            codes.extend(inner)
            continue
        code = folder.number(arg, depth)
        if code is None:
            return None
        codes.append(code)
    folder.note("char codes")
    return "".join(chr(c & 0xFFFF) for c in codes)


def _from_char_code_apply(folder: Folder, args: list[Node], depth: int) -> Const | None:
    if len(args) != 2:
        return None
    codes = folder.strings(args[1], depth)
    if codes is None or not all(isinstance(c, int) for c in codes):
        return None
    folder.note("char codes")
    return "".join(chr(c & 0xFFFF) for c in codes)


def _buffer_from(folder: Folder, args: list[Node], depth: int) -> Const | None:
    if not 1 <= len(args) <= 2:
        return None
    data = folder.value(args[0], depth)
    encoding = folder.string(args[1], depth) if len(args) == 2 else "utf8"
    if encoding is None:
        return None
    encoding = encoding.lower().replace("-", "")
    if isinstance(data, list) and all(isinstance(b, int) for b in data):
        folder.note("char codes")
        return bytes(b & 0xFF for b in data)
    if isinstance(data, bytes):
        return data
    if not isinstance(data, str):
        return None
    if encoding in ("base64", "base64url"):
        folder.note("decoded base64")
        return decode_base64(data)
    if encoding == "hex":
        folder.note("decoded hex")
        return _decode_hex(data)
    if encoding in ("latin1", "binary", "ascii"):
        return bytes(ord(c) & 0xFF for c in data)
    if encoding == "utf8":
        return data.encode("utf-8", "surrogatepass")
    return None


def _atob(folder: Folder, args: list[Node], depth: int) -> Const | None:
    data = folder.string(args[0], depth) if len(args) == 1 else None
    if data is None:
        return None
    folder.note("decoded base64")
    return decode_base64(data).decode("latin-1")


def _decode_uri(folder: Folder, args: list[Node], depth: int) -> Const | None:
    data = folder.string(args[0], depth) if len(args) == 1 else None
    if data is None:
        return None
    folder.note("decoded URI escapes")
    return unquote(data)


def _json_parse(folder: Folder, args: list[Node], depth: int) -> Const | None:
    """`JSON.parse('"https"')`: a string, number or list of them."""
    text = folder.string(args[0], depth) if len(args) == 1 else None
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)) or isinstance(value, list) and all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        folder.note("parsed JSON")
        return value
    return None


def _object_list(part: str) -> Function:
    """`Object.values({a: 'https'})`, `Object.keys(…)`: the literal's keys or folded values, in order."""
    def handler(folder: Folder, args: list[Node], depth: int) -> Const | None:
        target = folder.value(args[0], depth) if len(args) == 1 else None
        if not isinstance(target, ObjectLiteral):
            return None
        out: list = []
        for child in target.node.named_children:
            if child.type != "pair":
                return None                      # a spread or a method: not a plain literal
            key = child.child_by_field_name("key")
            name = _text(key)[1:-1] if key is not None and key.type == "string" else _text(key)
            if part == "keys":
                out.append(name)
            else:
                value = folder.value(child.child_by_field_name("value"), depth)
                if not isinstance(value, (str, int)):
                    return None
                out.append(value)
        return out
    return handler


def _parse_int(folder: Folder, args: list[Node], depth: int) -> Const | None:
    """`parseInt('31337', 10)`, `Number('443')`: a port written as text."""
    value = folder.value(args[0], depth) if args else None
    radix = folder.number(args[1], depth) if len(args) > 1 else 10
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or radix is None or not 2 <= radix <= 36:
        return None
    try:
        return int(value.strip(), radix)
    except ValueError:
        return None


def _string_call(folder: Folder, args: list[Node], depth: int) -> Const | None:
    value = folder.value(args[0], depth) if len(args) == 1 else None
    return str(value) if isinstance(value, (str, int)) else None


_ZLIB = {"inflateSync": 15, "inflateRawSync": -15, "gunzipSync": 31, "unzipSync": 47}


def _inflate(wbits: int) -> Function:
    def handler(folder: Folder, args: list[Node], depth: int) -> Const | None:
        data = folder.value(args[0], depth) if args else None
        if not isinstance(data, bytes):
            return None
        try:
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(data, folder.budget.max_length + 1)
        except zlib.error:
            return None
        if len(out) > folder.budget.max_length:
            raise Exceeded()
        folder.note("decoded zlib")
        return out
    return handler


def _path_join(folder: Folder, args: list[Node], depth: int) -> str | None:
    """`path.join(__dirname, 'lib', 'x.js')`: a path relative to the file when its first part is."""
    parts = [folder.string(a, depth + 1) for a in args]
    if not parts or any(p is None for p in parts):
        return None
    joined = posixpath.normpath(posixpath.join(*parts))   # type: ignore[arg-type]
    if parts[0] in (".", "./") or str(parts[0]).startswith(("./", "../")):
        return joined if joined.startswith("../") else "./" + joined.removeprefix("./")
    return joined


_FUNCTIONS: dict[str, Function] = {
    "path.join": _path_join, "path.resolve": _path_join, "path.posix.join": _path_join,
    "String.fromCharCode": _from_char_code, "String.fromCodePoint": _from_char_code,
    "String.fromCharCode.apply": _from_char_code_apply, "Buffer.from": _buffer_from,
    "atob": _atob, "decodeURIComponent": _decode_uri, "decodeURI": _decode_uri, "String": _string_call,
    "parseInt": _parse_int, "Number.parseInt": _parse_int, "Number": _parse_int,
    "JSON.parse": _json_parse, "Object.values": _object_list("values"), "Object.keys": _object_list("keys"),
    **{f"zlib.{name}": _inflate(wbits) for name, wbits in _ZLIB.items()},
}


def decode_base64(text: str) -> bytes:
    """Base64 as Node reads it: url-safe letters accepted, junk and missing padding ignored."""
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text.replace("-", "+").replace("_", "/"))
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4 if len(cleaned) % 4 == 1 else len(cleaned)]
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return b""


def _decode_hex(text: str) -> bytes:
    """Hex as Node reads it: pairs up to the first one that is not hex."""
    match = re.match(r"(?:[0-9a-fA-F]{2})*", text)
    return bytes.fromhex(match.group(0)) if match else b""


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")
