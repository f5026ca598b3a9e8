"""NpmLockSource offline: a fake registry behind httpx.MockTransport."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from lock_testkit import FIXTURES, HOST, FakeRegistry, sri, tgz, write_lock

from egress.errors import IntegrityError, SourceError
from egress.sources import SourceConfig, source_for
from egress.sources.download import Fetcher
from egress.sources.node_modules import NodeModulesSource
from egress.sources.npm_lock import NpmLockSource


def _lock_v3(packages: dict[str, dict], root_deps: dict[str, str] | None = None, **root: object) -> dict:
    return {"name": "app", "lockfileVersion": 3, "packages": {
        "": {"name": "app", "dependencies": root_deps or {}, **root}, **packages}}


def _read(artifact) -> dict[str, bytes]:
    return {f.path: f.data for f in artifact.read_files(lambda p: True)}


def test_resolved_urls_and_lock_integrity(tmp_path: Path) -> None:
    registry = FakeRegistry()
    a = registry.publish("a", "1.0.0", tgz("a", "1.0.0", {"index.js": "require('http');\n"}))
    b = registry.publish("@s/b", "2.0.0")
    lock = _lock_v3({
        "node_modules/a": {"version": "1.0.0", "resolved": f"{HOST}a/-/a-1.0.0.tgz", "integrity": a,
                           "dependencies": {"@s/b": "^2"}},
        "node_modules/@s/b": {"version": "2.0.0", "resolved": f"{HOST}@s/b/-/b-2.0.0.tgz", "integrity": b},
        "node_modules/c/node_modules/@s/b": {"version": "2.0.0", "resolved": f"{HOST}@s/b/-/b-2.0.0.tgz",
                                             "integrity": b},
    }, {"a": "1"})
    path = write_lock(tmp_path / "p", "package-lock.json", lock)
    with registry.fetcher(tmp_path / "cache") as fetcher:
        source = NpmLockSource(path, fetcher, registry=HOST, jobs=2)
        artifacts = list(source.collect())
    assert [(x.key, x.locations, x.digest) for x in artifacts] == [
        ("npm:@s/b@2.0.0", ("node_modules/@s/b", "node_modules/c/node_modules/@s/b"), b),
        ("npm:a@1.0.0", ("node_modules/a",), a),
    ]
    assert _read(artifacts[1])["index.js"] == b"require('http');\n"
    assert sorted(registry.requests) == ["/@s/b/-/b-2.0.0.tgz", "/a/-/a-1.0.0.tgz"]   # once each, no packument
    assert source.not_fetched == [] and source.errors == []


def test_no_resolved_url_uses_the_standard_tarball_path(tmp_path: Path) -> None:
    registry = FakeRegistry()
    integrity = registry.publish("@s/b", "2.0.0")
    text = (f"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      '@s/b':\n        specifier: ^2\n"
            f"        version: 2.0.0\npackages:\n  '@s/b@2.0.0':\n    resolution: {{integrity: {integrity}}}\n"
            f"snapshots:\n  '@s/b@2.0.0': {{}}\n")
    path = write_lock(tmp_path / "p", "pnpm-lock.yaml", text)
    with registry.fetcher(tmp_path / "cache") as fetcher:
        artifacts = list(NpmLockSource(path, fetcher, registry=HOST).collect())
    assert [(x.key, x.locations) for x in artifacts] == [("npm:@s/b@2.0.0", ("@s/b@2.0.0",))]
    assert registry.requests == ["/@s/b/-/b-2.0.0.tgz"]


def test_a_registry_with_another_tarball_layout_is_asked_for_the_packument(tmp_path: Path) -> None:
    registry = FakeRegistry()
    integrity = registry.publish("odd", "1.0.0", tar_path="/files/odd.tgz")
    path = write_lock(tmp_path / "p", "package-lock.json",
                      _lock_v3({"node_modules/odd": {"version": "1.0.0", "integrity": integrity}}, {"odd": "1"}))
    with registry.fetcher(tmp_path / "cache") as fetcher:
        artifacts = list(NpmLockSource(path, fetcher, registry=HOST).collect())
    assert [x.key for x in artifacts] == ["npm:odd@1.0.0"]
    assert registry.requests == ["/odd/-/odd-1.0.0.tgz", "/odd", "/files/odd.tgz"]


def test_berry_checksum_is_not_trusted_the_packument_integrity_is(tmp_path: Path) -> None:
    registry = FakeRegistry()
    integrity = registry.publish("a", "1.0.0")
    text = ('__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"a@npm:^1.0.0":\n  version: 1.0.0\n'
            '  resolution: "a@npm:1.0.0"\n  checksum: 10c0/00ff\n  languageName: node\n  linkType: hard\n\n'
            '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n'
            '  dependencies:\n    a: "npm:^1.0.0"\n  languageName: unknown\n  linkType: soft\n')
    path = write_lock(tmp_path / "p", "yarn.lock", text, {"name": "app", "dependencies": {"a": "^1.0.0"}})
    with registry.fetcher(tmp_path / "cache") as fetcher:
        artifacts = list(NpmLockSource(path, fetcher, registry=HOST).collect())
    assert [(x.key, x.digest, x.locations) for x in artifacts] == [("npm:a@1.0.0", integrity, ("a@npm:^1.0.0",))]
    assert registry.requests == ["/a", "/a/-/a-1.0.0.tgz"]


def test_public_registry_urls_go_to_the_configured_registry(tmp_path: Path) -> None:
    registry = FakeRegistry()
    integrity = registry.publish("a", "1.0.0")
    text = (f'# yarn lockfile v1\n\na@^1:\n  version "1.0.0"\n'
            f'  resolved "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz#0000"\n  integrity {integrity}\n')
    path = write_lock(tmp_path / "p", "yarn.lock", text, {"name": "app", "dependencies": {"a": "^1"}})
    with registry.fetcher(tmp_path / "cache") as fetcher:
        artifacts = list(NpmLockSource(path, fetcher, registry=HOST).collect())
    assert [x.key for x in artifacts] == ["npm:a@1.0.0"]
    assert registry.requests == ["/a/-/a-1.0.0.tgz"]


def test_integrity_mismatch_in_the_lock(tmp_path: Path) -> None:
    registry = FakeRegistry()
    good = registry.publish("good", "1.0.0")
    registry.publish("bad", "1.0.0")
    wrong = sri(b"not the tarball")
    path = write_lock(tmp_path / "p", "package-lock.json", _lock_v3({
        "node_modules/bad": {"version": "1.0.0", "integrity": wrong},
        "node_modules/good": {"version": "1.0.0", "integrity": good},
    }, {"bad": "1", "good": "1"}))
    yielded = []
    with registry.fetcher(tmp_path / "cache") as fetcher:
        source = NpmLockSource(path, fetcher, registry=HOST)
        with pytest.raises(IntegrityError) as info:
            for artifact in source.collect():
                yielded.append(artifact.key)
    assert yielded == ["npm:good@1.0.0"]                 # the others are still scanned
    assert str(info.value).startswith("bad@1.0.0 (locked in package-lock.json): integrity mismatch for bad-1.0.0.tgz")
    assert not list((tmp_path / "cache").rglob("*bad-1.0.0.tgz"))   # never cached


def test_several_failures_raise_the_first_and_list_the_rest(tmp_path: Path) -> None:
    registry = FakeRegistry()
    path = write_lock(tmp_path / "p", "package-lock.json", _lock_v3({
        "node_modules/gone": {"version": "1.0.0", "integrity": sri(b"x")},
        "node_modules/lost": {"version": "1.0.0", "integrity": sri(b"y")},
    }))
    with registry.fetcher(tmp_path / "cache") as fetcher:
        source = NpmLockSource(path, fetcher, registry=HOST)
        with pytest.raises(SourceError, match="^npm package not found: gone$"):
            list(source.collect())
    assert source.errors == ["npm package not found: lost"]


def test_git_file_link_remote_and_bundled_are_not_fetched(tmp_path: Path) -> None:
    registry = FakeRegistry()
    remote = tgz("remote-ok", "1.0.0")
    registry.blobs["/cdn/remote-ok.tgz"] = remote
    host = registry.publish("host", "1.0.0")
    path = write_lock(tmp_path / "p", "package-lock.json", _lock_v3({
        "node_modules/gitdep": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/e/gitdep.git#0123abcd"},
        "node_modules/remote": {"version": "1.0.0", "resolved": "https://cdn.example.test/cdn/remote.tgz"},
        "node_modules/remote-ok": {"version": "1.0.0", "resolved": "https://cdn.example.test/cdn/remote-ok.tgz",
                                   "integrity": sri(remote)},
        "node_modules/vendored": {"version": "1.0.0", "resolved": "file:vendor/vendored-1.0.0.tgz",
                                  "integrity": sri(b"v")},
        "node_modules/ws-a": {"resolved": "packages/a", "link": True},
        "packages/a": {"name": "ws-a", "version": "0.1.0"},
        "node_modules/host": {"version": "1.0.0", "integrity": host},
        "node_modules/host/node_modules/inner": {"version": "3.0.0", "inBundle": True},
    }, {"gitdep": "x", "remote": "x", "remote-ok": "x", "vendored": "x", "host": "1"}, workspaces=["packages/a"]))
    with registry.fetcher(tmp_path / "cache") as fetcher:
        source = NpmLockSource(path, fetcher, registry=HOST)
        keys = [x.key for x in source.collect()]
    assert keys == ["npm:host@1.0.0", "npm:remote-ok@1.0.0"]
    assert source.not_fetched == [
        ("gitdep@1.0.0", "git dependency: git+ssh://git@github.com/e/gitdep.git#0123abcd"),
        ("inner@3.0.0", "bundled in its parent's tarball (scanned with it)"),
        ("remote@1.0.0", "remote tarball without an integrity in the lock: https://cdn.example.test/cdn/remote.tgz"),
        ("vendored@1.0.0", "local file dependency: file:vendor/vendored-1.0.0.tgz"),
        ("ws-a@0.1.0", "linked local folder packages/a"),
    ]


@pytest.mark.parametrize("fixture, lockfile", [
    ("npm-v3", "package-lock.json"), ("npm-v1", "package-lock.json"), ("yarn-v1", "yarn.lock"),
    ("yarn-berry", "yarn.lock"), ("pnpm-v9", "pnpm-lock.yaml"), ("pnpm-v6", "pnpm-lock.yaml"),
])
def test_omit_dev(tmp_path: Path, fixture: str, lockfile: str) -> None:
    registry = FakeRegistry()
    for label in ("debug@2.6.9", "ip-address@9.0.5", "jsbn@1.1.0", "ms@2.0.0", "ms@2.1.3", "smart-buffer@4.2.0",
                  "socks@2.8.3", "sprintf-js@1.1.3", "statuses@2.0.1"):
        registry.publish(*label.split("@"))
    # the generated locks pin the real tarballs' integrity: check the selection, not the bytes
    with registry.fetcher(tmp_path / "cache") as fetcher:
        source = NpmLockSource(FIXTURES / fixture / lockfile, fetcher, registry=HOST, omit_dev=True)
        kept = sorted(f"{w.name}@{w.version}" for w in source._wanted)
        full = NpmLockSource(FIXTURES / fixture / lockfile, fetcher, registry=HOST)
        everything = sorted(f"{w.name}@{w.version}" for w in full._wanted)
    assert source.omitted == ["ms@2.1.3"]
    assert "ms@2.1.3" not in kept and "ms@2.0.0" in kept and len(kept) == 8
    assert everything == sorted(kept + ["ms@2.1.3"])


def test_downloads_run_in_parallel(tmp_path: Path) -> None:
    registry = FakeRegistry()
    packages = {f"node_modules/p{i}": {"version": "1.0.0", "integrity": registry.publish(f"p{i}", "1.0.0")}
                for i in range(6)}
    lock = write_lock(tmp_path / "p", "package-lock.json", _lock_v3(packages))
    active, peak, lock_ = 0, 0, threading.Lock()

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        with lock_:
            active += 1
            peak = max(peak, active)
        time.sleep(0.1)
        with lock_:
            active -= 1
        return registry.handler(request)

    with Fetcher(tmp_path / "cache", transport=httpx.MockTransport(slow)) as fetcher:
        keys = [x.key for x in NpmLockSource(lock, fetcher, registry=HOST, jobs=3).collect()]
    assert keys == [f"npm:p{i}@1.0.0" for i in range(6)]
    assert peak == 3


def test_routing_lockfiles_and_uninstalled_projects(tmp_path: Path) -> None:
    with Fetcher(tmp_path / "cache") as fetcher:
        config = SourceConfig(fetcher=fetcher, omit_dev=True)
        for fixture, name in (("npm-v3", "package-lock.json"), ("yarn-v1", "yarn.lock"),
                              ("pnpm-v9", "pnpm-lock.yaml")):
            by_file = source_for(str(FIXTURES / fixture / name), config)
            by_folder = source_for(str(FIXTURES / fixture), config)
            assert isinstance(by_file, NpmLockSource) and isinstance(by_folder, NpmLockSource)
            assert by_folder.lockfile == FIXTURES / fixture / name
            assert by_file.omitted == ["ms@2.1.3"]
        installed = tmp_path / "installed"
        (installed / "node_modules").mkdir(parents=True)
        write_lock(installed, "package-lock.json", _lock_v3({}))
        assert isinstance(source_for(str(installed), config), NodeModulesSource)   # node_modules wins


def test_a_corrupt_lockfile_fails_when_the_source_is_made(tmp_path: Path) -> None:
    path = write_lock(tmp_path, "package-lock.json", "{")
    with Fetcher(tmp_path / "cache") as fetcher:
        with pytest.raises(SourceError, match=r"package-lock\.json:1:2: not valid JSON"):
            source_for(str(path), SourceConfig(fetcher=fetcher))
        (tmp_path / "empty").mkdir()
        with pytest.raises(SourceError, match=r"empty: no npm lockfile \(package-lock\.json, "):
            NpmLockSource(tmp_path / "empty", fetcher)
        with pytest.raises(SourceError, match=r"^no such file or directory: .*missing\.lock$"):
            NpmLockSource(tmp_path / "missing.lock", fetcher)


BERRY_PATCH = '''__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    left: "npm:1.0.0"
    typescript: "npm:5.6.3"
  languageName: unknown
  linkType: soft

"left@npm:1.0.0":
  version: 1.0.0
  resolution: "left@npm:1.0.0"
  checksum: 10c0/00
  languageName: node
  linkType: hard

"typescript@npm:5.6.3":
  version: 5.6.3
  resolution: "typescript@npm:5.6.3"
  checksum: 10c0/11
  languageName: node
  linkType: hard

"typescript@patch:typescript@npm%3A5.6.3#optional!builtin<compat/typescript>":
  version: 5.6.3
  resolution: "typescript@patch:typescript@npm%3A5.6.3#optional!builtin<compat/typescript>::version=5.6.3&hash=8c6c40"
  checksum: 10c0/22
  languageName: node
  linkType: hard
'''


def test_berry_builtin_patch_follows_its_original(tmp_path: Path) -> None:
    path = write_lock(tmp_path / "p", "yarn.lock", BERRY_PATCH,
                      {"name": "app", "dependencies": {"left": "1.0.0"}, "devDependencies": {"typescript": "5.6.3"}})
    with Fetcher(tmp_path / "cache") as fetcher:
        full = NpmLockSource(path, fetcher, registry=HOST)
        prod = NpmLockSource(path, fetcher, registry=HOST, omit_dev=True)
    assert [(w.name, w.version, w.url, w.integrity) for w in full._wanted] == [
        ("left", "1.0.0", None, None), ("typescript", "5.6.3", None, None)]   # checksum is never an integrity
    assert full.not_fetched == [("typescript@5.6.3", "yarn patch of typescript@npm:5.6.3; "
                                                     "the unpatched package is scanned from its own entry")]
    assert sorted(full.graph.direct) == ["left@npm:1.0.0", "typescript@npm:5.6.3"]
    assert [w.name for w in prod._wanted] == ["left"]
    assert (prod.omitted, prod.not_fetched) == (["typescript@5.6.3"], [])


def test_omit_dev_keeps_a_version_that_also_has_a_production_copy(tmp_path: Path) -> None:
    path = write_lock(tmp_path / "p", "package-lock.json", _lock_v3({
        "node_modules/tool": {"version": "1.0.0", "integrity": sri(b"t"), "dev": True,
                              "dependencies": {"ms": "2.1.3"}},
        "node_modules/tool/node_modules/ms": {"version": "2.1.3", "integrity": sri(b"m"), "dev": True},
        "node_modules/send": {"version": "1.0.0", "integrity": sri(b"s"), "dependencies": {"ms": "2.1.3"}},
        "node_modules/send/node_modules/ms": {"version": "2.1.3", "integrity": sri(b"m")},
        "node_modules/ms": {"version": "2.0.0", "integrity": sri(b"o")},
    }, {"send": "1", "ms": "2.0.0"}, devDependencies={"tool": "1"}))
    with Fetcher(tmp_path / "cache") as fetcher:
        source = NpmLockSource(path, fetcher, registry=HOST, omit_dev=True)
    assert [(w.label, w.locations) for w in source._wanted] == [
        ("ms@2.0.0", ("node_modules/ms",)), ("ms@2.1.3", ("node_modules/send/node_modules/ms",)),
        ("send@1.0.0", ("node_modules/send",))]
    assert source.omitted == ["tool@1.0.0"]


@pytest.mark.parametrize("name, text", [
    ("yarn.lock", '# yarn lockfile v1\n\n"gitdep@git+https://github.com/e/gitdep.git":\n  version "1.0.0"\n'
                  '  resolved "git+https://github.com/e/gitdep.git#0123abcd"\n'),
    ("pnpm-lock.yaml", (
        "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      gitdep:\n"
        "        specifier: github:e/gitdep\n        version: git+https://github.com/e/gitdep.git#0123abcd\n"
        "packages:\n  gitdep@git+https://github.com/e/gitdep.git#0123abcd:\n"
        "    resolution: {type: git, repo: 'https://github.com/e/gitdep.git', commit: 0123abcd}\n"
        "    version: 1.0.0\nsnapshots:\n  gitdep@git+https://github.com/e/gitdep.git#0123abcd: {}\n")),
])
def test_git_dependency_is_not_fetched_in_yarn_and_pnpm_locks(tmp_path: Path, name: str, text: str) -> None:
    path = write_lock(tmp_path / "p", name, text, {"name": "app", "dependencies": {"gitdep": "github:e/gitdep"}})
    registry = FakeRegistry()
    with registry.fetcher(tmp_path / "cache") as fetcher:
        source = NpmLockSource(path, fetcher, registry=HOST)
        assert list(source.collect()) == []
    assert source.not_fetched == [("gitdep@1.0.0", "git dependency: git+https://github.com/e/gitdep.git#0123abcd")]
    assert registry.requests == []
