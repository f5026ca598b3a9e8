"""What counts as network, kept as data (``npm.toml``, ``pypi.toml``).

Beside them: ``destinations.toml`` (well-known kinds of destination) and
``shell_tools.toml`` (network commands and the calls that start programs,
loaded by ``shell_tools.py`` and read against commands by ``commands.py``).

The analyzers know how code is written; the catalog knows which names
reach the network.  Adding an API is a reviewed line in a TOML file, not
code.  File format (one file per ecosystem)::

    [module.https]                       # canonical module name
    specifiers = ["https", "node:https"] # how code names it
    unlisted = "importOnly"              # members not listed below
    call = "request"                     # optional: calling the module itself
    [module.https.members]
    request = "request"                  # member -> capability
    Agent = "helper"                     # pure helper: never network use
    [module.https.returns]
    createServer = "http.Server"         # member -> class of its result

    [class."http.Server".methods]
    listen = "listen"

    [global.fetch]
    capability = "request"
    via = ["globalThis", "window", "self", "global"]

    [dependency.axios]                   # third-party client, by package name
    specifiers = ["axios"]

    [source.os]                          # data a request may carry: module member -> label
    hostname = "hostname"                # ("file" is labelled with the path read)

Capabilities are those of ``egress.model.Capability``; ``importOnly`` as
``unlisted`` means "an import alone, reported at low confidence".
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Mapping

from egress.model import Capability, Ecosystem

IMPORT_ONLY = "importOnly"


@dataclass(frozen=True)
class ModuleEntry:
    name: str
    specifiers: tuple[str, ...]
    members: Mapping[str, Capability]
    returns: Mapping[str, str]
    unlisted: Capability | None          # None: an unlisted member is import-only
    call: Capability | None = None       # calling the module object itself
    construct: Capability | None = None  # `new module()` itself
    construct_returns: str | None = None


@dataclass(frozen=True)
class ClassEntry:
    name: str
    methods: Mapping[str, Capability]
    returns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GlobalEntry:
    name: str
    capability: Capability
    via: tuple[str, ...] = ()        # global-object names it may be reached through
    construct_only: bool = False     # only `new X()` is a use (XMLHttpRequest)
    returns: str | None = None       # class of its result


@dataclass(frozen=True)
class DependencyEntry:
    name: str                        # package name of the third-party client
    specifiers: tuple[str, ...]      # import names (may differ: websocket-client -> websocket)
    ecosystem_note: str = ""


@dataclass(frozen=True)
class Catalog:
    ecosystem: Ecosystem
    modules: Mapping[str, ModuleEntry]          # keyed by every specifier
    classes: Mapping[str, ClassEntry]
    globals: Mapping[str, GlobalEntry]
    dependencies: Mapping[str, DependencyEntry]  # keyed by every specifier
    sources: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # module -> member -> data label

    def module(self, specifier: str) -> ModuleEntry | None:
        found = self.modules.get(specifier)
        if found is None and self.ecosystem is Ecosystem.PYPI and (inner := unvendored(specifier)) is not None:
            found = self.modules.get(inner)
        return found

    def dependency(self, specifier: str) -> DependencyEntry | None:
        """The third-party client a specifier names; subpaths count (`axios/lib/x`)."""
        if specifier in self.dependencies:
            return self.dependencies[specifier]
        parts = specifier.split("/")
        root = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
        if self.ecosystem is Ecosystem.PYPI:
            inner = unvendored(specifier)
            if inner is not None and inner != specifier:
                return self.dependency(inner)
            root = specifier.split(".")[0]
        return self.dependencies.get(root)


#: Package segments under which a Python distribution ships a copy of another one:
#: `pip._vendor.requests`, `botocore.vendored.requests`, `setuptools.extern.packaging`.
VENDOR_SEGMENTS = ("_vendor", "vendored", "_vendored", "extern", "_extern")


def unvendored(specifier: str) -> str | None:
    """The module a vendored copy is of (`pip._vendor.urllib3.poolmanager` -> `urllib3.poolmanager`;
    `requests.packages.urllib3` -> `urllib3`), or None when the name is no vendored path."""
    if "vendor" not in specifier and "extern" not in specifier and ".packages." not in specifier:
        return None
    parts = specifier.split(".")
    cut = max((i for i, part in enumerate(parts) if part in VENDOR_SEGMENTS or
               part == "packages" and i > 0 and parts[i - 1] == "requests"), default=-1)
    return ".".join(parts[cut + 1:]) if 0 <= cut < len(parts) - 1 else None


def _capability(value: str, where: str) -> Capability | None:
    if value == IMPORT_ONLY:
        return None
    try:
        return Capability(value)
    except ValueError:
        raise ValueError(f"catalog {where}: unknown capability {value!r}") from None


def parse_catalog(ecosystem: Ecosystem, text: str) -> Catalog:
    """Build a ``Catalog`` from TOML text; raises ``ValueError`` on a bad entry."""
    raw = tomllib.loads(text)
    modules: dict[str, ModuleEntry] = {}
    for name, spec in raw.get("module", {}).items():
        entry = ModuleEntry(
            name=name,
            specifiers=tuple(spec.get("specifiers", [name])),
            members={m: _capability(c, f"module.{name}.{m}") for m, c in spec.get("members", {}).items()},
            returns=dict(spec.get("returns", {})),
            unlisted=_capability(spec.get("unlisted", IMPORT_ONLY), f"module.{name}.unlisted"),
            call=_capability(spec["call"], f"module.{name}.call") if "call" in spec else None,
            construct=_capability(spec["construct"], f"module.{name}.construct") if "construct" in spec else None,
            construct_returns=spec.get("construct_returns"),
        )
        for specifier in entry.specifiers:
            modules[specifier] = entry
    classes = {
        name: ClassEntry(
            name=name,
            methods={m: _capability(c, f"class.{name}.{m}") for m, c in spec.get("methods", {}).items()},
            returns=dict(spec.get("returns", {})),
        )
        for name, spec in raw.get("class", {}).items()
    }
    globals_ = {
        name: GlobalEntry(
            name=name,
            capability=_capability(spec["capability"], f"global.{name}"),
            via=tuple(spec.get("via", ())),
            construct_only=bool(spec.get("construct_only", False)),
            returns=spec.get("returns"),
        )
        for name, spec in raw.get("global", {}).items()
    }
    dependencies: dict[str, DependencyEntry] = {}
    for name, spec in raw.get("dependency", {}).items():
        dep = DependencyEntry(name=name, specifiers=tuple(spec.get("specifiers", [name])))
        for specifier in dep.specifiers:
            dependencies[specifier] = dep
    sources: dict[str, dict[str, str]] = {}
    for module, members in raw.get("source", {}).items():
        if not all(isinstance(label, str) and label for label in members.values()):
            raise ValueError(f"catalog source.{module}: every member needs a label")
        sources[module] = dict(members)
    return Catalog(ecosystem, modules, classes, globals_, dependencies, sources)


@lru_cache(maxsize=None)
def load_catalog(ecosystem: Ecosystem) -> Catalog:
    """The catalog shipped with egress for one ecosystem (read once per process)."""
    text = resources.files(__package__).joinpath(f"{ecosystem.value}.toml").read_text("utf-8")
    return parse_catalog(ecosystem, text)
