"""``PythonAnalyzer``: one file in, findings (or the reason it was not analysed) out.

stdlib ``ast`` reads what the running interpreter accepts; anything else
(Python 2, newer syntax) goes to tree-sitter under a time limit.  Both feed
the same ``Builder``, so the detection in ``evaluate``/``walk`` is written
once.  Nothing raises out of ``analyze``.
"""

from __future__ import annotations

import ast
import re
import warnings

import re2

from egress.analyzers.interface import Analyzer
from egress.analyzers.python import facts, from_ast, from_treesitter, links
from egress.analyzers.python.decode import DecodeError, decode, pth_source, split_lines
from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.locate import Locator
from egress.analyzers.python.scopes import Builder
from egress.analyzers.python.walk import Walker
from egress.catalog import Catalog, load_catalog
from egress.prefilter import python_signals
from egress.model import Ecosystem, FileAnalysis, SourceFile


class PythonAnalyzer(Analyzer):
    suffixes = (".py", ".pyw", ".pth")

    def __init__(self, catalog: Catalog | None = None, *, fallback_time_limit: float = 5.0,
                 local_facts: bool = True) -> None:
        """``local_facts=False``: a file with no network signal is not walked for its uses of the
        package's own modules (``local_uses``), which costs a full build of files with relative imports."""
        self._catalog = catalog if catalog is not None else load_catalog(Ecosystem.PYPI)
        self._local_facts = local_facts
        self._limit = float(fallback_time_limit)
        self._roots = frozenset(name.split(".")[0] for name in self._catalog.modules)
        self._local_roots = facts.catalog_roots(self._catalog)
        self._catalogued = re2.compile(python_signals(self._roots))

    def _names_catalogued_module(self, text: str) -> bool:
        """Whether an import of a catalogued module (or a dynamic import) may be in ``text``.

        A cheap text test: a file that fails it is read for its imports only,
        and analysed in full anyway if one of them turns out to be catalogued.
        """
        return self._catalogued.search(text) is not None

    def readable(self, source: SourceFile) -> str | None:
        try:
            decode(source.data)
        except DecodeError as exc:
            return str(exc)
        return None

    def check(self, source: SourceFile) -> FileAnalysis:
        """Decode and parse only (the pre-filter saw nothing to analyse); a failure takes the full path.

        tree-sitter first: it parses about 1.5 times as fast as building an
        ``ast``, and the full analysis reports a syntax error only when both
        parsers fail, so a clean tree-sitter parse settles it.
        """
        if not source.path.endswith(".pth"):
            try:
                text = decode(source.data)
            except DecodeError:
                return FileAnalysis(source.path, error=self.analyze(source).error)
            try:
                data = source.data if source.data.isascii() else text.encode("utf-8", "surrogatepass")
                root = from_treesitter.parse(data, self._limit).root_node
                if not root.has_error:
                    return FileAnalysis(source.path, links=links.imported_modules(root, data))
            except from_treesitter.ParseTimeout:
                pass
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    compile(text, source.path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
                return FileAnalysis(source.path)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                pass    # the full analysis reports the reason (or reads Python 2 with tree-sitter)
        return FileAnalysis(source.path, error=self.analyze(source).error)

    def analyze(self, source: SourceFile) -> FileAnalysis:
        try:
            return self._analyze(source)
        except RecursionError:
            return FileAnalysis(source.path, error="too deeply nested to analyse")
        except Exception as exc:   # a bug here must not pass for a clean file
            return FileAnalysis(source.path, error=f"analyzer error: {type(exc).__name__}: {exc}")

    def _analyze(self, source: SourceFile) -> FileAnalysis:
        path = source.path
        try:
            text = decode(source.data)
        except DecodeError as exc:
            return FileAnalysis(path, error=str(exc))
        if path.endswith(".pth"):
            text = pth_source(text)
        builder, error, light = Builder(), None, False
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text, filename=path)
            if self._names_catalogued_module(text):
                from_ast.build(tree, builder)
            else:
                from_ast.build_imports(tree, builder)
                own = facts.own_names(path, self._local_roots)
                missed = any(rec.module.split(".")[0] in self._roots for rec in builder.program.imports)
                # imports of the package itself: only their uses matter (cross-file facts)
                light = not missed and self._local_facts and (bool(builder.program.local_imports) or any(
                    facts.is_local_candidate(rec, own) for rec in builder.program.imports))
                if missed or light:
                    builder = Builder()          # the text test missed an import: analyse in full
                    from_ast.build(tree, builder)
        except (SyntaxError, ValueError, MemoryError):
            builder = Builder()
            data = text.encode("utf-8", "surrogatepass")
            try:
                ts_tree = from_treesitter.parse(data, self._limit)
            except from_treesitter.ParseTimeout:
                return FileAnalysis(path, error=f"parse time limit ({self._limit!r} s) exceeded")
            from_treesitter.build(ts_tree, data, builder)
            line = from_treesitter.first_error_line(ts_tree)
            if line is not None:
                error = f"syntax error at line {line}"
        loc = Locator(path, split_lines(text))
        program = builder.program
        ev = Evaluator(self._catalog, program, loc)
        walker = Walker(self._catalog, ev, loc)
        if light and not program.module.local_stars:
            walker.only = (facts.linkable_names(program), facts.linkable_names(program, frozenset({"import"})))
        findings = walker.run(program)
        exports, local_uses = facts.collect(program, walker.scoped, walker.calls, walker.uses, ev, loc,
                                            walker.own)
        return FileAnalysis(path, tuple(findings), error, exports, local_uses,
                            launches=tuple(dict.fromkeys(walker.launches)))
