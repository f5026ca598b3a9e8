"""Find the line of a table or key in TOML text, so a semantic error can name it.

``tomllib`` reports positions only for syntax errors; once parsed, a value
no longer knows where it came from.  This scans the text for the header of
the table (counting ``[[array]]`` headers to reach the n-th entry) and then
for the key inside it.  It understands the forms a policy is written in;
for anything else (inline tables, dotted keys) it falls back to the first
line that assigns the key, or to no line at all.
"""

from __future__ import annotations

import re

_ARRAY = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")


def _name(header: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in header.split("."))


def line_of(text: str, table: tuple[str | int, ...], key: str | None = None) -> int | None:
    """1-based line of ``key`` in ``table`` (``("tool", "egress", "allow", 2)`` = the third
    ``[[tool.egress.allow]]``); the table's header line when the key is absent; None if unknown."""
    lines = text.splitlines()
    index = table[-1] if table and isinstance(table[-1], int) else None
    name = tuple(str(p) for p in (table[:-1] if index is not None else table))
    start: int | None = None
    if not name:
        start = -1                      # top-level keys: before the first header
    count = 0
    for number, line in enumerate(lines):
        if start is not None:
            break
        array = _ARRAY.match(line)
        if array and index is not None and _name(array.group(1)) == name:
            if count == index:
                start = number
            count += 1
        elif not array and index is None:
            plain = _TABLE.match(line)
            if plain and _name(plain.group(1)) == name:
                start = number
    if start is None:
        return _any_assignment(lines, key) if key else None
    if key is None:
        return start + 1 if start >= 0 else None
    assign = _assignment(key)
    for number in range(start + 1, len(lines)):
        if _ARRAY.match(lines[number]) or _TABLE.match(lines[number]):
            break
        if assign.match(lines[number]):
            return number + 1
    return start + 1 if start >= 0 else None


def _assignment(key: str) -> re.Pattern[str]:
    quoted = re.escape(key)
    return re.compile(rf"^\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*=")


def _any_assignment(lines: list[str], key: str) -> int | None:
    pattern = re.compile(rf"(?:^|[\s.{{,])(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    for number, line in enumerate(lines):
        if pattern.search(line):
            return number + 1
    return None
