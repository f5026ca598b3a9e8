"""Cross-file linking end to end: a call through the package's own module, with the trace.

The importing files name no network module, so the pre-filter skips them in
round one; the engine's second round (the package hands out a network API)
analyses them, and the linker joins the facts.
"""

from __future__ import annotations

from pathlib import Path

from egress.engine import ScanOptions, scan
from egress.model import Ecosystem, PackageArtifact, SourceFile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _package(ecosystem: Ecosystem, folder: Path) -> PackageArtifact:
    files = sorted(p for p in folder.rglob("*") if p.is_file())

    def read(want):
        for path in files:
            rel = path.relative_to(folder).as_posix()
            if want(rel):
                yield SourceFile(rel, path.read_bytes())

    return PackageArtifact(ecosystem, folder.name, "0.0.0", read_files=read)


def _linked(ecosystem: Ecosystem, name: str, prefilter: bool) -> set[tuple]:
    folder = FIXTURES / ("npm" if ecosystem is Ecosystem.NPM else "pypi") / name
    [result] = scan([_package(ecosystem, folder)], ScanOptions(jobs=2, use_prefilter=prefilter)).packages
    return {(f.file, f.line, f.api, tuple((s.file, s.line) for s in f.trace))
            for f in result.findings if f.note.startswith("through ")}


def test_python_call_through_own_module() -> None:
    linked = _linked(Ecosystem.PYPI, "ind_cross_file", prefilter=True)
    assert linked == _linked(Ecosystem.PYPI, "ind_cross_file", prefilter=False)
    assert {(file, line, api) for file, line, api, _ in linked} == {
        ("pkg/client.py", 6, "urllib.request.urlopen"),          # send(url)
        ("pkg/client.py", 10, "socket.create_connection"),      # transport.Client().get(host)
        ("pkg/client.py", 14, "urllib.request.urlopen"),         # hook(send): handed on
    }
    assert all(trace[-1][0] == "pkg/transport.py" for _, _, _, trace in linked)


def test_javascript_call_through_own_module() -> None:
    linked = _linked(Ecosystem.NPM, "ind-cross-file", prefilter=True)
    assert linked == _linked(Ecosystem.NPM, "ind-cross-file", prefilter=False)
    assert {(file, line, api, trace) for file, line, api, trace in linked} >= {
        ("index.mjs", 7, "https.get", (("index.mjs", 7), ("lib/client.js", 6), ("lib/transport.js", 4))),
        ("index.mjs", 8, "https.get", (("index.mjs", 8), ("lib/transport.js", 4))),
    }
    assert all(trace[-1][0] == "lib/transport.js" for _, _, _, trace in linked)


def test_data_handed_to_a_local_module_that_sends_it(tmp_path: Path) -> None:
    """index.js gathers the environment, the host name and a token; lib/ sends what it is given.

    The linked findings at the importer carry the importer's data and the module's
    destination, so the split is an exfiltration at install time (the hook runs index.js).
    """
    from tests.pipeline import scan_one

    package = scan_one(FIXTURES / "npm" / "ind-split-exfil", tmp_path)
    alerts = {(a.type, a.severity.value, a.finding.file, a.finding.line, a.finding.data_sources,
               tuple(d.text for d in a.finding.destinations)) for a in package.alerts
              if a.type in ("exfiltration", "suspiciousDestination")}
    assert alerts == {
        ("exfiltration", "critical", "index.js", 3, ("env",), ("https://collector.example.net/c",)),
        ("exfiltration", "critical", "index.js", 4, ("hostname",), ("http://198.51.100.7/p?n=<dynamic>",)),
        # through a module that only re-exports the sender: the arguments are passed on as they are
        ("exfiltration", "critical", "index.js", 5, ("env NPM_TOKEN",), ("https://collector.example.net/c",)),
        # the importer passes the URL too: where it goes is the importer's argument
        ("exfiltration", "critical", "index.js", 6, ("username",), ("https://hooks.example.org/in",)),
        ("suspiciousDestination", "high", "index.js", 4, ("hostname",), ("http://198.51.100.7/p?n=<dynamic>",)),
        ("suspiciousDestination", "high", "lib/net.js", 2, (), ("http://198.51.100.7/p?n=<dynamic>",)),
    }
    # the modules' own findings send only what they are given: no data of their own
    own = {(f.file, f.data_sources) for f in package.findings if f.file.startswith("lib/")}
    assert own == {("lib/report.js", ()), ("lib/net.js", ()), ("lib/post.js", ())}
