"""Build backends and hooks an sdist declares run at install time, like setup.py."""

from __future__ import annotations

import pytest

from egress.build_hooks import build_hook_files
from egress.engine import ScanOptions, scan
from egress.model import Ecosystem, FindingKind, PackageArtifact, SourceFile, Timing


@pytest.mark.parametrize("pyproject, files", [
    ('[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build"]\n',
     {"_build/backend.py", "_build/backend/__init__.py"}),
    ('[build-system]\nbuild-backend = "tools.build:api"\nbackend-path = ["."]\n',
     {"tools/build.py", "tools/build/__init__.py"}),
    ('[build-system]\nbuild-backend = "hatchling.build"\n[tool.hatch.build.hooks.custom]\n', {"hatch_build.py"}),
    ('[tool.hatch.build.targets.wheel.hooks.custom]\npath = "scripts/hook.py"\n', {"scripts/hook.py"}),
    ('[tool.hatch.metadata.hooks.custom]\n', {"hatch_build.py"}),
    ('[build-system]\nbuild-backend = "pdm.backend"\n', {"pdm_build.py"}),
    ('[build-system]\nbuild-backend = "pdm.backend"\n[tool.pdm.build]\ncustom-hook = "b/h.py"\n', {"b/h.py"}),
    ('[tool.poetry.build]\nscript = "build.py"\n', {"build.py"}),
    ('[build-system]\nbuild-backend = "setuptools.build_meta"\n', set()),     # setup.py is known anyway
    ('[tool.hatch.build.hooks.custom]\npath = "../outside.py"\n', set()),
    ("not = [valid", set()),
])
def test_declared_build_code(pyproject: str, files: set[str]) -> None:
    assert build_hook_files(pyproject) == files


def test_a_hatch_hook_that_downloads_is_install_time_network() -> None:
    sources = {
        "hatch_build.py": b"import urllib.request\nurllib.request.urlopen('http://198.51.100.4/x')\n",
        "pkg/__init__.py": b"",
    }

    def read(want):
        return (SourceFile(p, d) for p, d in sources.items() if want(p))

    meta = {"kind": "sdist", "top_level": ["pkg"],
            "pyproject_toml": '[build-system]\nbuild-backend = "hatchling.build"\n[tool.hatch.build.hooks.custom]\n'}
    [result] = scan([PackageArtifact(Ecosystem.PYPI, "hooked", "1.0", read_files=read, metadata=meta)],
                    ScanOptions(jobs=1)).packages
    [net] = [f for f in result.findings if f.kind is FindingKind.NETWORK]
    assert (net.api, net.file, net.line, net.timing) == ("urllib.request.urlopen", "hatch_build.py", 2, Timing.INSTALL)
    assert ("installTimeNetwork", "high") in {(a.type, a.severity.value) for a in result.alerts}


def test_a_shipped_sitecustomize_runs_at_every_interpreter_start() -> None:
    sources = {"sitecustomize.py": b"import urllib.request\nurllib.request.urlopen('http://198.51.100.3/s')\n",
               "pkg/__init__.py": b""}

    def read(want):
        return (SourceFile(p, d) for p, d in sources.items() if want(p))

    [result] = scan([PackageArtifact(Ecosystem.PYPI, "sc", "1.0", read_files=read, metadata={"kind": "wheel"})],
                    ScanOptions(jobs=1)).packages
    [net] = [f for f in result.findings if f.kind is FindingKind.NETWORK]
    assert (net.file, net.line, net.timing) == ("sitecustomize.py", 2, Timing.STARTUP)
    assert ("installTimeNetwork", "high") in {(a.type, a.severity.value) for a in result.alerts}
