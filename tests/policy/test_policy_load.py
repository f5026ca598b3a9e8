"""Reading policies: where they come from, what they say, and exact errors for invalid files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from egress.errors import PolicyError
from egress.model import Ecosystem
from egress.policy import Action, load_policy, load_policy_file, parse_policy
from egress.policy_types import PackageMatch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policy"


def test_allowance_file_is_read_exactly() -> None:
    policy = load_policy_file(FIXTURES / "allow-one-api.toml")
    assert policy.actions == {"networkAccess": Action.ERROR, "importsNetworkModule": Action.IGNORE}
    assert policy.default_action is Action.WARN
    assert policy.action_for("dynamicRequire") is Action.WARN
    [allowance] = policy.allowances
    assert allowance.package == PackageMatch(Ecosystem.NPM, "tiny-client", "^1.0.0")
    assert (allowance.apis, allowance.hosts, allowance.expires) == (("fetch",), (), None)
    assert allowance.reason == "the fetch fallback only calls the URL our code passes"
    assert allowance.where == "allow-one-api.toml:6"


def test_egress_toml_wins_over_pyproject() -> None:
    policy = load_policy(FIXTURES / "project-toml")
    assert policy is not None and policy.source.endswith("egress.toml")
    assert policy.actions == {"networkAccess": Action.ERROR}


def test_pyproject_tool_egress_is_read_with_pep440_ranges() -> None:
    policy = load_policy(FIXTURES / "project-pyproject")
    assert policy is not None and policy.source.endswith("pyproject.toml")
    assert policy.actions == {"networkAccess": Action.WARN, "dynamicCode": Action.ERROR}
    [allowance] = policy.allowances
    assert allowance.where == "pyproject.toml:9"
    assert allowance.package.matches(Ecosystem.PYPI, "requests", "2.32.3")
    assert not allowance.package.matches(Ecosystem.PYPI, "requests", "2.30.0")
    assert not allowance.package.matches(Ecosystem.NPM, "requests", "2.32.3")


def test_no_policy_anywhere_is_none() -> None:
    assert load_policy(FIXTURES / "project-none") is None
    assert load_policy(FIXTURES / "client-v1") is None


def test_pyproject_without_tool_egress_given_explicitly_is_an_error() -> None:
    with pytest.raises(PolicyError) as err:
        load_policy_file(FIXTURES / "project-none" / "pyproject.toml")
    assert str(err.value) == f"{FIXTURES / 'project-none' / 'pyproject.toml'}: no [tool.egress] table"


@pytest.mark.parametrize("name, message", [
    ("action-true.toml", "3: action for 'dynamicRequire' must be \"error\", \"warn\" or \"ignore\", not true"),
    ("missing-reason.toml", "10: missing 'reason' in [[allow]] entry 2"),
    ("bad-date.toml", "6: 'expires' must be a date YYYY-MM-DD, not '31/12/2026'"),
    ("syntax.toml", "3:15: invalid TOML: Invalid value"),
    ("pyproject-bad/pyproject.toml",
     "16: an [[allow]] entry must list 'apis' (\"*\" for any) or 'hosts'"),
])
def test_invalid_files_name_file_line_and_reason(name: str, message: str) -> None:
    path = FIXTURES / "invalid" / name
    with pytest.raises(PolicyError) as err:
        load_policy_file(path)
    assert str(err.value) == f"{path}:{message}"


@pytest.mark.parametrize("text, message", [
    ('[actions]\nnetworkAccess = "false"\n', "2: action for 'networkAccess' must be \"error\", \"warn\" or "
                                            "\"ignore\", not 'false'"),
    ('[actions]\nnetworkAcess = "error"\n', "2: unknown key 'networkAcess' in [actions]"),
    ('allowed = []\n', "1: unknown key 'allowed' in the policy"),
    ('[[allow]]\necosystem = "npm"\nname = "x"\napis = ["*"]\nreason = "r"\nversion = "not a range!"\n',
     "6: invalid version range 'not a range!': expected an npm semver range"),
    ('[[allow]]\necosystem = "pypi"\nname = "x"\napis = ["*"]\nreason = "r"\nversion = "=>1"\n',
     "6: invalid version range '=>1': expected PEP 440 specifiers such as >=1,<2"),
    ('[[allow]]\necosystem = "cargo"\nname = "x"\napis = ["*"]\nreason = "r"\n',
     "2: ecosystem must be \"npm\" or \"pypi\", not 'cargo'"),
    ('[[allow]]\nname = "x"\napis = ["*"]\nreason = "r"\n', "1: missing 'ecosystem' in [[allow]] entry 1"),
    ('[[allow]]\necosystem = "npm"\nname = "x"\napis = "fetch"\nreason = "r"\n',
     "4: 'apis' must be a list of non-empty strings, not 'fetch'"),
    ('[[allow]]\necosystem = "npm"\nname = "x"\nhosts = ["https://a.example"]\nreason = "r"\n',
     "4: 'https://a.example' is not a host name"),
    ('[[allow]]\necosystem = "npm"\nname = "x"\napis = ["*"]\nreason = "  "\n',
     "5: 'reason' must be a non-empty string, not '  '"),
    ('[[allow]]\necosystem = "npm"\nname = "x"\napis = ["*"]\nreason = "r"\nexpires = 2026-02-30T00:00:00\n',
     "6:11: invalid TOML"),
    ('[[allow]]\necosystem = "npm"\nname = "x"\napis = ["*"]\nreason = "r"\nexpires = 2026-01-02T10:00:00\n',
     "6: 'expires' must be a date YYYY-MM-DD, not datetime"),
    ('[[allow]]\necosystem = "npm"\nname = "x"\napis = ["*"]\nreason = "r"\nexpires = "2026-02-30"\n',
     "6: 'expires' must be a date YYYY-MM-DD, not '2026-02-30'"),
    ('[[ignore]]\nreason = "vendored"\n', "1: an [[ignore]] entry needs a non-empty 'paths' list"),
    ('[[ignore]]\npaths = ["../x/**"]\nreason = "r"\n', "2: '../x/**': paths are package-relative globs"),
    ('[[ignore]]\npaths = ["vendor/**"]\n', "1: missing 'reason' in [[ignore]] entry 1"),
    ('allow = {name = "x"}\n', "1: 'allow' must be an array of tables: write [[allow]]"),
])
def test_semantic_errors_point_at_the_line(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "egress.toml")
    assert str(err.value).startswith(f"egress.toml:{message}")


def test_dates_may_be_toml_dates_or_strings_and_ranges_use_each_ecosystem() -> None:
    policy = parse_policy('[[allow]]\necosystem = "npm"\nname = "@s/x"\nversion = ">=1.6 <2"\napis = ["*"]\n'
                          'reason = "r"\nexpires = "2026-06-30"\n\n'
                          '[[allow]]\necosystem = "npm"\nname = "y"\nhosts = ["*.example.com"]\nreason = "r"\n'
                          'expires = 2026-07-01\n')
    first, second = policy.allowances
    assert (first.expires, second.expires) == (date(2026, 6, 30), date(2026, 7, 1))
    assert (first.where, second.where) == ("egress.toml:1", "egress.toml:9")
    assert first.package.matches(Ecosystem.NPM, "@s/x", "1.7.2")
    assert not first.package.matches(Ecosystem.NPM, "@s/x", "2.0.0")
    assert not first.package.matches(Ecosystem.NPM, "@s/x", "1.7.0-beta.1")   # npm: prereleases need opting in
    assert first.expired(date(2026, 7, 1)) and not first.expired(date(2026, 6, 30))


def test_missing_file_and_non_utf8_are_policy_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy_file(tmp_path / "egress.toml")
    bad = tmp_path / "egress.toml"
    bad.write_bytes(b"[actions]\nnetworkAccess = \"\xff\"\n")
    with pytest.raises(PolicyError, match=r"egress.toml: not UTF-8 text"):
        load_policy(tmp_path)
