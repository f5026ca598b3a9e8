"""A lockfile naming a URL no client can fetch is a one-line error, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from egress.cli import main


def test_a_resolved_url_with_a_bad_host_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "b", "version": "1.0.0",
                                                       "dependencies": {"left-pad": "1.3.0"}}))
    (tmp_path / "package-lock.json").write_text(json.dumps({
        "name": "b", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "b", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}},
                     "node_modules/left-pad": {
                         "version": "1.3.0", "resolved": "https://[bad host]/left-pad/-/left-pad-1.3.0.tgz",
                         "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQuvs6FBcE0ZUYOsEo1ZQoYCdtCXIdX+c4I+tNTSY+9DNvvxaw=="}}}))
    result = CliRunner().invoke(main, ["scan", str(tmp_path / "package-lock.json"), "--cache-dir",
                                       str(tmp_path / "cache")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("egress: error: ")
    assert "not a URL that can be fetched: https://[bad host]/" in result.output
