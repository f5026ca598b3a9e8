"""package.json parsing shared by the npm sources.

Every npm source (tarball, folder, node_modules tree) reads the same few
package.json fields, so that the pipeline sees one metadata shape whatever
the package came from.  Values are kept as raw JSON: a malformed field is
the analyzer's and the report's business, not a reason to drop a package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from egress.errors import SourceError

#: package.json fields copied into ``PackageArtifact.metadata`` (absent -> None).
PLAIN_FIELDS = ("main", "module", "exports", "bin", "type")
#: Fields that are maps in a well-formed package.json (absent -> {}).
MAP_FIELDS = ("scripts", "dependencies", "optionalDependencies", "devDependencies")


@dataclass(frozen=True)
class Manifest:
    """The parsed package.json of one package."""

    name: str
    version: str
    raw: dict
    script_lines: dict = field(default_factory=dict)   # script name -> its line in package.json

    def metadata(self, kind: str) -> dict:
        """The metadata dict every npm artifact carries (``kind`` is "tarball" or "folder")."""
        meta: dict = {"kind": kind, "script_lines": dict(self.script_lines)}
        for key in MAP_FIELDS:
            meta[key] = self.raw.get(key, {})
        for key in PLAIN_FIELDS:
            meta[key] = self.raw.get(key)
        return meta


def parse_manifest(data: bytes, where: str, *, fallback_name: str | None = None,
                   fallback_version: str | None = None) -> Manifest:
    """Parse package.json bytes; ``where`` prefixes the one-line error.

    ``fallback_name``/``fallback_version`` stand in for a missing field
    (a folder's own directory name, an app's package.json without a
    version); without a fallback the field is required.
    """
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SourceError(f"{where}: package.json is not UTF-8") from None
    except ValueError as exc:
        raise SourceError(f"{where}: package.json is not valid JSON: {_first_line(exc)}") from None
    if not isinstance(raw, dict):
        raise SourceError(f"{where}: package.json is not a JSON object")
    name = _text_field(raw, "name", fallback_name, where)
    version = _text_field(raw, "version", fallback_version, where)
    return Manifest(name=name, version=version, raw=raw, script_lines=_script_lines(data, raw))


def _script_lines(data: bytes, raw: dict) -> dict[str, int]:
    """Where each script is written, so install-script evidence points at its line."""
    scripts = raw.get("scripts")
    if not isinstance(scripts, dict) or not scripts:
        return {}
    lines = data.decode("utf-8-sig", "replace").splitlines()
    start = next((i for i, line in enumerate(lines) if '"scripts"' in line), 0)
    found: dict[str, int] = {}
    for name in scripts:
        needle = json.dumps(name) + ":"
        for i in range(start, len(lines)):
            if needle in lines[i].replace('" :', '":'):
                found[name] = i + 1
                break
    return found


def _text_field(raw: dict, key: str, fallback: str | None, where: str) -> str:
    value = raw.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if value is not None and not isinstance(value, str):
        raise SourceError(f"{where}: package.json field {key!r} is not a string")
    if fallback is None:
        raise SourceError(f"{where}: package.json has no {key!r}")
    return fallback


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
