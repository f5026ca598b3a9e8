"""Baselines: written once, compared later; only what is new (and what went away) is reported."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from egress.baseline import compare_to_baseline, load_baseline, write_baseline
from egress.errors import PolicyError
from egress.model import Capability, Ecosystem
from tests.policy.build import FETCH, HTTPS, IMPORT_DNS, client, finding, package, result


def _items(items) -> set[tuple[str, str, str]]:
    return {(i.package, i.aspect, i.value) for i in items}


def test_baseline_document_keys_alerts_without_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "egress-baseline.json"
    write_baseline(result(client("1.0.0", [HTTPS, IMPORT_DNS])), path)
    document = json.loads(path.read_text())
    assert document["baseline_version"] == 1
    assert document["packages"] == {"npm:tiny-client@1.0.0": {
        "alerts": [
            {"type": "importsNetworkModule", "api": "dns", "file": "lib/dns.js", "snippet": "const dns = require('dns')",
             "severity": "low", "capability": "resolve", "destinations": []},
            {"type": "networkAccess", "api": "https.get", "file": "lib/index.js",
             "snippet": "return https.get(url, done)", "severity": "medium", "capability": "request",
             "destinations": []},
        ],
        "destinations": [],
    }}


def test_compare_reports_exactly_the_new_items(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    old = result(client("1.0.0", [HTTPS, IMPORT_DNS]), package("gone-lib", "2.0.0", [HTTPS]))
    write_baseline(old, path)
    # Unrelated edits move https.get (line 8 → 30, extra spaces): not new.
    moved = dataclasses.replace(HTTPS, line=30, snippet="return   https.get(url, done);")
    udp = finding("dgram.Socket.send", "lib/udp.js", 9, "sock.send(buf, port)", capability=Capability.CONNECT,
                  module="dgram")
    new = result(client("1.1.0", [FETCH, moved, udp]), package("fresh", "0.1.0", [FETCH]))
    diff = compare_to_baseline(new, path)
    assert _items(diff.new) == {
        ("npm:fresh", "package", "0.1.0"),
        ("npm:tiny-client", "api", "fetch"),
        ("npm:tiny-client", "api", "dgram.Socket.send"),
        ("npm:tiny-client", "capability", "connect"),
    }
    assert _items(diff.disappeared) == {
        ("npm:gone-lib", "package", "2.0.0"),
        ("npm:tiny-client", "alertType", "importsNetworkModule"),
        ("npm:tiny-client", "api", "dns"),
        ("npm:tiny-client", "capability", "resolve"),
    }
    assert diff.version_changes == (("npm:tiny-client", ("1.0.0",), ("1.1.0",)),)
    [fetch] = [i for i in diff.new if i.value == "fetch"]
    assert [(e.key.file, e.line) for e in fetch.evidence] == [("lib/index.js", 6)]
    [tiny] = [p for p in diff.packages if p.name == "tiny-client"]
    assert {(e.key.api, e.key.file) for e in tiny.new_alerts} == {("fetch", "lib/index.js"), ("dgram.Socket.send", "lib/udp.js")}


def test_same_result_against_its_own_baseline_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    r = result(client(), package("Requests", "2.32.3", [HTTPS], ecosystem=Ecosystem.PYPI))
    write_baseline(r, path)
    diff = compare_to_baseline(r, path)
    assert (diff.new, diff.disappeared, diff.version_changes, diff.has_new) == ((), (), (), False)
    assert set(load_baseline(path)) == {("npm", "tiny-client"), ("pypi", "requests")}


@pytest.mark.parametrize("text, reason", [
    ("{", ":1:2: invalid JSON: Expecting property name enclosed in double quotes"),
    ("[]", ": not an egress baseline: no baseline_version"),
    ('{"baseline_version": 2, "packages": {}}', ": not an egress baseline: baseline_version 2 (this egress reads 1)"),
    ('{"baseline_version": 1, "packages": []}', ": not an egress baseline: 'packages' must be an object"),
    ('{"baseline_version": 1, "packages": {"axios": {"alerts": []}}}',
     ": not an egress baseline: package key 'axios' is not ecosystem:name@version"),
    ('{"baseline_version": 1, "packages": {"npm:a@1.0.0": {"alerts": [{"type": "networkAccess"}]}}}',
     ": not an egress baseline: npm:a@1.0.0: each alert needs string fields type, api, file, snippet"),
])
def test_invalid_baselines_name_file_and_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(text)
    with pytest.raises(PolicyError) as err:
        compare_to_baseline(result(client()), path)
    assert str(err.value) == f"{path}{reason}"


def test_missing_baseline_and_unwritable_target(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such baseline file"):
        load_baseline(tmp_path / "nope.json")
    with pytest.raises(PolicyError, match="no such directory"):
        write_baseline(result(client()), tmp_path / "missing" / "b.json")


def test_baseline_records_destinations_and_reports_new_ones(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    api = finding("fetch", "lib/api.js", 3, "fetch(URL)", hosts=("api.example.com",))
    write_baseline(result(client("1.0.0", [api])), path)
    entry = json.loads(path.read_text())["packages"]["npm:tiny-client@1.0.0"]
    assert entry["destinations"] == ["api.example.com"]
    assert entry["alerts"][0]["destinations"] == ["api.example.com"]
    moved = finding("fetch", "lib/api.js", 3, "fetch(URL)", hosts=("api.example.com", "paste.example.org"))
    diff = compare_to_baseline(result(client("1.0.0", [moved])), path)
    assert _items(diff.new) == {("npm:tiny-client", "destination", "paste.example.org")}
    assert diff.disappeared == ()
