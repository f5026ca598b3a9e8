"""NpmFolderSource: one package folder, listed at collect time, read lazily."""

from __future__ import annotations

import os
import shutil

import pytest
from npm_testkit import FIXTURE_FILES, FIXTURE_METADATA, FIXTURE_PKG, fixture_files, read_all

from egress.errors import SourceError
from egress.model import Ecosystem, NotAnalysed
from egress.sources import npm_folder
from egress.sources.npm_folder import NpmFolderSource


@pytest.fixture
def pkg(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURE_PKG, folder)
    return folder


def collect_one(path):
    artifacts = list(NpmFolderSource(path).collect())
    assert len(artifacts) == 1
    return artifacts[0]


def test_folder_identity_metadata_and_files(pkg):
    art = collect_one(pkg)
    assert (art.ecosystem, art.name, art.version) == (Ecosystem.NPM, "tiny-pkg", "1.2.3")
    assert art.locations == (str(pkg),)
    assert art.digest is None
    assert art.unreadable == ()
    assert art.metadata == {"kind": "folder", **FIXTURE_METADATA}
    assert read_all(art) == fixture_files()


def test_nested_node_modules_and_git_are_not_part_of_the_package(pkg):
    (pkg / "node_modules" / "dep").mkdir(parents=True)
    (pkg / "node_modules" / "dep" / "index.js").write_text("dep;\n")
    (pkg / "lib" / "node_modules").mkdir()
    (pkg / "lib" / "node_modules" / "x.js").write_text("x;\n")
    (pkg / ".git").mkdir()
    (pkg / ".git" / "config").write_text("[core]\n")
    (pkg / ".github").mkdir()
    (pkg / ".github" / "ci.js").write_text("ci;\n")
    assert sorted(read_all(collect_one(pkg))) == sorted([*FIXTURE_FILES, ".github/ci.js"])


def test_read_files_opens_only_wanted_files(pkg, monkeypatch):
    art = collect_one(pkg)
    opened: list[str] = []
    real_open = open

    def spy(path, *args, **kwargs):
        opened.append(os.path.relpath(path, pkg))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    got = [f.path for f in art.read_files(lambda p: p.startswith("lib/") or p == "index.js")]
    assert got == ["index.js", "lib/util.js"]
    assert opened == ["index.js", "lib/util.js"]


def test_unreadable_file_is_listed_not_failed(pkg, monkeypatch):
    denied = str(pkg / "lib" / "util.js")
    monkeypatch.setattr(npm_folder, "_readable", lambda path: path != denied)
    art = collect_one(pkg)
    assert art.unreadable == (NotAnalysed("lib/util.js", "permission denied"),)
    assert "lib/util.js" not in read_all(art)
    assert len(read_all(art)) == len(FIXTURE_FILES) - 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a mode-000 file")
def test_unreadable_file_by_permissions(pkg):
    (pkg / "lib" / "util.js").chmod(0)
    try:
        art = collect_one(pkg)
    finally:
        (pkg / "lib" / "util.js").chmod(0o644)
    assert art.unreadable == (NotAnalysed("lib/util.js", "permission denied"),)


def test_file_vanishing_after_listing_is_a_source_error_not_a_silent_gap(pkg):
    art = collect_one(pkg)
    (pkg / "lib" / "util.js").unlink()
    with pytest.raises(SourceError, match=r"lib/util\.js: cannot read \(changed since it was listed\?\): "
                                          r"No such file or directory$"):
        list(art.read_files(lambda p: True))


def test_symbolic_links_never_leave_the_package(pkg, tmp_path):
    outside = tmp_path / "secret.js"
    outside.write_text("secret;\n")
    os.symlink("index.js", pkg / "alias.js")                 # inside: read through
    os.symlink(outside, pkg / "out.js")                       # outside: not analysed
    os.symlink(tmp_path, pkg / "outdir")                      # outside dir: not analysed
    os.symlink("lib", pkg / "lib2")                           # inside dir: already listed
    os.symlink("missing.js", pkg / "dangling.js")             # no content at all
    art = collect_one(pkg)
    files = read_all(art)
    assert sorted(files) == sorted([*FIXTURE_FILES, "alias.js"])
    assert files["alias.js"] == (pkg / "index.js").read_bytes()
    assert art.unreadable == (
        NotAnalysed("out.js", "symbolic link to outside the package not followed"),
        NotAnalysed("outdir", "symbolic link to outside the package not followed"),
    )


def test_missing_name_and_version_fall_back_to_folder_name_and_0_0_0(tmp_path):
    app = tmp_path / "my-app"
    app.mkdir()
    (app / "package.json").write_text('{"private": true}')
    art = collect_one(app)
    assert (art.name, art.version) == ("my-app", "0.0.0")


def test_not_a_directory(tmp_path):
    with pytest.raises(SourceError, match=r"nowhere: not a directory$"):
        collect_one(tmp_path / "nowhere")


def test_folder_without_package_json(tmp_path):
    with pytest.raises(SourceError) as info:
        collect_one(tmp_path)
    assert str(info.value) == f"{tmp_path}: no package.json"


def test_folder_with_broken_package_json(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x",')
    with pytest.raises(SourceError) as info:
        collect_one(tmp_path)
    assert str(info.value) == (f"{tmp_path}: package.json is not valid JSON: "
                               "Expecting property name enclosed in double quotes: line 1 column 14 (char 13)")
