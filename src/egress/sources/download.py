"""Registry downloads with integrity checks and a content-addressed cache.

Every registry source fetches through one ``Fetcher`` so that retries,
proxies (httpx reads HTTP(S)_PROXY/NO_PROXY), timeouts and the cache
behave the same for npm and PyPI.  Bytes are verified *before* they are
cached or handed on; the cache only ever holds verified files, written
atomically (temp file + rename) so two egress processes can share it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import platformdirs

from egress import __version__
from egress.errors import IntegrityError, SourceError

if TYPE_CHECKING:
    import httpx

#: Algorithms registries publish, strongest first (npm SRI names).
SUPPORTED_ALGORITHMS = ("sha512", "sha384", "sha256", "sha1")


def default_cache_dir() -> Path:
    """The user cache directory (XDG on Linux) unless ``EGRESS_CACHE_DIR`` says otherwise."""
    override = os.environ.get("EGRESS_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("egress"))


@dataclass(frozen=True)
class Digest:
    """An expected digest: algorithm name and raw bytes."""

    algorithm: str
    value: bytes

    @classmethod
    def from_sri(cls, sri: str) -> "Digest":
        """Parse the strongest entry of an npm ``integrity`` string (``sha512-<base64>``)."""
        best: Digest | None = None
        for token in sri.split():
            algorithm, _, b64 = token.partition("-")
            if algorithm not in SUPPORTED_ALGORITHMS or not b64:
                continue
            try:
                candidate = cls(algorithm, base64.b64decode(b64.split("?")[0], validate=True))
            except ValueError:
                raise IntegrityError(f"malformed integrity value {token!r}") from None
            if best is None or SUPPORTED_ALGORITHMS.index(algorithm) < SUPPORTED_ALGORITHMS.index(best.algorithm):
                best = candidate
        if best is None:
            raise IntegrityError(f"no supported algorithm in integrity {sri!r}")
        return best

    @classmethod
    def from_hex(cls, algorithm: str, hexdigest: str) -> "Digest":
        try:
            return cls(algorithm, bytes.fromhex(hexdigest))
        except ValueError:
            raise IntegrityError(f"malformed {algorithm} digest {hexdigest!r}") from None

    @property
    def hex(self) -> str:
        return self.value.hex()

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"


class Fetcher:
    """HTTP access for registry sources: JSON documents and verified artifacts."""

    def __init__(self, cache_dir: Path | None = None, *, use_cache: bool = True, timeout: float = 60.0,
                 retries: int = 3, transport: httpx.BaseTransport | None = None) -> None:
        """``transport`` replaces the network (tests pass an ``httpx.MockTransport``)."""
        self.cache_dir = cache_dir or default_cache_dir()
        self.use_cache = use_cache
        self._settings = (timeout, retries, transport)
        self._client: httpx.Client | None = None

    def _http(self) -> "httpx.Client":
        """The client, made on first use: a scan of local folders never loads the TLS stack."""
        if self._client is None:
            import httpx

            timeout, retries, transport = self._settings
            self._client = httpx.Client(
                timeout=timeout,
                follow_redirects=True,
                headers={"User-Agent": f"egress/{__version__}"},
                transport=transport or httpx.HTTPTransport(retries=retries),
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET a URL; network failures become one-line ``SourceError``s. 404 is returned, not raised."""
        import httpx

        try:
            response = self._http().get(url, headers=headers)
        except httpx.InvalidURL as exc:      # a lockfile or index naming `https://[bad host]/…`
            raise SourceError(f"not a URL that can be fetched: {url}: {exc}") from None
        except httpx.HTTPError as exc:
            raise SourceError(f"registry unreachable: {url}: {exc.__class__.__name__}: {exc}") from None
        if response.status_code >= 400 and response.status_code != 404:
            raise SourceError(f"registry answered HTTP {response.status_code} for {url}")
        return response

    def get_json(self, url: str, *, accept: str = "application/json") -> dict | None:
        """A JSON document, or ``None`` when the registry says 404."""
        response = self.get(url, headers={"Accept": accept})
        if response.status_code == 404:
            return None
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"registry sent invalid JSON for {url}") from None

    def fetch_verified(self, url: str, digest: Digest, filename: str) -> Path:
        """Download ``url`` unless a verified copy is cached; verify before returning.

        The cache key is the digest itself, so a cached file is by
        construction the bytes the registry published.
        """
        target = self.cache_dir / "blobs" / digest.algorithm / digest.hex[:2] / f"{digest.hex}-{_safe(filename)}"
        if self.use_cache and target.is_file():
            if file_digest(target, digest.algorithm) == digest.value:
                return target
            target.unlink(missing_ok=True)   # a damaged cache entry is refetched, never trusted
        response = self.get(url)
        if response.status_code == 404:
            raise SourceError(f"not found on the registry: {url}")
        data = response.content
        actual = hashlib.new(digest.algorithm, data).digest()
        if actual != digest.value:
            raise IntegrityError(
                f"integrity mismatch for {filename}: expected {digest.algorithm} {digest.hex[:16]}…, "
                f"got {actual.hex()[:16]}…"
            )
        if not self.use_cache:
            target = Path(tempfile.mkdtemp(prefix="egress-")) / _safe(filename)
            target.write_bytes(data)
            return target
        _atomic_write(target, data)
        return target


def _safe(filename: str) -> str:
    return filename.replace("/", "_").replace("\\", "_")


def file_digest(path: Path, algorithm: str) -> bytes:
    """The digest of a file, read in chunks (archives can be large)."""
    h = hashlib.new(algorithm)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
