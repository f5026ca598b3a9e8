"""Reading a command against the shell-tool table: which network tools it runs, and where to.

A command comes as a shell line (``exec('curl -s https://x | sh')``) or as
an argv list (``spawn('curl', ['-d', d, url])``); words that are not
constant hold ``<dynamic>``.  The command word of each simple command is
looked up (after ``VAR=x``, ``sudo``, ``env``… and a path such as
``/usr/bin/``); a shell started with ``-c`` has its line read in turn,
powershell code is searched for its download cmdlets, and an interpreter
given inline code (``node -e``, ``python -c``) hands that code back so the
analyzer can read it as a payload.  Nothing is run.  Destinations are taken
from the tool's arguments as its ``address`` kind says, and classified by
``egress.destinations``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from dataclasses import dataclass, field

from egress.context import shell_commands
from egress.destinations import DYNAMIC, parse_destination
from egress.model import Capability, Destination

from .shell_tools import ShellTable, Tool

MAX_DEPTH = 4
_WRAPPERS = frozenset({"sudo", "env", "nohup", "exec", "command", "time", "nice", "xargs", "busybox", "stdbuf",
                       "timeout", "start", "call"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_URL = re.compile(r"(?:[A-Za-z][\w+.-]*|<dynamic>)://[^\s'\"()|;,`]+")
_IP_WORD = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:/\S*)?$")
_PS_TOKEN = re.compile(r"[A-Za-z][\w-]*")
_SOCAT = re.compile(r"^[A-Za-z][\w-]*:([^:,\s]+):(\d+|<dynamic>)", re.IGNORECASE)
_ENCODED = ("-encodedcommand", "-enc", "-e", "-ec")
#: Arguments that only ask a tool about itself (`curl --version`): no network.
_ABOUT_ITSELF = frozenset({"--version", "-V", "--help", "-h", "-version", "-help"})


@dataclass(frozen=True)
class ToolUse:
    """One network tool a command runs; ``via`` names the shell it runs in (``sh -c``), if any."""

    tool: Tool
    destinations: tuple[Destination, ...] = ()
    via: str = ""
    data: tuple[str, ...] = ()     # what the command line sends: `file ~/.npmrc`, `env`, `env NPM_TOKEN`


@dataclass
class Reading:
    """What a command runs: network tools, and inline code handed to an interpreter."""

    tools: list[ToolUse] = field(default_factory=list)
    inline: list[tuple[str, str, str]] = field(default_factory=list)   # (language, code, "node -e")
    scripts: list[tuple[str, str]] = field(default_factory=list)       # (language, path): `node x.js`

    def merge(self, other: "Reading") -> None:
        for use in other.tools:
            if all((u.tool, u.destinations) != (use.tool, use.destinations) for u in self.tools):
                self.tools.append(use)
        for script in other.scripts:
            if script not in self.scripts:
                self.scripts.append(script)
        for code in other.inline:
            if code not in self.inline:
                self.inline.append(code)


def read_line(table: ShellTable, line: str, via: str = "", depth: int = 0) -> Reading:
    """A shell command line: each of its simple commands."""
    reading = Reading()
    if depth > MAX_DEPTH:
        return reading
    for words in shell_commands(line):
        reading.merge(read_argv(table, words, via, depth))
    for encoded in _DECODED_TO_SHELL.findall(line):
        # `echo <base64> | base64 -d | sh`: the decoded text is the command line that runs
        try:
            decoded = base64.b64decode(encoded, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        reading.merge(read_line(table, decoded, "base64 -d | sh", depth + 1))
    redirect = table.tool("/dev/tcp")
    for host, port in _DEV_TCP.findall(line) if redirect is not None else ():
        use = ToolUse(redirect, (_destination(f"{host}:{port}"),), via)
        if all((u.tool, u.destinations) != (use.tool, use.destinations) for u in reading.tools):
            reading.tools.append(use)
    sent = line_data(line)
    if sent:
        reading.tools = [dataclasses.replace(u, data=tuple(dict.fromkeys(u.data + sent))) for u in reading.tools]
    return reading


_DECODED_TO_SHELL = re.compile(
    r"(?:echo|printf)\s+(?:-\w+\s+)*['\"]?([A-Za-z0-9+/=]{12,})['\"]?\s*\|\s*base64\s+(?:-d|--decode|-D)\b[^|]*"
    r"\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b")
_DEV_TCP = re.compile(r"/dev/(?:tcp|udp)/([\w.<>-]+)/(\d+|<dynamic>)")
#: What a shell line hands a network tool, in the data source labels the analyzers use.
_LINE_SOURCES = (
    (re.compile(r"\$\(\s*(?:env|printenv)\s*(?:\)|\|)|`\s*(?:env|printenv)\s*`|(?:^|[;&|(]\s*)(?:env|printenv)\s*\|"), "env"),
    (re.compile(r"\$\(\s*whoami\s*\)|`whoami`|\$\{?USER\b"), "username"),
    (re.compile(r"\$\(\s*hostname\s*\)|`hostname`|\$\{?HOSTNAME\b"), "hostname"),
    (re.compile(r"\$\(\s*uname\b|`uname\b"), "platform"),
)
#: A file a tool uploads: `-d @f`, `--data-binary @f`, `-F x=@f`, `-T f`, `--post-file=f`, `cat f |`, `$(cat f)`.
_FILE_SENT = re.compile(
    r"(?:(?:-d|--data(?:-binary|-raw|-urlencode|-ascii)?|-F|--form)\s+['\"]?[^\s'\"]*@|"
    r"(?:-T|--upload-file)\s+['\"]?|--(?:post|body)-file[=\s]['\"]?|\$\(\s*cat\s+['\"]?|"
    r"(?:^|[;&|(]\s*)cat\s+['\"]?(?=[^|]*\|))"
    r"((?:~|\$\{?HOME\}?|/)[^\s'\")|;]*|[\w.][^\s'\")|;]*)")
_SECRET_VAR = re.compile(r"\$\{?([A-Z][A-Z0-9_]*(?:TOKEN|KEY|SECRET|PASS(?:WORD)?|AUTH|CREDENTIALS?)[A-Z0-9_]*)\b")


def line_data(line: str) -> tuple[str, ...]:
    """Data sources a command line sends (a file it uploads, its environment, the user's name…)."""
    found = [label for pattern, label in _LINE_SOURCES if pattern.search(line)]
    for path in _FILE_SENT.findall(line):
        if path and path not in ("-", "@-"):
            found.append("file " + re.sub(r"^\$\{?HOME\}?", "~", path))
    found += [f"env {name}" for name in _SECRET_VAR.findall(line)]
    return tuple(dict.fromkeys(found))


def read_argv(table: ShellTable, words: list[str], via: str = "", depth: int = 0) -> Reading:
    """One command as words (the program first)."""
    reading = Reading()
    words = _strip_wrappers(words)
    if not words or depth > MAX_DEPTH:
        return reading
    name, args = program_name(words[0]), words[1:]
    if name.startswith("python") and args[:2] == ["-m", "pip"]:
        name, args = "pip", args[2:]                # `python -m pip install x`
    tool = table.tool(name)
    if tool is not None:
        if not (args and set(args) <= _ABOUT_ITSELF):
            reading.tools.append(ToolUse(tool, destinations(tool, args), via))
        return reading
    if name in table.fetchers:
        fetched = _fetched(table, name, args)
        if fetched is not None:
            reading.tools.append(ToolUse(fetched, destinations(fetched, args), via))
        return reading
    if name in ("powershell", "pwsh"):
        return _powershell(table, args, depth)
    flags = table.command_flags.get(name, ())
    for i, arg in enumerate(args):
        if arg in flags and i + 1 < len(args):
            line = " ".join(args[i + 1:]) if name == "cmd" else args[i + 1]
            return read_line(table, line, f"{name} {arg}", depth + 1)
    if name in table.inline:
        language, code_flags = table.inline[name]
        for i, arg in enumerate(args):
            if arg in code_flags:
                if i + 1 < len(args) and DYNAMIC not in args[i + 1]:
                    reading.inline.append((language, args[i + 1], f"{name} {arg}"))
                break
            if not arg.startswith("-"):
                if DYNAMIC not in arg:
                    reading.scripts.append((language, arg))      # `node scripts/p.js`: that file runs
                break                          # `node script.js -e`: the flag is the script's
    return reading


_FETCH_FLAGS = frozenset({"-y", "--yes", "-p", "--package"})
_VERSIONED = re.compile(r"^(?:@[^/@\s]+/)?[^@\s/]+@\S+$")       # `evil@latest`, `@scope/x@1.2.3`


def _fetched(table: ShellTable, name: str, args: list[str]) -> Tool | None:
    """The package download a package-manager command makes (`npm install x`, `npx evil@latest`), if any."""
    install, run, query = table.fetchers[name]
    command = "" if "" in run else next((a for a in args if not a.startswith("-")), None)
    rest = args if command == "" else args[args.index(command) + 1:] if command in args else []
    packages = [a for a in rest if not a.startswith("-")]
    if command in install and packages:
        label = f"{name} {command}"
    elif command in query and packages:
        return Tool(f"{name} {command} (queries the package registry)", (name,), Capability.REQUEST, "url")
    elif command in run and packages and (
            _FETCH_FLAGS & set(rest) or any(_VERSIONED.match(p) or "://" in p for p in packages[:1])):
        label = f"{name} {command}".strip()
    else:
        return None
    return Tool(f"{label} (fetches a package)", (name,), Capability.REQUEST, "url")


def program_name(word: str) -> str:
    """`/usr/bin/curl`, `C:\\Windows\\curl.exe`, `CURL` -> `curl`."""
    base = re.split(r"[\\/]", word)[-1].lower()
    return base[:-4] if base.endswith(".exe") else base


def _strip_wrappers(words: list[str]) -> list[str]:
    i = 0
    while i < len(words):
        word = words[i]
        if _ASSIGNMENT.match(word):
            i += 1
        elif program_name(word) in _WRAPPERS:
            if word == "command" and words[i + 1:i + 2] in (["-v"], ["-V"]):
                return []                    # `command -v curl`: only looks the program up
            i += 1
            while i < len(words) and (words[i].startswith("-") or words[i].replace(".", "").isdigit()
                                      or _ASSIGNMENT.match(words[i])):
                i += 1
        else:
            break
    return words[i:]


def _powershell(table: ShellTable, args: list[str], depth: int) -> Reading:
    """Powershell code: its download cmdlets and .NET methods, and aliases such as `curl`."""
    reading = Reading()
    code = " ".join(a for a in args if a.lower() not in ("-c", "-command", "-noprofile", "-nop", "-noninteractive"))
    for i, arg in enumerate(args[:-1]):
        if arg.lower() in _ENCODED:
            try:
                code = base64.b64decode(args[i + 1], validate=True).decode("utf-16-le")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return reading
            break
    for token in _PS_TOKEN.findall(code):
        tool = table.tool(token, "powershell") or table.tool(token)
        if tool is not None:
            urls = tuple(_destination(u) for u in dict.fromkeys(_URL.findall(code)))
            use = ToolUse(tool, urls, "powershell")
            if all(u.tool != tool for u in reading.tools):
                reading.tools.append(use)
    return reading


def destinations(tool: Tool, args: list[str]) -> tuple[Destination, ...]:
    """Where a tool's arguments say it goes (`<dynamic>` parts kept, nothing guessed)."""
    texts: list[str] = []
    positional = [a for a in args if a and not a.startswith(("-", "/", ">")) and "=" not in a]
    if tool.address == "url":
        texts = [u for a in args for u in _URL.findall(a)]
        texts += [a for a in args if _IP_WORD.match(a)]
        if not texts and any(a == DYNAMIC or a.startswith(DYNAMIC) for a in args):
            texts = [DYNAMIC]
    elif tool.address == "peer":
        dynamic = [a for a in args if a == DYNAMIC]
        hosts = positional
        if hosts and hosts[-1].isdigit() and len(hosts) > 1:
            texts = [f"{hosts[-2]}:{hosts[-1]}"]
        elif hosts and not hosts[-1].isdigit():
            texts = [hosts[-1]]
        elif dynamic:
            texts = [DYNAMIC]
    elif tool.address == "socket":
        for a in args:
            match = _SOCAT.match(a)
            if match:
                texts.append(f"{match.group(1)}:{match.group(2)}")
    elif tool.address == "remote":
        for a in positional:
            if "://" in a:
                texts.extend(_URL.findall(a))
            elif "@" in a or ":" in a:
                host = a.split("@", 1)[-1].split(":", 1)[0]
                if host:
                    texts.append(host)
        if not texts and tool.label in ("ssh", "sftp") and positional:
            texts = [positional[0]]
    found: dict[str, Destination] = {}
    for text in texts:
        dest = _destination(text)
        found.setdefault(dest.text, dest)
    return tuple(found.values())


def _destination(text: str) -> Destination:
    if text in (DYNAMIC, f"{DYNAMIC}://{DYNAMIC}", f"{DYNAMIC}:{DYNAMIC}"):
        return parse_destination(DYNAMIC, "dynamic")
    try:
        return parse_destination(text, "partial" if DYNAMIC in text else "full")
    except ValueError:                   # `http://[::1` : not a URL a tool could reach; its text is kept
        return dataclasses.replace(parse_destination(DYNAMIC, "dynamic"), text=text, note="malformed address")
