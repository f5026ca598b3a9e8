"""npm lifecycle scripts: what runs when a package is installed, and what it reaches.

Install hooks run with the installing user's rights before any code is
imported, which is where most malicious packages act.  Each hook becomes
an ``installScript`` finding pointing at its line in package.json; a hook
whose shell command reaches the network itself (``curl``, ``wget``, ``nc``,
``Invoke-WebRequest``, ``certutil -urlcache``…) is also a network finding
at install time.  The tool table is data (``catalog/shell_tools.toml``), shared
with the analyzers that read code shelling out to the same tools.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from collections.abc import Iterator

from egress.catalog.commands import read_line
from egress.catalog.shell_tools import load_shell_tools
from egress.context import install_hooks, shell_commands
from egress.model import Capability, Confidence, Finding, FindingKind, PackageArtifact, SourceFile, Timing

_TABLE = load_shell_tools()
#: Inline code a hook hands to an interpreter: `node -e "…"`, `python3 -c "…"` (catalog/shell_tools.toml).
_INLINE_FLAGS = _TABLE.inline
INLINE_PREFIX = "package.json#scripts."

#: Shell tools that fetch or send over the network, by the word that invokes them (catalog/shell_tools.toml).
NETWORK_TOOLS: dict[str, str] = _TABLE.labels_by_word()
#: Interpreters and shells: a hook that starts one can do anything, including network.
SHELLS = _TABLE.shells
_WORD = re.compile(r"[A-Za-z][\w.-]*")
_PIPE = re.compile(r"(?<!\|)\|(?!\|)")      # `a | b`, not the `a || b` of a fallback


_CALLS, _STARTS = "calls ", "starts "


def reaches_out(hook: Finding) -> bool:
    """True when a hook finding's command calls a network tool or starts a shell or interpreter."""
    return any(part.startswith((_CALLS, _STARTS)) for part in hook.note.split("; "))


def script_findings(artifact: PackageArtifact) -> list[Finding]:
    """One finding per install hook, plus a network finding per network tool it calls."""
    lines = artifact.metadata.get("script_lines") or {}
    found: list[Finding] = []
    scripts = artifact.metadata.get("scripts") or {}
    for name, command in install_hooks(artifact.metadata):
        line = int(lines.get(name, 1))
        snippet = f"{json.dumps(name)}: {json.dumps(scripts.get(name, command))}"[:160]
        words = [w.lower() for w in _WORD.findall(command)]
        reading = read_line(_TABLE, command)
        tools = sorted({NETWORK_TOOLS[w] for w in words if w in NETWORK_TOOLS} | {u.tool.label for u in reading.tools})
        shells = sorted({w for w in words if w in SHELLS} | ({"pipe"} if _PIPE.search(command) else set()))
        note = "; ".join(filter(None, (
            f"{_CALLS}{', '.join(tools)}" if tools else "",
            f"{_STARTS}{', '.join(shells)}" if shells else "",
            "npm runs prepare only for git and local installs" if name == "prepare" else "",
        )))
        found.append(Finding(
            kind=FindingKind.INSTALL_SCRIPT, api=f"scripts.{name}", module="<npm lifecycle>",
            capability=Capability.EXECUTE, file="package.json", line=line, column=1, snippet=snippet,
            confidence=Confidence.HIGH, in_function=False, note=note, timing=Timing.INSTALL,
        ))
        uses = {use.tool.label: use for use in reading.tools}
        for tool in tools:
            use = uses.get(tool)               # the command word itself, with its destinations
            found.append(Finding(
                kind=FindingKind.NETWORK, api=tool, module="<shell>",
                capability=use.tool.capability if use is not None else Capability.REQUEST,
                file="package.json", line=line, column=1, snippet=snippet, confidence=Confidence.HIGH,
                in_function=False, note=f"{name} script runs {tool}", timing=Timing.INSTALL,
                destinations=use.destinations if use is not None else (),
                data_sources=use.data if use is not None else (),
            ))
    return found


def inline_sources(artifact: PackageArtifact) -> list[SourceFile]:
    """The code install hooks pass inline to node or python, as files the analyzers read.

    Their path is ``package.json#scripts.<hook>``; ``place_inline`` moves
    their findings back onto the hook's line in package.json.
    """
    found: list[SourceFile] = []
    for name, command in install_hooks(artifact.metadata):
        for index, words in enumerate(shell_commands(command)):
            if len(words) < 3 or words[0] not in _INLINE_FLAGS:
                continue
            language, flags = _INLINE_FLAGS[words[0]]
            for flag, code in zip(words[1:], words[2:]):
                if flag in flags:
                    suffix = f".{index}" if index else ""
                    found.append(SourceFile(f"{INLINE_PREFIX}{name}{suffix}", code.encode(), language=language))
                    break
    return found


def place_inline(finding: Finding, artifact: PackageArtifact) -> Finding:
    """A finding in a hook's inline code, put on the hook's line of package.json."""
    hook = finding.file.removeprefix(INLINE_PREFIX).split(".")[0]
    line = int((artifact.metadata.get("script_lines") or {}).get(hook, 1))
    where = f"in the inline code of the {hook} script (code line {finding.line})"
    return dataclasses.replace(
        finding, file="package.json", line=line, column=1, timing=Timing.INSTALL, in_function=False,
        note=f"{where}; {finding.note}" if finding.note else where,
        trace=tuple(dataclasses.replace(step, file="package.json", line=line) for step in finding.trace),
    )


#: Shells that run a script file named on their command line.
_SCRIPT_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh"})
#: Shell words that start a command without being one: `if curl …; then wget …`.
_KEYWORDS = re.compile(r"(^|[;&|(]\s*)(?:(?:if|then|do|else|elif|while|until|time|!)\s+)+")
_SCRIPT_FILE = re.compile(r"^(?:\./)?[\w.@+-][\w./@+-]*\.(?:sh|bash)$")


def hook_shell_scripts(metadata: dict) -> dict[str, tuple[str, str]]:
    """Package files install hooks run other than with ``node``: path -> (hook, how to read it).

    How: ``shell`` (``sh install.sh``, ``./x.sh``), ``python`` (``python3 tools/pre.py``),
    ``exec`` (``./setup``: an executable whose ``#!`` line says what it is), ``gyp`` (a
    ``binding.gyp``, whose ``<!(command)`` expansions node-gyp runs when npm builds the
    package without install scripts of its own).
    """
    found: dict[str, tuple[str, str]] = {}
    for name, command in install_hooks(metadata):
        for words in shell_commands(command):
            how = "shell"
            if words[0] in _SCRIPT_SHELLS or words[0] in _PYTHONS:
                how = "python" if words[0] in _PYTHONS else "shell"
                words = [w for w in words[1:] if not w.startswith("-")][:1]
            for word in words[:1]:
                if ".." in word.split("/"):
                    continue
                if how == "python" and word.endswith(".py") and _PATH_WORD.match(word):
                    found.setdefault(word.removeprefix("./"), (name, "python"))
                elif _SCRIPT_FILE.match(word):
                    found.setdefault(word.removeprefix("./"), (name, "shell"))
                elif word.startswith("./") and _PATH_WORD.match(word) and "." not in word.rsplit("/", 1)[-1]:
                    found.setdefault(word.removeprefix("./"), (name, "exec"))
    scripts = metadata.get("scripts") or {}
    if not (isinstance(scripts, dict) and any(k in scripts for k in ("install", "preinstall"))):
        found.setdefault("binding.gyp", ("install", "gyp"))      # read only if the package has one
    return found


_PYTHONS = frozenset(name for name, (language, _) in _INLINE_FLAGS.items() if language == "python")
_PATH_WORD = re.compile(r"^(?:\./)?[\w.@+-][\w./@+-]*$")
_GYP_COMMAND = re.compile(r"<!@?\((.*)")


_GYP_ACTION = re.compile(r"""['"]action['"]\s*:\s*\[(.*?)\]""")
_GYP_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'" + r'|"((?:[^"\\]|\\.)*)"')


def gyp_commands(source: SourceFile) -> SourceFile:
    """A binding.gyp's commands as a shell script, line for line: command expansions (``<!(cmd)``,
    ``<!@(cmd)``) and actions (``'action': ['sh', '-c', '…']``), which node-gyp runs at build time.

    The file is a Python literal, so its strings are unescaped first (``\\'`` is ``'``).
    """
    lines = source.data.decode("utf-8", "replace").splitlines()
    commands = []
    for line in lines:
        if (action := _GYP_ACTION.search(line)) is not None:
            words = [_unescape(m.group(1) if m.group(1) is not None else m.group(2))
                     for m in _GYP_STRING.finditer(action.group(1))]
            commands.append(shlex.join(words))
        elif (expansion := _GYP_COMMAND.search(line)) is not None:
            commands.append(_unescape(expansion.group(1).rsplit(")", 1)[0]))
        else:
            commands.append("")
    return SourceFile(source.path, "\n".join(commands).encode(), "shell")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


#: Inline code a hook's shell script passes to node or python, as a file the analyzers read:
#: ``<script>#L<line>``; ``place_script_inline`` puts its findings back on that line.
SCRIPT_INLINE = "#L"


def shell_script_findings(source: SourceFile, hook: str) -> tuple[list[Finding], list[str], list[SourceFile]]:
    """What a shell script run by an install hook reaches: a network finding per tool per line.

    Also returns the package's JavaScript files the script runs with ``node``, which run at
    install time too, and the code it hands to ``node -e`` / ``python -c`` (``SCRIPT_INLINE``).
    Comments and ``#!`` lines are skipped; a line continued with ``\\`` is read whole, at its
    first line.
    """
    from egress.context import node_files_of

    text = source.data.decode("utf-8", "replace")
    found: list[Finding] = []
    node_files: list[str] = []
    inline: list[SourceFile] = []
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        start, line = number + 1, lines[number]
        while line.endswith("\\") and number + 1 < len(lines):
            number += 1
            line = line[:-1] + " " + lines[number]
        number += 1
        code = line.strip()
        if not code or code.startswith("#"):
            continue
        code = _KEYWORDS.sub(r"\1", code)
        node_files.extend(node_files_of(code))
        reading = read_line(_TABLE, code)
        inline.extend(SourceFile(f"{source.path}{SCRIPT_INLINE}{start}", payload.encode(), language=language)
                      for language, payload, _ in reading.inline)
        for use in reading.tools:
            via = f" through {use.via}" if use.via else ""
            found.append(Finding(
                kind=FindingKind.NETWORK, api=use.tool.label, module="<shell>", capability=use.tool.capability,
                file=source.path, line=start, column=len(lines[start - 1]) - len(lines[start - 1].lstrip()) + 1,
                snippet=lines[start - 1].strip()[:160], confidence=Confidence.HIGH, in_function=False,
                note=f"{hook} script runs {source.path}, which runs {use.tool.label}{via}",
                timing=Timing.INSTALL, destinations=use.destinations, data_sources=use.data,
            ))
    return found, node_files, inline


def place_script_inline(finding: Finding) -> Finding:
    """A finding in code a hook's shell script runs inline, put on that script's line."""
    path, _, line = finding.file.rpartition(SCRIPT_INLINE)
    where = f"in the inline code of {path} line {line} (code line {finding.line})"
    return dataclasses.replace(
        finding, file=path, line=int(line), column=1, timing=Timing.INSTALL, in_function=False,
        note=f"{where}; {finding.note}" if finding.note else where,
        trace=tuple(dataclasses.replace(step, file=path, line=int(line)) for step in finding.trace),
    )
