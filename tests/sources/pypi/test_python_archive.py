"""Wheels and sdists read in place: identity, exact paths, laziness, hostile members."""

from __future__ import annotations

import tarfile
import zipfile

import pytest

from egress.errors import SourceError
from egress.model import Ecosystem, NotAnalysed
from egress.sources.python_archive import SdistSource, WheelSource
from pypi_testkit import (
    add_tar_file,
    add_tar_symlink,
    build_sdist_tar,
    build_sdist_zip,
    build_wheel,
    read_all,
    sha256_hex,
    tree_files,
)

WHEEL_PATHS = [   # archive order: read_files streams members as stored
    "demo_pkg/__init__.py",
    "demo_pkg/net.py",
    "demo_pkg-1.0.dist-info/METADATA",
    "demo_pkg-1.0.dist-info/WHEEL",
    "demo_pkg-1.0.dist-info/entry_points.txt",
    "demo_pkg-1.0.dist-info/top_level.txt",
    "demo_pkg.pth",
    "demo_pkg-1.0.dist-info/RECORD",
]
SDIST_PATHS = [
    "PKG-INFO",
    "pyproject.toml",
    "setup.py",
    "src/Demo_Pkg.egg-info/entry_points.txt",
    "src/Demo_Pkg.egg-info/top_level.txt",
    "src/demo_pkg/__init__.py",
]


def test_wheel_identity_metadata_and_exact_paths(tmp_path):
    path = build_wheel(tmp_path / "demo_pkg-1.0-py3-none-any.whl")
    [artifact] = WheelSource(path).collect()
    assert (artifact.ecosystem, artifact.name, artifact.version) == (Ecosystem.PYPI, "Demo-Pkg", "1.0")
    assert artifact.locations == (str(path),)
    assert artifact.digest == f"sha256:{sha256_hex(path)}"
    assert artifact.unreadable == ()
    assert artifact.metadata == {
        "kind": "wheel",
        "top_level": ["demo_pkg"],
        "entry_points": "[console_scripts]\ndemo = demo_pkg:main\n",
        "filename": "demo_pkg-1.0-py3-none-any.whl",
        "requires_python": ">=3.8",
    }
    files = read_all(artifact)
    assert list(files) == WHEEL_PATHS
    assert files["demo_pkg.pth"] == b"import demo_pkg\n"
    assert files["demo_pkg/net.py"] == tree_files("wheel")["demo_pkg/net.py"]


def test_wheel_reads_only_wanted_files_and_asks_about_each_path(tmp_path):
    path = build_wheel(tmp_path / "demo_pkg-1.0-py3-none-any.whl")
    [artifact] = WheelSource(path, origin="https://example.test/demo.whl", digest="sha256:abc").collect()
    asked: list[str] = []

    def want(p: str) -> bool:
        asked.append(p)
        return p.endswith((".py", ".pth"))

    assert [f.path for f in artifact.read_files(want)] == ["demo_pkg/__init__.py", "demo_pkg/net.py", "demo_pkg.pth"]
    assert asked == WHEEL_PATHS
    assert artifact.locations == ("https://example.test/demo.whl",)
    assert artifact.digest == "sha256:abc"


def test_zip_without_dist_info_is_not_a_wheel_even_with_a_wheel_name(tmp_path):
    """A renamed zip must not pass for a scanned, clean wheel (every real wheel has *.dist-info)."""
    files = {"only.py": b"x = 1\n"}
    path = build_wheel(tmp_path / "only_mod-0.2-py3-none-any.whl", files=files, with_record=False)
    with pytest.raises(SourceError) as info:
        list(WheelSource(path).collect())
    assert str(info.value) == f"{path}: not a wheel: it has no *.dist-info folder"


def test_not_a_wheel_name_and_no_metadata_is_one_line_error(tmp_path):
    path = build_wheel(tmp_path / "mystery.whl", files={"a.py": b""}, with_record=False)
    with pytest.raises(SourceError) as info:
        list(WheelSource(path).collect())
    assert str(info.value) == f"{path}: not a wheel: it has no *.dist-info folder"


def test_corrupt_zip_is_source_error(tmp_path):
    path = tmp_path / "broken-1.0-py3-none-any.whl"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(SourceError) as info:
        list(WheelSource(path).collect())
    assert str(info.value) == f"{path}: corrupt or truncated zip archive: File is not a zip file"
    assert "\n" not in str(info.value)


def test_missing_archive_is_source_error(tmp_path):
    with pytest.raises(SourceError) as info:
        list(SdistSource(tmp_path / "nope-1.0.tar.gz").collect())
    assert str(info.value) == f"{tmp_path / 'nope-1.0.tar.gz'}: no such file"


def test_sdist_tar_gz_paths_are_relative_to_the_top_folder(tmp_path):
    path = build_sdist_tar(tmp_path / "demo-pkg-1.0.tar.gz")
    [artifact] = SdistSource(path).collect()
    assert (artifact.name, artifact.version) == ("Demo-Pkg", "1.0")
    assert sorted(read_all(artifact)) == SDIST_PATHS
    assert read_all(artifact)["setup.py"] == b"from setuptools import setup\n\nsetup()\n"
    assert artifact.metadata["kind"] == "sdist"
    assert artifact.metadata["has_setup_py"] is True
    assert artifact.metadata["entry_points"] == "[console_scripts]\ndemo = demo_pkg:main\n"
    assert artifact.metadata["top_level"] == ["demo_pkg"]
    assert artifact.metadata["pyproject_toml"].startswith("[build-system]\n")
    assert artifact.digest == f"sha256:{sha256_hex(path)}"
    assert artifact.unreadable == ()


@pytest.mark.parametrize("suffix, mode", [(".tar.bz2", "w:bz2"), (".tgz", "w:gz"), (".tar.xz", "w:xz")])
def test_sdist_other_tar_compressions(tmp_path, suffix, mode):
    path = build_sdist_tar(tmp_path / f"demo-pkg-1.0{suffix}", mode=mode)
    [artifact] = SdistSource(path).collect()
    assert (artifact.name, artifact.version) == ("Demo-Pkg", "1.0")
    assert sorted(read_all(artifact)) == SDIST_PATHS


def test_sdist_zip(tmp_path):
    path = build_sdist_zip(tmp_path / "demo-pkg-1.0.zip")
    [artifact] = SdistSource(path).collect()
    assert (artifact.name, artifact.version) == ("Demo-Pkg", "1.0")
    assert sorted(read_all(artifact)) == SDIST_PATHS


def test_sdist_without_pkg_info_uses_the_filename(tmp_path):
    files = {"setup.py": b"from setuptools import setup\n"}
    path = build_sdist_tar(tmp_path / "Legacy_Thing-3.1.tar.gz", top="Legacy_Thing-3.1", files=files)
    [artifact] = SdistSource(path).collect()
    assert (artifact.name, artifact.version) == ("legacy-thing", "3.1")
    assert artifact.metadata["notes"] == ["no PKG-INFO: name and version taken from the file name"]


def test_truncated_tar_gz_is_source_error(tmp_path):
    whole = build_sdist_tar(tmp_path / "whole.tar.gz", files={"setup.py": bytes(range(256)) * 400})
    path = tmp_path / "demo-pkg-1.0.tar.gz"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(SourceError) as info:
        list(SdistSource(path).collect())
    message = str(info.value)
    assert message.startswith(f"{path}: corrupt or truncated tar archive: ")
    assert "\n" not in message


def test_hostile_members_are_never_read(tmp_path):
    def hostile(archive: tarfile.TarFile) -> None:
        add_tar_file(archive, "demo-pkg-1.0/../evil.py", b"import os\n")
        add_tar_file(archive, "/etc/absolute.py", b"import os\n")
        add_tar_symlink(archive, "demo-pkg-1.0/link.py", "/etc/passwd")

    path = build_sdist_tar(tmp_path / "demo-pkg-1.0.tar.gz", extra=hostile)
    [artifact] = SdistSource(path).collect()
    assert sorted(read_all(artifact)) == SDIST_PATHS
    reason = "archive member path is absolute or climbs out with '..': not read"
    assert artifact.unreadable == (NotAnalysed("demo-pkg-1.0/../evil.py", reason),
                                   NotAnalysed("/etc/absolute.py", reason),
                                   NotAnalysed("link.py", "link in the archive not followed"))
    assert artifact.metadata["skipped_links"] == ["demo-pkg-1.0/link.py"]


def test_zip_member_climbing_out_is_never_read(tmp_path):
    path = tmp_path / "demo_pkg-1.0-py3-none-any.whl"
    build_wheel(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../../outside.py", b"import socket\n")
    [artifact] = WheelSource(path).collect()
    assert "../../outside.py" not in read_all(artifact)
    assert [u.file for u in artifact.unreadable] == ["../../outside.py"]


def test_corrupted_member_fails_the_read_on_one_line(tmp_path):
    path = tmp_path / "demo_pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for rel, data in tree_files("wheel").items():
            archive.writestr(rel, data)
    raw = path.read_bytes()
    at = raw.index(b"create_connection")
    path.write_bytes(raw[:at] + b"X" + raw[at + 1:])      # same size, wrong CRC
    [artifact] = WheelSource(path).collect()               # the listing is intact
    with pytest.raises(SourceError) as info:
        read_all(artifact)
    assert str(info.value) == f"{path}: corrupt or truncated zip archive: Bad CRC-32 for file 'demo_pkg/net.py'"
