"""The JavaScript/TypeScript analyzer: one file in, its network findings out.

Passes over one tree, each small: import sites (``imports.py``), free
globals, the flow of values to their uses (``flow.py``), then the
verdicts that need the whole file: imports never used for I/O, globals
stored but never called here.

Decoding decision: a UTF-8 BOM is dropped; bytes that contain NUL are not
JavaScript we can read and come back as ``error="not UTF-8 text"``; other
invalid UTF-8 sequences become replacement characters, as Node decodes
them, so that one stray byte cannot hide a file (never guessed as latin-1).
"""

from __future__ import annotations

from tree_sitter import Node

from egress.analyzers.interface import Analyzer
from egress.catalog import Catalog, load_catalog
from egress.model import Capability, Confidence, Ecosystem, FileAnalysis, Finding, FindingKind, SourceFile

from .flow import FileFlow
from .fold import fold
from .imports import ImportSite, dynamic_import_sites, require_sites, static_sites
from .location import SourceText, in_function
from .parsing import Parsers
from .scope import NameIndex
from .values import (
    GlobalObject, GlobalValue, ModuleValue, Value, api_prefix, is_helper_member, main_capability,
    member, module_name,
)

DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")
_BOM = b"\xef\xbb\xbf"


class JavaScriptAnalyzer(Analyzer):
    """Finds network use in `.js`/`.ts` files; cheap to build once per worker process."""

    suffixes = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")

    def __init__(self, catalog: Catalog | None = None) -> None:
        self._catalog = catalog if catalog is not None else load_catalog(Ecosystem.NPM)
        self._parsers = Parsers()
        self._global_roots = _global_roots(self._catalog)

    def __reduce__(self) -> tuple:
        # Parsers cannot be pickled; a copy sent to a worker rebuilds its own.
        return (JavaScriptAnalyzer, (self._catalog,))

    def handles(self, path: str) -> bool:
        return path.endswith(self.suffixes) and not path.endswith(DECLARATION_SUFFIXES)

    def check(self, source: SourceFile) -> FileAnalysis:
        data = _text(source.data)
        if data is None:
            return FileAnalysis(source.path, error="not UTF-8 text")
        try:
            parsed = self._parsers.parse(source.path, data)
        except Exception as exc:  # noqa: BLE001 - a file must never crash a scan
            return FileAnalysis(source.path, error=f"parse failed: {type(exc).__name__}: {exc}"[:200])
        error = f"syntax error at line {parsed.error_line}" if parsed.error_line is not None else None
        return FileAnalysis(source.path, error=error)

    def analyze(self, source: SourceFile) -> FileAnalysis:
        data = _text(source.data)
        if data is None:
            return FileAnalysis(source.path, error="not UTF-8 text")
        try:
            parsed = self._parsers.parse(source.path, data)
            file_pass = _FilePass(self._catalog, self._global_roots, source.path, data, parsed.tree.root_node)
            findings = file_pass.run()
        except Exception as exc:  # noqa: BLE001 - the one boundary: a file must never crash a scan
            return FileAnalysis(source.path, error=f"analysis failed: {type(exc).__name__}: {exc}"[:200])
        error = f"syntax error at line {parsed.error_line}" if parsed.error_line is not None else None
        if error is None and file_pass.flow.exhausted:
            error = "analysis budget exceeded"     # findings may be missing: never a clean file
        return FileAnalysis(source.path, tuple(findings), error)


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
    """The passes over one parsed file."""

    def __init__(self, catalog: Catalog, global_roots: dict, path: str, data: bytes, root: Node) -> None:
        self.catalog = catalog
        self.global_roots = global_roots
        self.source = SourceText(path, data)
        self.root = root
        self.index = NameIndex(root, data)
        self.flow = FileFlow(catalog, self.source, self.index, self._constant)
        self.extra: list[Finding] = []
        self.imports: list[tuple[Node, ModuleValue]] = []
        self.global_refs: dict[int, Node] = {}

    def run(self) -> list[Finding]:
        for site in require_sites(self.index):
            self._site(site)
        for site in static_sites(self.root):
            self._site(site)
        for site in dynamic_import_sites(self.root, self.source.data):
            self._site(site)
        self._globals()
        self.flow.run()
        self._unused_imports()
        self._unused_globals()
        found = list(self.flow.findings.values()) + self.extra
        return sorted(found, key=lambda f: (f.line, f.column, f.kind, f.api))

    # -- sites ---------------------------------------------------------
    def _site(self, site: ImportSite) -> None:
        specifier = fold(site.argument, self._constant) if site.argument is not None else None
        if specifier is None:
            if site.form in ("require", "import()") and site.argument is not None:
                self._add(site.node, FindingKind.DYNAMIC_REQUIRE, "require" if site.form == "require" else "import",
                          "", Capability.REQUEST, Confidence.LOW, note=self.source.text(site.argument))
            return
        entry = self.catalog.module(specifier)
        if entry is None:
            dependency = self.catalog.dependency(specifier)
            if dependency is not None:
                self._add(site.node, FindingKind.DEPENDENCY, dependency.name, specifier, Capability.REQUEST,
                          Confidence.MEDIUM, note=f"imports network client {dependency.name}")
            return
        step = self.source.step(site.node, f"{site.form} '{specifier}'")
        value = ModuleValue(entry, (), site.form == "import()", (step,), site.node.start_byte)
        self.imports.append((site.node, value))
        if site.form in ("require", "import()"):
            self.flow.climb(site.node, (value,))
        elif site.form == "export" or site.side_effect:
            for name in site.exposed or (None,):
                self.flow.exposures.setdefault(value.origin, set()).add(name)
        for binding in site.bindings:
            bound = value if binding.member is None else member(self.catalog, value, binding.member)
            if bound is None:
                self.flow.exposures.setdefault(value.origin, set()).add(binding.member)
            else:
                self.flow.bind(binding.ident, (bound,))

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

    # -- whole-file verdicts ----------------------------------------------
    def _unused_imports(self) -> None:
        for node, value in self.imports:
            if value.origin in self.flow.used_origins:
                continue
            exposed = self.flow.exposures.get(value.origin, {None})
            if all(name is not None and is_helper_member(value.entry, name) for name in exposed):
                continue
            self._add(node, FindingKind.IMPORT_ONLY, api_prefix(value.entry), module_name(value.entry),
                      main_capability(value.entry), Confidence.LOW, note="imports network module")

    def _unused_globals(self) -> None:
        for origin, name in sorted(self.flow.escaped_globals.items()):
            ref = self.global_refs.get(origin)
            if ref is None or origin in self.flow.used_origins:
                continue
            entry = self.catalog.globals.get(name)
            if entry is None:
                continue
            self._add(ref, FindingKind.NETWORK, name, "<global>", entry.capability, Confidence.MEDIUM,
                      note=f"reference to {name} (not called here)")

    # -- helpers ---------------------------------------------------------
    def _add(self, node: Node, kind: FindingKind, api: str, module: str, capability: Capability,
             confidence: Confidence, note: str = "") -> None:
        line, column = self.source.position(node)
        self.extra.append(Finding(
            kind=kind, api=api, module=module, capability=capability, file=self.source.path,
            line=line, column=column, snippet=self.source.snippet(node), confidence=confidence,
            in_function=in_function(node), note=note,
        ))

    def _constant(self, ident: Node) -> Node | None:
        """The initializer of the constant an identifier names (for folding)."""
        if ident.type != "identifier":
            return None
        name = ident.text.decode("utf-8", "replace") if ident.text else ""
        decl = self.index.resolve(ident, name)
        if decl is None:
            return None
        declarator = decl.node.parent
        if declarator is None or declarator.type != "variable_declarator":
            return None
        if declarator.child_by_field_name("name") != decl.node:
            return None
        holder = declarator.parent
        is_const = holder is not None and holder.child_count > 0 and holder.children[0].type == "const"
        if not is_const and any(_is_written(ref) for ref in self.index.references_to(decl, name)):
            return None
        return declarator.child_by_field_name("value")


def _is_written(ref: Node) -> bool:
    parent = ref.parent
    if parent is None:
        return False
    if parent.type in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == ref
    return parent.type == "update_expression"
