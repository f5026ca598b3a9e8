"""Shared helpers for the lockfile tests: fixture paths, tiny tarballs and a fake registry."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path

import httpx

from egress.sources.download import Fetcher

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lockfiles"
HOST = "https://registry.example.test/"

#: The generated fixtures' project: socks/statuses/debug, dev ms@2.1.3 (debug needs ms@2.0.0).
BASIC = {
    "npm-v1": "package-lock.json", "npm-v2": "package-lock.json", "npm-v3": "package-lock.json",
    "npm-v3-no-resolved": "package-lock.json", "yarn-v1": "yarn.lock", "yarn-berry": "yarn.lock",
    "pnpm-v6": "pnpm-lock.yaml", "pnpm-v9": "pnpm-lock.yaml",
}
BASIC_LABELS = {"debug@2.6.9", "ip-address@9.0.5", "jsbn@1.1.0", "ms@2.0.0", "ms@2.1.3", "smart-buffer@4.2.0",
                "socks@2.8.3", "sprintf-js@1.1.3", "statuses@2.0.1"}


def tgz(name: str, version: str, files: dict[str, str] | None = None) -> bytes:
    """A tiny npm tarball with package.json and the given files under package/."""
    members = {"package.json": json.dumps({"name": name, "version": version}), **(files or {"index.js": "1;\n"})}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for rel, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sri(data: bytes, algorithm: str = "sha512") -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


class FakeRegistry:
    """Tarballs at the standard path, packuments beside them; records every request path."""

    def __init__(self, host: str = HOST) -> None:
        self.host = host.rstrip("/")
        self.documents: dict[str, dict] = {}
        self.blobs: dict[str, bytes] = {}
        self.requests: list[str] = []

    def publish(self, name: str, version: str, data: bytes | None = None, *, tar_path: str | None = None) -> str:
        data = data if data is not None else tgz(name, version)
        tar_path = tar_path or f"/{name}/-/{name.split('/')[-1]}-{version}.tgz"
        self.blobs[tar_path] = data
        doc = self.documents.setdefault("/" + name.replace("/", "%2f"), {"name": name, "dist-tags": {}, "versions": {}})
        doc["versions"][version] = {"dist": {"tarball": self.host + tar_path, "integrity": sri(data)}}
        doc["dist-tags"]["latest"] = version
        return sri(data)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        self.requests.append(path)
        if path in self.documents:
            return httpx.Response(200, json=self.documents[path])
        if path in self.blobs:
            return httpx.Response(200, content=self.blobs[path])
        return httpx.Response(404, json={"error": "Not found"})

    def fetcher(self, cache_dir: Path) -> Fetcher:
        return Fetcher(cache_dir, transport=httpx.MockTransport(self.handler))


def write_lock(folder: Path, name: str, data: dict | str, manifest: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if manifest is not None:
        (folder / "package.json").write_text(json.dumps(manifest))
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    return path
