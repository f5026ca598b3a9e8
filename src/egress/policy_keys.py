"""Stable identities for alerts and the per-package profile that baseline and diff compare.

An alert is identified by its type, API, file and normalised code excerpt,
never by its line: an edit elsewhere in the file must not make a known
alert look new.  A *profile* is what one package (all versions and
artifacts of one ecosystem+name) exposes: its alert entries, and from them
its APIs, alert types, capabilities and destinations.  Comparing two
profiles gives what was gained and lost, for ``baseline`` and ``diff`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

from egress.model import Alert, Finding, PackageResult

#: The host of a destination that is not known statically.
DYNAMIC_HOST = "<dynamic>"

#: The aspects a package can gain or lose, in report order.
ASPECTS = ("alertType", "api", "capability", "destination")


class AlertKey(NamedTuple):
    type: str
    api: str
    file: str
    snippet: str


def normalise_snippet(snippet: str) -> str:
    """Whitespace collapsed, the ellipses of a minified-line window and trailing ``,``/``;`` dropped.

    A trailing comma appears when an entry is added after a line (``xhr: xhrAdapter`` →
    ``xhr: xhrAdapter,``): that line did not change what it does.
    """
    return " ".join(snippet.strip().strip("…").split()).rstrip(",;").rstrip()


def destination_hosts(finding: Finding) -> tuple[str, ...]:
    """The hosts of a finding's destinations, lower-case; ``<dynamic>`` for one whose host is not known.

    A destination built at run time is a value of its own: a diff shows it
    gained, and no host list can cover it.
    """
    hosts = [(d.host.lower().rstrip(".") if d.host else DYNAMIC_HOST) for d in finding.destinations]
    return tuple(dict.fromkeys(hosts))


@dataclass(frozen=True)
class Entry:
    """One alert as compared: its key plus the evidence shown to a reader."""

    key: AlertKey
    severity: str
    capability: str = ""
    line: int = 0                    # 0 when read from a baseline (baselines keep no lines)
    column: int = 0
    hosts: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.key.file}:{self.line}" if self.line else self.key.file

    def values(self, aspect: str) -> tuple[str, ...]:
        if aspect == "alertType":
            return (self.key.type,)
        if aspect == "api":
            return (self.key.api,)
        if aspect == "capability":
            return (self.capability,) if self.capability else ()
        return self.hosts


def alert_key(alert: Alert) -> AlertKey:
    return AlertKey(alert.type, alert.api, alert.finding.file, normalise_snippet(alert.finding.snippet))


def entry_of(alert: Alert) -> Entry:
    f = alert.finding
    return Entry(alert_key(alert), alert.severity.value, f.capability.value, f.line, f.column, destination_hosts(f))


@dataclass(frozen=True)
class Profile:
    """Everything of one ecosystem+name in a result: versions seen and alert entries."""

    ecosystem: str
    name: str
    versions: tuple[str, ...]
    entries: tuple[Entry, ...]

    @property
    def label(self) -> str:
        return f"{self.ecosystem}:{self.name}"


def profiles_of(packages: Iterable[PackageResult]) -> dict[tuple[str, str], Profile]:
    """Group package results by ecosystem+name (a tree may hold several versions, a release several files)."""
    versions: dict[tuple[str, str], dict[str, None]] = {}
    entries: dict[tuple[str, str], list[Entry]] = {}
    for p in packages:
        ident = (p.ecosystem.value, _canonical(p.ecosystem.value, p.name))
        versions.setdefault(ident, {})[p.version] = None
        entries.setdefault(ident, []).extend(entry_of(a) for a in p.alerts)
    names = {(p.ecosystem.value, _canonical(p.ecosystem.value, p.name)): p.name for p in packages}
    return {ident: Profile(ident[0], names[ident], tuple(versions[ident]), tuple(entries[ident])) for ident in versions}


@dataclass(frozen=True)
class Change:
    """One aspect value gained or lost, with the alerts that carry it on the side that has it."""

    aspect: str          # alertType | api | capability | destination
    value: str
    evidence: tuple[Entry, ...]


@dataclass(frozen=True)
class PackageChange:
    ecosystem: str
    name: str
    old_versions: tuple[str, ...]    # () when the package is new
    new_versions: tuple[str, ...]    # () when the package went away
    gained: tuple[Change, ...] = ()
    lost: tuple[Change, ...] = ()
    new_alerts: tuple[Entry, ...] = ()    # alert keys absent before (also new places of known APIs)
    gone_alerts: tuple[Entry, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.ecosystem}:{self.name}"

    @property
    def status(self) -> str:
        if not self.old_versions:
            return "added"
        if not self.new_versions:
            return "removed"
        return "changed" if self.old_versions != self.new_versions or self.gained or self.lost else "same"

    def gained_entries(self) -> tuple[Entry, ...]:
        """Alerts that carry something gained: all of a new package's, else the evidence of gains."""
        if self.status == "added":
            return self.new_alerts
        seen: dict[Entry, None] = {}
        for change in self.gained:
            seen.update(dict.fromkeys(change.evidence))
        return tuple(seen)


def compare_profiles(old: Profile | None, new: Profile | None) -> PackageChange:
    """What ``new`` has that ``old`` lacks, and the reverse, aspect by aspect."""
    base = new or old
    assert base is not None
    old_entries = old.entries if old else ()
    new_entries = new.entries if new else ()
    old_keys = {e.key for e in old_entries}
    new_keys = {e.key for e in new_entries}
    return PackageChange(
        ecosystem=base.ecosystem,
        name=base.name,
        old_versions=old.versions if old else (),
        new_versions=new.versions if new else (),
        gained=_changes(new_entries, old_entries),
        lost=_changes(old_entries, new_entries),
        new_alerts=tuple(_unique(e for e in new_entries if e.key not in old_keys)),
        gone_alerts=tuple(_unique(e for e in old_entries if e.key not in new_keys)),
    )


def compare_all(old: dict[tuple[str, str], Profile], new: dict[tuple[str, str], Profile]) -> tuple[PackageChange, ...]:
    return tuple(compare_profiles(old.get(ident), new.get(ident)) for ident in sorted(set(old) | set(new)))


def _changes(have: tuple[Entry, ...], other: tuple[Entry, ...]) -> tuple[Change, ...]:
    changes: list[Change] = []
    for aspect in ASPECTS:
        known = {v for e in other for v in e.values(aspect)}
        evidence: dict[str, list[Entry]] = {}
        for e in have:
            for value in e.values(aspect):
                if value not in known:
                    evidence.setdefault(value, []).append(e)
        changes.extend(Change(aspect, value, tuple(_unique(evidence[value]))) for value in sorted(evidence))
    return tuple(changes)


def _unique(entries: Iterable[Entry]) -> list[Entry]:
    """One entry per key (the first place), so a key repeated in a file is counted once."""
    seen: dict[AlertKey, Entry] = {}
    for e in entries:
        seen.setdefault(e.key, e)
    return list(seen.values())


def _canonical(ecosystem: str, name: str) -> str:
    if ecosystem == "pypi":
        from packaging.utils import canonicalize_name

        return str(canonicalize_name(name))
    return name
