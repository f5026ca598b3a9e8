"""NpmTarballSource: read straight from the .tgz, never trust unsafe members."""

from __future__ import annotations

import os
import tarfile

import pytest
from npm_testkit import (FIXTURE_FILES, FIXTURE_METADATA, add_file, add_link, build_tgz, fixture_files,
                         manifest, read_all, sri_of)

from egress.errors import IntegrityError, SourceError
from egress.model import Ecosystem, NotAnalysed
from egress.sources.npm_tarball import NpmTarballSource


def collect_one(path, **kwargs):
    artifacts = list(NpmTarballSource(path, **kwargs).collect())
    assert len(artifacts) == 1
    return artifacts[0]


def test_normal_tarball_identity_metadata_and_files(tmp_path):
    tgz = build_tgz(tmp_path / "tiny-pkg-1.2.3.tgz", fixture_files())
    art = collect_one(tgz)
    assert (art.ecosystem, art.name, art.version) == (Ecosystem.NPM, "tiny-pkg", "1.2.3")
    assert art.locations == (str(tgz),)
    assert art.digest == sri_of(tgz)
    assert art.unreadable == ()
    assert art.metadata == {"kind": "tarball", **FIXTURE_METADATA, "skipped_members": ()}
    assert read_all(art) == fixture_files()


def test_origin_and_integrity_are_used_when_given(tmp_path):
    tgz = build_tgz(tmp_path / "t.tgz", fixture_files())
    art = collect_one(tgz, origin="npm:tiny-pkg@1.2.3", integrity=sri_of(tgz))
    assert art.locations == ("npm:tiny-pkg@1.2.3",)
    assert art.digest == sri_of(tgz)


def test_wrong_integrity_is_refused(tmp_path):
    tgz = build_tgz(tmp_path / "t.tgz", fixture_files())
    other = build_tgz(tmp_path / "other.tgz", {"package.json": manifest("x", "1.0.0")})
    with pytest.raises(IntegrityError, match=r"t\.tgz: integrity mismatch"):
        collect_one(tgz, integrity=sri_of(other))


def test_read_files_yields_only_wanted_paths_in_archive_order(tmp_path):
    tgz = build_tgz(tmp_path / "t.tgz", fixture_files())
    art = collect_one(tgz)
    asked: list[str] = []

    def want(path: str) -> bool:
        asked.append(path)
        return path.endswith(".js")

    got = [f.path for f in art.read_files(want)]
    assert got == ["bin/tiny.js", "index.js", "lib/util.js", "scripts/setup.js"]
    assert sorted(asked) == list(FIXTURE_FILES)           # each path offered once
    assert list(art.read_files(lambda p: False)) == []


def test_read_pass_stops_after_last_wanted_member(tmp_path):
    """One forward pass that ends early: damage after the wanted member is never reached."""
    big = os.urandom(400_000)   # incompressible, so the tail of the .tgz is this member
    tgz = build_tgz(tmp_path / "t.tgz", {"package.json": manifest("p", "1.0.0"), "index.js": b"1;\n",
                                          "blob.bin": big})
    art = collect_one(tgz)
    data = tgz.read_bytes()
    tgz.write_bytes(data[: len(data) - 100_000])          # damage the file after listing
    assert [(f.path, f.data) for f in art.read_files(lambda p: p == "index.js")] == [("index.js", b"1;\n")]
    with pytest.raises(SourceError, match=r"t\.tgz: corrupt npm tarball \(changed since it was listed\?\)"):
        list(art.read_files(lambda p: p == "blob.bin"))


def test_any_single_top_directory_is_the_package_root(tmp_path):
    tgz = build_tgz(tmp_path / "t.tgz", fixture_files(), root="node-tiny-v1")
    art = collect_one(tgz)
    assert (art.name, art.version) == ("tiny-pkg", "1.2.3")
    assert sorted(read_all(art)) == list(FIXTURE_FILES)


def test_uncompressed_tar_is_read_too(tmp_path):
    tgz = build_tgz(tmp_path / "t.tar", fixture_files(), gzip=False)
    assert sorted(read_all(collect_one(tgz))) == list(FIXTURE_FILES)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_tarball_is_a_source_error(tmp_path, cut):
    tgz = build_tgz(tmp_path / "t.tgz", fixture_files())
    data = tgz.read_bytes()
    tgz.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(SourceError, match=r"^.*t\.tgz: corrupt npm tarball: ") as info:
        collect_one(tgz)
    assert "\n" not in str(info.value)


def test_missing_gzip_trailer_is_detected(tmp_path):
    """Only the CRC/length trailer is cut: the tar stream itself still parses."""
    tgz = build_tgz(tmp_path / "t.tgz", fixture_files())
    tgz.write_bytes(tgz.read_bytes()[:-4])
    with pytest.raises(SourceError, match=r"t\.tgz: corrupt npm tarball: EOFError"):
        collect_one(tgz)


@pytest.mark.parametrize("content", [b"this is not an archive\n" * 40, b"", b"\x1f\x8bnot really gzip"])
def test_not_an_archive_is_a_source_error(tmp_path, content):
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(content)
    with pytest.raises(SourceError, match=r"bad\.tgz: corrupt npm tarball: "):
        collect_one(bad)


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match=r"nope\.tgz: cannot open npm tarball: No such file or directory$"):
        collect_one(tmp_path / "nope.tgz")


def test_missing_package_json(tmp_path):
    tgz = build_tgz(tmp_path / "t.tgz", {"index.js": b"1;\n"})
    with pytest.raises(SourceError) as info:
        collect_one(tgz)
    assert str(info.value) == f"{tgz}: corrupt npm tarball: no package.json under the archive's top directory"


def test_package_json_at_archive_root_is_not_the_package_json(tmp_path):
    """npm strips the first component; a root-level package.json is never installed."""
    tgz = build_tgz(tmp_path / "t.tgz", {"package.json": manifest("p", "1.0.0")}, root="")
    with pytest.raises(SourceError, match="no package.json under the archive's top directory"):
        collect_one(tgz)


def test_package_json_not_json(tmp_path):
    tgz = build_tgz(tmp_path / "t.tgz", {"package.json": b"{name: tiny}"})
    with pytest.raises(SourceError) as info:
        collect_one(tgz)
    assert str(info.value) == (f"{tgz}: corrupt npm tarball: package.json is not valid JSON: "
                               "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")


@pytest.mark.parametrize("body, reason", [
    (b"[1, 2]", "package.json is not a JSON object"),
    (b'{"name": "p"}', "package.json has no 'version'"),
    (b'{"version": "1.0.0"}', "package.json has no 'name'"),
    (b'{"name": 7, "version": "1.0.0"}', "package.json field 'name' is not a string"),
    (b"\xff\xfe{}", "package.json is not UTF-8"),
])
def test_package_json_without_identity(tmp_path, body, reason):
    tgz = build_tgz(tmp_path / "t.tgz", {"package.json": body})
    with pytest.raises(SourceError) as info:
        collect_one(tgz)
    assert str(info.value) == f"{tgz}: corrupt npm tarball: {reason}"


def test_unsafe_members_are_never_read(tmp_path):
    tgz = tmp_path / "t.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        add_file(tar, "package/package.json", manifest("p", "1.0.0"))
        add_file(tar, "package/index.js", b"ok;\n")
        add_file(tar, "package/../evil.js", b"evil;\n")
        add_file(tar, "package/lib/../../escape.js", b"evil;\n")
        add_file(tar, "/abs.js", b"evil;\n")
        add_link(tar, "package/link.js", "../../../etc/passwd")
        add_link(tar, "package/hard.js", "package/index.js", hard=True)
        add_file(tar, "stray.js", b"outside the root dir;\n")
    art = collect_one(tgz)
    # "/abs.js": npm strips the empty first component and installs it as abs.js
    assert read_all(art) == {"package.json": manifest("p", "1.0.0"), "index.js": b"ok;\n", "abs.js": b"evil;\n"}
    assert art.metadata["skipped_members"] == (
        "package/../evil.js: path contains '..' (npm does not install it)",
        "package/lib/../../escape.js: path contains '..' (npm does not install it)",
        "package/link.js: symbolic link not followed",
        "package/hard.js: hard link not followed",
        "stray.js: outside the archive's top directory (npm does not install it)",
    )
    assert art.unreadable == (
        NotAnalysed("package/../evil.js", "path contains '..' (npm does not install it)"),
        NotAnalysed("package/lib/../../escape.js", "path contains '..' (npm does not install it)"),
        NotAnalysed("stray.js", "outside the archive's top directory (npm does not install it)"),
        NotAnalysed("link.js", "symbolic link not followed"),
        NotAnalysed("hard.js", "hard link not followed"),
    )


def test_duplicate_member_later_one_wins_and_is_yielded_once(tmp_path):
    tgz = build_tgz(tmp_path / "t.tgz", {"package.json": manifest("p", "1.0.0"), "index.js": b"old;\n"},
                    extra=[("package/index.js", b"new;\n")])
    assert [(f.path, f.data) for f in collect_one(tgz).read_files(lambda p: p == "index.js")] == [
        ("index.js", b"new;\n")]


def test_collect_writes_nothing(tmp_path):
    tgz = build_tgz(tmp_path / "t.tgz", fixture_files())
    before = sorted(p.name for p in tmp_path.iterdir())
    read_all(collect_one(tgz))
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["t.tgz"]
