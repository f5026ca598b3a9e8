"""Bytes to text the way the interpreter does it: BOM, then PEP 263 cookie.

A file whose declared (or default UTF-8) encoding does not decode it is
not analysed; guessing another encoding could hide code.
"""

from __future__ import annotations

import io
import re
import tokenize

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class DecodeError(Exception):
    """The file's bytes are not text in its declared encoding."""


def decode(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:          # bad or unknown coding cookie, BOM mismatch
        raise DecodeError(f"cannot decode: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise DecodeError(f"cannot decode as {encoding}: {reason}") from None


def split_lines(text: str) -> list[str]:
    """Lines as the parsers number them (``\\r``, ``\\n`` and ``\\r\\n`` end a line)."""
    return _LINE_BREAK.split(text)


def pth_source(text: str) -> str:
    """Only ``import`` lines of a .pth file run (at every start); blank the rest, keep numbering."""
    return "\n".join(line if line.startswith(("import ", "import\t")) else ""
                     for line in split_lines(text))
