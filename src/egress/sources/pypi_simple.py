"""Reading a project's file list from a PyPI "simple" index.

One request with content negotiation (PEP 691): we ask for the JSON
form first and accept HTML (PEP 503) as a fallback, then parse whichever
the index sent.  PyPI's ``/pypi/<name>/json`` API is not used: it is not
part of the index standard and mirrors often lack it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from packaging.utils import canonicalize_name

from egress.errors import SourceError
from egress.sources.download import Fetcher

DEFAULT_INDEX_URL = "https://pypi.org/simple"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"


@dataclass(frozen=True)
class IndexFile:
    """One distribution file as the index lists it."""

    filename: str
    url: str
    hashes: tuple[tuple[str, str], ...]    # (algorithm, lowercase hex), sorted
    yanked: bool = False
    requires_python: str | None = None

    def hash(self, algorithm: str) -> str | None:
        return dict(self.hashes).get(algorithm)


def index_url_from(argument: str | None) -> str:
    """The index root: the argument, else ``PIP_INDEX_URL``, else PyPI."""
    url = argument or os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX_URL
    return url.rstrip("/")


def redact(url: str) -> str:
    """``url`` without the password of ``user:password@host`` (private indexes), for messages and reports."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def project_files(fetcher: Fetcher, index_url: str, name: str) -> list[IndexFile] | None:
    """The files of project ``name`` on the index, or ``None`` if the index does not know it."""
    page = f"{index_url}/{canonicalize_name(name)}/"
    response = fetcher.get(page, headers={"Accept": ACCEPT})
    if response.status_code == 404:
        return None
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    page = str(response.url)   # after redirects: relative links resolve against it
    if content_type.endswith("json"):
        return _from_json(response.content, page)
    if "html" in content_type or response.content.lstrip()[:1] == b"<":
        return _from_html(response.text, page)
    raise SourceError(f"index sent neither JSON nor HTML for {redact(page)} "
                      f"(content type {content_type or 'none'})")


def _from_json(content: bytes, page: str) -> list[IndexFile]:
    try:
        document = json.loads(content)
        entries = document["files"]
        files = [
            IndexFile(
                filename=str(entry["filename"]),
                url=urljoin(page, str(entry["url"])),
                hashes=_clean_hashes(entry.get("hashes") or {}),
                yanked=bool(entry.get("yanked", False)),
                requires_python=entry.get("requires-python") or None,
            )
            for entry in entries
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SourceError(f"index sent a malformed PEP 691 JSON page for {redact(page)}") from None
    return files


def _clean_hashes(hashes: dict) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k).lower(), str(v).lower()) for k, v in hashes.items()))


def _from_html(text: str, page: str) -> list[IndexFile]:
    parser = _AnchorParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:   # html.parser raises little, but a bad page must stay one line
        raise SourceError(f"index sent an unreadable HTML page for {redact(page)}: {exc}") from None
    base = urljoin(page, parser.base) if parser.base else page
    files = []
    for attrs, label in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, fragment = urldefrag(urljoin(base, href))
        filename = label.strip() or url.rsplit("/", 1)[-1]
        hashes: tuple[tuple[str, str], ...] = ()
        algorithm, sep, value = fragment.partition("=")
        if sep and algorithm and value:
            hashes = ((algorithm.lower(), value.lower()),)
        files.append(IndexFile(
            filename=filename,
            url=url,
            hashes=hashes,
            yanked="data-yanked" in attrs,
            requires_python=attrs.get("data-requires-python") or None,
        ))
    return files


class _AnchorParser(HTMLParser):
    """Collects ``<a>`` tags (attributes and text) and the ``<base href>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str], str]] = []
        self.base: str | None = None
        self._open: dict[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "a":
            self._close_anchor()
            self._open, self._text = values, []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close_anchor()

    def close(self) -> None:
        super().close()
        self._close_anchor()

    def _close_anchor(self) -> None:
        if self._open is not None:
            self.anchors.append((self._open, "".join(self._text)))
            self._open, self._text = None, []
