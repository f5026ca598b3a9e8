"""A lockfile scanned without installing: verdicts, the transitive view, --omit dev, not-fetched deps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from egress.cli import main

LOCKS = Path(__file__).resolve().parents[1] / "fixtures" / "lockfiles"
pytestmark = pytest.mark.network


def _scan(*args: str) -> dict:
    result = CliRunner().invoke(main, ["scan", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_lockfile_scan_shows_network_by_direct_dependency(tmp_path: Path) -> None:
    lock = str(LOCKS / "npm-v3" / "package-lock.json")
    doc = _scan(lock, "--cache-dir", str(tmp_path))
    verdicts = {p["name"]: p["verdict"] for p in doc["packages"]}
    assert (verdicts["socks"], verdicts["statuses"]) == ("network", "none")
    view = doc["transitive"][lock]
    assert view["socks"] == [{"package": "socks@2.8.3", "path": ["lock-fixture-app", "socks"]}]
    assert view["statuses"] == []
    assert doc["not_fetched"] == []
    without_dev = _scan(lock, "--omit", "dev", "--cache-dir", str(tmp_path))
    labels = {f'{p["name"]}@{p["version"]}' for p in without_dev["packages"]}
    assert "ms@2.1.3" not in labels and "ms@2.0.0" in labels     # dev-only copy out, debug's own copy kept
    assert {p["name"] for p in _scan(lock, "--prod", "--cache-dir", str(tmp_path))["packages"]} == \
        {p["name"] for p in without_dev["packages"]}


def test_project_folder_without_node_modules_uses_its_lockfile(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(LOCKS / "npm-v3", project)
    doc = _scan(str(project), "--cache-dir", str(tmp_path / "c"))
    assert {"socks", "statuses"} <= {p["name"] for p in doc["packages"]}
