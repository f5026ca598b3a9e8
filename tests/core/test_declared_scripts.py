"""npm `bin` scripts without an extension are JavaScript too: Node runs them."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from click.testing import CliRunner

from egress.analyzers.registry import declared_scripts
from egress.cli import main


def test_declared_scripts_are_the_extensionless_bin_entries() -> None:
    assert declared_scripts({"bin": {"a": "./bin/a", "b": "bin/b.js"}}) == frozenset({"bin/a"})
    assert declared_scripts({"bin": "cli"}) == frozenset({"cli"})
    assert declared_scripts({"bin": None}) == frozenset()


def test_an_extensionless_bin_script_is_analysed(tmp_path: Path) -> None:
    members = {
        "package/package.json": json.dumps({"name": "clitool", "version": "1.0.0", "bin": {"clitool": "./bin/clitool"}}),
        "package/bin/clitool": "#!/usr/bin/env node\nrequire('net').connect(4444, '203.0.113.7');\n",
        "package/bin/README": "require('net') in prose is not code\n",
    }
    tgz = tmp_path / "clitool.tgz"
    with tarfile.open(tgz, "w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    result = CliRunner().invoke(main, ["scan", str(tgz), "--format", "json", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.stderr
    [pkg] = json.loads(result.stdout)["packages"]
    assert (pkg["verdict"], pkg["files_analysed"]) == ("network", 1)
    assert [(a["type"], a["api"], a["file"], a["line"]) for a in pkg["alerts"]] == [
        ("networkAccess", "net.connect", "bin/clitool", 2), ("suspiciousDestination", "net.connect", "bin/clitool", 2)]
