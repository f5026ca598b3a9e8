"""Code that shells out to network tools: ``subprocess``, ``os.system``, ``os.exec*``, asyncio.

``subprocess.run(['curl', url])``, ``os.system('wget …')``,
``asyncio.create_subprocess_shell(...)`` reach the network with no network
module imported.  The launcher functions come from the shell-tool table
(``catalog/shell_tools.toml``) and arrive as the evaluator's values of
``subprocess.run`` & co. (aliases, ``from … import``, ``import … as`` all
resolved by ``evaluate.py``); the command is read as text with
``<dynamic>`` holes (``strings.py``) and matched by ``catalog/commands.py``.
A network tool gives a network finding named ``subprocess.run → curl`` with
the destinations of its arguments; other programs (``ls``) and commands
whose program is not constant give none.  Inline code handed to the
interpreter (``[sys.executable, '-c', code]``) is analysed as a payload.
"""

from __future__ import annotations

import posixpath

from typing import TYPE_CHECKING

from egress.analyzers.python.dataflow import DataFlow
from egress.analyzers.python.ir import Call, Const, Expr, Seq
from egress.analyzers.python.payload import MAX_DEPTH, analyse_text
from egress.analyzers.python.scopes import Scope
from egress.analyzers.python.strings import FILE_FOLDER, Strings
from egress.analyzers.python.values import MemVal, ModVal, Value
from egress.catalog.commands import Reading, read_argv, read_line
from egress.catalog.shell_tools import Launch, load_shell_tools
from egress.destinations import DYNAMIC
from egress.model import Confidence, Finding, FindingKind

if TYPE_CHECKING:
    from egress.analyzers.python.walk import Walker

_INTERPRETER = frozenset({"sys.executable"})
#: Keyword names a launcher's command may be passed by.
_KEYWORDS = ("args", "cmd", "command", "path", "file", "program")


def launched(v: Value) -> tuple[str, Launch] | None:
    """The launcher API a value is (``subprocess.run``), with where it takes its command."""
    if isinstance(v, ModVal):
        module, _, name = v.name.rpartition(".")
    elif isinstance(v, MemVal):
        module, name = v.module, v.member
    else:
        return None
    launch = load_shell_tools().launch(module, name) if module else None
    return (f"{module}.{name}", launch) if launch is not None else None


class ShellOut:
    """Launcher calls of one file; made by the walker at its first launcher call."""

    def __init__(self, walker: "Walker") -> None:
        self.w = walker
        self.strings = Strings(walker.ev)
        self.flow = DataFlow(walker.ev, self.strings)

    def call(self, call: Call, v: ModVal | MemVal, api: str, launch: Launch, scope: Scope, order: int) -> bool:
        """Findings for one launcher call; True when it runs a network tool or inline code."""
        reading = self._read(call, launch, scope, order)
        line, column = call.line, self.w.loc.column(call.line, call.col)
        sent = self._sent(call, launch, scope, order) if reading.tools else ()
        for use in reading.tools:
            note = f"runs {use.tool.label}" + (f"; through {use.via}" if use.via else "")
            self.w.place(Finding(
                kind=FindingKind.NETWORK, api=f"{api} → {use.tool.label}", module=api.split(".")[0],
                capability=use.tool.capability, file=self.w.loc.path, line=line, column=column,
                snippet=self.w.loc.snippet(line, column), confidence=Confidence.HIGH,
                in_function=scope.in_function, trace=v.trace, note=note, destinations=use.destinations,
                data_sources=tuple(dict.fromkeys(sent + use.data)),
            ), scope)
        for language, script in reading.scripts:
            if language == "python" and script.startswith(FILE_FOLDER + "/"):
                # `Popen([sys.executable, os.path.join(os.path.dirname(__file__), 'scripts', 'p.py')])`
                folder = posixpath.dirname(self.w.loc.path)
                self.w.launches.append(posixpath.normpath(posixpath.join(folder, script[len(FILE_FOLDER) + 1:])))
        inline = [(code, how) for language, code, how in reading.inline if language == "python"]
        for code, how in inline:
            self._payload(call, code, f"{api} → {how}", scope)
        if reading.tools:
            self.w._mark(v.origin, "network")
        return bool(reading.tools or inline)

    def _sent(self, call: Call, launch: Launch, scope: Scope, order: int) -> tuple[str, ...]:
        """Data the command carries (``['curl', '-d', os.environ['TOKEN'], url]``): the taint pass of requests."""
        exprs = [a for i, a in enumerate(call.args) if i != launch.program]
        exprs += [v for k, v in call.keywords if k != "shell"]
        return self.flow.sources([(e, scope, order) for e in exprs])

    def _payload(self, call: Call, code: str, sink: str, scope: Scope) -> None:
        depth = self.w.depth + 1
        found = analyse_text(self.w.catalog, self.w.loc.path, code, depth) if depth <= MAX_DEPTH else []
        if isinstance(found, str):
            return                        # inline code that does not parse: the program reports it
        for f in found:
            self.w.code._place(f, call, scope, f"in inline code of {sink} (depth {depth})")

    # -- reading the command -------------------------------------------------
    def _read(self, call: Call, launch: Launch, scope: Scope, order: int) -> Reading:
        table = load_shell_tools()
        reading = Reading()
        first = launch.shell if launch.shell is not None else launch.argv if launch.argv is not None else launch.program
        command = _argument(call, first)
        if command is None:
            return reading
        if launch.shell is not None:
            for piece in self.strings.pieces(command, scope, order):
                reading.merge(read_line(table, piece.text))
            return reading
        if launch.argv is not None:
            items = self._items(command, scope, order)
            if items is None:                     # a string: a command line (shell=True, or Windows)
                for piece in self.strings.pieces(command, scope, order):
                    reading.merge(read_line(table, piece.text))
                return reading
            if not items:
                return reading
            args = self._words(items[1:], scope, order)
            for program in self._programs(items[0], scope, order):
                reading.merge(read_argv(table, [program, *args]))
            return reading
        if launch.list is not None:
            listed = _argument(call, launch.list)
            items = self._items(listed, scope, order) if listed is not None else []
            args = self._words(items or [], scope, order)
        else:
            args = self._words(list(call.args[launch.rest or 0:]), scope, order)
        if launch.argv0:
            args = args[1:]
        for program in self._programs(command, scope, order):
            reading.merge(read_argv(table, [program, *args]))
        return reading

    def _items(self, e: Expr, scope: Scope, order: int) -> list[Expr] | None:
        """The items of an argv list or tuple, directly or through the one name bound to it."""
        bound = self.w.ev.bound_to(e, scope, order)
        if isinstance(bound, Seq):
            return list(bound.items)
        folded = self.w.ev.fold(bound, scope, order).value
        if isinstance(folded, (list, tuple)) and all(isinstance(x, str) for x in folded):
            return [Const(e.line, e.col, x) for x in folded]
        return None

    def _words(self, items: list[Expr], scope: Scope, order: int) -> list[str]:
        words = []
        for item in items:
            pieces = self.strings.pieces(item, scope, order)
            words.append(pieces[0].text if len(pieces) == 1 else DYNAMIC)
        return words

    def _programs(self, e: Expr, scope: Scope, order: int) -> list[str]:
        if self.w.ev.qualify(e, scope, order) in _INTERPRETER:
            return ["python"]
        return [p.text for p in self.strings.pieces(e, scope, order)]


def _argument(call: Call, position: int | None) -> Expr | None:
    if position is not None and position < len(call.args):
        return call.args[position]
    keywords = dict(call.keywords)
    if position == 0:
        return next((keywords[k] for k in _KEYWORDS if k in keywords), None)
    return None

