"""npm lifecycle scripts: what runs when a package is installed, and what it reaches.

Install hooks run with the installing user's rights before any code is
imported, which is where most malicious packages act.  Each hook becomes
an ``installScript`` finding pointing at its line in package.json; a hook
whose shell command reaches the network itself (``curl``, ``wget``, ``nc``,
``Invoke-WebRequest``, ``certutil -urlcache``…) is also a network finding
at install time.  The tool table is data: one line per tool.
"""

from __future__ import annotations

import re

from egress.context import INSTALL_SCRIPTS
from egress.model import Capability, Confidence, Finding, FindingKind, PackageArtifact, Timing

#: Shell tools that fetch or send over the network, by the word that invokes them.
NETWORK_TOOLS: dict[str, str] = {
    "curl": "curl", "wget": "wget", "nc": "netcat", "ncat": "netcat", "netcat": "netcat", "socat": "socat",
    "telnet": "telnet", "ftp": "ftp", "tftp": "tftp", "scp": "scp", "sftp": "sftp", "ssh": "ssh", "rsync": "rsync",
    "invoke-webrequest": "powershell Invoke-WebRequest", "iwr": "powershell Invoke-WebRequest",
    "invoke-restmethod": "powershell Invoke-RestMethod", "irm": "powershell Invoke-RestMethod",
    "start-bitstransfer": "powershell Start-BitsTransfer", "bitsadmin": "bitsadmin", "certutil": "certutil",
    "downloadstring": "powershell DownloadString", "downloadfile": "powershell DownloadFile",
}
#: Interpreters and shells: a hook that starts one can do anything, including network.
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "powershell", "pwsh", "cmd", "python", "python3", "perl",
                    "ruby", "eval"})
_WORD = re.compile(r"[A-Za-z][\w.-]*")


def script_findings(artifact: PackageArtifact) -> list[Finding]:
    """One finding per install hook, plus a network finding per network tool it calls."""
    scripts = artifact.metadata.get("scripts") or {}
    if not isinstance(scripts, dict):
        return []
    lines = artifact.metadata.get("script_lines") or {}
    found: list[Finding] = []
    for name in INSTALL_SCRIPTS:
        command = scripts.get(name)
        if not isinstance(command, str):
            continue
        line = int(lines.get(name, 1))
        snippet = f'"{name}": {command!r}'[:160]
        words = [w.lower() for w in _WORD.findall(command)]
        tools = sorted({NETWORK_TOOLS[w] for w in words if w in NETWORK_TOOLS})
        shells = sorted({w for w in words if w in SHELLS} | ({"pipe"} if "|" in command else set()))
        note = "; ".join(filter(None, (
            f"calls {', '.join(tools)}" if tools else "",
            f"starts {', '.join(shells)}" if shells else "",
        )))
        found.append(Finding(
            kind=FindingKind.INSTALL_SCRIPT, api=f"scripts.{name}", module="<npm lifecycle>",
            capability=Capability.EXECUTE, file="package.json", line=line, column=1, snippet=snippet,
            confidence=Confidence.HIGH, in_function=False, note=note, timing=Timing.INSTALL,
        ))
        for tool in tools:
            found.append(Finding(
                kind=FindingKind.NETWORK, api=tool, module="<shell>", capability=Capability.REQUEST,
                file="package.json", line=line, column=1, snippet=snippet, confidence=Confidence.HIGH,
                in_function=False, note=f"{name} script runs {tool}", timing=Timing.INSTALL,
            ))
    return found
