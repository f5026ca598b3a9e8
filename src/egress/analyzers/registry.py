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


def wanted_by(ecosystem: Ecosystem, declared: frozenset[str] = frozenset()):
    """The path predicate a source gets: the files this ecosystem's analyzer reads.

    ``declared`` adds files the package itself names as code (npm ``bin``).
    """
    if ecosystem is Ecosystem.NPM:
        return lambda path: language_of(path) == "javascript" or path in declared
    return lambda path: language_of(path) == "python" or path in declared or is_wheel_script(path)


def is_wheel_script(path: str) -> bool:
    """A wheel's ``<name>.data/scripts/`` file: pip installs it into ``bin/`` as a command."""
    parts = path.split("/")
    return len(parts) == 3 and parts[0].endswith(".data") and parts[1] == "scripts"


def script_language(data: bytes) -> str | None:
    """The language a script without a known suffix is in, from its ``#!`` line: Node or Python."""
    first = data[:200].split(b"\n", 1)[0]
    if not first.startswith(b"#!"):
        return None
    if b"node" in first:
        return "javascript"
    return "python" if b"python" in first else None


def declared_scripts(metadata: dict) -> frozenset[str]:
    """npm ``bin`` entries and ``main``: files Node runs as JavaScript whatever their file name."""
    raw = metadata.get("bin")
    entries = list(raw.values()) if isinstance(raw, dict) else [raw] if isinstance(raw, str) else []
    main = metadata.get("main")
    if isinstance(main, str) and not main.lower().endswith((".json", ".node")):
        entries.append(main)
    return frozenset(e.removeprefix("./") for e in entries if isinstance(e, str) and language_of(e) is None)


def analyzer_for(path: str, built: dict[str, Analyzer], language: str | None = None) -> Analyzer | None:
    language = language or language_of(path)
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
