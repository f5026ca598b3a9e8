"""What data a network call sends: a small taint pass from sensitive sources.

Sources are the environment (`process.env`, by name when literal) and the
module members the catalog lists (``[source.*]`` in ``npm.toml``): host
identity (`os.hostname()`, `os.userInfo()`, …), file reads
(`fs.readFileSync(path)`, with the path when known, `~` for the home
directory) and command output (`child_process.execSync`, an `exec`
callback's parameters).  A value is
tainted when it is built from a source: through names (initializers,
assignments, `o.x = …`, callers' arguments for a parameter, one level),
object and array literals, templates, concatenation, method calls on a
tainted value and calls of any function with a tainted argument
(`JSON.stringify`, `Buffer.from`, `encodeURIComponent`, `btoa`), and the
return values of local functions.  Sound enough for request details; a
function body passed as a callback is not data and is not entered.
"""

from __future__ import annotations

from typing import Mapping

from tree_sitter import Node

from egress.model import Capability, Finding

from .bindings import PASSTHROUGH, Bindings, arguments_of, callee_of, unwrap
from .render import DYNAMIC, Renderer
from .scope import FUNCTION_NODES
from .syntax import is_field, text

_PROCESS_PLATFORM = frozenset({"platform", "arch"})
_HOME_VARIABLES = frozenset({"HOME", "USERPROFILE"})
#: Methods of a request or socket object whose arguments are sent.
_SENDS = frozenset({"write", "end", "send", "setRequestHeader", "setHeader", "open"})
_MAX_NODES = 1_000
_MAX_DEPTH = 24


_URL_APIS = ("http.request", "http.get", "https.request", "https.get", "fetch", "WebSocket", "EventSource",
             "navigator.sendBeacon", "http2.connect")
#: Options that say where a request goes (configuration), not what it sends.
_WHERE = frozenset({"host", "hostname", "protocol", "port", "family", "localAddress"})


def sent_nodes(finding: Finding, call: Node, bindings: Bindings) -> tuple[list[Node], list[Node]]:
    """What a network call sends: (data expressions, URL expressions whose base is only where it goes).

    A host taken from the environment (`process.env.REGISTRY || default`) is
    configuration of the destination, not data sent; `…?t=${process.env.TOKEN}`
    and a DNS name made of data are.
    """
    if finding.capability in (Capability.LISTEN, Capability.SOCKET) or finding.api == "dgram.createSocket":
        return [], []                       # a UDP socket's sends are findings of their own
    args = [a for a in arguments_of(call) if a.type not in FUNCTION_NODES]
    data: list[Node] = []
    urls: list[Node] = []
    if finding.capability is Capability.RESOLVE:
        data = args
    elif finding.api.endswith(_URL_APIS) and args:
        first = unwrap(args[0])
        if first.type == "identifier":
            first = bindings.literal_object(first) or first
        if first.type == "object":
            for pair in first.named_children:
                key = pair.child_by_field_name("key") if pair.type == "pair" else pair
                (urls if text(key) in _WHERE else data).append(pair)
        else:
            urls.append(args[0])
        data += args[1:]
    elif finding.capability is not Capability.CONNECT or finding.api == "dgram.Socket.send":
        data = args if finding.api != "dgram.Socket.send" else args[:1]
    calls = list(bindings.method_calls(call))
    callee = callee_of(call)
    if finding.api.endswith(".connect") and callee is not None and callee.type == "member_expression":
        calls += bindings.calls_on(callee.child_by_field_name("object"))     # `client.connect(…); client.write(x)`
    for method, sent in calls:
        if method == "open" and finding.api == "XMLHttpRequest":
            urls.extend(arguments_of(sent)[1:2])
        elif method in _SENDS:
            data.extend(a for a in arguments_of(sent) if a.type not in FUNCTION_NODES)
    return data, urls


def sent_parameters(finding: Finding, call: Node, bindings: Bindings) -> tuple[tuple[int, ...], int | None]:
    """Positions of the enclosing function's parameters whose values the call sends, and the one
    that is the call's whole URL (`https.get(u)`: what a caller passes there is where it goes).

    `module.exports = (d) => https.request(opts).end(JSON.stringify(d))` sends parameter 0:
    what an importer passes there is the data (the linker joins the two files).  Names are
    followed one step into a local constant's initializer; nested functions are not entered.
    """
    fn = call.parent
    while fn is not None and fn.type not in FUNCTION_NODES:
        fn = fn.parent
    if fn is None:
        return (), None
    data, urls = sent_nodes(finding, call, bindings)
    url_position = None
    for url in urls:
        node = unwrap(url)
        found = bindings.parameter(node) if node.type == "identifier" else None
        if found is not None and found[0] == fn:
            url_position = found[1]
            break
    # a parameter that is the whole URL is where the caller sends to; one inside a built URL is sent
    built = [part for url in urls if unwrap(url).type in ("binary_expression", "template_string")
             for part in unwrap(url).named_children[1:]]
    positions: set[int] = set()
    pending, seen = list(data) + built, 0
    while pending and seen < _MAX_NODES:
        node = pending.pop()
        seen += 1
        if node.type in FUNCTION_NODES:
            continue
        if node.type == "identifier":
            found = bindings.parameter(node)
            if found is not None and found[0] == fn:
                positions.add(found[1])
                continue
            decl = bindings.declaration(node)
            holder = decl.node.parent if decl is not None else None
            value = holder.child_by_field_name("value") if holder is not None and holder.type == "variable_declarator" \
                else None
            if value is not None and fn.start_byte <= value.start_byte < fn.end_byte and seen < _MAX_NODES // 2:
                pending.append(value)
            continue
        pending.extend(node.named_children)
    if url_position is not None:
        positions.add(url_position)          # the URL the caller passes carries its data too
    return tuple(sorted(positions)), url_position


def _template_base(parts: list[Node]) -> int:
    """How many leading parts of a template URL say only where it goes: up to the path's first `/` or `?`."""
    for i, part in enumerate(parts):
        if part.type != "template_substitution" and any(c in text(part).replace("://", "") for c in "/?#"):
            return i
    return len(parts)


def has_source(data: bytes, root: Node, bindings: Bindings, table: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether the file reads any data source at all; found by text search, confirmed in the tree.

    Most files with network calls (client libraries, bundles) read none, and the
    taint pass, which resolves many names, is then skipped.
    """
    names = {member: module for module, members in table.items() for member in members}
    names.update({"env": "process", "platform": "process", "arch": "process"})
    for name, module in names.items():
        needle, pos = name.encode(), 0
        while (pos := data.find(needle, pos)) >= 0:
            start, pos = pos, pos + len(needle)
            node = root.descendant_for_byte_range(start, pos)
            if node is None or node.start_byte != start or node.end_byte != pos:
                continue
            parent = node.parent
            if node.type == "property_identifier" and parent is not None and parent.type == "member_expression":
                obj = parent.child_by_field_name("object")
                if obj is None:
                    continue
                if module == "process" and text(obj) == "process" and bindings.is_free(obj):
                    return True
                target = bindings.module_of(obj) if module != "process" else None
                if target is not None and target == (module, None):
                    return True
            elif node.type in ("shorthand_property_identifier_pattern", "property_identifier", "identifier") \
                    and module != "process" and _imported_member(node, bindings) == (module, name):
                return True
    return False


def _imported_member(node: Node, bindings: Bindings) -> tuple[str, str | None] | None:
    """`const {hostname} = require('os')`, `import {execSync} from 'child_process'`."""
    holder = node.parent
    while holder is not None and holder.type in ("pair_pattern", "object_pattern", "import_specifier", "named_imports",
                                                 "import_clause", "object_assignment_pattern"):
        holder = holder.parent
    if holder is None:
        return None
    if holder.type == "variable_declarator":
        value = holder.child_by_field_name("value")
        target = bindings.module_of(value) if value is not None else None
        return (target[0], text(node)) if target is not None and target[1] is None else None
    if holder.type == "import_statement":
        source = holder.child_by_field_name("source")
        module = text(source)[1:-1].removeprefix("node:") if source is not None else ""
        return ("fs" if module == "fs/promises" else module), text(node)
    return None


class Taint:
    """The data sources of expressions in one file, memoised per node."""

    def __init__(self, bindings: Bindings, renderer: Renderer, table: Mapping[str, Mapping[str, str]]) -> None:
        """`table`: module -> member -> data label, the catalog's `[source.*]` sections."""
        self.bindings = bindings
        self.table = table
        self.paths = Renderer(bindings, renderer.position, self._path_leaf)
        self._memo: dict[tuple[int, int, str], tuple[str, ...]] = {}
        self._active: set[tuple[int, int, str]] = set()
        self._visited = 0

    def sources(self, nodes: list[Node], urls: list[Node] = []) -> tuple[str, ...]:
        """Data sources of `nodes`, and of `urls` except in the part that only says where to go."""
        found: dict[str, None] = {}
        for source in [s for n in nodes for s in self._of(n, 0)] + [s for u in urls for s in self._url(u, 0)]:
            found.setdefault(source, None)
        return tuple(found)

    def _url(self, node: Node | None, depth: int) -> list[str]:
        """A URL's sources, leaving out its base (the leftmost part: scheme and host); memoised like `_of`."""
        if node is None or depth > _MAX_DEPTH or self._visited > _MAX_NODES:
            return []
        node = unwrap(node)
        key = (node.start_byte, node.end_byte, "url")
        if key in self._memo:
            return list(self._memo[key])
        if key in self._active:
            return []
        self._active.add(key)
        self._visited += 1
        try:
            result = tuple(dict.fromkeys(self._url_of(node, depth)))
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return list(result)

    def _url_of(self, node: Node, depth: int) -> list[str]:
        kind = node.type
        if kind == "pair":
            return self._url(node.child_by_field_name("value"), depth + 1)
        if kind == "identifier":
            values = self.bindings.stored(node)
            if values:
                return [s for v in values for s in self._url(v, depth + 1)]
            param = self.bindings.parameter(node)
            if param is not None:               # a wrapper's URL parameter: each caller's URL, base left out
                fn, position = param
                args = [arguments_of(c) for c in self.bindings.callers(fn)[:8]]
                return self._callback_source(fn) + [s for a in args if position < len(a)
                                                    for s in self._url(a[position], depth + 1)]
            return list(self._of(node, depth))
        if kind == "binary_expression":
            operator = text(node.child_by_field_name("operator"))
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if operator == "+":
                return self._url(left, depth + 1) + list(self._of(right, depth))
            if operator in ("||", "??"):
                return self._url(left, depth + 1) + self._url(right, depth + 1)
        if kind == "ternary_expression":
            return [s for f in ("consequence", "alternative") for s in self._url(node.child_by_field_name(f), depth + 1)]
        if kind == "template_string":
            parts = [c for c in node.named_children if c.type != "comment"]
            if parts:
                base = _template_base(parts)     # `${proto}://${host}${basePath}/v1?x=${data}`
                found = [s for p in parts[:base] if p.type == "template_substitution" and p.named_children
                         for s in self._url(p.named_children[0], depth + 1)]
                return found + [s for p in parts[base:] for s in self._of(p, depth)]
        if kind == "member_expression" and self._process_member(node) is not None:
            return []                           # `process.env.REGISTRY`: where to go
        if kind == "member_expression":
            stored = self.bindings.methods.member_values(node)
            if stored:                          # `this.endpoint + path`: the stored base is where to go too
                return [s for v in stored for s in self._url(v, depth + 1)]
        if kind == "new_expression" and text(callee_of(node)) == "URL":
            args = arguments_of(node)
            if len(args) >= 2:
                return list(self._of(args[0], depth)) + self._url(args[1], depth + 1)
            return self._url(args[0], depth + 1) if args else []
        return list(self._of(node, depth))

    def _of(self, node: Node | None, depth: int) -> tuple[str, ...]:
        if node is None or depth > _MAX_DEPTH or self._visited > _MAX_NODES:
            return ()
        key = (node.start_byte, node.end_byte, node.type)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return ()
        self._active.add(key)
        self._visited += 1
        try:
            result = tuple(dict.fromkeys(self._compute(node, depth + 1)))
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _compute(self, node: Node, depth: int) -> list[str]:
        kind = node.type
        if kind in FUNCTION_NODES or kind in ("string", "number", "true", "false", "null", "undefined", "regex"):
            return []
        if kind in ("member_expression", "subscript_expression"):
            direct = self._process_member(node)
            if direct is not None:
                return [direct]
            stored = self.bindings.methods.member_values(node) if kind == "member_expression" else None
            found = [s for v in stored or () for s in self._of(v, depth)]
            return found + list(self._of(node.child_by_field_name("object"), depth))
        if kind in ("call_expression", "new_expression"):
            return self._call(node, depth)
        if kind in ("identifier", "shorthand_property_identifier"):
            return self._name(node, depth)
        if kind == "pair":
            return list(self._of(node.child_by_field_name("value"), depth))
        if kind == "ternary_expression":
            return [s for f in ("consequence", "alternative") for s in self._of(node.child_by_field_name(f), depth)]
        if kind == "assignment_expression":
            return list(self._of(node.child_by_field_name("right"), depth))
        if kind in PASSTHROUGH or kind in ("object", "array", "template_string", "template_substitution",
                                           "binary_expression", "spread_element", "sequence_expression",
                                           "arguments", "unary_expression"):
            return [s for child in node.named_children for s in self._of(child, depth)]
        return []

    def _process_member(self, node: Node) -> str | None:
        """`process.env.X`, `process.env['X']`, `process.env`, `process.platform`."""
        obj = node.child_by_field_name("object")
        if obj is None:
            return None
        if obj.type == "identifier" and text(obj) == "process" and self.bindings.is_free(obj):
            prop = text(node.child_by_field_name("property"))
            if prop == "env":
                parent = node.parent
                if parent is not None and parent.type in ("member_expression", "subscript_expression") \
                        and is_field(parent, "object", node):
                    return None              # the outer access names the variable
                return "env"
            return "platform" if prop in _PROCESS_PLATFORM else None
        if obj.type == "member_expression" and text(obj) == "process.env" and self._process_member(obj) is None:
            inner = obj.child_by_field_name("object")
            if inner is None or not self.bindings.is_free(inner):
                return None
            if node.type == "member_expression":
                return f"env {text(node.child_by_field_name('property'))}"
            name = self.paths.render(node.child_by_field_name("index"))[0].text
            return f"env {name}" if DYNAMIC not in name else "env"
        return None

    def _call(self, node: Node, depth: int) -> list[str]:
        callee = callee_of(node)
        args = arguments_of(node)
        if callee is None:
            return []
        source = self._source_call(callee, args)
        if source is not None:
            return [source]
        if callee.type == "identifier" and text(callee) == "fetch" and self.bindings.is_free(callee):
            return []        # a response: what the request carried does not come back in it
        found = [s for a in args for s in self._of(a, depth)]
        if callee.type == "member_expression":
            found += self._of(callee.child_by_field_name("object"), depth)
        elif callee.type == "identifier":
            fn = self.bindings.local_function(callee)
            if fn is not None:
                found += [s for r in self.bindings.returned(fn) for s in self._of(r, depth)]
        return found

    def _source_call(self, callee: Node, args: list[Node]) -> str | None:
        """The label of a source call (`os.hostname()`, `readFileSync(p)`), else None."""
        target = self.bindings.module_of(callee)
        if target is None or target[1] is None:
            return None
        label = self.table.get(target[0], {}).get(target[1])
        if label == "file":
            path = self.paths.render(args[0])[0].text if args else DYNAMIC
            return f"file {path}" if path != DYNAMIC else "file"
        return label

    def _name(self, node: Node, depth: int) -> list[str]:
        found: list[str] = []
        pattern = self.bindings.destructured_from(node)
        if pattern is not None:
            found += self._of(pattern[0], depth)
        for value in self.bindings.stored(node):
            found += self._of(value, depth)
        iterated = self.bindings.iterated_from(node)        # a loop variable carries what it iterates
        if iterated is not None:
            found += self._of(iterated, depth)
        found += self._members_assigned(node, depth)
        param = self.bindings.parameter(node)
        if param is not None:
            fn, position = param
            found += self._callback_source(fn)
            for call in self.bindings.callers(fn)[:8]:
                args = arguments_of(call)
                if position < len(args):
                    found += self._of(args[position], depth)
        return found

    def _members_assigned(self, node: Node, depth: int) -> list[str]:
        """`info.host = os.hostname()`: what is stored into the object a name holds."""
        decl = self.bindings.declaration(node)
        if decl is None:
            return []
        found: list[str] = []
        for ref in self.bindings.index.references_to(decl, text(decl.node)):
            member = ref.parent
            if member is None or member.type not in ("member_expression", "subscript_expression") \
                    or not is_field(member, "object", ref):
                continue
            assignment = member.parent
            if assignment is not None and assignment.type == "assignment_expression" and is_field(assignment, "left", member):
                found += self._of(assignment.child_by_field_name("right"), depth)
        return found

    def _callback_source(self, fn: Node) -> list[str]:
        """A parameter of a callback handed to `exec(cmd, cb)` / `readFile(p, cb)` receives its output."""
        holder = fn.parent
        call = holder.parent if holder is not None and holder.type == "arguments" else None
        if call is None or call.type != "call_expression":
            return []
        callee = callee_of(call)
        source = self._source_call(callee, arguments_of(call)) if callee is not None else None
        return [source] if source is not None and source != "platform" else []

    def _path_leaf(self, node: Node) -> str | None:
        """`os.homedir()` and `$HOME` as `~`; `path.join(a, b)` as `a/b`."""
        if node.type == "call_expression":
            callee = callee_of(node)
            target = self.bindings.module_of(callee) if callee is not None else None
            if target == ("os", "homedir"):
                return "~"
            if target is not None and target[0] == "path" and target[1] in ("join", "resolve"):
                parts = [self.paths.render(a)[0].text for a in arguments_of(node)]
                joined = "/".join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts) if p)
                return joined if target[1] == "join" or not joined.startswith(DYNAMIC) else DYNAMIC
        if node.type == "member_expression" and text(node.child_by_field_name("property")) in _HOME_VARIABLES \
                and self._process_member(node) is not None:
            return "~"
        return None
