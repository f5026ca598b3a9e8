"""The parsed policy: what a team accepts, ignores or fails on, as frozen data.

``policy.py`` builds these from TOML and rejects anything it cannot read
unambiguously; ``policy_apply.py`` applies them to a scan result.  Matching
lives here, beside the data, so that "does this rule cover this alert" has
one answer everywhere (apply, reports, docs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fnmatch import fnmatchcase

import nodesemver
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from egress.model import Alert, Ecosystem
from egress.policy_keys import destination_hosts


class Action(StrEnum):
    """What an alert type does to a run: only these three words are accepted."""

    ERROR = "error"     # shown, and fails the run
    WARN = "warn"       # shown
    IGNORE = "ignore"   # hidden, counted in the summary


@dataclass(frozen=True)
class PackageMatch:
    """Which packages a rule covers: one ecosystem, optionally one name and a version range."""

    ecosystem: Ecosystem | None = None
    name: str | None = None
    version: str | None = None     # npm range (node-semver) or PEP 440 specifiers

    def matches(self, ecosystem: Ecosystem, name: str, version: str) -> bool:
        if self.ecosystem is not None and ecosystem != self.ecosystem:
            return False
        if self.name is not None and _name_key(ecosystem, name) != _name_key(ecosystem, self.name):
            return False
        return self.version is None or version_in_range(ecosystem, version, self.version)

    @property
    def label(self) -> str:
        if self.ecosystem is None:
            return "every package"
        text = f"{self.ecosystem}:{self.name}" if self.name else f"every {self.ecosystem} package"
        return f"{text} {self.version}" if self.version else text


@dataclass(frozen=True)
class Allowance:
    """Accepted network use of one package, with the reason a reviewer gave and an optional end."""

    package: PackageMatch
    reason: str
    apis: tuple[str, ...] = ()      # exact names or globs ("*" = any API); empty: any, when hosts are given
    hosts: tuple[str, ...] = ()     # destination hosts ("*.example.com" covers subdomains)
    expires: date | None = None     # applies up to and including this day
    where: str = ""                 # "egress.toml:12", for messages and the summary

    @property
    def label(self) -> str:
        return f"allow {self.package.label} ({self.where})"

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def covers(self, ecosystem: Ecosystem, name: str, version: str, alert: Alert) -> bool:
        """Whether this allowance, if current, accepts ``alert`` of that package."""
        if not self.package.matches(ecosystem, name, version):
            return False
        if self.apis and not any(fnmatchcase(alert.api, pattern) for pattern in self.apis):
            return False
        if self.hosts:
            # An alert without a known destination (or with one built at run time, "<dynamic>")
            # cannot be shown to stay within the list.
            hosts = destination_hosts(alert.finding)
            return bool(hosts) and all(host_allowed(h, self.hosts) for h in hosts)
        return True


@dataclass(frozen=True)
class PathIgnore:
    """Alerts in files under these globs are hidden (counted), for every package or one."""

    patterns: tuple[str, ...]
    reason: str
    package: PackageMatch = PackageMatch()
    where: str = ""
    _regexes: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regexes", tuple(glob_regex(p) for p in self.patterns))

    @property
    def label(self) -> str:
        return f"ignore {', '.join(self.patterns)} in {self.package.label} ({self.where})"

    def covers(self, ecosystem: Ecosystem, name: str, version: str, path: str) -> bool:
        return self.package.matches(ecosystem, name, version) and any(r.fullmatch(path) for r in self._regexes)


@dataclass(frozen=True)
class Policy:
    source: str                                  # the file it was read from
    actions: dict[str, Action] = field(default_factory=dict)
    default_action: Action = Action.WARN         # alert types the file does not name
    allowances: tuple[Allowance, ...] = ()
    ignores: tuple[PathIgnore, ...] = ()

    def action_for(self, alert_type: str) -> Action:
        return self.actions.get(alert_type, self.default_action)


def version_in_range(ecosystem: Ecosystem, version: str, spec: str) -> bool:
    """npm ranges through node-semver, PyPI specifiers through packaging; an unparsable version never matches."""
    if ecosystem is Ecosystem.NPM:
        return bool(nodesemver.valid(version, False)) and nodesemver.satisfies(version, spec, loose=False)
    try:
        return SpecifierSet(spec).contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def valid_version_range(ecosystem: Ecosystem, spec: str) -> bool:
    if ecosystem is Ecosystem.NPM:
        return nodesemver.valid_range(spec, False) is not None
    try:
        SpecifierSet(spec)
    except ValueError:
        return False
    return True


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower().rstrip(".")
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob on package-relative paths: ``*`` and ``?`` stay in one segment, ``**`` spans segments."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _name_key(ecosystem: Ecosystem, name: str) -> str:
    return canonicalize_name(name) if ecosystem is Ecosystem.PYPI else name
