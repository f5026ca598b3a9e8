"""Applying a policy: what it hides, what it counts, what comes back when an allowance expires."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from egress.model import Ecosystem, NotAnalysed, Verdict
from egress.policy import Action, apply_policy, load_policy_file, parse_policy
from tests.policy.build import CONNECT, FETCH, HTTPS, IMPORT_DNS, client, package, result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policy"
TODAY = date(2026, 6, 1)


def _shown(outcome) -> list[tuple[str, str, int]]:
    return [(a.api, a.finding.file, a.finding.line) for p in outcome.result.packages for a in p.alerts]


def test_allowing_one_api_hides_exactly_that_alert_and_counts_it() -> None:
    policy = load_policy_file(FIXTURES / "allow-one-api.toml")
    outcome = apply_policy(result(client()), policy, TODAY)
    # fetch is allowed, the dns import is hidden by its ignore action; https.get and net.connect remain.
    assert _shown(outcome) == [("https.get", "lib/index.js", 8), ("net.connect", "vendor/ping.js", 4)]
    hidden = [(h.kind, h.label, h.reason, h.count) for h in outcome.summary.hidden]
    assert hidden == [
        ("allowance", "allow npm:tiny-client ^1.0.0 (allow-one-api.toml:6)",
         "the fetch fallback only calls the URL our code passes", 1),
        ("action", "action ignore: importsNetworkModule", "", 1),
    ]
    assert outcome.summary.hidden_total == 2
    assert (outcome.summary.failing, outcome.summary.errors, outcome.summary.warnings) == (True, 2, 0)
    assert outcome.summary.expired == ()
    [p] = outcome.result.packages
    assert p.verdict is Verdict.NETWORK
    assert p.findings == client().findings          # every finding stays listed, hidden ones included


def test_allowance_outside_its_version_range_hides_nothing() -> None:
    policy = load_policy_file(FIXTURES / "allow-one-api.toml")
    outcome = apply_policy(result(client("2.0.0")), policy, TODAY)
    assert ("fetch", "lib/index.js", 6) in _shown(outcome)
    assert [h.kind for h in outcome.summary.hidden] == ["action"]


def test_expired_allowance_brings_the_alert_back_with_a_note() -> None:
    policy = load_policy_file(FIXTURES / "expired.toml")
    before = apply_policy(result(client()), policy, date(2026, 6, 30))     # the last day it applies
    assert ("fetch", "lib/index.js", 6) not in _shown(before)
    assert before.summary.expired == ()

    outcome = apply_policy(result(client()), policy, date(2026, 7, 1))
    [p] = outcome.result.packages
    [fetch] = [a for a in p.alerts if a.api == "fetch"]
    assert (fetch.finding.file, fetch.finding.line, fetch.finding.note) == \
        ("lib/index.js", 6, "allowance expired on 2026-06-30")
    assert outcome.summary.hidden == ()
    [lapsed] = outcome.summary.expired
    assert lapsed.allowance.where == "expired.toml:4"
    assert lapsed.alerts == ((p.key, fetch),)
    # Reports pair alerts with findings by identity: the noted finding replaced the original.
    assert sum(f is fetch.finding for f in p.findings) == 1
    assert [f.note for f in p.findings if f.api == "fetch"] == ["allowance expired on 2026-06-30"]
    assert outcome.summary.failing


def test_path_ignore_for_one_package_and_default_action() -> None:
    policy = load_policy_file(FIXTURES / "ignore-vendor.toml")
    other = package("other", "1.0.0", [CONNECT])
    outcome = apply_policy(result(client(), other), policy, TODAY)
    assert _shown(outcome) == [("dns", "lib/dns.js", 1), ("fetch", "lib/index.js", 6),
                               ("https.get", "lib/index.js", 8), ("net.connect", "vendor/ping.js", 4)]
    [hidden] = outcome.summary.hidden
    assert (hidden.kind, hidden.count) == ("path", 1)
    assert hidden.label == "ignore vendor/** in npm:tiny-client (ignore-vendor.toml:4)"
    assert (outcome.summary.errors, outcome.summary.failing) == (4, True)


def test_verdict_is_recomputed_from_the_remaining_alerts() -> None:
    policy = parse_policy('[actions]\nimportsNetworkModule = "ignore"\n\n'
                          '[[allow]]\necosystem = "npm"\nname = "tiny-client"\napis = ["*"]\nreason = "client"\n')
    clean = client(findings=[FETCH, HTTPS, IMPORT_DNS])
    broken = package("tiny-client", "1.2.0", [FETCH], not_analysed=(NotAnalysed("lib/x.js", "syntax error"),))
    outcome = apply_policy(result(clean, broken), policy, TODAY)
    assert [(p.version, p.verdict, p.alerts) for p in outcome.result.packages] == [
        ("1.1.0", Verdict.NONE, ()), ("1.2.0", Verdict.PARTIAL, ())]
    # The allowance ("*") is looked at before the ignore action, so it takes all four alerts.
    assert {(h.kind, h.count) for h in outcome.summary.hidden} == {("allowance", 4)}
    assert not outcome.summary.failing      # default action is warn, and nothing is left anyway


def test_unpoliced_package_is_returned_unchanged() -> None:
    policy = parse_policy('[actions]\nnetworkAccess = "warn"\n')
    original = client()
    outcome = apply_policy(result(original), policy, TODAY)
    assert outcome.result.packages[0] is original
    assert (outcome.summary.failing, outcome.summary.warnings) == (False, 4)


def test_hosts_only_allowance_never_covers_an_alert_without_known_destinations() -> None:
    policy = parse_policy('[[allow]]\necosystem = "npm"\nname = "tiny-client"\nhosts = ["api.example.com"]\n'
                          'reason = "our API"\n')
    outcome = apply_policy(result(client()), policy, TODAY)
    assert len(_shown(outcome)) == 4 and outcome.summary.hidden == ()


def test_api_globs_and_pypi_name_normalisation() -> None:
    from egress.model import Capability, FindingKind
    from tests.policy.build import finding

    conn = finding("http.client.HTTPConnection.request", "requests/adapters.py", 10, "conn.request(m, u)",
                   module="http.client")
    sock = finding("socket.socket.connect", "requests/x.py", 3, "s.connect(a)", kind=FindingKind.NETWORK,
                   capability=Capability.CONNECT, module="socket")
    p = package("requests", "2.32.3", [conn, sock], ecosystem=Ecosystem.PYPI)
    policy = load_policy_file(FIXTURES / "project-pyproject" / "pyproject.toml")
    outcome = apply_policy(result(p), policy, TODAY)
    assert _shown(outcome) == [("socket.socket.connect", "requests/x.py", 3)]


def test_summary_lines_and_json_object() -> None:
    from egress.policy_apply import summary_dict, summary_lines

    policy = load_policy_file(FIXTURES / "expired.toml")
    outcome = apply_policy(result(client()), policy, date(2026, 7, 1))
    assert summary_lines(outcome.summary) == [
        "allow npm:tiny-client (expired.toml:4) expired on 2026-06-30: 1 alerts shown again",
        "policy: 3 alerts with action error",
    ]
    assert summary_dict(outcome.summary) == {
        "failing": True, "errors": 3, "warnings": 1, "hidden": [],
        "actions": {"importsNetworkModule": "warn", "networkAccess": "error"},
        "expired": [{"rule": "allow npm:tiny-client (expired.toml:4)", "expired_on": "2026-06-30",
                     "reason": "accepted until the 1.2 review",
                     "alerts": [{"package": "npm:tiny-client@1.1.0", "type": "networkAccess", "api": "fetch",
                                 "file": "lib/index.js", "line": 6}]}],
    }
    hidden = apply_policy(result(client()), load_policy_file(FIXTURES / "allow-one-api.toml"), TODAY)
    assert summary_lines(hidden.summary)[0] == ("hidden by policy: 1 by allow npm:tiny-client ^1.0.0 "
                                                "(allow-one-api.toml:6) — the fetch fallback only calls the URL "
                                                "our code passes")


def test_resolve_policy_prefers_the_explicit_file() -> None:
    from egress.policy import resolve_policy

    explicit = resolve_policy(FIXTURES / "expired.toml", FIXTURES / "project-toml")
    assert explicit is not None and explicit.source.endswith("expired.toml")
    project = resolve_policy(None, FIXTURES / "project-toml")
    assert project is not None and project.source.endswith("project-toml/egress.toml")


def test_hosts_allowance_covers_alerts_whose_every_destination_is_listed() -> None:
    from tests.policy.build import finding

    api = finding("fetch", "lib/api.js", 3, "fetch('https://api.example.com/')", hosts=("api.example.com",))
    cdn = finding("fetch", "lib/cdn.js", 4, "fetch(cdn)", hosts=("eu.cdn.example.net",))
    mixed = finding("fetch", "lib/mixed.js", 5, "fetch(a || b)", hosts=("api.example.com", "evil.example.org"))
    dynamic = finding("fetch", "lib/dyn.js", 6, "fetch(host + path)", hosts=("api.example.com", ""))
    policy = parse_policy('[[allow]]\necosystem = "npm"\nname = "tiny-client"\n'
                          'hosts = ["API.example.com", "*.cdn.example.net"]\nreason = "our API and CDN"\n')
    outcome = apply_policy(result(client(findings=[api, cdn, mixed, dynamic])), policy, TODAY)
    assert _shown(outcome) == [("fetch", "lib/dyn.js", 6), ("fetch", "lib/mixed.js", 5)]
    assert [(h.kind, h.count) for h in outcome.summary.hidden] == [("allowance", 2)]


def test_every_alert_type_of_alerts_py_is_a_valid_action_key() -> None:
    from egress.alerts import ALERT_HELP

    text = "[actions]\n" + "".join(f'{t} = "error"\n' for t in ALERT_HELP)
    assert set(parse_policy(text).actions) == set(ALERT_HELP)
    assert parse_policy('[actions]\ninstallTimeNetwork = "error"\n').action_for("installTimeNetwork") is Action.ERROR
