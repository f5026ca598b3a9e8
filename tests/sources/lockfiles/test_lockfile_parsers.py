"""Each lockfile format into the locked graph: exact packages, flags, kinds, paths and errors.

The fixtures under tests/fixtures/lockfiles were generated for this suite by
npm 11 (``npm install --package-lock-only --ignore-scripts --lockfile-version N``),
yarn 1.22.22, yarn 4.5.3 (berry) and pnpm 8.15.9 / 9.15.9 from the tiny
package.json files beside them; the others are written here from the
documented formats.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lock_testkit import BASIC, BASIC_LABELS, FIXTURES, write_lock

from egress.errors import SourceError
from egress.sources.npm_lock import parse_lockfile
from egress.sources.npm_lockgraph import ROOT, LockGraph, LockedPackage, shortest_path

SOCKS_SRI = "sha512-l5x7VUUWbjVFbafGLxPWkYsHIhEvmF85tbIeFZWc8ZPtoMyybuEhL7Jye/ooC4/d48FgOjSJXgsF/AJPYCW8Zw=="


def _graph(fixture: str) -> LockGraph:
    return parse_lockfile(FIXTURES / fixture / BASIC.get(fixture, ""))


def _by_label(graph: LockGraph) -> dict[str, LockedPackage]:
    out: dict[str, LockedPackage] = {}
    for package in graph.packages.values():
        assert package.label not in out, package.label
        out[package.label] = package
    return out


# fixture, format, socks node id, ms@2.0.0 node id, socks resolved, lock has integrity
BASIC_CASES = [
    ("npm-v1", "package-lock v1", "node_modules/socks", "node_modules/debug/node_modules/ms",
     "https://registry.npmjs.org/socks/-/socks-2.8.3.tgz", True),
    ("npm-v2", "package-lock v2", "node_modules/socks", "node_modules/debug/node_modules/ms",
     "https://registry.npmjs.org/socks/-/socks-2.8.3.tgz", True),
    ("npm-v3", "package-lock v3", "node_modules/socks", "node_modules/debug/node_modules/ms",
     "https://registry.npmjs.org/socks/-/socks-2.8.3.tgz", True),
    ("npm-v3-no-resolved", "package-lock v3", "node_modules/socks", "node_modules/debug/node_modules/ms", None, True),
    ("yarn-v1", "yarn v1", "socks@2.8.3", "ms@2.0.0", "https://registry.yarnpkg.com/socks/-/socks-2.8.3.tgz", True),
    ("yarn-berry", "yarn berry v8", "socks@npm:2.8.3", "ms@npm:2.0.0", None, False),
    ("pnpm-v6", "pnpm 6.0", "/socks@2.8.3", "/ms@2.0.0", None, True),
    ("pnpm-v9", "pnpm 9.0", "socks@2.8.3", "ms@2.0.0", None, True),
]


@pytest.mark.parametrize("fixture, fmt, socks_id, ms_id, resolved, has_integrity", BASIC_CASES)
def test_generated_lockfiles(fixture, fmt, socks_id, ms_id, resolved, has_integrity) -> None:
    graph = _graph(fixture)
    packages = _by_label(graph)
    assert (graph.format, graph.root_name, graph.roots_inferred) == (fmt, "lock-fixture-app", False)
    assert set(packages) == BASIC_LABELS
    assert {label for label, p in packages.items() if p.dev} == {"ms@2.1.3"}
    assert {label for label, p in packages.items() if p.optional} == set()
    assert {p.kind for p in packages.values()} == {"registry"}
    socks = packages["socks@2.8.3"]
    assert (socks.name, socks.path, socks.resolved) == ("socks", socks_id, resolved)
    assert socks.integrity == (SOCKS_SRI if has_integrity else None)
    assert packages["ms@2.0.0"].path == ms_id
    assert sorted(graph.packages[d].label for d in graph.direct) == [
        "debug@2.6.9", "ms@2.1.3", "socks@2.8.3", "statuses@2.0.1"]
    assert shortest_path(graph, packages["jsbn@1.1.0"].path) == ["lock-fixture-app", "socks", "ip-address", "jsbn"]
    assert shortest_path(graph, ms_id) == ["lock-fixture-app", "debug", "ms"]
    assert shortest_path(graph, packages["ms@2.1.3"].path) == ["lock-fixture-app", "ms"]


def test_npm_workspace_links_alias_and_optional() -> None:
    graph = parse_lockfile(FIXTURES / "npm-workspace" / "package-lock.json")
    packages = graph.packages
    helper, localdep, alias = (packages["node_modules/helper"], packages["node_modules/localdep"],
                               packages["node_modules/status-alias"])
    assert (helper.kind, helper.label, helper.resolved) == ("link", "helper@0.1.0", "packages/helper")
    assert (localdep.kind, localdep.resolved) == ("link", "vendor/localdep")
    assert (alias.name, alias.version, alias.kind) == ("statuses", "2.0.1", "registry")
    assert packages["node_modules/ms"].optional and not packages["node_modules/ms"].dev
    assert not packages["node_modules/jsbn"].dev          # a workspace dev dependency, also needed by ip-address
    assert sorted(graph.direct) == ["node_modules/helper", "node_modules/localdep", "node_modules/ms",
                                    "node_modules/status-alias"]
    assert shortest_path(graph, "node_modules/socks") == ["lock-workspace-app", "helper", "socks"]
    assert shortest_path(graph, "node_modules/jsbn") == ["lock-workspace-app", "helper", "jsbn"]


def test_pnpm_workspace_importers_links_alias_and_optional() -> None:
    graph = parse_lockfile(FIXTURES / "pnpm-workspace" / "pnpm-lock.yaml")
    packages = graph.packages
    assert sorted(graph.direct) == ["localdep@link:vendor/localdep", "ms@2.1.3", "statuses@2.0.1",
                                    "workspace:packages/helper"]
    helper = packages["workspace:packages/helper"]
    assert (helper.name, helper.kind) == ("helper", "link")
    assert packages["localdep@link:vendor/localdep"].kind == "link"
    assert packages["statuses@2.0.1"].name == "statuses"          # reached through the alias status-alias
    assert (packages["ms@2.1.3"].optional, packages["ms@2.1.3"].dev) == (True, False)
    assert (packages["jsbn@1.1.0"].optional, packages["jsbn@1.1.0"].dev) == (False, False)
    assert shortest_path(graph, "sprintf-js@1.1.3") == ["lock-workspace-app", "helper", "socks", "ip-address",
                                                        "sprintf-js"]


def test_yarn_v1_alias_file_dependency_and_optional() -> None:
    graph = parse_lockfile(FIXTURES / "yarn-v1-alias" / "yarn.lock")
    packages = _by_label(graph)
    assert set(packages) == {"ip-address@10.7.7", "localdep@0.0.1", "ms@2.1.3", "smart-buffer@4.2.0",
                             "socks@2.8.11", "statuses@2.0.1"}
    assert (packages["statuses@2.0.1"].path, packages["statuses@2.0.1"].kind) == (
        "status-alias@npm:statuses@2.0.1", "registry")
    assert (packages["localdep@0.0.1"].kind, packages["localdep@0.0.1"].resolved) == ("file", "file:vendor/localdep")
    assert packages["ms@2.1.3"].optional
    assert shortest_path(graph, "ip-address@^10.1.1") == ["lock-yarn-alias-app", "socks", "ip-address"]


HAND_V1 = {
    "name": "v1-kinds", "version": "1.0.0", "lockfileVersion": 1, "requires": True,
    "dependencies": {
        "gitdep": {"version": "git+https://github.com/example/gitdep.git#0123456789abcdef0123456789abcdef01234567",
                   "from": "git+https://github.com/example/gitdep.git"},
        "alias-name": {"version": "npm:real-pkg@1.2.3", "integrity": "sha512-AAAA",
                       "resolved": "https://registry.npmjs.org/real-pkg/-/real-pkg-1.2.3.tgz"},
        "parent": {"version": "1.0.0", "integrity": "sha512-BBBB",
                   "resolved": "https://registry.npmjs.org/parent/-/parent-1.0.0.tgz",
                   "requires": {"child": "^2.0.0"},
                   "dependencies": {"child": {"version": "2.0.0", "bundled": True}}},
        "child": {"version": "1.0.0", "dev": True, "integrity": "sha512-CCCC",
                  "resolved": "https://registry.npmjs.org/child/-/child-1.0.0.tgz"},
        "local": {"version": "file:vendor/local"},
    },
}


def test_lockfile_v1_hand_written_kinds(tmp_path: Path) -> None:
    path = write_lock(tmp_path, "package-lock.json", HAND_V1, {
        "name": "v1-kinds", "dependencies": {"gitdep": "github:example/gitdep", "alias-name": "npm:real-pkg@^1",
                                             "parent": "1", "local": "file:vendor/local"},
        "devDependencies": {"child": "1"}})
    graph = parse_lockfile(path)
    packages = graph.packages
    assert packages["node_modules/gitdep"].kind == "git"
    assert packages["node_modules/gitdep"].resolved.startswith("git+https://github.com/example/gitdep.git#0123")
    alias = packages["node_modules/alias-name"]
    assert (alias.name, alias.version, alias.kind, alias.integrity) == ("real-pkg", "1.2.3", "registry", "sha512-AAAA")
    nested = packages["node_modules/parent/node_modules/child"]
    assert (nested.version, nested.bundled) == ("2.0.0", True)
    assert graph.edges["node_modules/parent"] == ("node_modules/parent/node_modules/child",)   # nearest wins
    assert (packages["node_modules/child"].dev, packages["node_modules/local"].kind) == (True, "file")
    assert sorted(graph.direct) == ["node_modules/alias-name", "node_modules/child", "node_modules/gitdep",
                                    "node_modules/local", "node_modules/parent"]


def test_lockfile_v1_without_package_json_infers_roots(tmp_path: Path) -> None:
    graph = parse_lockfile(write_lock(tmp_path, "npm-shrinkwrap.json", HAND_V1))
    assert graph.roots_inferred
    # everything nobody depends on is direct; the bundled child is reached through parent
    assert sorted(graph.direct) == ["node_modules/alias-name", "node_modules/child", "node_modules/gitdep",
                                    "node_modules/local", "node_modules/parent"]


def test_npm_v3_hand_written_kinds(tmp_path: Path) -> None:
    lock = {"name": "kinds", "lockfileVersion": 3, "packages": {
        "": {"name": "kinds", "dependencies": {"gitdep": "x", "remote": "x", "vendored": "x", "host": "x"}},
        "node_modules/gitdep": {"version": "1.0.0",
                                "resolved": "git+ssh://git@github.com/example/gitdep.git#0123456789abcdef"},
        "node_modules/remote": {"version": "1.0.0", "resolved": "https://cdn.example.test/remote.tgz"},
        "node_modules/vendored": {"version": "1.0.0", "resolved": "file:vendor/vendored-1.0.0.tgz",
                                  "integrity": "sha512-AAAA"},
        "node_modules/host": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/host/-/host-1.0.0.tgz",
                              "integrity": "sha512-BBBB"},
        "node_modules/host/node_modules/inner": {"version": "3.0.0", "inBundle": True},
        "node_modules/@scope/pkg": {"version": "2.0.0", "integrity": "sha512-CCCC",
                                    "resolved": "https://registry.npmjs.org/@scope/pkg/-/pkg-2.0.0.tgz"},
    }}
    graph = parse_lockfile(write_lock(tmp_path, "package-lock.json", lock))
    kinds = {k: (p.name, p.kind, p.bundled) for k, p in graph.packages.items()}
    assert kinds == {
        "node_modules/@scope/pkg": ("@scope/pkg", "registry", False),
        "node_modules/gitdep": ("gitdep", "git", False),
        "node_modules/host": ("host", "registry", False),
        "node_modules/host/node_modules/inner": ("inner", "registry", True),
        "node_modules/remote": ("remote", "remote", False),
        "node_modules/vendored": ("vendored", "file", False),
    }
    assert "node_modules/@scope/pkg" in graph.direct          # nothing depends on it: shown as direct


@pytest.mark.parametrize("name, text, message", [
    ("package-lock.json", '{"lockfileVersion": 3,\n "packages": {\n  "": {,}\n}}',
     ":3:8: not valid JSON: Expecting property name enclosed in double quotes"),
    ("package-lock.json", '{"lockfileVersion": 4, "packages": {}}',
     ": unsupported lockfileVersion 4 (egress reads 1, 2 and 3)"),
    ("package-lock.json", '[1, 2]', ": lockfile is not a JSON object"),
    ("package-lock.json", '{"lockfileVersion": 3, "packages": {"node_modules/a": {"resolved": "x"}}}',
     ": packages['node_modules/a'] has no version"),
    ("npm-shrinkwrap.json", '{"lockfileVersion": 1, "dependencies": {"a": {"resolved": "x"}}}',
     ": dependency 'node_modules/a' has no version"),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n\ta@1.0.0: {}\n",
     ":3: not valid YAML: "),     # the wording is PyYAML's or libyaml's
    ("pnpm-lock.yaml", "lockfileVersion: '4.0'\n", ": unsupported pnpm lockfileVersion '4.0' (egress reads 5.x to 9.0)"),
    ("pnpm-lock.yaml", "importers: {}\n", ": no lockfileVersion in pnpm-lock.yaml"),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\nsnapshots:\n  a@1.0.0: {}\n",
     ": package 'a@1.0.0' has no resolution in pnpm-lock.yaml"),
    ("yarn.lock", '# yarn lockfile v1\n\na@^1:\n   version "1.0.0"\n', ":4: bad indentation in yarn.lock"),
    ("yarn.lock", '# yarn lockfile v1\n\na@^1:\n  version "1.0.0\n', ":4: unterminated string in yarn.lock"),
    ("yarn.lock", 'a@^1:\n  resolved "https://r.test/a.tgz"\n', ": yarn.lock entry 'a@^1' has no version"),
    ("yarn.lock", 'version "1.0.0"\n', ":1: expected an entry header ending in ':' in yarn.lock"),
    ("yarn.lock", '__metadata:\n  version: 8\n"a@npm:^1":\n  version: [1\n',
     ":5: not valid YAML: "),
    ("yarn.lock", '__metadata:\n  version: 8\n"a@npm:^1":\n  version: 1.0.0\n',
     ": yarn.lock entry 'a@npm:^1' has no resolution"),
])
def test_corrupt_lockfiles_are_one_line_source_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = write_lock(tmp_path, name, text)
    with pytest.raises(SourceError) as info:
        parse_lockfile(path)
    if message.endswith("YAML: "):
        assert str(info.value).startswith(f"{path}{message}") and len(str(info.value)) > len(f"{path}{message}")
    else:
        assert str(info.value) == f"{path}{message}"
    assert "\n" not in str(info.value)


def test_lockfile_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "yarn.lock"
    path.write_bytes(b"a@^1:\n  version \"\xff\"\n")
    with pytest.raises(SourceError, match=r"yarn\.lock: lockfile is not UTF-8 text$"):
        parse_lockfile(path)


def test_broken_package_json_beside_a_yarn_lock(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{nope")
    path = write_lock(tmp_path, "yarn.lock", 'a@^1:\n  version "1.0.0"\n')
    with pytest.raises(SourceError, match=r"package\.json: cannot read package\.json beside the lockfile"):
        parse_lockfile(path)


def test_yarn_classic_quoted_keys_and_values(tmp_path: Path) -> None:
    text = ('# yarn lockfile v1\n\n"@s/a@^1.0.0", "@s/a@^1.1.0":\n  version "1.2.0"\n'
            '  resolved "https://registry.yarnpkg.com/@s/a/-/a-1.2.0.tgz#abc"\n  dependencies:\n'
            '    "@s/b" "1.x || ^2"\n\n"@s/b@1.x || ^2":\n  version "2.0.1"\n')
    graph = parse_lockfile(write_lock(tmp_path, "yarn.lock", text, {"name": "q", "dependencies": {"@s/a": "^1.1.0"}}))
    a = graph.packages["@s/a@^1.0.0, @s/a@^1.1.0"]
    assert (a.name, a.version, a.resolved, a.kind) == ("@s/a", "1.2.0", "https://registry.yarnpkg.com/@s/a/-/a-1.2.0.tgz",
                                                       "registry")
    assert graph.edges[a.path] == ("@s/b@1.x || ^2",)
    assert graph.direct == (a.path,)
    assert graph.edges[ROOT] == (a.path,)


PNPM_V9_KINDS = """lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      react-dom: {specifier: 18.2.0, version: 18.2.0(react@18.2.0)}
      react: {specifier: 18.2.0, version: 18.2.0}
      gitpkg: {specifier: e/gitpkg, version: 'https://codeload.github.com/e/gitpkg/tar.gz/0123'}
      fromgit: {specifier: 'git+https://github.com/e/fromgit.git', version: 'git+https://github.com/e/fromgit.git#abcd'}
packages:
  react-dom@18.2.0: {resolution: {integrity: sha512-AAAA}, peerDependencies: {react: ^18.2.0}}
  react@18.2.0: {resolution: {integrity: sha512-BBBB}}
  gitpkg@https://codeload.github.com/e/gitpkg/tar.gz/0123:
    resolution: {tarball: 'https://codeload.github.com/e/gitpkg/tar.gz/0123'}
    version: 1.0.0
  fromgit@git+https://github.com/e/fromgit.git#abcd:
    resolution: {type: git, repo: 'https://github.com/e/fromgit.git', commit: abcd}
    version: 2.0.0
snapshots:
  react-dom@18.2.0(react@18.2.0): {dependencies: {react: 18.2.0}}
  react@18.2.0: {}
  gitpkg@https://codeload.github.com/e/gitpkg/tar.gz/0123: {}
  fromgit@git+https://github.com/e/fromgit.git#abcd: {}
"""

PNPM_V5 = """lockfileVersion: 5.4

specifiers:
  react-dom: 18.2.0
  react: 18.2.0
  ms: 2.1.3

dependencies:
  react: 18.2.0
  react-dom: 18.2.0_react@18.2.0

devDependencies:
  ms: 2.1.3

packages:

  /react-dom/18.2.0_react@18.2.0:
    resolution: {integrity: sha512-AAAA}
    dependencies:
      react: 18.2.0
    dev: false

  /react/18.2.0:
    resolution: {integrity: sha512-BBBB}
    dev: false

  /@s/ms/2.1.3:
    resolution: {integrity: sha512-CCCC}
    dev: true

  /ms/2.1.3:
    resolution: {integrity: sha512-DDDD}
    dependencies:
      '@s/ms': 2.1.3
    dev: true
"""


def test_pnpm_v9_peer_suffix_tarball_and_git(tmp_path: Path) -> None:
    graph = parse_lockfile(write_lock(tmp_path, "pnpm-lock.yaml", PNPM_V9_KINDS))
    found = {k: (p.label, p.kind, p.integrity, p.resolved) for k, p in graph.packages.items()}
    assert found == {
        "fromgit@git+https://github.com/e/fromgit.git#abcd": (
            "fromgit@2.0.0", "git", None, "git+https://github.com/e/fromgit.git#abcd"),
        "gitpkg@https://codeload.github.com/e/gitpkg/tar.gz/0123": (
            "gitpkg@1.0.0", "remote", None, "https://codeload.github.com/e/gitpkg/tar.gz/0123"),
        "react-dom@18.2.0(react@18.2.0)": ("react-dom@18.2.0", "registry", "sha512-AAAA", None),
        "react@18.2.0": ("react@18.2.0", "registry", "sha512-BBBB", None),
    }
    assert graph.edges["react-dom@18.2.0(react@18.2.0)"] == ("react@18.2.0",)
    assert len(graph.direct) == 4


def test_pnpm_v5_keys_and_single_project_sections(tmp_path: Path) -> None:
    graph = parse_lockfile(write_lock(tmp_path, "pnpm-lock.yaml", PNPM_V5))
    found = {k: (p.label, p.dev) for k, p in graph.packages.items()}
    assert found == {"/@s/ms/2.1.3": ("@s/ms@2.1.3", True), "/ms/2.1.3": ("ms@2.1.3", True),
                     "/react-dom/18.2.0_react@18.2.0": ("react-dom@18.2.0", False),
                     "/react/18.2.0": ("react@18.2.0", False)}
    assert graph.format == "pnpm 5.4"
    assert shortest_path(graph, "/@s/ms/2.1.3") == [tmp_path.name, "ms", "@s/ms"]
