"""Small scan results built through alerts.package_result, the way the engine builds them."""

from __future__ import annotations

from egress.alerts import package_result
from egress.model import (Capability, Confidence, Destination, Ecosystem, Finding, FindingKind, NotAnalysed, PackageArtifact,
                          PackageResult, ScanResult)


def finding(api: str, file: str, line: int, snippet: str, kind: FindingKind = FindingKind.NETWORK,
            capability: Capability = Capability.REQUEST, module: str = "<global>",
            hosts: tuple[str, ...] = ()) -> Finding:
    """``hosts``: destinations by host; "" is one built at run time."""
    destinations = tuple(Destination(f"https://{h}/" if h else "<dynamic>", known="full" if h else "dynamic",
                                     scheme="https" if h else "", host=h) for h in hosts)
    return Finding(kind, api, module, capability, file, line, 5, snippet, Confidence.HIGH, destinations=destinations)


def package(name: str, version: str, findings: list[Finding], ecosystem: Ecosystem = Ecosystem.NPM,
            not_analysed: tuple[NotAnalysed, ...] = ()) -> PackageResult:
    artifact = PackageArtifact(ecosystem, name, version, read_files=lambda want: iter(()))
    return package_result(artifact, findings, list(not_analysed), 3)


FETCH = finding("fetch", "lib/index.js", 6, "return fetch(url).then((r) => done(r));")
HTTPS = finding("https.get", "lib/index.js", 8, "return https.get(url, done);", module="https")
CONNECT = finding("net.connect", "vendor/ping.js", 4, "return net.connect(80, host);",
                  capability=Capability.CONNECT, module="net")
IMPORT_DNS = finding("dns", "lib/dns.js", 1, "const dns = require('dns');", kind=FindingKind.IMPORT_ONLY,
                     capability=Capability.RESOLVE, module="dns")


def client(version: str = "1.1.0", findings: list[Finding] | None = None) -> PackageResult:
    return package("tiny-client", version, [FETCH, HTTPS, CONNECT, IMPORT_DNS] if findings is None else findings)


def result(*packages: PackageResult) -> ScanResult:
    return ScanResult(packages=tuple(packages))
