"""File roles and timings decided from paths and package metadata."""

from __future__ import annotations

import pytest

from egress.context import PackageContext, file_role, node_files_of
from egress.model import (Capability, Confidence, Ecosystem, FileRole, Finding, FindingKind, PackageArtifact,
                          Timing)


@pytest.mark.parametrize("path, role", [
    ("lib/index.js", FileRole.SHIPPED),
    ("test/client.js", FileRole.TEST),
    ("src/__tests__/a.ts", FileRole.TEST),
    ("lib/client.test.js", FileRole.TEST),
    ("lib/client.spec.mjs", FileRole.TEST),
    ("examples/get.js", FileRole.EXAMPLE),
    ("docs/conf.py", FileRole.DOCS),
    ("benchmark/run.js", FileRole.BENCH),
    ("scripts/build.js", FileRole.SCRIPTS),
    ("pkg/tests/test_net.py", FileRole.TEST),
    ("pkg/test_helpers.py", FileRole.TEST),
    ("pkg/testing_utils.py", FileRole.SHIPPED),
    ("latest/index.js", FileRole.SHIPPED),
])
def test_file_role(path: str, role: FileRole) -> None:
    assert file_role(path) == role


@pytest.mark.parametrize("command, files", [
    ("node install.js", ["install.js"]),
    ("node ./scripts/postinstall", ["scripts/postinstall.js"]),
    ("node --no-warnings lib/setup.cjs && echo done", ["lib/setup.cjs"]),
    ("husky install", []),
    ("node-gyp rebuild", []),
])
def test_node_files_of(command: str, files: list[str]) -> None:
    assert node_files_of(command) == files


def _finding(file: str, in_function: bool) -> Finding:
    return Finding(FindingKind.NETWORK, "https.get", "https", Capability.REQUEST, file, 1, 1, "", Confidence.HIGH,
                   in_function=in_function)


def _artifact(metadata: dict) -> PackageArtifact:
    ecosystem = Ecosystem.PYPI if metadata.get("kind") in ("sdist", "wheel", "folder") else Ecosystem.NPM
    return PackageArtifact(ecosystem, "p", "1.0.0", read_files=lambda want: iter(()), metadata=metadata)


def test_timing_from_install_scripts_pth_and_scope() -> None:
    ctx = PackageContext.of(_artifact({"scripts": {"postinstall": "node install.js", "test": "node test.js"}}))
    assert ctx.timing(_finding("install.js", True)) is Timing.INSTALL
    assert ctx.timing(_finding("test.js", True)) is Timing.RUNTIME
    assert ctx.timing(_finding("lib/a.js", False)) is Timing.IMPORT
    assert ctx.timing(_finding("x.pth", False)) is Timing.STARTUP


def test_setup_py_is_install_time_only_in_an_sdist() -> None:
    assert PackageContext.of(_artifact({"kind": "sdist"})).timing(_finding("setup.py", False)) is Timing.INSTALL
    assert PackageContext.of(_artifact({"kind": "folder"})).timing(_finding("setup.py", False)) is Timing.INSTALL
    assert PackageContext.of(_artifact({"kind": "wheel"})).timing(_finding("setup.py", False)) is Timing.IMPORT


def test_root_scripts_an_sdist_does_not_install_are_tooling() -> None:
    ctx = PackageContext.of(_artifact({"kind": "sdist", "top_level": ["dateutil"]}))
    assert ctx.role("updatezinfo.py") is FileRole.SCRIPTS
    assert ctx.role("setup.py") is FileRole.SHIPPED
    assert ctx.role("dateutil/tz.py") is FileRole.SHIPPED
    single = PackageContext.of(_artifact({"kind": "sdist", "top_level": ["ntplib"]}))
    assert single.role("ntplib.py") is FileRole.SHIPPED
    unknown = PackageContext.of(_artifact({"kind": "sdist", "top_level": []}))
    assert unknown.role("updatezinfo.py") is FileRole.SHIPPED     # no top_level.txt: count everything


def test_a_distributions_only_package_is_shipped_whatever_its_folder_name() -> None:
    """A wheel whose one import package is `docs/` installs it as `import docs`: shipped, not docs."""
    from egress.model import Ecosystem, FileRole, PackageArtifact

    wheel = PackageArtifact(Ecosystem.PYPI, "k", "1.0", read_files=lambda want: iter(()),
                            metadata={"kind": "wheel", "top_level": ["docs"]})
    context = PackageContext.of(wheel)
    assert context.role("docs/__init__.py") is FileRole.SHIPPED
    assert context.role("docs/net/client.py") is FileRole.SHIPPED
    # with two packages, a tests/ folder stays tests
    two = PackageArtifact(Ecosystem.PYPI, "k", "1.0", read_files=lambda want: iter(()),
                          metadata={"kind": "wheel", "top_level": ["k", "tests"]})
    assert PackageContext.of(two).role("tests/test_x.py") is FileRole.TEST
    # a folder project says it in pyproject.toml
    folder = PackageArtifact(Ecosystem.PYPI, "k", "1.0", read_files=lambda want: iter(()),
                             metadata={"kind": "folder", "pyproject_toml": '[tool.setuptools]\npackages = ["docs"]\n'})
    assert PackageContext.of(folder).role("docs/__init__.py") is FileRole.SHIPPED
