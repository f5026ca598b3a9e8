"""The JavaScript/TypeScript analyzer: one file in, its network findings out.

Passes over one tree, each small: import sites (``imports.py``), free
globals, hidden loaders and code sinks (``hidden.py``, started only when
their trigger names occur in the file), the flow of values to their uses
(``flow.py``), then the verdicts that need the whole file: imports never
used for I/O, globals stored but never called here.  Last, the facts the
cross-file linker joins (``crossfile.py``): what the file exports of
network capability and where it uses its package's own modules.

Decoding decision: a UTF-8 BOM is dropped; bytes that contain NUL are not
JavaScript we can read and come back as ``error="not UTF-8 text"``; other
invalid UTF-8 sequences become replacement characters, as Node decodes
them, so that one stray byte cannot hide a file (never guessed as latin-1).
"""

from __future__ import annotations

import dataclasses
import re

from tree_sitter import Node

from egress.analyzers.interface import Analyzer
from egress.catalog import Catalog, load_catalog
from egress.linker import CALLS_LOCAL_MODULE
from egress.model import (
    Capability, Confidence, Ecosystem, ExportFact, FileAnalysis, Finding, FindingKind, LocalUse, SourceFile,
)

from .bindings import Bindings, arguments_of
from .constants import Constants
from .crossfile import Names, export_targets, exported_names, is_relative, static_export_facts, top_level_function
from .details import RequestDetails
from .flow import FileFlow
from .fold import Folded, describe, fold_detail
from .hidden import function_constructors, special_call
from .imports import ImportSite, dynamic_import_sites, relative_specifiers, require_sites, static_sites
from .ipc import local_keys
from .location import SourceText, in_function
from .parsing import Parsers
from .scope import NameGate, NameIndex
from .shellout import launcher_module
from .special import (
    CODE, FUNCTION, LAUNCHER, LOADER, LOADER_SPECIFIERS, MODULE_CLASS, MODULE_OBJECT, PROCESS, VM, VM_SPECIFIERS,
    LocalValue, SpecialValue,
)
from .values import (
    GlobalObject, GlobalValue, ModuleValue, Value, api_prefix, call_use, is_helper_member, main_capability,
    member, module_name,
)

DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")
_BOM = b"\xef\xbb\xbf"


class JavaScriptAnalyzer(Analyzer):
    """Finds network use in `.js`/`.ts` files; cheap to build once per worker process."""

    suffixes = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")

    def __init__(self, catalog: Catalog | None = None, request_details: bool = True) -> None:
        """`request_details`: fill destinations and data sources of network call sites (``details.py``)."""
        self._catalog = catalog if catalog is not None else load_catalog(Ecosystem.NPM)
        self._request_details = request_details
        self._parsers = Parsers()
        self._global_roots = _global_roots(self._catalog)
        self._hints = _hint_pattern(self._catalog)
        self._gate = NameGate((*self._global_roots, *_HIDDEN_NAMES))

    def __reduce__(self) -> tuple:
        # Parsers cannot be pickled; a copy sent to a worker rebuilds its own.
        return (JavaScriptAnalyzer, (self._catalog, self._request_details))

    def handles(self, path: str) -> bool:
        return path.endswith(self.suffixes) and not path.endswith(DECLARATION_SUFFIXES)

    def readable(self, source: SourceFile) -> str | None:
        return None if _text(source.data) is not None else "not UTF-8 text"

    def check(self, source: SourceFile) -> FileAnalysis:
        data = _text(source.data)
        if data is None:
            return FileAnalysis(source.path, error="not UTF-8 text")
        try:
            parsed = self._parsers.parse(source.path, data)
        except Exception as exc:  # noqa: BLE001 - a file must never crash a scan
            return FileAnalysis(source.path, error=f"parse failed: {type(exc).__name__}: {exc}"[:200])
        error = f"syntax error at line {parsed.error_line}" if parsed.error_line is not None else None
        return FileAnalysis(source.path, error=error, links=relative_specifiers(parsed.tree.root_node, data))

    def analyze(self, source: SourceFile) -> FileAnalysis:
        data = _text(source.data)
        if data is None:
            return FileAnalysis(source.path, error="not UTF-8 text")
        try:
            parsed = self._parsers.parse(source.path, data)
            file_pass = _FilePass(self._catalog, self._global_roots, source.path, data, parsed.tree.root_node,
                                  self._parsers, self._hints, gate=self._gate)
            file_pass.request_details = self._request_details
            findings = file_pass.run()
            exports, local_uses = file_pass.facts()
        except Exception as exc:  # noqa: BLE001 - the one boundary: a file must never crash a scan
            return FileAnalysis(source.path, error=f"analysis failed: {type(exc).__name__}: {exc}"[:200])
        error = f"syntax error at line {parsed.error_line}" if parsed.error_line is not None else None
        if error is None and file_pass.flow.exhausted:
            error = "analysis budget exceeded"     # findings may be missing: never a clean file
        return FileAnalysis(source.path, tuple(findings), error, exports, local_uses,
                            imports=tuple(dict.fromkeys(file_pass.loads)),
                            launches=tuple(dict.fromkeys(file_pass.launches)))


def _text(data: bytes) -> bytes | None:
    """The bytes to parse (BOM dropped), or None when they are not UTF-8 text."""
    data = data[3:] if data.startswith(_BOM) else data
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        # Node reads such a file with replacement characters and runs it; so do we,
        # or one stray byte in a comment would hide the whole file's findings.
        return data.decode("utf-8", "replace").encode("utf-8")
    return data


#: Free names the passes look up in every file besides the catalog's globals (``_hidden``, ``require_sites``).
_HIDDEN_NAMES = ("require", "module", "__non_webpack_require__", "process", "eval", "Function", "setTimeout",
                 "setInterval", "global", "globalThis", "window", "self")


def _hint_pattern(catalog: Catalog) -> "re.Pattern[bytes]":
    """Quoted network module or client names and URLs: hints next to what cannot be resolved."""
    words = sorted({*catalog.modules, *catalog.dependencies}, key=lambda w: (-len(w), w))
    names = b"|".join(re.escape(w.encode()) for w in words)
    # URLs only right after a quote: a link in a comment or a licence header is no hint.
    return re.compile(rb"""['"`]((?:""" + names + rb""")(?:/[^'"`\s]*)?)['"`]|['"`]((?:https?|wss?)://[^\s'"`<>]{1,80})""")


def _global_roots(catalog: Catalog) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """Free names that start a global value: `fetch`, `navigator`, `globalThis`, `window`…"""
    roots: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for name, entry in catalog.globals.items():
        head = name.split(".")[0]
        roots.setdefault(head, (None, () if head == name else (head,)))
        for via in entry.via:
            roots[via] = (via, ())
    return roots


class _FilePass:
    """The passes over one parsed file (or one decoded payload, `depth` > 0)."""

    def __init__(self, catalog: Catalog, global_roots: dict, path: str, data: bytes, root: Node,
                 parsers: Parsers, hints: "re.Pattern[bytes]", depth: int = 0, gate: NameGate | None = None) -> None:
        self.catalog = catalog
        self.global_roots = global_roots
        self.source = SourceText(path, data)
        self.root = root
        self.parsers = parsers
        self.hints = hints
        self.depth = depth
        self.gate = gate
        self.index = NameIndex(root, data, gate.absent(data) if gate is not None else frozenset())
        self.flow = FileFlow(catalog, self.source, self.index, self.constant)
        self.flow.on_special = lambda call, value, construct: special_call(self, call, value, construct)
        self.flow.on_export = self._on_export if depth == 0 else None
        self.flow.on_dynamic = self._on_dynamic
        self.extra: list[Finding] = []
        self.extra_nodes: list[tuple[Node, Finding]] = []    # network findings outside the flow
        self.imports: list[tuple[Node, ModuleValue]] = []
        self.global_refs: dict[int, Node] = {}
        self._exports: dict[ExportFact, None] = {}
        self._names: Names | None = None
        self._hint: str | None = None
        self._dynamic_places: set[tuple] = set()
        self.payload_bytes = [0]           # decoded payload bytes analysed, shared with nested passes
        self.loads: list[str] = []         # folded relative specifiers loaded at top level (load graph)
        self.launches: list[str] = []      # package files started as new node processes (shellout.py)
        self.request_details = False       # destinations and data sent of network calls (top level only)
        self.constants = Constants(self.index)
        self._details_made: RequestDetails | None = None
        self._sends: dict[tuple, tuple] = {}   # finding key -> (parameters its call sends, the URL one)

    def run(self) -> list[Finding]:
        for site in require_sites(self.index):
            self._site(site)
        for site in static_sites(self.root):
            self._site(site)
        for site in dynamic_import_sites(self.root, self.source.data):
            self._site(site)
        self._globals()
        self._hidden()
        self.flow.run()
        self._local_ipc()
        self._unused_imports()
        self._unused_globals()
        self._request_details()
        found = list(self.flow.findings.values()) + self.extra
        return sorted(found, key=lambda f: (f.line, f.column, f.kind, f.api))

    # -- sites ---------------------------------------------------------
    def _site(self, site: ImportSite) -> None:
        value = self.load(site.node, site.argument, site.form) if site.argument is not None else None
        if value is None:
            return
        if isinstance(value, ModuleValue):
            if site.form in ("require", "import()"):
                self.flow.climb(site.node, (value,))
            elif site.form == "export" or site.side_effect:
                for name in site.exposed or (None,):
                    self.flow.exposures.setdefault(value.origin, set()).add(name)
        elif site.form == "require" or site.form == "import()" and isinstance(value, SpecialValue):
            self.flow.climb(site.node, (value,))
        for binding in site.bindings:
            bound = value if binding.member is None else member(self.catalog, value, binding.member, True)
            if bound is None:
                if isinstance(value, ModuleValue):
                    self.flow.exposures.setdefault(value.origin, set()).add(binding.member)
            else:
                self.flow.bind(binding.ident, (bound,))

    def _through_wrapper(self, node: Node, argument: Node) -> bool:
        """A `require` of a parameter whose function's callers all pass constant module names.

        Each such call is then read as the load (it climbs from there, so
        `load('https').get(u)` is `https.get`); any caller passing a name that
        cannot be folded leaves the dynamic require reported as before.
        """
        if argument.type != "identifier" or self.depth > 0:
            return False
        bindings = Bindings(self.index, self.constant)
        param = bindings.parameter(argument)
        if param is None:
            return False
        fn, position = param
        if node.parent is None or not (node.parent.type == "return_statement" or node.parent == fn
                                       or (node.parent.type == "parenthesized_expression")):
            return False                # only a function that hands the module back
        calls = bindings.callers(fn)
        passed = [arguments_of(c)[position] if position < len(arguments_of(c)) else None for c in calls]
        if not calls or any(p is None or fold_detail(p, self.constant).value is None for p in passed):
            return False
        for call, arg in zip(calls, passed):
            value = self.load(call, arg, "require")
            if value is not None:
                self.flow.climb(call, (value,))
        return True

    def load(self, node: Node, argument: Node | None, form: str, via: SpecialValue | None = None) -> Value | None:
        """The value a module specifier loads: a network module, a local module, a loader module.

        `via` is the hidden loader that loads it (`module.require`, an aliased `require`).
        """
        folded = fold_detail(argument, self.constant)
        if folded.value is None:
            if form == "require" and argument is not None and self._through_wrapper(node, argument):
                return None     # `function load(x) { return require(x) }`: each call of it is the load
            if form not in ("import", "export") and argument is not None:
                api = {"require": "require", "import()": "import"}.get(form, form)
                self.dynamic(node, FindingKind.DYNAMIC_REQUIRE, api, Confidence.LOW,
                             self.source.text(argument), folded.exceeded)
            return None
        specifier, how = folded.value, self.describe(argument, folded)
        hidden = ""
        if via is not None:
            hidden = f"loaded through {via.label}" if via.label != "require" else "loaded through an alias of require"
        note = "; ".join(n for n in (how, hidden) if n)
        step = self.source.step(node, f"{form} '{specifier}'" + (f" ({how})" if how else ""))
        if is_relative(specifier):
            if argument.type not in ("string", "template_string") and not in_function(node):
                self.loads.append(specifier)    # a computed local load the text pass cannot see
            return LocalValue(specifier, None, None, (step,), node.start_byte) if form != "import()" else None
        if via is not None and via.label == "require" and not via.trace:
            via = None                                    # `require.call` etc. say so by their form
        if specifier in LOADER_SPECIFIERS:
            return SpecialValue(MODULE_CLASS, "Module", (step,), node.start_byte)
        if specifier in VM_SPECIFIERS:
            return SpecialValue(VM, "vm", (step,), node.start_byte)
        if (launcher := launcher_module(specifier)) is not None:     # child_process, worker_threads
            return SpecialValue(LAUNCHER, launcher, (step,), node.start_byte, note)
        entry = self.catalog.module(specifier)
        if entry is None:
            dependency = self.catalog.dependency(specifier)
            if dependency is not None:
                self.add(node, FindingKind.DEPENDENCY, dependency.name, specifier, Capability.REQUEST,
                         Confidence.MEDIUM, note="; ".join(n for n in (f"imports network client {dependency.name}", note) if n))
            return None
        trace = (via.trace if via is not None else ()) + (step,)
        value = ModuleValue(entry, (), form == "import()", trace, node.start_byte, note)
        self.imports.append((node, value))
        return value

    def _globals(self) -> None:
        for name, (root, path) in self.global_roots.items():
            for ref in self.index.sites(name).references:
                if self.index.resolve(ref, name) is not None:
                    continue
                origin = ref.start_byte
                value: Value
                if root is None and not path:
                    value = GlobalValue(name, (), origin)
                else:
                    value = GlobalObject(root, path, (), origin)
                self.global_refs[origin] = ref
                self.flow.climb(ref, (value,))

    def _hidden(self) -> None:
        """Loaders, bindings and code sinks, each only when its trigger name occurs in the file."""
        for ref in self.index.sites("require").references:
            call = ref.parent
            if call is not None and call.type == "call_expression" and call.child_by_field_name("function") == ref:
                continue                                  # a plain require(...): an import site
            if self.index.resolve(ref, "require") is None:
                self.flow.climb(ref, (SpecialValue(LOADER, "require", (), ref.start_byte),))
        data = self.source.data
        starts = [("module", MODULE_OBJECT, (b"module.require", b"module.constructor", b"module._", b"module["))]
        starts.append(("__non_webpack_require__", LOADER, (b"__non_webpack_require__",)))  # webpack's real require
        starts.append(("process", PROCESS, (b"inding", b"mainModule")))
        starts.append(("eval", CODE, (b"eval",)))
        starts.append(("Function", FUNCTION, (b"Function",)))
        starts.extend((timer, CODE, (timer.encode(),)) for timer in ("setTimeout", "setInterval"))
        for name, kind, triggers in starts:
            if not any(trigger in data for trigger in triggers):
                continue
            for ref in self.index.free_references(name):
                self.flow.climb(ref, (SpecialValue(kind, name, (), ref.start_byte),))
        if b"constructor" in data:
            for node in function_constructors(self.root, data, Bindings(self.index, self.constant)):
                self.flow.climb(node, (SpecialValue(FUNCTION, "Function", (self.source.step(
                    node, "the Function constructor, reached through .constructor"),), node.start_byte),))
        if b"process" in data and (b"inding" in data or b"mainModule" in data):
            # `global.process.mainModule.require`: the same process object through a global object
            for holder in ("global", "globalThis", "window", "self"):
                for ref in self.index.free_references(holder):
                    parent = ref.parent
                    prop = parent.child_by_field_name("property") if parent is not None else None
                    if parent is not None and parent.type == "member_expression" and prop is not None \
                            and prop.text == b"process" and parent.child_by_field_name("object") == ref:
                        self.flow.climb(parent, (SpecialValue(PROCESS, f"{holder}.process", (), ref.start_byte),))

    def _local_ipc(self) -> None:
        """Calls whose peer is a local socket path or named pipe are no network finding (``ipc.py``)."""
        flow = self.flow
        for key in local_keys(flow.findings, flow.finding_nodes, lambda: Bindings(self.index, self.constant),
                              self.source.position):
            del flow.findings[key], flow.finding_nodes[key]

    def _request_details(self) -> None:
        """Destinations and data sent, for network call sites only (none: no work)."""
        if not self.request_details:
            return
        for key, node in self.flow.finding_nodes.items():
            finding = self.flow.findings[key]
            if finding.kind is FindingKind.NETWORK and not finding.note.endswith("(not called here)"):
                details = self._details()
                self.flow.findings[key] = details.add(finding, node)
                sends, url = details.sends(finding, node)
                if sends:
                    self._sends[key] = (sends, url)

    def _details(self) -> RequestDetails:
        if self._details_made is None:
            self._details_made = RequestDetails(self.index, self.constant, self.source.position,
                                                self.catalog.sources, self.source.data)
        return self._details_made

    # -- whole-file verdicts ----------------------------------------------
    def _unused_imports(self) -> None:
        for node, value in self.imports:
            if value.origin in self.flow.used_origins:
                continue
            exposed = self.flow.exposures.get(value.origin, {None})
            if all(name is not None and is_helper_member(value.entry, name) for name in exposed):
                continue
            client = self.catalog.dependency(module_name(value.entry))
            if client is not None:       # an HTTP client imported, never called here: as before, a dependency
                note = "; ".join(n for n in (f"imports network client {client.name}", value.note) if n)
                self.add(node, FindingKind.DEPENDENCY, client.name, module_name(value.entry), Capability.REQUEST,
                         Confidence.MEDIUM, note=note)
                continue
            note = "; ".join(n for n in ("imports network module", value.note) if n)
            self.add(node, FindingKind.IMPORT_ONLY, api_prefix(value.entry), module_name(value.entry),
                     main_capability(value.entry), Confidence.LOW, note=note)

    def _unused_globals(self) -> None:
        for origin, name in sorted(self.flow.escaped_globals.items()):
            ref = self.global_refs.get(origin)
            if ref is None or origin in self.flow.used_origins:
                continue
            entry = self.catalog.globals.get(name)
            if entry is None:
                continue
            self.add(ref, FindingKind.NETWORK, name, "<global>", entry.capability, Confidence.MEDIUM,
                     note=f"reference to {name} (not called here)")

    # -- what cannot be resolved ------------------------------------------
    def _on_dynamic(self, node: Node, value: Value, exceeded: bool) -> None:
        """`https[m](…)`, `window[name](…)`: a computed member of a network module or the global object."""
        if isinstance(value, GlobalObject):
            grand = node.parent
            if value.path or grand is None or grand.type not in ("call_expression", "new_expression"):
                return
        index = node.child_by_field_name("index")
        self.dynamic(node, FindingKind.DYNAMIC_REQUIRE, value.label, Confidence.LOW,
                     f"computed member {value.label}[{self.source.text(index, 60)}]", exceeded)

    def dynamic(self, node: Node, kind: FindingKind, api: str, confidence: Confidence, note: str,
                exceeded: bool) -> None:
        """A name or code that cannot be resolved: never dropped, with hints when the file has any."""
        place = (kind, *self.source.position(node))
        if place in self._dynamic_places:
            return                          # `(typeof globalThis … ? globalThis : self)[name]`: one place, one finding
        self._dynamic_places.add(place)
        parts = ["fold budget exceeded" if exceeded else "", note, self._network_hint()]
        self.add(node, kind, api, "", Capability.REQUEST, confidence, note="; ".join(p for p in parts if p))

    def _network_hint(self) -> str:
        if self._hint is None:
            seen: dict[str, None] = {}
            for match in self.hints.finditer(self.source.data):
                found = match.group(1) or match.group(2)
                text = found.decode("utf-8", "replace")
                seen.setdefault(f"'{text}'" if match.group(1) else text, None)
                if len(seen) == 3:
                    break
            self._hint = f"file also contains network-looking strings: {', '.join(seen)}" if seen else ""
        return self._hint

    # -- cross-file facts -------------------------------------------------
    def facts(self) -> tuple[tuple[ExportFact, ...], tuple[LocalUse, ...]]:
        """What this file exports of network capability, and its uses of local modules."""
        for key, node in self.flow.finding_nodes.items():
            self._export_finding(node, self.flow.findings[key])
        for node, finding in self.extra_nodes:
            self._export_finding(node, finding)
        uses: dict[LocalUse, None] = {}
        for (node, use), call in zip(self.flow.local_uses, self.flow.local_calls):
            if call is not None and self.request_details and use.called and arguments_of(call):
                # what the call hands a local module: the linker pairs it with what that module sends
                details = self._details()
                sources, urls = details.argument_sources(call), details.argument_destinations(call)
                if sources or urls:
                    use = dataclasses.replace(use, argument_sources=sources, argument_destinations=urls)
            uses.setdefault(use, None)
            for name, member_of in self._targets(node):
                self._exports.setdefault(ExportFact(
                    name, line=use.line, column=use.column, via_specifier=use.specifier,
                    via_member=use.member if use.member is not None else use.attribute, member_of=member_of,
                    note=CALLS_LOCAL_MODULE if use.called and in_function(node) else ""), None)
        for fact in static_export_facts(self.root, self.catalog, self.source.position):
            self._exports.setdefault(fact, None)
        return tuple(self._exports), tuple(uses)

    def _export_finding(self, node: Node, finding: Finding) -> None:
        if finding.kind is not FindingKind.NETWORK:
            return
        sends, url = self._sends.get((finding.api, finding.line, finding.column), ((), None))
        if (sends or url is not None) and not export_targets(node, self._exported_names):
            sends, url = (), None       # exported through a helper's caller: the positions are the helper's
        for name, member_of in self._targets(node):
            self._exports.setdefault(ExportFact(
                name, finding.api, finding.module, finding.capability, finding.line, finding.column,
                member_of=member_of, sends=sends, destinations=finding.destinations if sends else (),
                destination_parameter=url), None)

    def _targets(self, node: Node, hops: int = 3) -> list:
        """Export targets of `node`; through a top-level helper, those of its callers (3 hops)."""
        targets = export_targets(node, self._exported_names)
        if targets or hops == 0:
            return targets
        helper = top_level_function(node)
        if helper is None:
            return []
        name = helper.text.decode("utf-8", "replace") if helper.text else ""
        decl = self.index.declaration_at(helper)
        found: dict = {}
        for ref in self.index.references_to(decl, name) if decl is not None else ():
            if top_level_function(ref) != helper:       # recursion is not a caller
                for target in self._targets(ref, hops - 1):
                    found.setdefault(target, None)
        return list(found)

    def _on_export(self, node: Node, values: tuple) -> bool:
        targets = export_targets(node, self._exported_names)
        if not targets:
            return False
        line, column = self.source.position(node)
        for value in values:
            for name, member_of in targets:
                fact = self._fact(value, name, member_of, line, column)
                if fact is not None:
                    self._exports.setdefault(fact, None)
        return True

    def _fact(self, value: Value, name: str | None, member_of: str | None, line: int, column: int) -> ExportFact | None:
        if isinstance(value, LocalValue):
            via = value.member if value.member is not None else value.attribute
            return ExportFact(name, line=line, column=column, via_specifier=value.specifier, via_member=via,
                              member_of=member_of)
        if isinstance(value, ModuleValue) and not value.path:
            if value.promised:
                return None
            entry = value.entry
            return ExportFact(name, api_prefix(entry), module_name(entry), main_capability(entry), line, column,
                              member_of=member_of, note="module")
        if isinstance(value, (SpecialValue, GlobalObject)):
            return None
        use = call_use(self.catalog, value, False) or call_use(self.catalog, value, True)
        if use is None:
            return None
        return ExportFact(name, use.api, use.module, use.capability, line, column, member_of=member_of)

    def _exported_names(self) -> Names:
        if self._names is None:
            self._names = exported_names(self.root)
        return self._names

    # -- helpers ---------------------------------------------------------
    def add(self, node: Node, kind: FindingKind, api: str, module: str, capability: Capability,
            confidence: Confidence, note: str = "", export: bool = False) -> None:
        line, column = self.source.position(node)
        finding = Finding(
            kind=kind, api=api, module=module, capability=capability, file=self.source.path,
            line=line, column=column, snippet=self.source.snippet(node), confidence=confidence,
            in_function=in_function(node), note=note,
        )
        self.extra.append(finding)
        if export:
            self.extra_nodes.append((node, finding))

    def launched(self, call: Node, specifier: str) -> None:
        """A package file started as a new `node` process (`fork`, `spawn(process.execPath, [f])`):
        it runs, so it counts as shipped; started at the top level, it runs when this file does."""
        self.launches.append(specifier)
        if not in_function(call):
            self.loads.append(specifier)

    def describe(self, node: Node | None, folded: Folded) -> str:
        return describe(node, folded, self.source.text(node, 60)) if node is not None else ""

    def nested(self, data: bytes, depth: int) -> tuple["_FilePass", int | None]:
        """A pass over a decoded payload, and the payload line of its first syntax error."""
        parsed = self.parsers.parse("payload.js", data)
        nested = _FilePass(self.catalog, self.global_roots, self.source.path, data, parsed.tree.root_node,
                           self.parsers, self.hints, depth, self.gate)
        nested.payload_bytes = self.payload_bytes
        nested.request_details = self.request_details    # where the payload connects, what it sends
        return nested, parsed.error_line

    def constant(self, ident: Node) -> Node | None:
        """The initializer of the constant an identifier names (for folding): ``constants.py``."""
        return self.constants.lookup(ident)
