"""SARIF 2.1.0: schema-valid, one rule per alert type, exact results, stable fingerprints."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from egress.alerts import ALERT_HELP, ALERT_TYPES
from egress.model import ScanResult, Severity
from egress.report import FORMATS, ReportOptions, renderer
from egress.report.sarif import FINGERPRINT_KEY, fingerprint, render, to_log

from tests.report.conftest import DATA, FIXTURE, constructed_result, scan_folder

SCHEMA = json.loads((DATA / "sarif-2.1.0-schema.json").read_text(encoding="utf-8"))


def validate(log: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(log)


def sarif(result: ScanResult) -> dict:
    return json.loads(render(result, ReportOptions()))


def test_registered_as_a_format() -> None:
    assert "sarif" in FORMATS
    assert renderer("sarif") is render


def test_schema_valid_on_a_real_scan(real_result: ScanResult) -> None:
    log = sarif(real_result)
    validate(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == [
        "networkAccess", "dynamicRequire", "networkViaDependency"]


def test_schema_valid_on_a_constructed_result_and_an_empty_one() -> None:
    validate(sarif(constructed_result()))
    empty = sarif(ScanResult(packages=()))
    validate(empty)
    assert empty["runs"][0]["results"] == []
    assert empty["runs"][0]["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_the_schema_check_can_fail() -> None:
    log = sarif(constructed_result())
    log["runs"][0]["results"][0]["level"] = "severe"
    with pytest.raises(jsonschema.ValidationError):
        validate(log)


def test_exact_rule_list() -> None:
    rules = to_log(ScanResult(packages=()))["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids[:5] == ["networkAccess", "networkViaDependency", "importsNetworkModule", "dynamicRequire",
                       "dynamicCode"]
    # Every alert type the alert stage declares or documents has a rule, each once, in that order.
    declared = [t for t, _ in ALERT_TYPES.values()]
    assert ids == declared + [t for t in ALERT_HELP if t not in declared]
    assert [r["defaultConfiguration"]["level"] for r in rules[:5]] == ["warning", "note", "note", "note", "warning"]
    assert rules[0] == {
        "id": "networkAccess",
        "name": "NetworkAccess",
        "shortDescription": {"text": "Calls a network API"},
        "fullDescription": {"text": ALERT_HELP["networkAccess"]},
        "help": {"text": ALERT_HELP["networkAccess"]},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["security", "supply-chain", "network"], "security-severity": "5.0"},
    }
    for rule in rules:
        assert rule["fullDescription"]["text"] == ALERT_HELP[rule["id"]]
        assert rule["shortDescription"]["text"] != rule["id"]     # every known type has a title


def test_an_undeclared_alert_type_gets_a_rule_with_its_severity() -> None:
    net = constructed_result().packages[3]
    odd = dataclasses.replace(net.alerts[0], type="someNewType", severity=Severity.HIGH)
    log = sarif(ScanResult(packages=(dataclasses.replace(net, alerts=(odd,)),)))
    validate(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[-1]["id"] == "someNewType"
    assert rules[-1]["shortDescription"] == {"text": "Some new type"}
    assert rules[-1]["defaultConfiguration"] == {"level": "error"}
    assert rules[-1]["properties"]["security-severity"] == "7.0"
    result = log["runs"][0]["results"][0]
    assert (result["ruleId"], result["ruleIndex"], result["level"]) == ("someNewType", len(rules) - 1, "error")


def test_exact_result_fields_for_the_fixture(real_result: ScanResult, fixture_copy: Path) -> None:
    run = sarif(real_result)["runs"][0]
    first = run["results"][0]
    base = "npm:report-pkg@1.0.0"
    assert first == {
        "ruleId": "networkAccess",
        "ruleIndex": 0,
        "level": "warning",
        "message": {"text": "report-pkg@1.0.0 calls https.request"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "index.js", "uriBaseId": base},
            "region": {"startLine": 5, "startColumn": 10, "snippet": {
                "text": "return https.request(url); // </script><img src=x onerror=alert(1)>"}},
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: first["partialFingerprints"][FINGERPRINT_KEY]},
        "properties": {
            "package": {"ecosystem": "npm", "name": "report-pkg", "version": "1.0.0"},
            "api": "https.request", "module": "https", "capability": "request", "confidence": "high",
            "role": "shipped", "timing": "runtime", "severity": "medium",
        },
        "relatedLocations": [{
            "id": 1,
            "message": {"text": "require 'https'"},
            "physicalLocation": {"artifactLocation": {"uri": "index.js", "uriBaseId": base},
                                 "region": {"startLine": 1, "startColumn": 15}},
        }],
    }
    assert first["partialFingerprints"][FINGERPRINT_KEY].endswith(":1")
    second, third = run["results"][1], run["results"][2]
    assert (second["ruleId"], second["level"], second["ruleIndex"]) == ("dynamicRequire", "note", 3)
    note = real_result.packages[0].alerts[1].finding.note      # the analyzer's words: the unresolved name
    assert note.startswith("name")
    assert second["message"]["text"] == f"report-pkg@1.0.0 loads a module by a computed name: {note}"
    assert second["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 9, "startColumn": 10, "snippet": {"text": "return require(name);"}}
    assert (third["ruleId"], third["level"]) == ("networkViaDependency", "note")
    assert third["message"]["text"] == "report-pkg@1.0.0 imports the network client axios"
    assert third["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "lib/helper.js",
                                                                             "uriBaseId": base}
    # The package was read from an absolute folder: its base is that folder as a file: URI.
    assert run["originalUriBaseIds"] == {base: {
        "uri": fixture_copy.as_uri() + "/",
        "description": {"text": "npm package report-pkg@1.0.0"}}}
    assert run["columnKind"] == "unicodeCodePoints"
    # The test file's call raised no alert and is no result; the unparsable file is a notification.
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] != "test/index.test.js"
               for r in run["results"])
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": [{
        "level": "warning",
        "message": {"text": "report-pkg@1.0.0: lib/broken.js not analysed: syntax error at line 1"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "lib/broken.js", "uriBaseId": base}}}],
        "descriptor": {"id": "notAnalysed"},
    }]}]


def test_errors_and_other_bases_in_a_constructed_result() -> None:
    run = sarif(constructed_result())["runs"][0]
    assert [r["message"]["text"] for r in run["results"]] == [
        "wrapper@1.0.0 imports the network client axios", "@acme/net@2.0.0 calls https.request"]
    assert run["invocations"][0]["executionSuccessful"] is False
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [(n["level"], n["message"]["text"]) for n in notes] == [
        ("warning", "odd@0.1: odd/bad.py not analysed: syntax error at line 3"),
        ("error", "npm:nope@1.0.0: npm package not found: nope")]
    # A PyPI wheel's base names the file; relative install paths are described, not made URIs.
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "odd/bad.py", "uriBaseId": "pypi:odd@0.1/odd-0.1-py3-none-any.whl"}
    assert run["originalUriBaseIds"] == {
        "npm:wrapper@1.0.0": {"description": {"text": "npm package wrapper@1.0.0, from node_modules/wrapper"},
                              "uri": "node_modules/wrapper/", "uriBaseId": "%SRCROOT%"},
        "pypi:odd@0.1/odd-0.1-py3-none-any.whl": {"description": {
            "text": "pypi package odd@0.1 (odd-0.1-py3-none-any.whl), from pypi:odd==0.1"}},
        "npm:@acme/net@2.0.0": {"description": {"text": "npm package @acme/net@2.0.0, from node_modules/@acme/net"},
                                "uri": "node_modules/@acme/net/", "uriBaseId": "%SRCROOT%"},
        "%SRCROOT%": {"description": {"text": "the project folder that was scanned"}},
    }


def test_paths_become_uri_references() -> None:
    result = constructed_result()
    net = result.packages[3]
    moved = dataclasses.replace(net.alerts[0].finding, file="lib/a b#1:x.js")
    net = dataclasses.replace(net, alerts=(dataclasses.replace(net.alerts[0], finding=moved),))
    log = sarif(ScanResult(packages=(net,)))
    validate(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "lib/a%20b%231%3Ax.js"


def _fingerprints(result: ScanResult) -> dict[tuple[str, str, str], str]:
    out = {}
    for r in sarif(result)["runs"][0]["results"]:
        loc = r["locations"][0]["physicalLocation"]
        out[(r["ruleId"], r["properties"]["api"], loc["artifactLocation"]["uri"])] = \
            (r["partialFingerprints"][FINGERPRINT_KEY], loc["region"]["startLine"])
    return out


def test_fingerprints_stable_across_runs_and_unrelated_edits(tmp_path: Path) -> None:
    first = _fingerprints(scan_folder(FIXTURE))
    again = _fingerprints(scan_folder(FIXTURE))
    assert first == again
    assert len({fp for fp, _ in first.values()}) == 3
    # Blank lines and a comment above the call, and different indentation: same alerts, same fingerprints.
    edited = tmp_path / "report-pkg"
    shutil.copytree(FIXTURE, edited)
    source = (edited / "index.js").read_text(encoding="utf-8")
    source = source.replace("function send(url) {\n  return", "// an unrelated edit\n\n\nfunction send(url) {\n      return")
    (edited / "index.js").write_text(source, encoding="utf-8")
    moved = _fingerprints(scan_folder(edited))
    assert moved[("networkAccess", "https.request", "index.js")][1] == 8   # was line 5
    assert first[("networkAccess", "https.request", "index.js")][1] == 5
    assert {k: fp for k, (fp, _) in moved.items()} == {k: fp for k, (fp, _) in first.items()}


def test_fingerprint_changes_with_what_identifies_the_alert() -> None:
    net = constructed_result().packages[3]
    alert = net.alerts[0]
    base = fingerprint(net, alert)
    assert fingerprint(dataclasses.replace(net, version="2.0.1"), alert) != base
    other_api = dataclasses.replace(alert, finding=dataclasses.replace(alert.finding, api="https.get"))
    assert fingerprint(net, other_api) != base
    other_code = dataclasses.replace(alert, finding=dataclasses.replace(alert.finding, snippet="https.request(o)"))
    assert fingerprint(net, other_code) != base
    same = dataclasses.replace(alert, finding=dataclasses.replace(
        alert.finding, line=99, column=1, snippet="const  req =\thttps.request(options)"))
    assert fingerprint(net, same) == base


def test_identical_evidence_twice_in_a_file_gets_occurrence_numbers() -> None:
    net = constructed_result().packages[3]
    alert = net.alerts[0]
    twice = dataclasses.replace(alert, finding=dataclasses.replace(alert.finding, line=40))
    log = sarif(ScanResult(packages=(dataclasses.replace(net, alerts=(alert, twice)),)))
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]
    digest = fingerprint(net, alert)
    assert prints == [f"{digest}:1", f"{digest}:2"]


def test_a_policy_error_action_makes_the_level_error() -> None:
    base = constructed_result()
    levels = {r["ruleId"]: r["level"] for r in sarif(base)["runs"][0]["results"]}
    assert levels == {"networkViaDependency": "note", "networkAccess": "warning"}
    failing = dataclasses.replace(base, policy={"actions": {"networkViaDependency": "error", "networkAccess": "warn"}})
    levels = {r["ruleId"]: r["level"] for r in sarif(failing)["runs"][0]["results"]}
    assert levels == {"networkViaDependency": "error", "networkAccess": "warning"}
    validate(to_log(failing))
