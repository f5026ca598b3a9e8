"""The scan pipeline: artifacts in, package results out.

For each package the engine reads only the files an analyzer handles,
drops those the loss-free pre-filter proves irrelevant, runs the rest on
the worker pool (largest first, hard per-file limits) and hands each
package's findings, with role and timing filled in, to ``alerts``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import posixpath
from dataclasses import dataclass, field
from typing import Callable, Iterable

import re2

from egress.alerts import AlertOptions, package_result
from egress.analyzers.registry import analyzer_for, declared_scripts, language_of, script_language, wanted_by
from egress.cache import ResultCache, file_key, package_key
from egress.catalog import load_catalog
from egress.context import PackageContext
from egress.entrypoints import js_relative_loads, load_specifiers, with_imports
from egress.errors import EgressError
from egress.model import (
    MAX_FILE_SIZE,
    Ecosystem,
    FileAnalysis,
    Finding,
    NotAnalysed,
    PackageArtifact,
    PackageResult,
    ScanResult,
    SourceFile,
)
from egress.install_scripts import (
    INLINE_PREFIX, SCRIPT_INLINE, gyp_commands, hook_shell_scripts, inline_sources, place_inline,
    place_script_inline, script_findings, shell_script_findings,
)
from egress.linker import PackageLinker
from egress.prefilter import PreFilter
from egress.sources.unanalysed import always_reported
from egress.workers import PoolLimits, PoolSession, Task, WorkerPool

#: Called with (files done, files total) as the scan advances.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScanOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    include_tests: bool = False
    use_prefilter: bool = True
    file_time_limit: float = 60.0
    max_file_size: int = MAX_FILE_SIZE
    cache: ResultCache | None = None     # per-file analyses kept between runs
    parse_all: bool = True               # parse the files the pre-filter skips, to report syntax errors


@dataclass(frozen=True)
class PackageSummary:
    """What a package's analyses come to before alerting: kept whole in the package cache.

    A warm scan reads this one small record per unchanged package instead of
    every file's analysis, and skips the linker and the load graph.
    """

    findings: tuple[Finding, ...]          # per file and linked, with role and timing placed
    not_analysed: tuple[NotAnalysed, ...]  # files the analyzers could not read
    files_analysed: int


@dataclass
class _PackageWork:
    artifact: PackageArtifact
    context: PackageContext
    analyses: dict[str, FileAnalysis] = field(default_factory=dict)
    not_analysed: list[NotAnalysed] = field(default_factory=list)
    skipped: list[SourceFile] = field(default_factory=list)   # the pre-filter saw nothing: read only
    imports: dict[str, tuple[str, ...]] = field(default_factory=dict)   # load graph (entrypoints)
    hook_findings: list[Finding] = field(default_factory=list)   # shell scripts that install hooks run
    hook_inline: list[SourceFile] = field(default_factory=list)  # code those scripts run inline (`node -e`)
    sources: list[SourceFile] = field(default_factory=list)   # the files read, while the package is read

    @property
    def exports_network(self) -> bool:
        """Some file hands out a network API itself (re-exports alone lead nowhere without one)."""
        return any(fact.api for a in self.analyses.values() for fact in a.exports)


class _Runner:
    """Turns files into analyses: from the cache, or as tasks for one worker pool kept for the scan.

    A package's files go to the workers as soon as the package has been
    read whole (a package that fails half-way sends none), so parsing runs
    while the next package is read; ``run`` waits for everything sent.
    """

    def __init__(self, options: ScanOptions, progress: Progress | None) -> None:
        self.options = options
        self.progress = progress
        self.cache = options.cache
        self.tasks: list[Task] = []          # of the package being read
        self.owners: list[_PackageWork] = []
        self.keys: list[bytes] = []
        self.done = 0
        self.total = 0
        pool = WorkerPool(options.jobs, PoolLimits(time_limit=options.file_time_limit))
        self.session = PoolSession(pool, self._on_result)

    def submit(self, item: _PackageWork, source: SourceFile, check_only: bool) -> None:
        key = file_key(source.path, source.data, check_only) if self.cache is not None else b""
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            item.analyses[source.path] = cached
            return
        self.tasks.append(Task(len(self.owners), source, check_only))
        self.owners.append(item)
        self.keys.append(key)

    def send(self) -> None:
        """Hand the tasks submitted so far to the workers."""
        tasks, self.tasks = self.tasks, []
        self.total += len(tasks)
        self.session.add(tasks)

    def drop(self) -> None:
        """Forget the tasks of a package that could not be read whole."""
        self.tasks = []

    def run(self) -> None:
        """Wait for every task sent, and the ones submitted since."""
        self.send()
        self.session.drain()
        if self.cache is not None:
            self.cache.flush()

    def close(self) -> None:
        self.session.close()

    def _on_result(self, task_id: int, analysis: FileAnalysis) -> None:
        self.owners[task_id].analyses[analysis.file] = analysis
        if self.cache is not None:
            self.cache.put(self.keys[task_id], analysis)
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


class _Readers:
    """Analyzers built in this process, only to tell whether a skipped file is text."""

    def __init__(self) -> None:
        self._built: dict = {}

    def read_only(self, source: SourceFile) -> FileAnalysis:
        analyzer = analyzer_for(source.path, self._built, source.language)
        error = analyzer.readable(source) if analyzer is not None else None
        return FileAnalysis(source.path, error=error)


def merge_duplicates(artifacts: Iterable[PackageArtifact]) -> list[PackageArtifact]:
    """One artifact per name@version, with the install locations of all copies."""
    by_key: dict[tuple[str, str], PackageArtifact] = {}
    for artifact in artifacts:
        # A PyPI release can have several files (sdist, wheels): each is its own artifact.
        key = (artifact.key, str(artifact.metadata.get("kind", "")), str(artifact.metadata.get("filename", "")))
        if key in by_key:
            previous = by_key[key]
            locations = tuple(sorted(set(previous.locations) | set(artifact.locations)))
            by_key[key] = dataclasses.replace(previous, locations=locations)
        else:
            by_key[key] = artifact
    return list(by_key.values())


def scan(
    artifacts: Iterable[PackageArtifact],
    options: ScanOptions = ScanOptions(),
    progress: Progress | None = None,
) -> ScanResult:
    """Analyse every package; a package the source cannot read becomes an error line.

    Round one analyses the files the pre-filter selects and parses the
    rest, so that a file that cannot be parsed is never counted clean
    (without ``parse_all`` they are only read).  A package whose files hand out network capability gets a second
    round: its other files are analysed too, so that calls through its own
    modules can be linked (``linker``).
    """
    prefilter = PreFilter(load_catalog(Ecosystem.NPM), load_catalog(Ecosystem.PYPI)) if options.use_prefilter else None
    runner = _Runner(options, progress)
    readers = _Readers()
    work: list[_PackageWork] = []
    errors: list[str] = []
    cache = options.cache
    package_keys: dict[int, bytes] = {}
    alert_options = AlertOptions(include_tests=options.include_tests)
    done: list[PackageResult] = []
    try:
        for artifact in merge_duplicates(artifacts):
            item = _PackageWork(artifact, PackageContext.of(artifact))
            declared = declared_scripts(artifact.metadata) if artifact.ecosystem is Ecosystem.NPM else frozenset()
            if artifact.ecosystem is Ecosystem.NPM:     # `node < setup.txt` in a hook: Node runs it as JavaScript
                declared |= {f for f in item.context.install_files if language_of(f) is None}
            hook_scripts = hook_shell_scripts(artifact.metadata) if artifact.ecosystem is Ecosystem.NPM else {}
            wanted = wanted_by(artifact.ecosystem, declared | frozenset(hook_scripts))
            item.not_analysed.extend(n for n in artifact.unreadable if wanted(n.file) or always_reported(n.file))
            # the key covers the files a load may name as well (an extensionless `lib/payload`)
            key = _package_key(artifact, lambda p: wanted(p) or not p.lower().endswith(_NOT_CODE), options) \
                if cache is not None else None
            if key is not None:
                stored = cache.get_package(key)
                if isinstance(stored, PackageSummary):      # unchanged since the last scan: nothing to read
                    done.append(_alerted(item, stored, alert_options))
                    continue
                package_keys[id(item)] = key
            own_roots = prefilter.own_client_roots(artifact.name) \
                if prefilter is not None and artifact.ecosystem is Ecosystem.PYPI else frozenset()

            def take(source: SourceFile) -> None:
                if source.path in hook_scripts:
                    hook, how = hook_scripts[source.path]
                    language = _hook_language(how, source.data)
                    if language is None:                # a shell script, or binding.gyp's commands
                        _read_hook_script(item, gyp_commands(source) if how == "gyp" else source, hook)
                        return
                    item.context = dataclasses.replace(     # code an install hook runs: analysed, at install
                        item.context, install_files=item.context.install_files | {source.path})
                    source = dataclasses.replace(source, language=language)
                if source.path in declared:
                    source = dataclasses.replace(source, language="javascript")
                elif language_of(source.path) is None and artifact.ecosystem is Ecosystem.PYPI:
                    if script_language(source.data) != "python":     # a wheel's bin/ script: `#!python`
                        return
                    source = dataclasses.replace(source, language="python")
                if len(source.data) > options.max_file_size:
                    item.not_analysed.append(NotAnalysed(
                        source.path, f"file too large ({len(source.data)} bytes > {options.max_file_size})"))
                    return
                check_only = prefilter is not None and not prefilter.wants(source.path, source.data, source.language,
                                                                           own_roots)
                if specifiers := load_specifiers(source, artifact.ecosystem):
                    item.imports[source.path] = specifiers
                item.sources.append(source)
                if check_only:
                    item.skipped.append(source)
                    if not options.parse_all:
                        # asked to skip the syntax check: every byte was searched and names no
                        # signal, but bytes that are not text would not be what the search saw
                        item.analyses[source.path] = readers.read_only(source)
                        return
                runner.submit(item, source, check_only)

            listing: set[str] = set()
            try:
                for source in artifact.read_files(lambda path: listing.add(path) or wanted(path)):
                    take(source)
                if artifact.ecosystem is Ecosystem.NPM and (exact := _exact_loads(item, listing, wanted)):
                    # files Node loads as JavaScript whatever their name: `require('./lib/payload')`
                    declared = declared | exact
                    for source in artifact.read_files(lambda path: path in exact):
                        take(source)
                item.sources = []
            except EgressError as exc:
                errors.append(f"{artifact.key}: {exc}")
                runner.drop()                                   # none of its half-read files
                continue
            if artifact.ecosystem is Ecosystem.NPM:
                for source in inline_sources(artifact) + item.hook_inline:   # `node -e "…"` in a hook or its script
                    runner.submit(item, source, check_only=False)
            work.append(item)
            runner.send()
        runner.run()
        # Further rounds, until nothing new: files that may import a module handing out network
        # capability are analysed, and what they hand out in turn may select more files.
        while True:
            submitted = False
            for item in work:
                if not item.exports_network or not item.skipped:
                    continue
                linkable = _Linkable(item)
                waiting: list[SourceFile] = []
                for source in item.skipped:
                    analysis = item.analyses.get(source.path, FileAnalysis(source.path))
                    if analysis.error is not None:
                        continue
                    if linkable.may_link(source, analysis):
                        runner.submit(item, source, check_only=False)
                        submitted = True
                    else:
                        waiting.append(source)
                item.skipped = waiting
            if not submitted:
                break
            runner.run()
    finally:
        runner.close()
    results = done
    for item in work:
        item.skipped = []
        item.analyses = with_imports(item.analyses, item.imports)
        summary = _summary(item)
        if cache is not None and id(item) in package_keys:
            cache.put_package(package_keys[id(item)], summary, (n.reason for n in summary.not_analysed))
        results.append(_alerted(item, summary, alert_options))
    if cache is not None:
        cache.flush()
    results.sort(key=lambda r: (r.ecosystem, r.name, r.version))
    return ScanResult(packages=tuple(results), errors=tuple(errors))


#: Files a relative load may name that are data, not code: Node reads these by their own rules.
_NOT_CODE = (".json", ".node", ".wasm", ".d.ts", ".map", ".md", ".txt", ".css", ".html", ".png", ".svg")


def _exact_loads(item: _PackageWork, listing: set[str], wanted) -> frozenset[str]:
    """Package files not read as code that a relative `require`/`import` names exactly.

    Node tries the exact file first and runs any extension it does not know as
    JavaScript, so `require('./lib/payload')` with a file `lib/payload` runs that file.
    Only names of such files in the package are looked for, so most packages cost a
    few substring tests.
    """
    unread = {path for path in listing if not wanted(path) and not path.lower().endswith(_NOT_CODE)}
    if not unread:
        return frozenset()
    names = sorted({path.rsplit("/", 1)[-1] for path in unread}, key=len, reverse=True)
    # one RE2 search per file for a quoted name ending; a package of many assets costs a full read instead
    named = _large_pattern(("['\"`/](?:" + "|".join(re2.escape(n) for n in names) + ")['\"`]").encode(
        "utf-8", "surrogateescape")) if len(names) <= 300 else None
    found: set[str] = set()
    for source in item.sources:
        if source.language not in (None, "javascript") or named is not None and not named.search(source.data):
            continue
        folder = posixpath.dirname(source.path)
        for specifier in js_relative_loads(source.data):
            target = posixpath.normpath(posixpath.join(folder, specifier))
            if target in unread:
                found.add(target)
    return frozenset(found)


def _hook_language(how: str, data: bytes) -> str | None:
    """The analyzer for a file an install hook runs; None: read it as shell commands."""
    if how == "python":
        return "python"
    return script_language(data) if how == "exec" else None      # `./setup`: its #! line says


def _read_hook_script(item: _PackageWork, source: SourceFile, hook: str) -> None:
    """A shell script an install hook runs: its network tools, and the node files it runs, run at install."""
    if b"\x00" in source.data:
        item.not_analysed.append(NotAnalysed(source.path, "not a text file"))
        return
    found, node_files, inline = shell_script_findings(source, hook)
    item.hook_findings.extend(found)
    item.hook_inline.extend(inline)
    install = item.context.install_files | {source.path, *node_files}
    item.context = dataclasses.replace(item.context, install_files=frozenset(install))


class _Linkable:
    """Which skipped files of a package may link to a module of it that hands something out.

    A use links only through an import whose specifier the linker resolves to such a
    module, so a file whose checked parse listed its imports (``FileAnalysis.links``)
    is analysed only when one of them resolves there, by the linker's own rules.  A
    file without that list falls back to a text test (``_linkable_names``).
    """

    def __init__(self, item: _PackageWork) -> None:
        self._item = item
        self._linker = PackageLinker(item.artifact.ecosystem, item.analyses, item.artifact.metadata)
        self._targets = self._reaching_network()
        self._names: "re2._Regexp | None" = None

    def _reaching_network(self) -> frozenset[str]:
        """Files that hand out a network API, or hand on (re-export, call) one of such a file."""
        reaching = {path for path, analysis in self._item.analyses.items()
                    if any(fact.api for fact in analysis.exports)}
        handing_on = {path: {fact.via_specifier for fact in analysis.exports if fact.via_specifier}
                      for path, analysis in self._item.analyses.items() if path not in reaching}
        changed = True
        while changed:
            changed = False
            for path, specifiers in handing_on.items():
                if path not in reaching and any(self._linker.resolve(path, s) in reaching for s in specifiers):
                    reaching.add(path)
                    changed = True
        return frozenset(reaching)

    def may_link(self, source: SourceFile, analysis: FileAnalysis) -> bool:
        if analysis.links is not None:
            return any(self._linker.resolve(source.path, spec) in self._targets for spec in analysis.links)
        if self._names is None:
            self._names = _linkable_names(self._item)
        return self._names.search(source.data) is not None


def _linkable_names(item: _PackageWork):
    """Words a file must contain to import a module of this package that hands something out.

    A use links only through a literal relative or own-package specifier, whose last
    segment names the target module: its file stem.  An index or ``__init__`` module is
    named by its folder, or not at all (``from . import send``, ``require('..').send``):
    then the imported name itself is in the text.  Files with none of these words
    cannot link, so the second round leaves them parsed only.
    """
    words: set[str] = {"('..')", '("..")', "('../')", '("../")'}       # the package root by path
    for path, analysis in item.analyses.items():
        if not analysis.exports:
            continue
        folder, _, name = path.rpartition("/")
        stem = name.split(".")[0]
        words.add(stem)
        if stem in ("index", "__init__") or not folder:
            words.add(folder.rsplit("/", 1)[-1] if folder else item.artifact.name.split("/")[-1])
            for fact in analysis.exports:
                words.update(n for n in (fact.name, fact.member_of, fact.via_member) if n and n != "*")
    alternation = "|".join(re2.escape(w) for w in sorted(words, key=len, reverse=True) if w)
    return _large_pattern(f"(?:{alternation})".encode())


def _large_pattern(pattern: bytes) -> "re2._Regexp":
    """An RE2 alternation of many words, with room for its DFA (the default budget makes RE2
    fall back to a slower matcher and print a warning on a package with thousands of modules)."""
    options = re2.Options()
    options.max_mem = 256 << 20
    options.never_capture = True
    return re2.compile(pattern, options=options)


def _package_key(artifact: PackageArtifact, wanted, options: ScanOptions) -> bytes | None:
    """A key for the whole package when its content has a cheap identity; else None."""
    if artifact.digest:
        content = f"digest:{artifact.digest}"
    elif artifact.fingerprint is not None:
        stat = artifact.fingerprint(wanted)
        if stat is None:
            return None
        content = f"stat:{stat}"
    else:
        return None
    identity = f"{artifact.key}\0{artifact.metadata.get('kind', '')}\0{artifact.metadata.get('filename', '')}"
    # the summary depends on the metadata too (entry points, install hooks), and on how files were read
    metadata = json.dumps(artifact.metadata, sort_keys=True, default=str)
    mode = f"summary-1\0prefilter={options.use_prefilter}\0parse_all={options.parse_all}\0{metadata}"
    return package_key(identity, content, mode)


def _summary(item: _PackageWork) -> PackageSummary:
    """Link the package's files and place every finding: role, timing, inline hook code."""
    not_analysed: list[NotAnalysed] = []
    findings: list[Finding] = []
    files_analysed = 0
    for analysis in item.analyses.values():
        if analysis.error is not None:
            not_analysed.append(NotAnalysed(analysis.file, analysis.error))
        else:
            files_analysed += 1
        findings.extend(analysis.findings)
    findings.extend(item.hook_findings)
    inline_paths = {source.path for source in item.hook_inline}
    if item.exports_network:
        findings.extend(PackageLinker(item.artifact.ecosystem, item.analyses, item.artifact.metadata).findings())
    context = item.context.with_loads(item.artifact, item.analyses, findings)
    placed = [place_inline(f, item.artifact) if f.file.startswith(INLINE_PREFIX)
              else place_script_inline(f) if SCRIPT_INLINE in f.file and f.file in inline_paths
              else dataclasses.replace(f, role=context.role(f.file), timing=context.timing(f))
              for f in findings]
    return PackageSummary(tuple(placed), tuple(not_analysed), files_analysed)


def _alerted(item: _PackageWork, summary: PackageSummary, options: AlertOptions) -> PackageResult:
    """The package's alerts; its install hooks are read from its metadata every time."""
    findings = list(summary.findings)
    if item.artifact.ecosystem is Ecosystem.NPM:
        findings.extend(script_findings(item.artifact))
    not_analysed = [*item.not_analysed, *summary.not_analysed]
    return package_result(item.artifact, findings, not_analysed, summary.files_analysed, options)


__all__ = ["ScanOptions", "scan", "merge_duplicates", "language_of"]
