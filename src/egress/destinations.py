"""Classify where a network call goes: address class and well-known kind.

Address classes come from the address itself (``ipaddress``): loopback,
private, link-local, an IP literal, or a public host.  Kinds come from a
reviewed data table (``catalog/destinations.toml``): paste and file-drop
sites, chat webhooks, tunnels, cloud metadata addresses, code hosting,
package registries, telemetry.  A destination built from data at run time
is itself a signal and keeps the class ``dynamic``.

The same table's ``[sensitive]`` section says which data sent in a request
is a secret or identity (env-name words, credential file paths); ``alerts``
reads it for the exfiltration alert (see docs/severity-review.md).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from egress.model import Destination

DYNAMIC = "<dynamic>"
#: Networks of one site (RFC 1918, CGNAT, unique-local IPv6). Documentation ranges such as
#: 203.0.113.0/24 are deliberately not here: a literal in code that reaches one is treated as public.
_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                                                    "fc00::/7"))
_HOST_PORT = re.compile(r"^\[?(?P<host>[^\]/]+?)\]?(?::(?P<port>\d+))?$")


@dataclass(frozen=True)
class DestinationKind:
    name: str
    suspicious: bool
    description: str
    hosts: tuple[str, ...]
    paths: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class SensitiveData:
    """The reviewed words and paths that make a request's data sensitive (``[sensitive]`` in the table)."""

    env_identity: frozenset[str]
    env_secret_words: frozenset[str]
    env_location_words: frozenset[str]
    env_connection_words: frozenset[str]
    file_paths: tuple[str, ...]


@lru_cache(maxsize=1)
def _table() -> dict:
    return tomllib.loads(resources.files("egress.catalog").joinpath("destinations.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def sensitive_data() -> SensitiveData:
    env = _table().get("sensitive", {}).get("env", {})
    files = _table().get("sensitive", {}).get("files", {})
    return SensitiveData(
        env_identity=frozenset(n.upper() for n in env.get("identity", ())),
        env_secret_words=frozenset(w.lower() for w in env.get("secret-words", ())),
        env_location_words=frozenset(w.lower() for w in env.get("location-words", ())),
        env_connection_words=frozenset(w.lower() for w in env.get("connection-words", ())),
        file_paths=tuple(p.lower() for p in files.get("paths", ())),
    )


@lru_cache(maxsize=1)
def kinds() -> tuple[DestinationKind, ...]:
    raw = _table()
    return tuple(
        DestinationKind(name, bool(spec.get("suspicious", False)), spec.get("description", ""),
                        tuple(h.lower() for h in spec.get("hosts", ())),
                        {h.lower(): tuple(p) for h, p in spec.get("paths", {}).items()})
        for name, spec in raw.get("kind", {}).items()
    )


def parse_destination(text: str, known: str = "full") -> Destination:
    """A destination from a URL, ``host:port`` or a bare host, classified."""
    scheme = host = path = ""
    port: int | None = None
    if "://" in text:
        try:
            parts = urlsplit(text.replace(DYNAMIC, "dynamic-part"))
        except ValueError:      # `http://[<dynamic>]/`: a bracketed host that is no address yet
            scheme, _, rest = text.partition("://")
            return classify(Destination(text=text, known=known, scheme=scheme.lower(), host=DYNAMIC), rest)
        scheme, path = parts.scheme, parts.path
        host = (parts.hostname or "").replace("dynamic-part", DYNAMIC)
        try:
            port = parts.port
        except ValueError:
            port = None
    else:
        match = _HOST_PORT.match(text.strip())
        if match:
            host = match.group("host")
            port = int(match.group("port")) if match.group("port") else None
    return classify(Destination(text=text, known=known, scheme=scheme, host=host.lower(), port=port), path)


def classify(dest: Destination, path: str = "") -> Destination:
    classes: list[str] = []
    host = dest.host
    if not host or DYNAMIC in host:
        classes.append("dynamic-host")
    else:
        classes.extend(_address_classes(host))
        for kind in kinds():
            if _host_matches(host, kind.hosts):
                classes.append(kind.name)
            for domain, prefixes in kind.paths.items():
                if _host_matches(host, (domain,)) and any(path.startswith(p) for p in prefixes):
                    classes.append(kind.name)
    return dataclasses.replace(dest, classes=tuple(dict.fromkeys(classes)))


def suspicious_reasons(dest: Destination) -> list[str]:
    """Why a destination deserves a suspiciousDestination alert (empty: it does not)."""
    reasons = []
    suspicious_kinds, known_kinds = _kind_names()
    for cls in dest.classes:
        if cls in suspicious_kinds:
            reasons.append(cls)
    # An IP literal is an unknown server, unless it is loopback, a kind the table names (the metadata address
    # has its own reason above) or a well-known public service (`[known-services]`: public DNS resolvers).
    if "ip-literal" in dest.classes and "loopback" not in dest.classes and not known_kinds & set(dest.classes) \
            and _canonical_ip(dest.host) not in _known_service_ips():
        reasons.append("ip-literal")
    if "host built from data" in dest.note:
        reasons.append("host built from data")
    return reasons


@lru_cache(maxsize=1)
def _kind_names() -> tuple[frozenset[str], frozenset[str]]:
    """(suspicious kind names, all kind names) of the table."""
    return frozenset(k.name for k in kinds() if k.suspicious), frozenset(k.name for k in kinds())


@lru_cache(maxsize=1)
def _known_service_ips() -> frozenset[str]:
    return frozenset(_canonical_ip(ip) for ip in _table().get("known-services", {}).get("ips", ()))


def _canonical_ip(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return host


def whatwg_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address written the ways URL parsers accept: `3232235777`, `0x7f000001`, `0177.0.0.1`,
    `127.1` (the last part fills the remaining bytes), each part decimal, hex (0x) or octal (0)."""
    parts = host.split(".")
    if not host or len(parts) > 4 or parts[-1] == "":
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(value)


def _address_classes(host: str) -> list[str]:
    if host == "localhost" or host.endswith(".localhost"):
        return ["loopback"]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = whatwg_ipv4(host)                       # `http://3232235777/`: 192.168.1.1
        if address is None:
            return ["public"] if "." in host else ["local-name"]
    classes = ["ip-literal"]
    if address.is_loopback:
        classes.append("loopback")
    elif address.is_link_local:
        classes.append("link-local")
    elif any(address in net for net in _PRIVATE if net.version == address.version):
        classes.append("private")
    else:
        classes.append("public")
    return classes


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)
