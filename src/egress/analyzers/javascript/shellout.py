"""Code that shells out to network tools, or hands a worker code to run.

`child_process.exec('curl -s https://x/i.sh | sh')`, `execSync`,
`spawn('curl', ['-d', data, url])`, `execFile('wget', [...])` and their
`Sync` forms reach the network as surely as `https.get` does, with no
network module in sight.  The module and its functions arrive as
``SpecialValue``s (``special.py``: ``LAUNCHER`` / ``LAUNCH``) through the
usual imports, aliases, destructuring and scopes; here the command is
rendered (``render.py``: folded constants, `<dynamic>` for the rest) and
read against the shell-tool table (``catalog/commands.py``).  A network
tool gives a network finding named `child_process.exec → curl` with the
destinations of its arguments; any other program (`ls`), or a command
whose program is not constant, gives none.  Inline code handed to node
(`spawn('node', ['-e', code])`) is analysed as a payload (``payload.py``).

`new Worker(code, {eval: true})` runs `code` as JavaScript: a constant is a
payload, anything else a dynamic-code finding, as for `eval`.
"""

from __future__ import annotations

import posixpath

from typing import TYPE_CHECKING

from tree_sitter import Node

from egress.catalog.commands import Reading, read_argv, read_line
from egress.catalog.shell_tools import Launch, load_shell_tools
from egress.destinations import DYNAMIC
from egress.model import Confidence, Ecosystem, Finding, FindingKind

from .bindings import Bindings, arguments_of, unwrap
from .dataflow import Taint
from .fold import PAYLOAD_BUDGET, fold_detail, property_value
from .location import in_function
from .payload import run_payload
from .render import MAX_ALTERNATIVES, Renderer
from .scope import FUNCTION_NODES
from .special import LAUNCH, SpecialValue
from .syntax import operation_node, text

if TYPE_CHECKING:
    from .analyzer import _FilePass

#: Names of the running interpreter: `spawn(process.execPath, ['-e', code])`.
_INTERPRETER = frozenset({"process.execPath", "process.argv0", "process.argv[0]"})


def launcher_module(specifier: str) -> str | None:
    """`child_process` for `require('node:child_process')`; None for any other specifier."""
    return load_shell_tools().module_of(Ecosystem.NPM, specifier)


def promisified(call: Node, values: tuple) -> bool:
    """`util.promisify(exec)`: the same launcher, returning a promise (only launchers pass through)."""
    callee = call.child_by_field_name("function")
    name = text(callee.child_by_field_name("property") if callee is not None and callee.type == "member_expression"
                else callee)
    return name == "promisify" and bool(values) and all(
        isinstance(v, SpecialValue) and v.kind == LAUNCH for v in values)


def launch_call(fp: "_FilePass", call: Node, value: SpecialValue, construct: bool) -> tuple:
    """A call (or `new`) of a launcher function: its network tools and inline code become findings."""
    module, _, name = value.label.partition(".")    # `crossSpawn(…)`: the module itself, name ""
    table = load_shell_tools()
    runner = table.runs_code(module, name)
    args = arguments_of(call)
    if runner is not None:
        if construct:
            _worker(fp, call, value, args, runner.option)
        return ()
    launch = table.launch(module, name)
    if launch is None or construct:
        return ()
    bindings = Bindings(fp.index, fp.constant)
    renderer = Renderer(bindings, fp.source.position, _leaf)
    reading = _read(launch, args, bindings, renderer)
    sent = _sent(fp, args, launch, bindings, renderer) if reading.tools else ()
    for use in reading.tools:
        note = f"runs {use.tool.label}" + (f"; through {use.via}" if use.via else "")
        _add(fp, call, value, f"{value.label} → {use.tool.label}", use.tool.capability, note, use.destinations,
             tuple(dict.fromkeys(sent + use.data)))
    for language, code, how in reading.inline:
        if language == "javascript":
            run_payload(fp, call, code, [], f"{value.label} → {how}")
    for language, script in reading.scripts:
        if language == "javascript" and (specifier := _package_specifier(fp.source.path, script)) is not None:
            fp.launched(call, specifier)
    return ()


def _package_specifier(path: str, script: str) -> str | None:
    """A script a launched `node` runs, as a specifier from ``path``: `./b.js` as written (from
    `path.join(__dirname, …)`), `scripts/p.js` from the package root (the working folder of hooks)."""
    if script.startswith(("./", "../")):
        return script
    if script.startswith("/") or "://" in script or script.startswith("-"):
        return None
    relative = posixpath.relpath(script, posixpath.dirname(path) or ".")
    return relative if relative.startswith("../") else "./" + relative


def _read(launch: Launch, args: list[Node], bindings: Bindings, renderer: Renderer) -> Reading:
    table = load_shell_tools()
    reading = Reading()
    if launch.shell is not None:
        for piece in renderer.render(args[launch.shell] if launch.shell < len(args) else None):
            reading.merge(read_line(table, piece.text))
        return reading
    program = args[launch.program] if launch.program is not None and launch.program < len(args) else None
    words, options = [], None
    if launch.list is not None and launch.list < len(args):
        listed = _array(args[launch.list], bindings)
        if listed is not None:
            words = [_word(item, renderer) for item in listed]
            options = args[launch.list + 1] if launch.list + 1 < len(args) else None
        else:
            options = args[launch.list]           # `spawn(cmd, {shell: true})`: no argument list
    elif launch.rest is not None:
        words = [_word(item, renderer) for item in args[launch.rest:]]
    elif launch.argv is not None and launch.argv < len(args):
        listed = _array(args[launch.argv], bindings)
        if listed:
            program, words = listed[0], [_word(item, renderer) for item in listed[1:]]
        else:
            program = args[launch.argv]
    if program is None:
        return reading
    if launch.argv0:
        words = words[1:]
    if launch.interpreter:                      # `fork('./b.js', args)` runs `node ./b.js args`
        reading.merge(read_argv(table, [launch.interpreter, _word(program, renderer), *words]))
        return reading
    shell = _shell_option(options, bindings)
    for piece in renderer.render(program)[:MAX_ALTERNATIVES]:
        argv = [piece.text, *words]
        reading.merge(read_line(table, " ".join(argv)) if shell else read_argv(table, argv))
    return reading


def _sent(fp: "_FilePass", args: list[Node], launch: Launch, bindings: Bindings, renderer: Renderer) -> tuple:
    """Data the command line carries (`curl -d ${process.env.NPM_TOKEN} …`): the analyzer's taint pass.

    The options argument (`{cwd, env}`) is how the child runs, not what it sends: a child given
    the parent's environment has not sent it anywhere.
    """
    last = next((p for p in (launch.shell, launch.list, launch.argv) if p is not None), None)
    options = last + 1 if last is not None else None
    nodes = [a for i, a in enumerate(args)
             if i not in (launch.program, options) and a.type not in FUNCTION_NODES and a.type != "object"]
    return Taint(bindings, renderer, fp.catalog.sources).sources(nodes)


def _array(node: Node, bindings: Bindings) -> list[Node] | None:
    """The elements of an array literal, directly or through the one variable that holds it."""
    node = unwrap(node)
    if node.type == "identifier":
        stored = bindings.stored(node)
        if len(stored) != 1 or bindings.members_written(node):
            return None
        node = unwrap(stored[0])
    if node.type != "array":
        return None
    return [c for c in node.named_children if c.type != "comment"]


def _word(node: Node, renderer: Renderer) -> str:
    if node.type == "spread_element":
        return DYNAMIC
    pieces = renderer.render(node)
    return pieces[0].text if len(pieces) == 1 else DYNAMIC


def _shell_option(options: Node | None, bindings: Bindings) -> bool:
    """`{shell: true}` or `{shell: '/bin/sh'}`: the program and its arguments form a command line."""
    obj = _object(options, bindings)
    flag = property_value(obj, "shell") if obj is not None else None
    return flag is not None and _truthy(flag)


def _object(node: Node | None, bindings: Bindings) -> Node | None:
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "identifier":
        node = bindings.literal_object(node)
    return node if node is not None and node.type == "object" else None


def _truthy(node: Node) -> bool:
    node = unwrap(node)
    if node.type == "true":
        return True
    if node.type in ("string", "template_string"):
        return fold_detail(node).value not in (None, "")
    return node.type == "number" and text(node) not in ("0", "0.0")


def _leaf(node: Node) -> str | None:
    return "node" if node.type in ("member_expression", "subscript_expression") and text(node) in _INTERPRETER else None


def _worker(fp: "_FilePass", call: Node, value: SpecialValue, args: list[Node], option: str) -> None:
    """`new Worker(code, {eval: true})`: the code is a payload; without the option it is a file name."""
    bindings = Bindings(fp.index, fp.constant)
    obj = _object(args[1] if len(args) > 1 else None, bindings)
    flag = property_value(obj, option) if obj is not None else None
    if not args or flag is None or not _truthy(flag):
        return
    label = f"new {value.label}"
    folded = fold_detail(args[0], fp.constant, PAYLOAD_BUDGET)
    if folded.value is None:
        fp.dynamic(call, FindingKind.DYNAMIC_CODE, label, Confidence.MEDIUM,
                   f"{label}({fp.source.text(args[0], 80)}, {{{option}: true}})", folded.exceeded)
        return
    run_payload(fp, call, folded.value, folded.how, label)


def _add(fp: "_FilePass", call: Node, value: SpecialValue, api: str, capability, note: str,
         destinations: tuple, sources: tuple) -> None:
    node = operation_node(call)
    line, column = fp.source.position(node)
    if any(f.api == api and f.line == line and f.column == column for f in fp.extra):
        return                              # the same call reached by two paths
    finding = Finding(
        kind=FindingKind.NETWORK, api=api, module=value.label.split(".")[0], capability=capability,
        file=fp.source.path, line=line, column=column, snippet=fp.source.snippet(node),
        confidence=Confidence.HIGH, in_function=in_function(node), trace=value.trace,
        note="; ".join(n for n in (value.note, note) if n), destinations=destinations, data_sources=sources,
    )
    fp.extra.append(finding)
    fp.extra_nodes.append((node, finding))
