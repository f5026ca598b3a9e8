"""The shell-tool table (``shell_tools.toml``): network commands, shells, and calls that start them.

One table serves npm lifecycle hooks (``install_scripts.py``) and code that
shells out (``analyzers/*/shellout.py``), so a tool added here is seen in
both.  ``commands.py`` reads command lines and argv lists against it.
A bad entry raises ``ValueError`` at load, like the other catalogs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Mapping

from egress.model import Capability, Ecosystem

#: The function name under which a launcher module that is itself called (`crossSpawn(…)`) is kept.
SELF = ""
_ADDRESSES = frozenset({"url", "peer", "remote", "socket", "devtcp"})
_CAPABILITIES = frozenset({Capability.REQUEST, Capability.CONNECT})


@dataclass(frozen=True)
class Tool:
    """A program that reaches the network; ``label`` is how findings name it."""

    label: str
    words: tuple[str, ...]
    capability: Capability
    address: str
    inside: str = ""                 # "powershell": recognised only in that shell's code


@dataclass(frozen=True)
class Launch:
    """Where a launcher function takes its command (0-based argument positions)."""

    shell: int | None = None         # a command line run by a shell
    argv: int | None = None          # an argv list (a string: the program, or a line with shell=True)
    program: int | None = None       # the program, with its arguments in `list` or from `rest` on
    list: int | None = None
    rest: int | None = None
    argv0: bool = False              # the arguments repeat the program name first
    interpreter: str = ""            # `fork(script, args)`: the program is this, `program` its script


@dataclass(frozen=True)
class Launcher:
    module: str
    ecosystem: Ecosystem
    specifiers: tuple[str, ...]
    functions: Mapping[str, Launch]
    signal: str                      # "module" | "functions": what the pre-filter looks for


@dataclass(frozen=True)
class CodeRunner:
    """A class whose constructor runs its first argument as code when ``option`` is true."""

    module: str
    ecosystem: Ecosystem
    specifiers: tuple[str, ...]
    cls: str
    option: str


@dataclass(frozen=True)
class ShellTable:
    tools: tuple[Tool, ...]
    by_word: Mapping[str, Tool]                  # invoking word (lower case) -> tool
    shells: frozenset[str]                       # programs that run anything (install hooks)
    command_flags: Mapping[str, tuple[str, ...]]  # shell -> flags whose next word is a command line
    inline: Mapping[str, tuple[str, tuple[str, ...]]]  # interpreter -> (language, code flags)
    launchers: tuple[Launcher, ...]
    code_runners: tuple[CodeRunner, ...] = ()
    #: package manager -> (subcommands that install what they name, that fetch to run, that query the registry)
    fetchers: Mapping[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = field(default_factory=dict)

    def tool(self, word: str, inside: str = "") -> Tool | None:
        """The tool a command word invokes; powershell-only words count only inside powershell."""
        found = self.by_word.get(word.lower())
        if found is None or (found.inside and found.inside != inside):
            return None
        return found

    def labels_by_word(self) -> dict[str, str]:
        """Invoking word -> label, every word (install hooks look for them anywhere in a line)."""
        return {word: tool.label for word, tool in self.by_word.items()}

    def launchers_of(self, ecosystem: Ecosystem) -> tuple[Launcher, ...]:
        return tuple(launcher for launcher in self.launchers if launcher.ecosystem is ecosystem)

    def module_of(self, ecosystem: Ecosystem, specifier: str) -> str | None:
        """The launcher or code-runner module a specifier names (`node:child_process` -> `child_process`)."""
        for entry in (*self.launchers, *self.code_runners):
            if entry.ecosystem is ecosystem and specifier in entry.specifiers:
                return entry.module
        return None

    def launch(self, module: str, name: str) -> Launch | None:
        """How `module.name` takes its command, when it starts a program (``SELF``: calling the module)."""
        for launcher in self.launchers:
            if launcher.module == module:
                return launcher.functions.get(name)
        return None

    def runs_code(self, module: str, name: str) -> CodeRunner | None:
        """The code runner `module.name` is (`worker_threads.Worker`)."""
        return next((r for r in self.code_runners if r.module == module and r.cls == name), None)


def parse_shell_tools(text: str) -> ShellTable:
    """Build the table from TOML text; ``ValueError`` on a bad entry."""
    raw = tomllib.loads(text)
    tools: list[Tool] = []
    by_word: dict[str, Tool] = {}
    for label, spec in raw.get("tool", {}).items():
        try:
            capability = Capability(spec.get("capability", ""))
        except ValueError:
            raise ValueError(f"shell_tools tool.{label}: unknown capability {spec.get('capability')!r}") from None
        if capability not in _CAPABILITIES or spec.get("address") not in _ADDRESSES or not spec.get("words"):
            raise ValueError(f"shell_tools tool.{label}: needs words, capability request/connect and an address")
        tool = Tool(label, tuple(w.lower() for w in spec["words"]), capability, spec["address"], spec.get("inside", ""))
        tools.append(tool)
        for word in tool.words:
            if word in by_word:
                raise ValueError(f"shell_tools: word {word!r} names two tools")
            by_word[word] = tool
    shells = raw.get("shells", {})
    inline = {name: (spec["language"], tuple(spec["flags"])) for name, spec in shells.get("inline", {}).items()}
    launchers = []
    for module, spec in raw.get("launcher", {}).items():
        functions = {}
        called = {SELF: spec["call"]} if "call" in spec else {}
        for name, where in {**spec.get("functions", {}), **called}.items():
            unknown = set(where) - {"shell", "argv", "program", "list", "rest", "argv0", "interpreter"}
            launch = Launch(**where) if not unknown else None
            if launch is None or (launch.shell, launch.argv, launch.program).count(None) != 2 \
                    or (launch.program is not None and (launch.list is None) == (launch.rest is None)):
                raise ValueError(f"shell_tools launcher.{module}.{name}: one of shell, argv, program (list or rest)")
            functions[name] = launch
        if spec.get("signal") not in ("module", "functions"):
            raise ValueError(f"shell_tools launcher.{module}: signal must be 'module' or 'functions'")
        launchers.append(Launcher(module, Ecosystem(spec["ecosystem"]), tuple(spec.get("specifiers", [module])),
                                  functions, spec["signal"]))
    runners = tuple(CodeRunner(module, Ecosystem(spec["ecosystem"]), tuple(spec.get("specifiers", [module])),
                               spec["class"], spec["option"]) for module, spec in raw.get("code_runner", {}).items())
    fetchers = {program: (frozenset(spec.get("install", ())), frozenset(spec.get("run", ())),
                          frozenset(spec.get("query", ())))
                for program, spec in raw.get("fetcher", {}).items()}
    return ShellTable(tuple(tools), by_word, frozenset(shells.get("names", ())),
                      {k: tuple(v) for k, v in shells.get("command", {}).items()}, inline, tuple(launchers), runners,
                      fetchers)


@lru_cache(maxsize=1)
def load_shell_tools() -> ShellTable:
    """The table shipped with egress (read once per process)."""
    return parse_shell_tools(resources.files(__package__).joinpath("shell_tools.toml").read_text("utf-8"))


def signals(ecosystem: Ecosystem) -> tuple[str, ...]:
    """Regular expressions (RE2 syntax) for text that may call a launcher: the pre-filter's and analyzers' gate.

    npm: a quoted module specifier.  PyPI: the module name (``signal = "module"``),
    or for a module every file imports (``os``, ``"functions"``) one of its launcher
    functions taken off it or imported from it, or the module under another name;
    a bare ``system(`` is not enough (``platform.system()`` is everywhere).
    """
    table = load_shell_tools()
    found = [r"""['"`](?:""" + "|".join(re.escape(s) for s in runner.specifiers) + r""")['"`]"""
             for runner in table.code_runners if runner.ecosystem is ecosystem]
    for launcher in table.launchers_of(ecosystem):
        if ecosystem is Ecosystem.NPM:
            names = "|".join(re.escape(s) for s in launcher.specifiers)
            found.append(r"""['"`](?:""" + names + r""")['"`]""")
        elif launcher.signal == "module":
            found.append(rf"\b{re.escape(launcher.module)}\b")
        else:
            names = "|".join(sorted(launcher.functions, key=lambda n: (-len(n), n)))
            module = re.escape(launcher.module)
            found.append(rf"\b{module}\s*\.\s*(?:{names})\b|\bimport\s+{module}\s+as\b"
                         rf"|\bfrom\s+{module}\s+import\s[^;]{{0,300}}?\b(?:{names})\b")
    return tuple(found)
