"""The data that flows between egress's stages.

Every stage hands plain frozen dataclasses to the next: sources produce
``PackageArtifact``s, analyzers turn each ``SourceFile`` into a
``FileAnalysis`` (findings plus, when the file could not be read, the
reason), ``alerts`` folds the findings of one package into a
``PackageResult`` with its alerts and verdict, and ``report`` renders a
``ScanResult``.  Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable, Iterator


#: The largest file egress reads (bytes): the engine's default ``ScanOptions.max_file_size``,
#: and the bound archive readers check before decompressing a member.
MAX_FILE_SIZE = 32 * 2**20


class Ecosystem(StrEnum):
    NPM = "npm"
    PYPI = "pypi"


class Capability(StrEnum):
    """What a network API does; decides whether a use is network access."""

    REQUEST = "request"      # sends a request (http.request, fetch, urlopen)
    CONNECT = "connect"      # opens a connection or socket to a peer
    LISTEN = "listen"        # accepts connections (createServer + listen)
    RESOLVE = "resolve"      # DNS resolution
    SOCKET = "socket"        # creates a socket object; network once used
    EXECUTE = "execute"      # runs a command or script (install hooks)
    HELPER = "helper"        # pure helper or constant: never network use


class FindingKind(StrEnum):
    NETWORK = "network"            # a network API is used (confirmed use)
    IMPORT_ONLY = "importOnly"     # a network module is imported, no I/O seen
    DEPENDENCY = "dependency"      # a third-party network client is imported
    DYNAMIC_REQUIRE = "dynamicRequire"  # a module name that cannot be resolved
    DYNAMIC_CODE = "dynamicCode"   # code generated at run time from non-constants
    INSTALL_SCRIPT = "installScript"  # a lifecycle script that runs when the package is installed


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class FileRole(StrEnum):
    """Where a file sits in a package; tests and examples do not ship behaviour."""

    SHIPPED = "shipped"
    TEST = "test"
    EXAMPLE = "example"
    DOCS = "docs"
    BENCH = "bench"
    SCRIPTS = "scripts"


class Timing(StrEnum):
    """When the code containing a finding runs."""

    INSTALL = "install"    # npm lifecycle scripts, setup.py and build hooks of an sdist, what they load
    STARTUP = "startup"    # .pth executable lines (every interpreter start) and what they load
    IMPORT = "import"      # top-level code of entry points and of the files they load at top level
    RUNTIME = "runtime"    # inside functions, or top-level code no loader reaches


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class Verdict(StrEnum):
    NETWORK = "network"    # shipped code uses the network
    NONE = "none"          # every file was analysed and nothing uses the network
    PARTIAL = "partial"    # no network seen, but some files were not analysed


@dataclass(frozen=True)
class TraceStep:
    """One hop between where a network API is taken and where it is used."""

    file: str
    line: int
    column: int
    note: str          # e.g. "https.request taken as send"


@dataclass(frozen=True)
class Destination:
    """Where a network call goes, as far as it is known statically.

    ``text`` shows what is known with ``<dynamic>`` for the rest
    (``https://api.example.com/v1/<dynamic>``); ``known`` is "full",
    "partial" (some constant parts) or "dynamic" (nothing constant, e.g. a
    host built from data at run time, itself a signal).  ``classes`` are
    filled by ``egress.destinations.classify``: address classes (loopback,
    private, link-local, ip-literal, public) and kinds from the reviewed
    table (paste, tunnel, webhook, cloud-metadata, registry, …).
    """

    text: str
    known: str = "full"                 # full | partial | dynamic
    scheme: str = ""
    host: str = ""
    port: int | None = None
    classes: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """One place in one file where network capability is reached.

    ``line``/``column`` (1-based) are the place that performs the network
    operation (the call); ``trace`` lists the earlier places that led
    there (the import, the alias, the object creation).
    """

    kind: FindingKind
    api: str                    # "https.request", "fetch", "socket.socket.connect"
    module: str                 # "https", "<global>", "socket", "axios"
    capability: Capability
    file: str                   # package-relative, POSIX separators
    line: int
    column: int
    snippet: str                # the source line, stripped and shortened
    confidence: Confidence
    in_function: bool = True    # False: module top-level code (runs at import)
    trace: tuple[TraceStep, ...] = ()
    note: str = ""
    # Filled by the pipeline from package context, not by analyzers:
    role: FileRole = FileRole.SHIPPED
    timing: Timing = Timing.RUNTIME
    # Request details, where the analyzer can know them statically:
    destinations: tuple[Destination, ...] = ()
    data_sources: tuple[str, ...] = ()   # "env NPM_TOKEN", "hostname", "file ~/.npmrc", ...


@dataclass(frozen=True)
class NotAnalysed:
    """A file that could not be read, decoded or parsed: never counted clean."""

    file: str
    reason: str


@dataclass(frozen=True)
class ExportFact:
    """A network capability a file hands out to its importers (for cross-file linking).

    ``name`` is the exported name as importers see it (``open`` for
    ``exports.open = https.request``; ``None`` for the module value itself:
    ``module.exports = require('https')``, ``export default fetch``, and a
    Python module's top-level function ``send`` is ``name="send"``).
    Either the capability is local (``api`` set: the network API reached,
    at ``line``/``column`` of this file) or it is re-exported from another
    local module (``via_specifier``/``via_member``: ``exports.open =
    require('./transport').send``), resolved by the linker.
    ``member_of``: for objects and classes whose *method* reaches the
    network (``module.exports = {get(u){ return https.get(u) }}``), the
    method name: importers calling ``x.get()`` reach it.
    """

    name: str | None
    api: str = ""
    module: str = ""
    capability: Capability = Capability.REQUEST
    line: int = 0
    column: int = 0
    via_specifier: str = ""
    via_member: str | None = None
    member_of: str | None = None
    note: str = ""
    #: Positions of the exported function's parameters whose values the network call sends, and
    #: where it sends them: an importer's arguments there are the data (``LocalUse.argument_sources``).
    sends: tuple[int, ...] = ()
    destinations: tuple["Destination", ...] = ()
    destination_parameter: int | None = None     # the parameter that is the call's whole URL


@dataclass(frozen=True)
class LocalUse:
    """A use of something imported from a *local* module of the same package.

    ``specifier`` as written (``./transport``, ``../lib``, Python ``.transport``
    or ``pkg.transport`` when it names the package itself); ``member`` the
    imported name used (``send``), ``None`` when the module value itself is
    used (``const t = require('./t'); t(...)``); ``attribute`` a method used on
    it (``t.get(...)`` → member=None, attribute="get"). ``called``: the use is
    a call (else a reference handed on).
    """

    specifier: str
    member: str | None
    line: int
    column: int
    snippet: str
    in_function: bool = True
    attribute: str | None = None
    called: bool = True
    #: Per positional argument of the call, the data sources it carries (``env``, ``hostname``…).
    argument_sources: tuple[tuple[str, ...], ...] = ()
    #: Per positional argument, the URL it reads as, when it does (``'https://h/x?t=' + token``).
    argument_destinations: tuple["Destination | None", ...] = ()


@dataclass(frozen=True)
class FileAnalysis:
    """What an analyzer found in one file."""

    file: str
    findings: tuple[Finding, ...] = ()
    error: str | None = None    # set when the file was not analysed
    exports: tuple[ExportFact, ...] = ()    # network capability this file hands out
    local_uses: tuple[LocalUse, ...] = ()   # uses of the package's own modules
    #: Local module specifiers this file loads when its top level runs, from the engine's text
    #: pass (``entrypoints.load_specifiers``), not from analyzers: the load graph behind timing.
    imports: tuple[str, ...] = ()
    #: For a file only checked (the pre-filter saw nothing to analyse): every module specifier it
    #: names in an import, anywhere in the file; None when unknown.  The engine analyses such a file
    #: in a later round only when one of them resolves to a file that hands out network capability.
    links: tuple[str, ...] | None = None
    #: Package files this file starts as new processes (`fork('./b.js')`): they run, so they are shipped.
    launches: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceFile:
    """A file handed to an analyzer; ``path`` is package-relative POSIX.

    ``language`` overrides the file-name rule for files whose language the
    package declares rather than their name (an npm ``bin`` script without
    an extension).
    """

    path: str
    data: bytes
    language: str | None = None


@dataclass(frozen=True)
class PackageArtifact:
    """A package as a source found it: identity, metadata and a file reader.

    ``read_files(want)`` yields the package's files lazily so that a
    tarball can be read straight from the archive and a tree of thousands
    of packages never sits in memory at once; ``want(path)`` says which
    package-relative paths the pipeline needs, so a source reads no bytes
    of the others (a folder source does not even open them).  ``digest``
    identifies the content (npm integrity, wheel sha256) for the cache;
    ``None`` when unknown.

    ``metadata`` keys the pipeline reads: ``kind`` ("tarball", "folder",
    "wheel", "sdist", "installed"), npm ``scripts`` / ``main`` / ``exports``
    / ``bin`` from package.json, Python ``entry_points``.
    """

    ecosystem: Ecosystem
    name: str
    version: str
    read_files: Callable[[Callable[[str], bool]], Iterator[SourceFile]] = field(compare=False, repr=False)
    locations: tuple[str, ...] = ()
    metadata: dict = field(default_factory=dict, compare=False, repr=False)
    digest: str | None = None
    unreadable: tuple[NotAnalysed, ...] = ()   # files the source itself could not read
    #: For installed folders: ``fingerprint(want)`` is a digest of the wanted files' stat data
    #: (see ``sources.fingerprint``), letting an unchanged package skip reading altogether.
    fingerprint: Callable[[Callable[[str], bool]], str | None] | None = field(
        default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.ecosystem}:{self.name}@{self.version}"


@dataclass(frozen=True)
class Alert:
    """A finding promoted to what a reviewer acts on, with its severity."""

    type: str                    # "networkAccess", "networkViaDependency", ...
    severity: Severity
    finding: Finding

    @property
    def api(self) -> str:
        return self.finding.api


@dataclass(frozen=True)
class PackageResult:
    ecosystem: Ecosystem
    name: str
    version: str
    verdict: Verdict
    alerts: tuple[Alert, ...]
    files_analysed: int
    not_analysed: tuple[NotAnalysed, ...]
    locations: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()   # every finding, including tests/examples
    artifact_kind: str = ""              # tarball, folder, wheel, sdist, installed, ...
    filename: str = ""                   # the registry file scanned (PyPI sdist or wheel)

    @property
    def key(self) -> str:
        return f"{self.ecosystem}:{self.name}@{self.version}"

    @property
    def network_apis(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for alert in self.alerts:
            if alert.type == "networkAccess":
                seen.setdefault(alert.api, None)
        return tuple(seen)

    @property
    def worst_severity(self) -> Severity | None:
        if not self.alerts:
            return None
        return max((a.severity for a in self.alerts), key=lambda s: s.rank)


@dataclass(frozen=True)
class ScanResult:
    packages: tuple[PackageResult, ...]
    errors: tuple[str, ...] = ()   # packages a source could not provide, one line each
    policy: dict | None = None     # what a policy hid, expired or failed (docs/policy.md), when one applied
    policy_lines: tuple[str, ...] = ()   # the same, as lines for terminal reports
    not_fetched: tuple[tuple[str, str, str], ...] = ()   # (target, name@version, reason): git, file, link deps
    #: lockfile targets: for each direct dependency, the network packages under it with one shortest path
    transitive: dict = field(default_factory=dict)


def own_names(name: str) -> set[str]:
    """The names a package's own client findings carry (``alerts`` drops these self-imports)."""
    return {name.lower(), name.lower().replace("-", "_")}
