"""Read a team's policy: per-alert-type actions, package allowances, path ignores.

Where it comes from (first found wins): a file given with ``--policy``,
``egress.toml`` at the project root, ``[tool.egress]`` in ``pyproject.toml``.
Format and examples: docs/policy.md.

A policy decides what a run hides and what fails it, so it is read
strictly: an unknown key, an action other than ``error``/``warn``/``ignore``
(``true`` is refused: it could be read as "accepted"), an allowance without
a reason, a bad date or version range is a ``PolicyError`` naming the file,
the line and the reason.  Nothing invalid is ever read as "allow all".
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from egress.alerts import ALERT_HELP, ALERT_TYPES
from egress.errors import PolicyError
from egress.model import Ecosystem
from egress.policy_apply import PolicyOutcome, PolicySummary, apply_policy
from egress.policy_locate import line_of
from egress.policy_types import Action, Allowance, PackageMatch, PathIgnore, Policy, valid_version_range

POLICY_FILE = "egress.toml"
PYPROJECT = "pyproject.toml"

_TOP_KEYS = ("actions", "allow", "ignore")
_ALLOW_KEYS = ("ecosystem", "name", "version", "apis", "hosts", "reason", "expires")
_IGNORE_KEYS = ("paths", "ecosystem", "name", "version", "reason")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HOST = re.compile(r"(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?|\[[0-9A-Fa-f:.]+\]")


def load_policy(project_dir: Path) -> Policy | None:
    """The project's policy: ``egress.toml``, else ``[tool.egress]`` of ``pyproject.toml``, else None."""
    own = project_dir / POLICY_FILE
    if own.is_file():
        return load_policy_file(own)
    pyproject = project_dir / PYPROJECT
    if pyproject.is_file():
        text = _read(pyproject)
        data = _parse_toml(text, str(pyproject))
        if isinstance(data.get("tool"), dict) and "egress" in data["tool"]:
            return _from_data(data["tool"]["egress"], text, str(pyproject), ("tool", "egress"))
    return None


def resolve_policy(explicit: Path | None, project_dir: Path) -> Policy | None:
    """The policy a run uses: ``--policy FILE`` if given, else the project's (see ``load_policy``)."""
    return load_policy_file(explicit) if explicit is not None else load_policy(project_dir)


def load_policy_file(path: Path) -> Policy:
    """A policy file given explicitly; a ``pyproject.toml`` is read at its ``[tool.egress]`` table."""
    text = _read(path)
    data = _parse_toml(text, str(path))
    if path.name == PYPROJECT:
        tool = data.get("tool")
        if not (isinstance(tool, dict) and "egress" in tool):
            raise PolicyError(f"{path}: no [tool.egress] table")
        return _from_data(tool["egress"], text, str(path), ("tool", "egress"))
    return _from_data(data, text, str(path), ())


def parse_policy(text: str, source: str = POLICY_FILE) -> Policy:
    """A policy from TOML text (``source`` names it in messages)."""
    return _from_data(_parse_toml(text, source), text, source, ())


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file") from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if where:
            raise PolicyError(f"{source}:{where.group(1)}:{where.group(2)}: invalid TOML: "
                              f"{message[:where.start()]}") from None
        raise PolicyError(f"{source}: invalid TOML: {message}") from None


class _Reader:
    """Validates one policy document; every error names ``file:line``."""

    def __init__(self, text: str, source: str, prefix: tuple[str, ...]) -> None:
        self.text, self.source, self.prefix = text, source, prefix

    def fail(self, table: tuple[str | int, ...], key: str | None, reason: str) -> NoReturn:
        line = line_of(self.text, self.prefix + table, key)
        where = f"{self.source}:{line}" if line else self.source
        raise PolicyError(f"{where}: {reason}")

    def where(self, table: tuple[str | int, ...]) -> str:
        line = line_of(self.text, self.prefix + table)
        return f"{Path(self.source).name}:{line}" if line else Path(self.source).name

    def table(self, value: Any, table: tuple[str | int, ...], allowed: tuple[str, ...], what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(table, None, f"{what} must be a table")
        for key in value:
            if key not in allowed:
                self.fail(table, key, f"unknown key {key!r} in {what} (expected one of: {', '.join(allowed)})")
        return value

    def text_value(self, entry: dict[str, Any], table: tuple[str | int, ...], key: str, required: bool) -> str | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.fail(table, None, f"missing {key!r} in {_what(table)}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(table, key, f"{key!r} must be a non-empty string, not {_show(value)}")
        return value.strip()

    def strings(self, entry: dict[str, Any], table: tuple[str | int, ...], key: str) -> tuple[str, ...]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(table, key, f"{key!r} must be a list of non-empty strings, not {_show(value)}")
        return tuple(v.strip() for v in value)

    def package(self, entry: dict[str, Any], table: tuple[str | int, ...], name_required: bool) -> PackageMatch:
        ecosystem_text = self.text_value(entry, table, "ecosystem", required=name_required or "name" in entry)
        ecosystem = None
        if ecosystem_text is not None:
            if ecosystem_text not in {e.value for e in Ecosystem}:
                self.fail(table, "ecosystem", f"ecosystem must be \"npm\" or \"pypi\", not {_show(ecosystem_text)}")
            ecosystem = Ecosystem(ecosystem_text)
        name = self.text_value(entry, table, "name", required=name_required)
        version = self.text_value(entry, table, "version", required=False)
        if version is not None:
            if name is None:
                self.fail(table, "version", "'version' needs a package 'name'")
            assert ecosystem is not None
            if not valid_version_range(ecosystem, version):
                syntax = "an npm semver range" if ecosystem is Ecosystem.NPM else "PEP 440 specifiers such as >=1,<2"
                self.fail(table, "version", f"invalid version range {version!r}: expected {syntax}")
        return PackageMatch(ecosystem, name, version)

    def expires(self, entry: dict[str, Any], table: tuple[str | int, ...]) -> date | None:
        value = entry.get("expires")
        if value is None:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and _DATE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(table, "expires", f"'expires' must be a date YYYY-MM-DD, not {_show(value)}")


def _from_data(data: Any, text: str, source: str, prefix: tuple[str, ...]) -> Policy:
    reader = _Reader(text, source, prefix)
    data = reader.table(data, (), _TOP_KEYS, "the policy")
    actions, default = _actions(reader, data.get("actions", {}))
    allow = data.get("allow", [])
    ignore = data.get("ignore", [])
    for key, value in (("allow", allow), ("ignore", ignore)):
        if not isinstance(value, list):
            reader.fail((), key, f"{key!r} must be an array of tables: write [[{'.'.join(prefix + (key,))}]]")
    return Policy(
        source=source,
        actions=actions,
        default_action=default,
        allowances=tuple(_allowance(reader, entry, ("allow", i)) for i, entry in enumerate(allow)),
        ignores=tuple(_ignore(reader, entry, ("ignore", i)) for i, entry in enumerate(ignore)),
    )


def _actions(reader: _Reader, value: Any) -> tuple[dict[str, Action], Action]:
    known = tuple(sorted(set(ALERT_HELP) | {t for t, _ in ALERT_TYPES.values()}))
    table = reader.table(value, ("actions",), known + ("default",), "[actions]")
    actions: dict[str, Action] = {}
    for key, word in table.items():
        if not isinstance(word, str) or word not in {a.value for a in Action}:
            reader.fail(("actions",), key, f"action for {key!r} must be \"error\", \"warn\" or \"ignore\", "
                                           f"not {_show(word)}")
        actions[key] = Action(word)
    default = actions.pop("default", Action.WARN)
    return actions, default


def _allowance(reader: _Reader, value: Any, table: tuple[str | int, ...]) -> Allowance:
    entry = reader.table(value, table, _ALLOW_KEYS, "an [[allow]] entry")
    package = reader.package(entry, table, name_required=True)
    apis = reader.strings(entry, table, "apis")
    hosts = reader.strings(entry, table, "hosts")
    for host in hosts:
        if not _HOST.fullmatch(host):
            reader.fail(table, "hosts", f"{host!r} is not a host name (write api.example.com or *.example.com, "
                                        f"without scheme, port or path)")
    if not apis and not hosts:
        reader.fail(table, None, "an [[allow]] entry must list 'apis' (\"*\" for any) or 'hosts'")
    reason = reader.text_value(entry, table, "reason", required=True)
    assert reason is not None
    return Allowance(package, reason, apis, hosts, reader.expires(entry, table), reader.where(table))


def _ignore(reader: _Reader, value: Any, table: tuple[str | int, ...]) -> PathIgnore:
    entry = reader.table(value, table, _IGNORE_KEYS, "an [[ignore]] entry")
    patterns = reader.strings(entry, table, "paths")
    if not patterns:
        reader.fail(table, "paths" if "paths" in entry else None, "an [[ignore]] entry needs a non-empty 'paths' list")
    for pattern in patterns:
        if pattern.startswith("/") or ".." in pattern.split("/") or "\\" in pattern:
            reader.fail(table, "paths", f"{pattern!r}: paths are package-relative globs with / separators")
    package = reader.package(entry, table, name_required=False)
    reason = reader.text_value(entry, table, "reason", required=True)
    assert reason is not None
    return PathIgnore(patterns, reason, package, reader.where(table))


def _what(table: tuple[str | int, ...]) -> str:
    if table and isinstance(table[-1], int):
        return f"[[{table[0]}]] entry {table[-1] + 1}"
    return "the policy"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"


__all__ = ["Action", "Allowance", "PathIgnore", "Policy", "PolicyOutcome", "PolicySummary", "apply_policy",
           "load_policy", "load_policy_file", "parse_policy", "resolve_policy"]
