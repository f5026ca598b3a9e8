"""Which analyzer reads which file, by ecosystem and file name ending.

Analyzers are built lazily, once per process, so a worker that only ever
sees JavaScript never loads the Python front end.
"""

from __future__ import annotations

from egress.analyzers.interface import Analyzer
from egress.model import Ecosystem

JS_SUFFIXES = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
PY_SUFFIXES = (".py", ".pyw", ".pth")
_DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")


def language_of(path: str) -> str | None:
    """"javascript", "python" or None for files no analyzer reads."""
    if path.endswith(JS_SUFFIXES) and not path.endswith(_DECLARATION_SUFFIXES):
        return "javascript"
    if path.endswith(PY_SUFFIXES):
        return "python"
    return None


def wanted_by(ecosystem: Ecosystem):
    """The path predicate a source gets: the files this ecosystem's analyzer reads."""
    language = "javascript" if ecosystem is Ecosystem.NPM else "python"
    return lambda path: language_of(path) == language


def analyzer_for(path: str, built: dict[str, Analyzer]) -> Analyzer | None:
    language = language_of(path)
    if language is None:
        return None
    if language not in built:
        if language == "javascript":
            from egress.analyzers.javascript import JavaScriptAnalyzer

            built[language] = JavaScriptAnalyzer()
        else:
            from egress.analyzers.python import PythonAnalyzer

            built[language] = PythonAnalyzer()
    return built[language]
