"""Later rounds analyse a skipped file only when it imports a module that leads to the network.

A file the pre-filter skipped is parsed and its imports listed
(``FileAnalysis.links``); the engine analyses it again only when one of them
resolves, by the linker's rules, to a file that hands out a network API or hands
one on (re-export, a call into such a file).  The findings must be those of a
scan without the pre-filter, and a file importing only harmless modules of its
package must not be analysed again, whatever words it contains.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress import engine
from egress.analyzers.javascript.analyzer import JavaScriptAnalyzer
from egress.analyzers.python.analyzer import PythonAnalyzer
from egress.engine import ScanOptions, scan
from egress.model import Ecosystem, PackageArtifact, SourceFile

_SUBMIT = engine._Runner.submit
PY_FILES = {
    "pkg/transport.py": "import socket\n\ndef send(host):\n    return socket.create_connection((host, 80))\n",
    "pkg/__init__.py": "from .transport import send\n",
    "pkg/client.py": "from pkg import send\n\n\ndef go():\n    return send('example.org')\n",
    "pkg/helpers.py": "def fmt(x):\n    return str(x)\n",
    # names `transport` and `send` in text, imports only the harmless helpers
    "pkg/util.py": '"""Formats what transport.send returns."""\nfrom .helpers import fmt\n\nfmt(1)  # send\n',
}
JS_FILES = {
    "lib/transport.js": "const https = require('https');\nexports.send = (u) => https.get(u);\n",
    "lib/index.js": "module.exports = require('./transport');\n",
    "main.js": "const api = require('./lib');\n\nfunction go() { return api.send('https://example.org'); }\n"
               "module.exports = go;\n",
    "lib/helpers.js": "exports.fmt = (x) => String(x);\n",
    "lib/util.js": "// uses transport.send\nconst { fmt } = require('./helpers');\nfmt('./transport');\n",
}


def _artifact(ecosystem: Ecosystem, files: dict[str, str]) -> PackageArtifact:
    def read(want):
        for path, text in sorted(files.items()):
            if want(path):
                yield SourceFile(path, text.encode())

    metadata = {"main": "main.js"} if ecosystem is Ecosystem.NPM else {}
    return PackageArtifact(ecosystem, "pkg", "1.0.0", read_files=read, metadata=metadata)


def _scan(ecosystem: Ecosystem, files: dict[str, str], prefilter: bool,
          monkeypatch: pytest.MonkeyPatch) -> tuple[set[tuple], list[str]]:
    analysed: list[str] = []
    submit = _SUBMIT

    def recording(self, item, source, check_only):
        if not check_only:
            analysed.append(source.path)
        return submit(self, item, source, check_only)

    monkeypatch.setattr(engine._Runner, "submit", recording)
    [result] = scan([_artifact(ecosystem, files)], ScanOptions(jobs=1, use_prefilter=prefilter)).packages
    linked = {(f.file, f.line, f.api, tuple((s.file, s.line) for s in f.trace))
              for f in result.findings if f.note.startswith("through ")}
    return linked, analysed


def test_python_rounds_follow_imports_not_words(monkeypatch: pytest.MonkeyPatch) -> None:
    linked, analysed = _scan(Ecosystem.PYPI, PY_FILES, True, monkeypatch)
    assert linked == _scan(Ecosystem.PYPI, PY_FILES, False, monkeypatch)[0]
    assert ("pkg/client.py", 5, "socket.create_connection",
            (("pkg/client.py", 5), ("pkg/__init__.py", 1), ("pkg/transport.py", 4))) in linked
    # round one: the network file; then __init__ (imports it), then client (imports __init__)
    assert analysed == ["pkg/transport.py", "pkg/__init__.py", "pkg/client.py"]


def test_javascript_rounds_follow_imports_not_words(monkeypatch: pytest.MonkeyPatch) -> None:
    linked, analysed = _scan(Ecosystem.NPM, JS_FILES, True, monkeypatch)
    assert linked == _scan(Ecosystem.NPM, JS_FILES, False, monkeypatch)[0]
    assert ("main.js", 3, "https.get", (("main.js", 3), ("lib/index.js", 1), ("lib/transport.js", 2))) in linked
    assert analysed == ["lib/transport.js", "lib/index.js", "main.js"]


def test_python_imports_listed_at_any_depth_and_form() -> None:
    source = (b'"""import nothing here"""\nimport os, a.b as c\nfrom . import (t,\n    u as v)\n'
              b"from ..x.y import z; import q\n\ndef f():\n    from .lazy import w\n# import commented\n")
    analysis = PythonAnalyzer().check(SourceFile("pkg/m.py", source))
    assert analysis.error is None
    assert analysis.links == ("os", "a.b", ".", ".t", ".u", "..x.y", "..x.y.z", "q", ".lazy", ".lazy.w")


def test_javascript_relative_loads_listed_only_from_load_forms() -> None:
    source = (b"const a = require('./a'); // require('./in-comment')\n"
              b"import b from \"../b\"; export * from './e'\n"
              b"function f() { return import('./d') }\n"
              b"x('./not-a-load'); const s = \"require('./in-string')\";\n")
    analysis = JavaScriptAnalyzer().check(SourceFile("lib/m.js", source))
    assert analysis.error is None
    assert analysis.links == ("./a", "../b", "./e", "./d")
