"""Archive member names mapped as npm installs them, and decompression bombs refused unread.

Fixtures are built here: tarballs with ``tests/tarballs.py`` or ``tarfile``
directly (for links, devices and huge members), wheels and sdists with
``zipfile`` / ``tarfile``.
"""

from __future__ import annotations

import io
import json
import struct
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from egress.engine import ScanOptions, scan
from egress.errors import SourceError
from egress.model import MAX_FILE_SIZE, NotAnalysed, Verdict
from egress.sources.npm_tarball import NpmTarballSource
from egress.sources.python_archive import SdistSource, WheelSource
from egress.sources.unanalysed import read_bounded
from tests.tarballs import write_tgz

MANIFEST = json.dumps({"name": "p", "version": "1.0.0"})
BIG = MAX_FILE_SIZE + 1
TOO_LARGE = f"file too large ({BIG} bytes > {MAX_FILE_SIZE})"


def everything(_: str) -> bool:
    return True


def read_all(artifact) -> dict[str, bytes]:
    return {f.path: f.data for f in artifact.read_files(everything)}


def one(source):
    [artifact] = source.collect()
    return artifact


class _Zeros(io.RawIOBase):
    """``size`` zero bytes, streamed: a huge member without a huge buffer in the test."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def _tar_with(path: Path, members: list[tuple[tarfile.TarInfo, bytes | int | None]], mode: str = "w:gz") -> Path:
    """Members as (info, data): bytes, an int for that many zero bytes, or None for no data."""
    with tarfile.open(path, mode) as tar:
        for info, data in members:
            if isinstance(data, int):
                info.size = data
                tar.addfile(info, io.BufferedReader(_Zeros(data)))
            elif data is None:
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def _file(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = 0o644
    return info


def _typed(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


# --- 1. npm member names -----------------------------------------------------------------------

def test_first_component_is_dropped_whatever_it_is(tmp_path):
    tgz = write_tgz(tmp_path / "t.tgz", {
        "package/package.json": MANIFEST,
        "/package/hidden.js": "hidden;\n",           # leading "/": the first component is ""
        "./pkgroot/dot.js": "dot;\n",                # "." is the first component
        "anything/lib/./deep//x.js": "x;\n",         # any folder name; "." and empty parts dropped
        "package/./y.js": "y;\n",
    })
    art = one(NpmTarballSource(tgz))
    assert read_all(art) == {
        "package.json": MANIFEST.encode(),
        "package/hidden.js": b"hidden;\n",
        "pkgroot/dot.js": b"dot;\n",
        "lib/deep/x.js": b"x;\n",
        "y.js": b"y;\n",
    }
    assert art.unreadable == ()
    assert art.metadata["skipped_members"] == ()


def test_dot_dot_members_are_listed_never_read(tmp_path):
    tgz = write_tgz(tmp_path / "t.tgz", {
        "package/package.json": MANIFEST,
        "package/../up.js": "evil;\n",
        "/../root.js": "evil;\n",
        "package/lib/../../escape.js": "evil;\n",
        "package/index.js": "ok;\n",
    })
    art = one(NpmTarballSource(tgz))
    assert read_all(art) == {"package.json": MANIFEST.encode(), "index.js": b"ok;\n"}
    reason = "path contains '..' (npm does not install it)"
    assert art.unreadable == (NotAnalysed("package/../up.js", reason), NotAnalysed("/../root.js", reason),
                              NotAnalysed("package/lib/../../escape.js", reason))


def test_links_and_devices_are_listed_by_their_package_path(tmp_path):
    tgz = _tar_with(tmp_path / "t.tgz", [
        (_file("package/package.json"), MANIFEST.encode()),
        (_file("package/over.js"), b"first;\n"),
        (_typed("package/over.js", tarfile.SYMTYPE, "/etc/passwd"), None),   # the later member wins
        (_typed("/package/dev.js", tarfile.CHRTYPE), None),
        (_typed("package/fifo.js", tarfile.FIFOTYPE), None),
        (_typed("package/hard.js", tarfile.LNKTYPE, "package/package.json"), None),
    ])
    art = one(NpmTarballSource(tgz))
    assert read_all(art) == {"package.json": MANIFEST.encode()}
    assert art.unreadable == (
        NotAnalysed("over.js", "symbolic link not followed"),
        NotAnalysed("package/dev.js", "special file not read"),
        NotAnalysed("fifo.js", "special file not read"),
        NotAnalysed("hard.js", "hard link not followed"),
    )


def test_a_refused_member_makes_the_package_partial(tmp_path):
    tgz = write_tgz(tmp_path / "t.tgz", {"package/package.json": MANIFEST, "package/index.js": "1;\n",
                                        "package/../up.js": "require('https').get('x');\n"})
    [result] = scan(NpmTarballSource(tgz).collect(), ScanOptions(jobs=1)).packages
    assert result.verdict is Verdict.PARTIAL
    assert result.not_analysed == (NotAnalysed("package/../up.js", "path contains '..' (npm does not install it)"),)


# --- 3. decompression bombs --------------------------------------------------------------------

def test_read_bounded_stops_one_byte_past_the_limit():
    class Counting(io.BytesIO):
        asked = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.asked += len(data)
            return data

    assert read_bounded(io.BytesIO(b"x" * 10), limit=10) == b"x" * 10
    big = Counting(b"x" * 1000)
    assert read_bounded(big, limit=9) is None
    assert Counting.asked == 10


def test_npm_bomb_is_refused_from_its_declared_size(tmp_path):
    tgz = _tar_with(tmp_path / "bomb.tgz", [
        (_file("package/package.json"), MANIFEST.encode()),
        (_file("package/index.js"), BIG),
        (_file("package/small.js"), b"small;\n"),
    ])
    assert tgz.stat().st_size < 100_000
    tracemalloc.start()
    try:
        art = one(NpmTarballSource(tgz))
        files = read_all(art)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert files == {"package.json": MANIFEST.encode(), "small.js": b"small;\n"}
    assert art.unreadable == (NotAnalysed("index.js", TOO_LARGE),)
    assert art.metadata["skipped_members"] == (f"package/index.js: {TOO_LARGE}",)
    assert peak < 8 * 2**20


def test_npm_bomb_scans_as_partial_with_one_not_analysed_line(tmp_path):
    tgz = _tar_with(tmp_path / "bomb.tgz", [(_file("package/package.json"), MANIFEST.encode()),
                                           (_file("package/index.js"), BIG)])
    [result] = scan(NpmTarballSource(tgz).collect(), ScanOptions(jobs=1)).packages
    assert result.verdict is Verdict.PARTIAL
    assert result.not_analysed == (NotAnalysed("index.js", TOO_LARGE),)


def test_engine_default_limit_is_the_shared_constant():
    assert ScanOptions().max_file_size == MAX_FILE_SIZE == 32 * 2**20


def _wheel(path: Path, members: dict[str, bytes | int]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        for name, data in members.items():
            if isinstance(data, int):
                with wheel.open(name, "w", force_zip64=True) as out:
                    for _ in range(data // 2**20):
                        out.write(bytes(2**20))
                    out.write(bytes(data % 2**20))
            else:
                wheel.writestr(name, data)
    return path


def test_wheel_bomb_is_refused_from_its_declared_size(tmp_path):
    whl = _wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/big.py": BIG, "demo/ok.py": b"ok = 1\n"})
    art = one(WheelSource(whl))
    files = read_all(art)
    assert sorted(files) == ["demo-1.0.dist-info/METADATA", "demo/ok.py"]
    assert art.unreadable == (NotAnalysed("demo/big.py", TOO_LARGE),)


def test_sdist_bomb_is_refused_from_its_declared_size(tmp_path):
    sdist = _tar_with(tmp_path / "demo-1.0.tar.gz", [
        (_file("demo-1.0/PKG-INFO"), b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
        (_file("demo-1.0/setup.py"), BIG),
    ])
    art = one(SdistSource(sdist))
    assert read_all(art) == {"PKG-INFO": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"}
    assert art.unreadable == (NotAnalysed("setup.py", TOO_LARGE),)


def test_wheel_member_that_lies_about_its_size_fails_on_one_line(tmp_path):
    """A header claiming 10 bytes for a 2 MiB member: never inflated past the claim, never clean."""
    whl = _wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/lie.py": bytes(2 * 2**20)})
    raw = bytearray(whl.read_bytes())
    name = b"demo/lie.py"
    local = raw.index(b"PK\x03\x04" + raw[4:4], raw.index(name) - 30)
    assert raw[local + 30:local + 30 + len(name)] == name
    struct.pack_into("<I", raw, local + 22, 10)            # local header: uncompressed size
    central = raw.index(b"PK\x01\x02")
    while raw[central + 46:central + 46 + len(name)] != name:
        central = raw.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", raw, central + 24, 10)          # central directory: uncompressed size
    whl.write_bytes(bytes(raw))
    art = one(WheelSource(whl))
    assert art.unreadable == ()
    with pytest.raises(SourceError) as info:
        read_all(art)
    assert str(info.value) == f"{whl}: corrupt or truncated zip archive: Bad CRC-32 for file 'demo/lie.py'"


def test_sdist_links_and_devices_are_listed_by_package_path(tmp_path):
    sdist = _tar_with(tmp_path / "demo-1.0.tar.gz", [
        (_file("demo-1.0/PKG-INFO"), b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
        (_typed("demo-1.0/dev.py", tarfile.CHRTYPE), None),
        (_typed("demo-1.0/setup.py", tarfile.SYMTYPE, "/etc/passwd"), None),
    ])
    art = one(SdistSource(sdist))
    assert read_all(art) == {"PKG-INFO": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"}
    assert art.unreadable == (NotAnalysed("setup.py", "link in the archive not followed"),
                              NotAnalysed("dev.py", "special file in the archive not read"))
