"""A baseline: today's accepted findings, so later runs report only what is new.

``write_baseline`` records, per package ``ecosystem:name@version``, the key
of each alert (type, API, file, normalised code excerpt; no line numbers,
so an unrelated edit does not make every alert new) and the destinations
when findings name them.  ``compare_to_baseline`` matches packages by
ecosystem and name (an upgrade is a version change, not a new package)
and reports what is new — a package, an API, an alert type, a capability,
a destination — and what disappeared.  Format: docs/policy.md.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egress import __version__
from egress.errors import PolicyError
from egress.model import ScanResult
from egress.policy_keys import AlertKey, Change, Entry, PackageChange, Profile, compare_all, entry_of, profiles_of

BASELINE_VERSION = 1
_KINDS = ("npm", "pypi")


@dataclass(frozen=True)
class BaselineItem:
    """One thing new (or gone) relative to the baseline."""

    package: str                   # "npm:axios"
    aspect: str                    # package | alertType | api | capability | destination
    value: str                     # the package's versions for aspect "package"
    evidence: tuple[Entry, ...]


@dataclass(frozen=True)
class BaselineDiff:
    new: tuple[BaselineItem, ...]
    disappeared: tuple[BaselineItem, ...]
    version_changes: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]   # (package, before, now)
    packages: tuple[PackageChange, ...]     # the full per-package comparison (new_alerts: unseen alert keys)

    @property
    def has_new(self) -> bool:
        return bool(self.new)


def baseline_document(result: ScanResult) -> dict[str, Any]:
    packages: dict[str, Any] = {}
    for p in result.packages:
        entry = packages.setdefault(p.key, {"alerts": [], "destinations": []})
        seen = {tuple(a[k] for k in ("type", "api", "file", "snippet")) for a in entry["alerts"]}
        for alert in p.alerts:
            e = entry_of(alert)
            if tuple(e.key) not in seen:
                seen.add(tuple(e.key))
                entry["alerts"].append({**e.key._asdict(), "severity": e.severity, "capability": e.capability,
                                        "destinations": list(e.hosts)})
            for host in e.hosts:
                if host not in entry["destinations"]:
                    entry["destinations"].append(host)
    return {"baseline_version": BASELINE_VERSION, "tool": "egress", "tool_version": __version__,
            "packages": dict(sorted(packages.items()))}


def write_baseline(result: ScanResult, path: Path) -> None:
    """Write the baseline JSON atomically (an earlier baseline is replaced whole or kept)."""
    text = json.dumps(baseline_document(result), indent=2, ensure_ascii=False) + "\n"
    if not path.parent.is_dir():
        raise PolicyError(f"{path}: cannot write baseline: no such directory {path.parent}")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise PolicyError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None


def load_baseline(path: Path) -> dict[tuple[str, str], Profile]:
    """Read and validate a baseline file; ``PolicyError`` with file and reason when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such baseline file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    return profiles_from_document(data, str(path))


def profiles_from_document(data: Any, source: str) -> dict[tuple[str, str], Profile]:
    def bad(reason: str) -> PolicyError:
        return PolicyError(f"{source}: not an egress baseline: {reason}")

    if not isinstance(data, dict) or "baseline_version" not in data:
        raise bad("no baseline_version")
    if data["baseline_version"] != BASELINE_VERSION:
        raise bad(f"baseline_version {data['baseline_version']!r} (this egress reads {BASELINE_VERSION})")
    packages = data.get("packages")
    if not isinstance(packages, dict):
        raise bad("'packages' must be an object")
    grouped: dict[tuple[str, str], tuple[str, list[str], list[Entry]]] = {}
    for key, body in packages.items():
        ecosystem, _, rest = str(key).partition(":")
        name, at, version = rest.rpartition("@")
        if ecosystem not in _KINDS or not at or not name or not version:
            raise bad(f"package key {key!r} is not ecosystem:name@version")
        if not isinstance(body, dict) or not isinstance(body.get("alerts"), list):
            raise bad(f"{key}: 'alerts' must be a list")
        entries = [_entry(alert, key, bad) for alert in body["alerts"]]
        profile = profiles_of_key(ecosystem, name)
        _, versions, collected = grouped.setdefault(profile, (name, [], []))
        versions.append(version)
        collected.extend(entries)
    return {ident: Profile(ident[0], name, tuple(versions), tuple(entries))
            for ident, (name, versions, entries) in grouped.items()}


def profiles_of_key(ecosystem: str, name: str) -> tuple[str, str]:
    if ecosystem == "pypi":
        from packaging.utils import canonicalize_name

        return (ecosystem, str(canonicalize_name(name)))
    return (ecosystem, name)


def _entry(alert: Any, package: str, bad: Any) -> Entry:
    fields = ("type", "api", "file", "snippet")
    if not isinstance(alert, dict) or not all(isinstance(alert.get(k), str) for k in fields):
        raise bad(f"{package}: each alert needs string fields {', '.join(fields)}")
    hosts = alert.get("destinations", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise bad(f"{package}: 'destinations' must be a list of strings")
    return Entry(AlertKey(*(alert[k] for k in fields)), str(alert.get("severity", "")),
                 str(alert.get("capability", "")), hosts=tuple(h.lower() for h in hosts))


def compare_to_baseline(result: ScanResult, baseline: dict[tuple[str, str], Profile] | Path) -> BaselineDiff:
    """Only what is new since the baseline, and what disappeared; packages matched by ecosystem+name."""
    old = load_baseline(baseline) if isinstance(baseline, Path) else baseline
    changes = compare_all(old, profiles_of(result.packages))
    new: list[BaselineItem] = []
    gone: list[BaselineItem] = []
    versions: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for change in changes:
        if change.status == "added":
            new.append(BaselineItem(change.label, "package", ", ".join(change.new_versions), change.new_alerts))
        elif change.status == "removed":
            gone.append(BaselineItem(change.label, "package", ", ".join(change.old_versions), change.gone_alerts))
        else:
            new.extend(_items(change.label, change.gained))
            gone.extend(_items(change.label, change.lost))
            if set(change.old_versions) != set(change.new_versions):
                versions.append((change.label, change.old_versions, change.new_versions))
    return BaselineDiff(tuple(new), tuple(gone), tuple(versions), changes)


def _items(label: str, changes: tuple[Change, ...]) -> list[BaselineItem]:
    return [BaselineItem(label, c.aspect, c.value, c.evidence) for c in changes]
