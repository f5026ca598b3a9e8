"""The load graph behind timing: the text pass, entry points, closures and the timing rule."""

from __future__ import annotations

import pytest

from egress.context import PackageContext
from egress.entrypoints import load_specifiers, load_times, npm_entries, python_entries, with_imports
from egress.linker import PackageLinker
from egress.model import (Capability, Confidence, Ecosystem, FileAnalysis, Finding, FindingKind, PackageArtifact,
                          SourceFile, Timing)


def _js(text: str, path: str = "lib/a.js") -> tuple[str, ...]:
    return load_specifiers(SourceFile(path, text.encode()), Ecosystem.NPM)


def _py(text: str, path: str = "pkg/__init__.py") -> tuple[str, ...]:
    return load_specifiers(SourceFile(path, text.encode()), Ecosystem.PYPI)


# -- JavaScript: what loads at the top level ------------------------------------------------------
@pytest.mark.parametrize("text, specifiers", [
    ("const a = require('./a');\n", ("./a",)),
    ("const a = require( \"../up/a\" );\n", ("../up/a",)),
    ("module.exports = require('..');\n", ("..",)),
    ("import b from './b.mjs';\n", ("./b.mjs",)),
    ("import {\n  x,\n  y,\n} from './multi';\n", ("./multi",)),
    ("import './side-effect';\n", ("./side-effect",)),
    ("export * from './barrel';\nexport { z } from \"./z\";\n", ("./barrel", "./z")),
    ("const d = import('./dynamic');\n", ("./dynamic",)),
    ("if (process.env.X) {\n  require('./conditional');\n}\n", ("./conditional",)),
    ("try {\n  module.exports = require('./native');\n} catch (e) {}\n", ("./native",)),
    # an immediately invoked wrapper (UMD) runs at load
    ("(function (root, factory) {\n  factory(require('./umd'));\n})(this, function () {});\n", ("./umd",)),
    # a callback handed to a call may run at once: kept
    ("[1].forEach(() => {\n  require('./each');\n});\n", ("./each",)),
    # minified: one line, a function closed before the call
    ("function a(){return 1}var b=require(\"./b\");\n", ("./b",)),
    ("import ts = require('./ts-style');\n", ("./ts-style",)),
])
def test_js_loads_at_top_level(text: str, specifiers: tuple[str, ...]) -> None:
    assert _js(text) == specifiers


@pytest.mark.parametrize("text", [
    "function later() {\n  return require('./lazy');\n}\n",
    "async function later() {\n  const m = await import('./lazy');\n}\n",
    "export function later() {\n  if (x) {\n    require('./lazy');\n  }\n}\n",
    "exports.get = function (a) {\n  return require('./lazy')(a);\n};\n",
    "const load = async () => {\n  return require('./lazy');\n};\n",
    "const load = () => require('./lazy');\n",
    "exports.get = function () { return require('./lazy') };\n",
    "class K {\n  get thing() {\n    return require('./lazy');\n  }\n"
    "  static make() {\n    require('./lazy');\n  }\n}\n",
    "module.exports = {\n  load(name) {\n    return require('./lazy');\n  },\n};\n",
    "export default function () {\n  return import('./lazy');\n}\n",
    "class T {\n  private async load<T>(name: string): Promise<T> {\n    return require('./lazy');\n  }\n}\n",
    "const load = async (name: string): Promise<void> => {\n  await import('./lazy');\n};\n",
    "class P {\n  #load() {\n    return require('./lazy');\n  }\n}\n",
    "module.exports = {\n  \"rule-a\": () => require(\"./lazy\"),\n  'rule-b': () =>\n    require('./lazy'),\n};\n",
])
def test_js_loads_inside_functions_are_lazy(text: str) -> None:
    assert _js(text) == ()


@pytest.mark.parametrize("text", [
    "const fs = require('fs');\nimport x from 'pkg/sub';\n",     # not local
    "const p = require.resolve('./x');\n",                         # resolves, does not load
    "const s = 'just ./text';\n",
    "",
])
def test_js_non_loads(text: str) -> None:
    assert _js(text) == ()


def test_bin_without_extension_is_read_as_javascript() -> None:
    source = SourceFile("bin/cli", b"#!/usr/bin/env node\nrequire('../lib/cli');\n", language="javascript")
    assert load_specifiers(source, Ecosystem.NPM) == ("../lib/cli",)


def test_bad_bytes_never_raise() -> None:
    junk = bytes(range(256)) * 50 + b"require('./\xff\xfe')" + b"\n  require('./x')\x00"
    assert load_specifiers(SourceFile("a.js", junk), Ecosystem.NPM) == ("./\udcff\udcfe", "./x")
    assert load_specifiers(SourceFile("a.py", junk), Ecosystem.PYPI) == ()


def test_a_long_minified_line_is_read_in_one_pass() -> None:
    line = b"var a=0;" * 100_000 + b"function f(){return require('./late')}"
    assert load_specifiers(SourceFile("bundle.min.js", line), Ecosystem.NPM) == ("./late",)


# -- Python ---------------------------------------------------------------------------------------
def test_python_top_level_imports_with_submodule_candidates() -> None:
    text = ("from __future__ import annotations\nimport os, json\nfrom . import transport, util as u\n"
            "from .client import (\n    Session,\n    get,\n)\nimport pkg.sub as s\nfrom ..up import *\n")
    assert _py(text) == (".", ".transport", ".util", ".client", ".client.Session", ".client.get", "pkg.sub", "..up")


def test_python_imports_in_blocks_run_and_in_functions_or_type_checking_do_not() -> None:
    text = ("try:\n    from ._speed import fast\nexcept ImportError:\n    pass\n"
            "class C:\n    from .in_class import y\n"
            "if TYPE_CHECKING:\n    from .typed import T\n"
            "def f():\n    from .lazy import x\n    import pkg.lazy\n"
            "async def g():\n    # a comment\n    from . import lazy_async\n")
    assert _py(text) == ("._speed", "._speed.fast", ".in_class", ".in_class.y")


def test_pth_lines_are_imports() -> None:
    assert load_specifiers(SourceFile("x.pth", b"import hook_impl; hook_impl.go()\n"), Ecosystem.PYPI) \
        == ("hook_impl",)


# -- entry points ---------------------------------------------------------------------------------
def _resolver(ecosystem: Ecosystem, files: list[str], manifest: dict | None = None):
    return PackageLinker(ecosystem, {f: FileAnalysis(f) for f in files}, manifest).resolve


def test_npm_entries_cover_main_module_every_exports_target_patterns_and_bin() -> None:
    files = ["lib/main.js", "esm/index.mjs", "lib/feature.js", "lib/feature-browser.js", "lib/plugins/a.js",
             "lib/plugins/b/c.js", "lib/other.js", "index.js", "bin/cli", "dist/m.mjs"]
    meta = {"main": "./lib/main", "module": "dist/m.mjs", "bin": {"x": "./bin/cli"},
            "exports": {".": {"import": "./esm/index.mjs", "require": "./lib/main.js"},
                        "./feature": [{"node": "./lib/feature.js"}, "./lib/feature-browser.js"],
                        "./plugins/*": "./lib/plugins/*.js", "./private/*": None}}
    assert npm_entries(meta, _resolver(Ecosystem.NPM, files, meta), files) == {
        "lib/main.js", "esm/index.mjs", "lib/feature.js", "lib/feature-browser.js", "lib/plugins/a.js",
        "lib/plugins/b/c.js", "bin/cli", "dist/m.mjs"}


@pytest.mark.parametrize("meta", [{}, {"main": "missing.js"}, {"main": 7, "exports": 3, "bin": ["odd"]}])
def test_npm_index_js_when_main_names_nothing(meta: dict) -> None:
    files = ["index.js", "other.js"]
    assert npm_entries(meta, _resolver(Ecosystem.NPM, files, meta), files) == {"index.js"}


def test_python_entries() -> None:
    files = ["pkg/__init__.py", "pkg/sub/__init__.py", "pkg/__main__.py", "pkg/mod.py", "six.py", "setup.py",
             "conftest.py", "src/solo.py", "tools/cli.py", "pkg-1.0.data/scripts/tool.py", "pkg-1.0.data/data/x.py"]
    meta = {"top_level": ["pkg", "six", "solo"], "entry_points": "[console_scripts]\nrun = tools.cli:main\n"}
    assert python_entries(meta, _resolver(Ecosystem.PYPI, files), files) == {
        "pkg/__init__.py", "pkg/sub/__init__.py", "pkg/__main__.py", "six.py", "src/solo.py", "tools/cli.py",
        "pkg-1.0.data/scripts/tool.py"}


def test_python_entries_with_a_bad_entry_points_text() -> None:
    files = ["pkg/__init__.py"]
    meta = {"entry_points": "[console_scripts\nnot ini"}
    assert python_entries(meta, _resolver(Ecosystem.PYPI, files), files) == {"pkg/__init__.py"}


# -- closures and the timing rule -----------------------------------------------------------------
def _artifact(ecosystem: Ecosystem, metadata: dict) -> PackageArtifact:
    return PackageArtifact(ecosystem, "p", "1.0.0", read_files=lambda want: iter(()), metadata=metadata)


def _analyses(graph: dict[str, tuple[str, ...]]) -> dict[str, FileAnalysis]:
    return {path: FileAnalysis(path, imports=imports) for path, imports in graph.items()}


def test_load_times_follow_the_graph_through_cycles() -> None:
    analyses = _analyses({"index.js": ("./a",), "a.js": ("./b", "./missing"), "b.js": ("./a",),
                          "install.js": ("./dl",), "dl.js": (), "alone.js": ()})
    loads = load_times(_artifact(Ecosystem.NPM, {}), analyses, ["install.js"])
    assert loads.imported == {"index.js", "a.js", "b.js"}
    assert loads.install == {"install.js", "dl.js"}
    assert loads.startup == frozenset()


def test_pth_loads_are_startup() -> None:
    analyses = _analyses({"boot.pth": ("boot_impl",), "boot_impl.py": (), "pkg/__init__.py": ()})
    loads = load_times(_artifact(Ecosystem.PYPI, {"top_level": ["pkg"]}), analyses)
    assert loads.startup == {"boot.pth", "boot_impl.py"}
    assert loads.imported == {"pkg/__init__.py"}


def _finding(file: str, in_function: bool) -> Finding:
    return Finding(FindingKind.NETWORK, "https.get", "https", Capability.REQUEST, file, 1, 1, "", Confidence.HIGH,
                   in_function=in_function)


def test_timing_rule_with_the_load_graph() -> None:
    artifact = _artifact(Ecosystem.NPM, {"scripts": {"postinstall": "node install.js"}})
    analyses = _analyses({"index.js": ("./a",), "a.js": (), "install.js": ("./dl",), "dl.js": (), "z.js": ()})
    ctx = PackageContext.of(artifact).with_loads(artifact, analyses)
    assert [ctx.timing(_finding(f, False)) for f in ("index.js", "a.js", "install.js", "dl.js", "z.js")] == [
        Timing.IMPORT, Timing.IMPORT, Timing.INSTALL, Timing.INSTALL, Timing.RUNTIME]
    assert [ctx.timing(_finding(f, True)) for f in ("index.js", "install.js", "dl.js")] == [
        Timing.RUNTIME, Timing.INSTALL, Timing.RUNTIME]


def test_no_top_level_finding_skips_the_graph() -> None:
    artifact = _artifact(Ecosystem.NPM, {})
    ctx = PackageContext.of(artifact).with_loads(artifact, _analyses({"index.js": ()}), [_finding("index.js", True)])
    assert ctx.import_loaded == frozenset() and ctx.timing(_finding("index.js", True)) is Timing.RUNTIME


def test_with_imports_attaches_specifiers_only_to_read_files() -> None:
    analyses = {"a.js": FileAnalysis("a.js"), "b.js": FileAnalysis("b.js", error="parse error")}
    out = with_imports(analyses, {"a.js": ("./b",), "b.js": ("./a",), "gone.js": ("./a",)})
    assert out == {"a.js": FileAnalysis("a.js", imports=("./b",)),
                   "b.js": FileAnalysis("b.js", error="parse error", imports=("./a",))}
    assert analyses["a.js"].imports == ()


def test_python_imports_by_a_literal_name() -> None:
    pth = b"import os; enabled = os.environ.get('X'); enabled and __import__('_hack').add_shim();\n"
    assert load_specifiers(SourceFile("p.pth", pth), Ecosystem.PYPI) == ("_hack",)
    text = "import importlib\nplugin = importlib.import_module('pkg.plugin')\ndef f():\n    __import__('pkg.lazy')\n"
    assert _py(text) == ("pkg.plugin",)


def test_js_loader_words_only_count_as_whole_words_before_the_quote() -> None:
    text = "myrequire('./a');\nx.from('./b');\nconst s = 'a' + './c';\nimporter('./d');\nmodule.require('./e');\n"
    assert _js(text) == ("./e",)
