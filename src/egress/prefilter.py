"""A byte-level pre-filter that skips files no analysis could flag.

Parsing is the cost of a scan; most files in a dependency tree name no
network module at all.  The filter is built from the catalog (every module
and client specifier, every network global) plus the signals a textual
match cannot resolve (computed ``require``, ``eval``, ``Function``,
``process.binding``, ``__import__``, decoders), so a file is skipped only
when it contains none of them.  It must be loss-free: the test suite runs
the full analysis with and without it and requires identical findings.
RE2 runs it in linear time over bytes.
"""

from __future__ import annotations

import re as std_re
import re2

from egress.catalog import VENDOR_SEGMENTS, Catalog
from egress.catalog.shell_tools import signals
from egress.model import Ecosystem, own_names

#: JavaScript signals whose meaning only the parser can tell.
_JS_DYNAMIC = (
    r"\beval\b", r"\bFunction\b", r"\bprocess\s*\.\s*(?:binding|_linkedBinding|mainModule)\b",
    r"\bcreateRequire\b", r"\bmodule\s*\.\s*(?:require|constructor)\b", r"\b_load\b", r"\b_compile\b",
    r"\bfromCharCode\b", r"\batob\b", r"\bBuffer\s*\.\s*from\b", r"\bReflect\b",
    r"\b(?:globalThis|window|self|global)\s*\[", r"\bimport\s*\(", r"\bvm\b", r"\bnavigator\b",
    r"\\x[0-9a-fA-F]{2}", r"\\u[0-9a-fA-F{]",
    # folded and decoded names (fold.py, decoders.py): a reversed string, URI escapes, the global object
    r"\.\s*reverse\s*\(", r"\bdecodeURI", r"\bglobalThis\b", r"\b__non_webpack_require__\b",
    r"\bfromCodePoint\b", r"\bset(?:Timeout|Interval)\s*\(\s*['\"`]",   # a timer given a string runs it as code
    # a function's constructor is Function: `[].constructor.constructor(…)`, `(() => {}).constructor(…)`
    r"\.\s*constructor\s*(?:\.\s*constructor\b|\()", r"[)\]}]\s*\.\s*constructor\b",
)
#: Python signals whose meaning only the parser can tell: ways to import or run code by name.
_PY_DYNAMIC = (
    r"__import__", r"\bimport_module\b", r"\bbuiltins\b", r"__builtins__", r"\bspec_from_file_location\b",
    r"\bsys\s*\.\s*modules\b", r"\bglobals\s*\(", r"(?:^|[^.\w])(?:exec|eval|compile)\s*\(",
    r"(?:^|[^.\w])exec\s+['\"\w]",      # Python 2's exec statement
)


def python_signals(roots: set[str] | frozenset[str], dynamic: bool = True) -> str:
    """A Python file can reach a module only by importing it, by name or dynamically.

    So the words that matter are module roots in an import statement (a
    continuation line or ``import a, b`` included), not the roots anywhere:
    ``http`` and ``socket`` are common words in docstrings and URLs.  Other
    names (``chr``, ``getattr``, decoders) only matter together with one
    of the dynamic signals, which are here.
    """
    alternation = _alternation(set(roots))
    vendored = "|".join(VENDOR_SEGMENTS) + r"|requests\.packages"
    imports = (rf"\bfrom[\s\\]+(?:{alternation})\b",
               rf"\bimport[\s\\]+[\w.,\s\\]*?\b(?:{alternation})\b",
               # a vendored copy: `from pip._vendor.urllib3 import PoolManager`
               rf"\bfrom[\s\\]+[\w.]*\b(?:{vendored})\.(?:{alternation})\b")
    launchers = signals(Ecosystem.PYPI)      # subprocess, os.system & co. (shell_tools.toml)
    if not dynamic:
        return "|".join(f"(?:{p})" for p in imports)
    return "|".join(f"(?:{p})" for p in (*imports, *_PY_DYNAMIC, *launchers))


# Relative imports are not a signal: files that only call into their own package are analysed in the
# engine's second round, for the packages whose files hand out a network API (see engine.scan).

_LITERAL_REQUIRE = rb"""\brequire\s*\(\s*(?:'[^'\\\n]*'|"[^"\\\n]*")\s*\)"""
_ANY_REQUIRE = rb"\brequire\b"


def _alternation(words: set[str]) -> str:
    return "|".join(std_re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


class PreFilter:
    """Decides per file whether the analyzer must see it."""

    def __init__(self, npm: Catalog, pypi: Catalog) -> None:
        specifiers = {s for s in npm.modules} | {s for s in npm.dependencies}
        globals_ = {name.split(".")[-1] for name in npm.globals}
        js = [
            # a quoted module or client specifier, optionally with a subpath
            r"""['"`](?:""" + _alternation(specifiers) + r""")(?:/[^'"`\n]*)?['"`]""",
            r"\b(?:" + _alternation(globals_) + r")\b",
            *_JS_DYNAMIC,
            *signals(Ecosystem.NPM),          # child_process, worker_threads (shell_tools.toml)
        ]
        self._js = re2.compile("|".join(f"(?:{p})" for p in js).encode())
        self._js_literal_require = re2.compile(_LITERAL_REQUIRE)
        self._js_any_require = re2.compile(_ANY_REQUIRE)
        modules = {name.split(".")[0] for name in pypi.modules}
        clients: dict[str, set[str]] = {}          # import root of a third-party client -> its names
        for specifier, entry in pypi.dependencies.items():
            clients.setdefault(specifier.split(".")[0], set()).add(entry.name)
        self._py = re2.compile(python_signals(modules).encode())
        client_roots = set(clients) - modules
        self._py_clients = re2.compile(python_signals(client_roots, dynamic=False).encode())
        self._py_client_word = re2.compile(rf"\b({_alternation(client_roots)})\b".encode())
        self._client_names = clients

    def own_client_roots(self, name: str) -> frozenset[str]:
        """Import roots only the distribution ``name`` provides among the catalogued clients.

        A client library's own files import it all over (Twisted's 700 files import
        ``twisted``); those imports are self-imports, which ``alerts`` drops, so they alone
        do not make a file worth analysing.  Its calls into its own modules are linked in
        the engine's later rounds as for any package.
        """
        own = own_names(name)
        return frozenset(root for root, names in self._client_names.items()
                         if {n.lower() for n in names} <= own)

    def wants(self, path: str, data: bytes, language: str | None = None,
              own_roots: frozenset[str] = frozenset()) -> bool:
        """True when the file may hold something the analyzer reports (``language`` when not by suffix)."""
        if language == "python" or language is None and path.endswith((".py", ".pyw", ".pth")):
            if self._py.search(data) is not None:
                return True
            if self._py_clients.search(data) is None:
                return False
            # only when every client name in the file is the package's own can its imports be self-imports
            return not own_roots or any(m.group(1).decode() not in own_roots
                                        for m in self._py_client_word.finditer(data))
        if self._js.search(data) is not None:
            return True
        # A `require` that is not a plain literal call (aliased, computed) needs the parser.
        return self._count(self._js_any_require, data) != self._count(self._js_literal_require, data)

    @staticmethod
    def _count(pattern: "re2._Regexp", data: bytes) -> int:
        return sum(1 for _ in pattern.finditer(data))
