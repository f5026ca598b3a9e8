"""Cross-file linking: a call through a package's own module that reaches the network.

Analyzers see one file; each reports what network capability it hands
out (``ExportFact``) and how it uses the package's own modules
(``LocalUse``).  The linker resolves each use to a file of the same
package, follows re-exports, and turns a use that reaches an exported
capability into a finding at the importer, with the trace a reviewer
needs: ``lib/client.js:40 open() → lib/transport.js:12 https.request``.
The package verdict would be the same without it; the evidence is not.
"""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass

from egress.catalog import load_catalog
from egress.model import (
    Capability,
    Confidence,
    Ecosystem,
    ExportFact,
    FileAnalysis,
    Finding,
    FindingKind,
    LocalUse,
    TraceStep,
)

_JS_EXTENSIONS = (".js", ".cjs", ".mjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
MAX_HOPS = 8
#: ``ExportFact.note`` of a function that reaches the network by calling another local module.
CALLS_LOCAL_MODULE = "calls a local module"


@dataclass(frozen=True)
class _Reached:
    fact: ExportFact
    file: str
    hops: tuple[TraceStep, ...]     # re-export steps between the use and the capability
    passed_on: bool = True          # every hop re-exports (arguments reach ``fact``'s function as they are)


class PackageLinker:
    """Links the analyses of one package's files."""

    def __init__(self, ecosystem: Ecosystem, analyses: dict[str, FileAnalysis],
                 manifest: dict | None = None) -> None:
        self.ecosystem = ecosystem
        self.analyses = analyses
        self.files = set(analyses)
        self.catalog = load_catalog(ecosystem)
        self.manifest = manifest or {}      # the package's own package.json fields (main, module, exports)
        self._memo: dict[tuple, list[_Reached]] = {}
        self._active: set[tuple] = set()
        self._cuts = 0
        self._resolved: dict[tuple[str, str], str | None] = {}

    def findings(self) -> list[Finding]:
        """One finding per local use that reaches exported network capability."""
        found: dict[tuple, Finding] = {}
        direct = {(f.file, f.line, f.column, f.api) for a in self.analyses.values() for f in a.findings}
        for importer, analysis in sorted(self.analyses.items()):
            for use in analysis.local_uses:
                target = self.resolve(importer, use.specifier)
                if target is None:
                    continue
                member, attribute = use.member, use.attribute
                if member is None and attribute and "." in attribute:
                    member, _, attribute = attribute.partition(".")   # `t.Client().get()`
                for reached in self._reach(target, member, attribute, 0):
                    finding = self._finding(importer, use, reached)
                    key = (finding.file, finding.line, finding.column, finding.api)
                    if key not in direct and key not in found:
                        found[key] = finding
        return list(found.values())

    # -- resolution ------------------------------------------------------
    def resolve(self, importer: str, specifier: str) -> str | None:
        """The package file a specifier names from ``importer``, or None (memoised per folder)."""
        key = (posixpath.dirname(importer), specifier)
        if key not in self._resolved:
            if self.ecosystem is Ecosystem.NPM:
                self._resolved[key] = self._resolve_js(importer, specifier)
            else:
                self._resolved[key] = self._resolve_py(importer, specifier)
        return self._resolved[key]

    def _resolve_js(self, importer: str, specifier: str) -> str | None:
        if not specifier.startswith((".", "/")):
            return None
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
        if base == ".":                     # `require('..')` from lib/: the package itself, by its manifest
            return self._package_entry()
        stem, ext = posixpath.splitext(base)
        candidates = [base, *(base + e for e in _JS_EXTENSIONS), *(f"{base}/index{e}" for e in _JS_EXTENSIONS)]
        if ext in (".js", ".mjs", ".cjs"):   # TypeScript sources import their compiled names
            candidates += [stem + e for e in (".ts", ".mts", ".cts", ".tsx")]
        return next((c for c in candidates if c in self.files), None)

    def _package_entry(self) -> str | None:
        """The file package.json names as the package: ``exports["."]`` (require/node/import/default
        conditions, in the order Node tries them for require), else ``main``, else ``module``, else index."""
        candidates = [_export_target(self.manifest.get("exports")), self.manifest.get("main"),
                      self.manifest.get("module"), "index.js"]
        for entry in candidates:
            if isinstance(entry, str):
                found = self._resolve_js("x", "./" + entry.removeprefix("./"))
                if found is not None:
                    return found
        return None

    def _resolve_py(self, importer: str, specifier: str) -> str | None:
        if specifier.startswith("."):
            level = len(specifier) - len(specifier.lstrip("."))
            package = posixpath.dirname(importer)
            for _ in range(level - 1):
                package = posixpath.dirname(package)
            rest = specifier[level:]
            base = posixpath.join(package, *rest.split(".")) if rest else package
            return self._py_module(base)
        parts = specifier.split(".")
        for root in ("", "src/", "lib/"):
            found = self._py_module(root + "/".join(parts))
            if found is not None:
                return found
        return None

    def _py_module(self, base: str) -> str | None:
        base = base.strip("/")
        for candidate in (f"{base}.py", f"{base}/__init__.py" if base else "__init__.py"):
            if candidate in self.files:
                return candidate
        return None

    # -- following exports ----------------------------------------------
    def _reach(self, target: str, member: str | None, attribute: str | None, depth: int) -> list[_Reached]:
        """What a use of ``member``/``attribute`` of ``target`` reaches; memoised, cycles cut.

        Barrel files (``export * from`` chains) would otherwise be walked once per
        use and per path, which grows exponentially with the depth of the chains.
        """
        key = (target, member, attribute)
        if key in self._memo:
            return self._memo[key]
        if depth > MAX_HOPS or key in self._active:
            self._cuts += 1            # a partial answer: whatever used it must not be memoised
            return []
        self._active.add(key)
        cuts = self._cuts
        try:
            reached = self._reach_uncached(target, member, attribute, depth)
        finally:
            self._active.discard(key)
        if self._cuts == cuts:
            self._memo[key] = reached
        return reached

    def _reach_uncached(self, target: str, member: str | None, attribute: str | None,
                        depth: int) -> list[_Reached]:
        analysis = self.analyses.get(target)
        if analysis is None:
            return []
        reached: list[_Reached] = []
        for fact in analysis.exports:
            if not self._matches(fact, member, attribute):
                continue
            if fact.via_specifier:
                next_file = self.resolve(target, fact.via_specifier)
                if next_file is None:
                    continue
                if fact.name is None and fact.via_member is None:
                    # `module.exports = require('./lib')`, `export * from`: the same name, one file on
                    next_member, next_attribute = member, attribute
                elif fact.via_member is not None:
                    # `exports.open = require('./t').send`: importers of `open` reach `send` of ./t
                    next_member, next_attribute = fact.via_member, attribute
                else:
                    # `exports.t = require('./t')`: `t.send()` reaches `send` of ./t
                    next_member, next_attribute = attribute, None
                hop = TraceStep(target, fact.line, fact.column,
                                f"re-exports {fact.via_member or 'module'} of {fact.via_specifier}")
                through_call = fact.note == CALLS_LOCAL_MODULE    # a function calling another: new arguments
                for inner in self._reach(next_file, next_member, next_attribute, depth + 1):
                    reached.append(_Reached(inner.fact, inner.file, (hop, *inner.hops),
                                            inner.passed_on and not through_call))
            elif fact.note == "module" and fact.name is None:
                # `module.exports = require('https')`: `t.get()` in an importer is `https.get`
                used = attribute if member is None else member
                member_fact = self._module_member(fact, used) if used else None
                if member_fact is not None:
                    reached.append(_Reached(member_fact, target, ()))
            elif fact.api:
                reached.append(_Reached(fact, target, ()))
        if self.ecosystem is Ecosystem.PYPI and member is not None and not reached:
            # `from . import transport; transport.send()`: the member is itself a submodule
            submodule = self._py_module(posixpath.join(posixpath.dirname(target), member)) \
                if target.endswith("__init__.py") else None
            if submodule is not None and submodule != target and attribute:
                # `transport.Client().get()`: the attribute path continues inside the submodule
                first, _, rest = attribute.partition(".")
                reached.extend(self._reach(submodule, first, rest or None, depth + 1))
        return reached

    @staticmethod
    def _matches(fact: ExportFact, member: str | None, attribute: str | None) -> bool:
        if fact.via_specifier and fact.name is None and fact.via_member is None:
            return True     # `module.exports = require('./lib')`, `export * from`: everything passes
        if fact.via_specifier and fact.via_member is None:
            return fact.name == member      # `exports.t = require('./t')`: `t.send()`
        if fact.note == "module" and fact.name is None:
            return True     # a network module handed out whole: the member used decides (see _reach)
        if member is None:
            # the module value itself is used: `t(...)`, or `t.get(...)`
            if attribute is None:
                return fact.name is None and fact.member_of is None
            return (fact.name == attribute and fact.member_of is None) or \
                (fact.name is None and fact.member_of == attribute)
        if fact.name is None and fact.member_of == member and attribute is None:
            return True     # `module.exports = {send}` imported as `const {send} = require(...)`
        if fact.name != member:
            return False
        return fact.member_of is None or fact.member_of == attribute

    def _module_member(self, fact: ExportFact, name: str) -> ExportFact | None:
        """The network member ``name`` of a module handed out whole, per the catalog."""
        entry = self.catalog.module(fact.module or fact.api)
        if entry is None:
            return None
        capability = entry.members.get(name, entry.unlisted)
        if capability is None or capability is Capability.HELPER:
            return None
        return dataclasses.replace(fact, api=f"{fact.api}.{name}", capability=capability, note="")

    def _finding(self, importer: str, use: LocalUse, reached: _Reached) -> Finding:
        fact = reached.fact
        name = ".".join(p for p in (use.member, use.attribute) if p) or use.specifier
        first = TraceStep(importer, use.line, use.column, f"{name}() from {use.specifier}")
        last = TraceStep(reached.file, fact.line, fact.column, fact.api)
        # what the importer passes where the reached function sends its parameters (through
        # re-exports only: a function that calls another passes arguments of its own)
        sent = tuple(dict.fromkeys(source for i in fact.sends if i < len(use.argument_sources)
                                   for source in use.argument_sources[i])) \
            if use.called and reached.passed_on else ()
        return Finding(
            kind=FindingKind.NETWORK, api=fact.api, module=fact.module, capability=fact.capability,
            file=importer, line=use.line, column=use.column, snippet=use.snippet,
            confidence=Confidence.HIGH if use.called else Confidence.MEDIUM, in_function=use.in_function,
            trace=(first, *reached.hops, last),
            note=f"through {reached.file}:{fact.line} {fact.api}",
            destinations=self._passed_destinations(use, fact, reached) or (fact.destinations if sent else ()),
            data_sources=sent,
        )

    @staticmethod
    def _passed_destinations(use: LocalUse, fact: ExportFact, reached: _Reached) -> tuple:
        """The URL the importer passes where the reached function takes its whole URL (`call(url)`)."""
        i = fact.destination_parameter
        if i is None or not use.called or not reached.passed_on or i >= len(use.argument_destinations):
            return ()
        found = use.argument_destinations[i]
        return (found,) if found is not None else ()


_CONDITIONS = ("require", "node", "import", "default")


def _export_target(exports: object, depth: int = 0) -> str | None:
    """The root target of a package.json ``exports`` field (a string, ``{".": …}``, or conditions)."""
    if depth > 4:
        return None
    if isinstance(exports, str):
        return exports
    if isinstance(exports, list):
        return next((t for t in (_export_target(e, depth + 1) for e in exports) if t), None)
    if isinstance(exports, dict):
        if "." in exports:
            return _export_target(exports["."], depth + 1)
        for condition in _CONDITIONS:
            if condition in exports:
                return _export_target(exports[condition], depth + 1)
    return None
