"""Files Node runs as JavaScript whatever their name are analysed: exact relative loads and `main`."""

from __future__ import annotations

from pathlib import Path

from egress.engine import ScanOptions, scan
from egress.model import Ecosystem, FindingKind, Verdict
from egress.sources.npm_folder import NpmFolderSource

GET = "require('https').get('https://198.51.100.7/p');\n"


def _package(root: Path, files: dict[str, str], main: str = "index.js") -> Path:
    (root / "package.json").write_text('{"name": "odd", "version": "1.0.0", "main": "%s"}' % main)
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _network(root: Path) -> tuple[Verdict, list[tuple[str, str, int]]]:
    [result] = scan(NpmFolderSource(root).collect(), ScanOptions(jobs=1)).packages
    return result.verdict, sorted((f.file, f.api, f.line) for f in result.findings if f.kind is FindingKind.NETWORK)


def test_an_extensionless_file_a_require_names_is_javascript(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "index.js": "module.exports = require('./lib/payload');\nfunction later() { return require('./x.dat'); }\n",
        "lib/payload": GET, "x.dat": "\n" + GET, "LICENSE": "require('https').get('https://x')\n",
        "data.json": '{"a": 1}\n'})
    assert _network(root) == (Verdict.NETWORK, [("lib/payload", "https.get", 1), ("x.dat", "https.get", 2)])


def test_main_with_an_unknown_extension_is_javascript(tmp_path: Path) -> None:
    root = _package(tmp_path, {"lib/main.dat": GET}, main="./lib/main.dat")
    assert _network(root) == (Verdict.NETWORK, [("lib/main.dat", "https.get", 1)])


def test_files_no_load_names_are_not_read(tmp_path: Path) -> None:
    root = _package(tmp_path, {"index.js": "module.exports = 1;\n", "lib/payload": GET})
    assert _network(root) == (Verdict.NONE, [])


def test_a_wheel_script_with_a_python_shebang_is_python() -> None:
    from egress.model import PackageArtifact, SourceFile

    files = {"pkg-1.0.data/scripts/evil": b"#!python\nimport socket\nsocket.create_connection(('203.0.113.4', 9))\n",
             "pkg-1.0.data/scripts/run.sh": b"#!/bin/sh\necho hi\n", "pkg/__init__.py": b""}

    def read(want):
        return (SourceFile(p, d) for p, d in files.items() if want(p))

    [result] = scan([PackageArtifact(Ecosystem.PYPI, "pkg", "1.0", read_files=read, metadata={"kind": "wheel"})],
                    ScanOptions(jobs=1)).packages
    assert sorted((f.file, f.api, f.line) for f in result.findings if f.kind is FindingKind.NETWORK) == [
        ("pkg-1.0.data/scripts/evil", "socket.create_connection", 3)]
    assert result.verdict is Verdict.NETWORK


def test_a_project_not_installed_says_which_dependencies_it_could_not_see(tmp_path: Path) -> None:
    from egress.session import ScanSettings, scan_targets

    (tmp_path / "package.json").write_text(
        '{"name": "nolock", "version": "1.0.0", "dependencies": {"axios": "^1.7.0"}, '
        '"optionalDependencies": {"fsevents": "2.3.3"}, "devDependencies": {"jest": "29"}}')
    (tmp_path / "index.js").write_text("module.exports = 1;\n")
    result = scan_targets((str(tmp_path),), ScanSettings(cache_dir=str(tmp_path / ".c")))
    assert [p.name for p in result.packages] == ["nolock"]
    assert [(pkg, why.split(":")[0]) for _, pkg, why in result.not_fetched] == [
        ("axios@^1.7.0", "declared in package.json, not installed and no lockfile"),
        ("fsevents@2.3.3", "declared in package.json, not installed and no lockfile")]
