"""The pre-filter is loss-free: with and without it, every fixture gives identical results.

It only decides which files skip *analysis*; skipped files are still
parsed, so not-analysed files are the same too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.catalog import load_catalog
from egress.engine import ScanOptions, scan
from egress.model import Ecosystem, PackageArtifact, SourceFile
from egress.prefilter import PreFilter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _fixture_packages(ecosystem: Ecosystem) -> list[PackageArtifact]:
    root = FIXTURES / ("npm" if ecosystem is Ecosystem.NPM else "pypi")
    packages = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(p for p in folder.rglob("*") if p.is_file())

        def read(want, files=files, folder=folder):
            for path in files:
                rel = path.relative_to(folder).as_posix()
                if want(rel):
                    yield SourceFile(rel, path.read_bytes())

        packages.append(PackageArtifact(ecosystem, folder.name, "0.0.0", read_files=read))
    return packages


def _summary(result) -> list[tuple]:
    return [(p.name, p.verdict, p.files_analysed, p.not_analysed,
             tuple((f.kind, f.api, f.file, f.line, f.column, f.trace, f.note) for f in p.findings))
            for p in result.packages]


@pytest.mark.parametrize("ecosystem", [Ecosystem.NPM, Ecosystem.PYPI])
def test_fixtures_give_identical_results_with_and_without_the_prefilter(ecosystem: Ecosystem) -> None:
    packages = _fixture_packages(ecosystem)
    assert len(packages) > 20
    with_filter = scan(packages, ScanOptions(jobs=2, use_prefilter=True))
    without = scan(packages, ScanOptions(jobs=2, use_prefilter=False))
    assert _summary(with_filter) == _summary(without)
    assert sum(len(p.findings) for p in with_filter.packages) > 40


def test_the_filter_skips_plain_code_and_keeps_every_signal() -> None:
    pf = PreFilter(load_catalog(Ecosystem.NPM), load_catalog(Ecosystem.PYPI))
    assert not pf.wants("a.js", b"const x = require('lodash');\nmodule.exports = x.map;\n")
    for text in (b"require('node:https')", b"import x from \"http\"", b"fetch(u)", b"new WebSocket(u)",
                 b"const r = require; r(m)", b"require('ht' + 'tps')", b"require(`https`)", b"eval(s)",
                 b"globalThis['fe'+'tch']", b"process.binding('tcp_wrap')", b"require('axios/lib/x')",
                 b"'\\x68ttps'"):
        assert pf.wants("a.js", text), text
    assert not pf.wants("m.py", b"import json\nprint(json.dumps({}))\n")
    for text in (b"import socket", b"from urllib.request import urlopen", b"__import__(name)",
                 b"import requests", b"exec(code)"):
        assert pf.wants("m.py", text), text


def _package(files: dict[str, bytes], ecosystem: Ecosystem = Ecosystem.NPM) -> PackageArtifact:
    def read(want):
        for path, data in files.items():
            if want(path):
                yield SourceFile(path, data)
    return PackageArtifact(ecosystem, "skips", "1.0.0", read_files=read)


def test_a_skipped_file_is_parsed_unless_the_syntax_check_is_skipped() -> None:
    files = {"broken.js": b"const x = {;\n", "binary.js": b"\x00\x01\x02", "ok.js": b"module.exports = 1;\n"}
    fast = scan([_package(files)], ScanOptions(jobs=1, parse_all=False)).packages[0]
    # every byte of broken.js was searched: it names nothing a parse could turn into network use
    assert [(n.file, n.reason) for n in fast.not_analysed] == [("binary.js", "not UTF-8 text")]
    assert (fast.files_analysed, fast.verdict.value) == (2, "partial")
    full = scan([_package(files)], ScanOptions(jobs=1)).packages[0]
    assert sorted((n.file, n.reason) for n in full.not_analysed) == [
        ("binary.js", "not UTF-8 text"), ("broken.js", "syntax error at line 1")]


def test_a_skipped_python_file_in_a_wrong_encoding_is_not_analysed() -> None:
    files = {"m.py": b"# -*- coding: utf-8 -*-\nx = '\xff'\n", "n.py": b"def (:\n"}
    result = scan([_package(files, Ecosystem.PYPI)], ScanOptions(jobs=1, parse_all=False)).packages[0]
    assert [(n.file, n.reason[:16]) for n in result.not_analysed] == [("m.py", "cannot decode as")]
