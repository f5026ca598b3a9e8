"""Cross-file linking: uses of a package's own modules that reach exported network capability."""

from __future__ import annotations

from egress.linker import PackageLinker
from egress.model import Capability, Confidence, Ecosystem, ExportFact, FileAnalysis, LocalUse

SEND = ExportFact(name="send", api="https.request", module="https", capability=Capability.REQUEST, line=12, column=10)


def _use(specifier: str, member: str | None, attribute: str | None = None, line: int = 40) -> LocalUse:
    return LocalUse(specifier, member, line, 3, "open(url)", attribute=attribute)


def _link(ecosystem: Ecosystem, files: dict[str, FileAnalysis]) -> list[tuple]:
    return sorted((f.file, f.line, f.api, f.confidence, tuple((s.file, s.line) for s in f.trace))
                  for f in PackageLinker(ecosystem, files).findings())


def test_js_call_through_a_local_module_has_the_two_step_trace() -> None:
    files = {"lib/transport.js": FileAnalysis("lib/transport.js", exports=(SEND,)),
             "lib/client.js": FileAnalysis("lib/client.js", local_uses=(_use("./transport", "send"),))}
    assert _link(Ecosystem.NPM, files) == [
        ("lib/client.js", 40, "https.request", Confidence.HIGH, (("lib/client.js", 40), ("lib/transport.js", 12)))]


def test_js_resolution_of_extensions_index_and_ts_sources() -> None:
    linker = PackageLinker(Ecosystem.NPM, {p: FileAnalysis(p) for p in (
        "lib/a.js", "lib/util/index.js", "src/b.ts", "index.mjs")})
    assert linker.resolve("lib/x.js", "./a") == "lib/a.js"
    assert linker.resolve("lib/x.js", "./util") == "lib/util/index.js"
    assert linker.resolve("src/c.ts", "./b.js") == "src/b.ts"
    assert linker.resolve("lib/x.js", "../index.mjs") == "index.mjs"
    assert linker.resolve("lib/x.js", "lodash") is None
    assert linker.resolve("lib/x.js", "./missing") is None


def test_js_re_export_chain_and_method_of_exported_object() -> None:
    files = {
        "lib/transport.js": FileAnalysis("lib/transport.js", exports=(SEND,)),
        "lib/index.js": FileAnalysis("lib/index.js", exports=(
            ExportFact(name="open", via_specifier="./transport", via_member="send", line=3, column=1),)),
        "lib/obj.js": FileAnalysis("lib/obj.js", exports=(
            ExportFact(name=None, member_of="get", api="http.get", module="http", line=5, column=20),)),
        "main.js": FileAnalysis("main.js", local_uses=(
            _use("./lib/index", "open", line=7), _use("./lib/obj", None, "get", line=9), _use("./lib/obj", None, "put", line=11))),
    }
    assert _link(Ecosystem.NPM, files) == [
        ("main.js", 7, "https.request", Confidence.HIGH, (("main.js", 7), ("lib/index.js", 3), ("lib/transport.js", 12))),
        ("main.js", 9, "http.get", Confidence.HIGH, (("main.js", 9), ("lib/obj.js", 5))),
    ]


def test_python_relative_and_absolute_imports_and_submodule_members() -> None:
    send = ExportFact(name="send", api="urllib.request.urlopen", module="urllib.request", line=4, column=12)
    files = {
        "pkg/__init__.py": FileAnalysis("pkg/__init__.py", exports=(
            ExportFact(name="send", via_specifier=".transport", via_member="send", line=1, column=1),)),
        "pkg/transport.py": FileAnalysis("pkg/transport.py", exports=(send,)),
        "pkg/client.py": FileAnalysis("pkg/client.py", local_uses=(
            _use(".transport", "send", line=5), _use(".", "transport", "send", line=6), _use("pkg", "send", line=7),
            _use("pkg.transport", "send", line=8), _use(".transport", "other", line=9))),
    }
    assert [(f[1], f[2], f[4][-1]) for f in _link(Ecosystem.PYPI, files)] == [
        (5, "urllib.request.urlopen", ("pkg/transport.py", 4)),
        (6, "urllib.request.urlopen", ("pkg/transport.py", 4)),
        (7, "urllib.request.urlopen", ("pkg/transport.py", 4)),
        (8, "urllib.request.urlopen", ("pkg/transport.py", 4)),
    ]


def test_a_reference_handed_on_is_medium_and_cycles_end() -> None:
    files = {
        "a.js": FileAnalysis("a.js", exports=(ExportFact(name=None, via_specifier="./b"),)),
        "b.js": FileAnalysis("b.js", exports=(ExportFact(name=None, via_specifier="./a"), SEND)),
        "c.js": FileAnalysis("c.js", local_uses=(LocalUse("./a", "send", 2, 1, "x", called=False),)),
    }
    [(file, line, api, confidence, _)] = _link(Ecosystem.NPM, files)
    assert (file, line, api, confidence) == ("c.js", 2, "https.request", Confidence.MEDIUM)


def test_a_network_module_handed_out_whole_and_an_object_of_functions() -> None:
    whole = ExportFact(name=None, api="https", module="https", line=1, column=18, note="module")
    obj = ExportFact(name=None, member_of="send", api="https.get", module="https", line=1, column=17)
    files = {
        "net.js": FileAnalysis("net.js", exports=(whole,)),
        "obj.js": FileAnalysis("obj.js", exports=(obj,)),
        "use.js": FileAnalysis("use.js", local_uses=(
            _use("./net", None, "get", line=3), _use("./net", None, "STATUS_CODES", line=4),
            _use("./obj", "send", line=5))),
    }
    assert [(f[1], f[2]) for f in _link(Ecosystem.NPM, files)] == [(3, "https.get"), (5, "https.get")]


def test_the_package_itself_resolves_through_its_manifest() -> None:
    files = {p: FileAnalysis(p) for p in ("dist/cjs/index.js", "dist/esm/index.mjs", "lib/a.js", "main.js")}
    exports = {".": {"import": "./dist/esm/index.mjs", "require": "./dist/cjs/index.js"}}
    assert PackageLinker(Ecosystem.NPM, files, {"exports": exports}).resolve("lib/a.js", "..") == "dist/cjs/index.js"
    assert PackageLinker(Ecosystem.NPM, files, {"exports": "./main.js"}).resolve("lib/a.js", "..") == "main.js"
    assert PackageLinker(Ecosystem.NPM, files, {"main": "main"}).resolve("lib/a.js", "../") == "main.js"
    assert PackageLinker(Ecosystem.NPM, files, {}).resolve("lib/a.js", "..") is None
