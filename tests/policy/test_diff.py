"""Diffs between two scans, the diff and baseline commands, and axios 1.6.8 → 1.7.2 for real."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from egress.diff import diff_results, render_diff
from egress.errors import ReportError
from egress.model import Ecosystem
from tests.policy.build import CONNECT, FETCH, HTTPS, IMPORT_DNS, client, package, result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policy"


def _sets(change) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    return {(c.aspect, c.value) for c in change.gained}, {(c.aspect, c.value) for c in change.lost}


def test_gains_losses_additions_removals_and_versions() -> None:
    a = result(client("1.0.0", [HTTPS, IMPORT_DNS]), package("old-only", "1.0.0", [HTTPS]),
               package("same", "1.0.0", [HTTPS]))
    b = result(client("1.1.0", [FETCH, HTTPS, CONNECT]), package("new-only", "3.0.0", []),
               package("same", "1.0.0", [HTTPS]), package("Py-Thing", "1.0", [], ecosystem=Ecosystem.PYPI))
    diff = diff_results(a, b)
    assert [(p.label, p.status) for p in diff.packages] == [
        ("npm:new-only", "added"), ("npm:old-only", "removed"), ("npm:same", "same"),
        ("npm:tiny-client", "changed"), ("pypi:Py-Thing", "added")]
    [tiny] = diff.changed
    assert (tiny.old_versions, tiny.new_versions) == (("1.0.0",), ("1.1.0",))
    assert _sets(tiny) == ({("api", "fetch"), ("api", "net.connect"), ("capability", "connect")},
                           {("alertType", "importsNetworkModule"), ("api", "dns"), ("capability", "resolve")})
    [removed] = diff.removed
    assert _sets(removed)[1] == {("alertType", "networkAccess"), ("api", "https.get"), ("capability", "request")}
    assert diff.gained_severity().value == "medium"
    assert diff.fails("medium") and not diff.fails("high") and not diff.fails(None)


def test_a_package_that_only_loses_does_not_fail() -> None:
    diff = diff_results(result(client("1.0.0", [FETCH, HTTPS])), result(client("1.0.1", [HTTPS])))
    assert _sets(diff.packages[0]) == (set(), {("api", "fetch")})
    assert diff.gained_severity() is None and not diff.fails("low")


def test_render_json_and_table() -> None:
    diff = diff_results(result(client("1.0.0", [HTTPS])), result(client("1.1.0", [FETCH, HTTPS])))
    document = json.loads(render_diff(diff, "json"))
    assert document["diff_version"] == "1.0"
    assert document["summary"] == {"added": 0, "removed": 0, "changed": 1, "gained_severity": "medium"}
    [p] = document["packages"]
    assert (p["name"], p["status"], p["old_versions"], p["new_versions"]) == ("tiny-client", "changed", ["1.0.0"], ["1.1.0"])
    assert [(g["aspect"], g["value"], [(e["file"], e["line"]) for e in g["evidence"]]) for g in p["gained"]] == [
        ("api", "fetch", [("lib/index.js", 6)])]
    table = render_diff(diff, "table")
    assert "npm:tiny-client" in table and "1.0.0 → 1.1.0" in table and "lib/index.js:6" in table
    assert table.strip().endswith("0 added, 0 removed, 1 changed")
    with pytest.raises(ReportError, match="unknown diff format 'sarif'"):
        render_diff(diff, "sarif")


def _cli() -> click.Group:
    from egress.cli_extra import register

    @click.group()
    def root() -> None:
        pass

    register(root)
    return root


def test_diff_command_on_two_folders(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["diff", str(FIXTURES / "client-v1"), str(FIXTURES / "client-v2"), "--no-cache", "-j", "1",
            "-f", "json"]
    run = runner.invoke(_cli(), args + ["--fail-on", "medium"])
    assert run.exit_code == 1, run.output
    [p] = json.loads(run.stdout)["packages"]
    assert (p["old_versions"], p["new_versions"]) == (["1.0.0"], ["1.1.0"])
    assert [(g["aspect"], g["value"], [(e["file"], e["line"]) for e in g["evidence"]]) for g in p["gained"]] == [
        ("api", "fetch", [("lib/index.js", 6)]),
        ("api", "net.connect", [("vendor/ping.js", 4)]),
        ("capability", "connect", [("vendor/ping.js", 4)]),
    ]
    assert p["lost"] == []
    # https.get moved from line 4 to 8 with the same code: not a new alert.
    assert [(e["api"], e["file"]) for e in p["new_alerts"]] == [("fetch", "lib/index.js"), ("net.connect", "vendor/ping.js")]
    assert runner.invoke(_cli(), args + ["--fail-on", "high"]).exit_code == 0
    reverse = runner.invoke(_cli(), ["diff", str(FIXTURES / "client-v2"), str(FIXTURES / "client-v1"), "--no-cache",
                                     "-j", "1", "--fail-on", "low"])
    assert reverse.exit_code == 0 and "lost" in reverse.stdout


def test_baseline_write_command(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    run = CliRunner().invoke(_cli(), ["baseline", "write", str(target), str(FIXTURES / "client-v1"), "--no-cache",
                                      "-j", "1"])
    assert run.exit_code == 0, run.output
    assert json.loads(target.read_text())["packages"] == {"npm:tiny-client@1.0.0": {
        "alerts": [{"type": "networkAccess", "api": "https.get", "file": "lib/index.js",
                    "snippet": "return https.get(url, done)", "severity": "medium", "capability": "request",
                    "destinations": ["<dynamic>"]}],
        "destinations": ["<dynamic>"]}}


@pytest.mark.parametrize("args, message", [
    (["diff", "no/such/dir", "npm:axios@1.7.2"], "egress: error: no such file or directory: no/such/dir\n"),
    (["diff", "npm:", "npm:axios@1.7.2"], None),
    (["baseline", "write", "b.json"], "egress: error: nothing to scan: give a path or a spec such as "
                                      "npm:axios@1.7.2 after the baseline file\n"),
])
def test_errors_are_one_line_and_exit_2(args: list[str], message: str | None) -> None:
    run = CliRunner().invoke(_cli(), args)
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("egress: error: ")
    if message is not None:
        assert run.stderr == message


def test_baseline_write_into_a_missing_directory_is_exit_2(tmp_path: Path) -> None:
    run = CliRunner().invoke(_cli(), ["baseline", "write", str(tmp_path / "nope" / "b.json"),
                                      str(FIXTURES / "client-v1"), "--no-cache", "-j", "1"])
    assert run.exit_code == 2
    assert run.stderr == f"egress: error: {tmp_path / 'nope' / 'b.json'}: cannot write baseline: no such directory " \
                         f"{tmp_path / 'nope'}\n"


# What each gained item rests on, read in the two tarballs (npm pack axios@1.6.8 axios@1.7.2):
# 1.7.0 added lib/adapters/fetch.js, whose `await fetch(request)` (line 171) calls the global fetch
# (no local binding; `typeof fetch === 'function'` at line 20 is a check, not a call), and the bundles
# in dist/ carry the same call. 1.6.8 has no fetch call anywhere (its only "fetch" is a comment in
# lib/core/Axios.js). lib/adapters/adapters.js gained `fetch: fetchAdapter` (line 10), handing on the
# adapter whose line 171 calls fetch (the cross-file linker's finding, traced to fetch.js:171); its
# `xhr: xhrAdapter` line only gained a trailing comma. Both versions call XMLHttpRequest (xhr adapter), http/https.request through
# `transport.request` (lib/adapters/http.js:455) and import follow-redirects: nothing is lost.
AXIOS_FETCH_SITES = [
    ("dist/axios.js", 3416), ("dist/axios.min.js", 1), ("dist/browser/axios.cjs", 2832), ("dist/esm/axios.js", 2830),
    ("dist/esm/axios.min.js", 1), ("dist/node/axios.cjs", 3901), ("lib/adapters/adapters.js", 10),
    ("lib/adapters/fetch.js", 171),
]


@pytest.mark.network
def test_diff_axios_1_6_8_to_1_7_2(tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("egress-diff-cache")
    run = CliRunner().invoke(_cli(), ["diff", "npm:axios@1.6.8", "npm:axios@1.7.2", "--cache-dir", str(cache),
                                      "-j", "2", "-f", "json", "--fail-on", "medium"])
    assert run.exit_code == 1, run.stderr
    document = json.loads(run.stdout)
    assert document["summary"] == {"added": 0, "removed": 0, "changed": 1, "gained_severity": "medium"}
    [p] = document["packages"]
    assert (p["name"], p["old_versions"], p["new_versions"]) == ("axios", ["1.6.8"], ["1.7.2"])
    [gained] = p["gained"]
    assert (gained["aspect"], gained["value"]) == ("api", "fetch")
    assert [(e["file"], e["line"]) for e in gained["evidence"]] == AXIOS_FETCH_SITES
    adapter = gained["evidence"][-1]
    assert (adapter["file"], adapter["type"], adapter["column"], adapter["snippet"], adapter["capability"]) == \
        ("lib/adapters/fetch.js", "networkAccess", 26, "let response = await fetch(request)", "request")
    assert p["lost"] == []
    # Same XMLHttpRequest call in lib/adapters/xhr.js (line 76 → 31): not new. The minified bundles were
    # rebuilt, so their XMLHttpRequest excerpts differ: new keys, but no new API.
    assert sorted((e["api"], e["file"]) for e in p["new_alerts"]) == sorted(
        [("fetch", f) for f, _ in AXIOS_FETCH_SITES]
        + [("XMLHttpRequest", "dist/axios.min.js"), ("XMLHttpRequest", "dist/esm/axios.min.js")])
    assert sorted((e["api"], e["file"]) for e in p["gone_alerts"]) == [
        ("XMLHttpRequest", "dist/axios.min.js"), ("XMLHttpRequest", "dist/esm/axios.min.js")]


def test_baseline_compare_command_shows_what_is_new(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    runner = CliRunner()
    common = ["--no-cache", "-j", "1"]
    assert runner.invoke(_cli(), ["baseline", "write", str(baseline), str(FIXTURES / "client-v1")] + common).exit_code == 0
    run = runner.invoke(_cli(), ["baseline", "compare", str(baseline), str(FIXTURES / "client-v2"), "-f", "json",
                                 "--fail-on", "medium"] + common)
    assert run.exit_code == 1, run.stderr
    [p] = json.loads(run.stdout)["packages"]
    assert [(g["aspect"], g["value"]) for g in p["gained"]] == [("api", "fetch"), ("api", "net.connect"),
                                                                ("capability", "connect")]
    same = runner.invoke(_cli(), ["baseline", "compare", str(baseline), str(FIXTURES / "client-v1"), "-f", "json",
                                  "--fail-on", "low"] + common)
    assert same.exit_code == 0 and json.loads(same.stdout)["packages"] == []
    baseline.write_text("[]")
    bad = runner.invoke(_cli(), ["baseline", "compare", str(baseline), str(FIXTURES / "client-v1")] + common)
    assert (bad.exit_code, bad.stderr) == (2, f"egress: error: {baseline}: not an egress baseline: no baseline_version\n")


def test_destinations_gained_lost_and_dynamic() -> None:
    from tests.policy.build import finding

    old = finding("fetch", "lib/api.js", 3, "fetch(URL)", hosts=("api.example.com",))
    new = finding("fetch", "lib/api.js", 3, "fetch(URL)", hosts=("api2.example.com", ""))
    diff = diff_results(result(client("1.0.0", [old])), result(client("1.0.1", [new])))
    assert _sets(diff.packages[0]) == ({("destination", "<dynamic>"), ("destination", "api2.example.com")},
                                       {("destination", "api.example.com")})
    assert diff.fails("medium")
