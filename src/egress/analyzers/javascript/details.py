"""Request details on network findings: where each call goes and what it sends.

Built lazily by the analyzer only when a file has network call sites, so a
file without any pays nothing; see ``requests.py`` (destinations) and
``dataflow.py`` (data sources).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping

from tree_sitter import Node

from egress.model import Capability, Destination, Finding, FindingKind

from .bindings import Bindings, arguments_of
from .dataflow import Taint, has_source, sent_nodes, sent_parameters
from .fold import ConstantLookup, fold_detail
from .render import Piece, Renderer
from .requests import call_of, destination_of, destinations
from .scope import NameIndex

_NO_DETAILS = frozenset({Capability.LISTEN, Capability.HELPER, Capability.EXECUTE})
#: Arguments that carry no data source themselves: literals and functions (callbacks are not data).
_NO_DATA = frozenset({"string", "number", "true", "false", "null", "undefined", "regex", "function_expression",
                      "arrow_function", "function"})


class RequestDetails:
    """Fills ``Finding.destinations`` and ``Finding.data_sources`` for one file's call sites."""

    def __init__(self, index: NameIndex, constant: ConstantLookup, position: Callable[[Node], tuple[int, int]],
                 sources: Mapping[str, Mapping[str, str]], data: bytes) -> None:
        self.bindings = Bindings(index, constant)
        self.renderer = Renderer(self.bindings, position)
        reads = _mentions(data, sources) and has_source(data, index.root, self.bindings, sources)
        self.taint = Taint(self.bindings, self.renderer, sources) if reads else None

    def add(self, finding: Finding, node: Node) -> Finding:
        """`finding` with its request details, unchanged when it is not a network call.

        Details are extra evidence: a failure here keeps the finding as it was
        (with a note) rather than losing the file's analysis.
        """
        if finding.kind is not FindingKind.NETWORK or finding.capability in _NO_DETAILS:
            return finding
        try:
            return self._add(finding, node)
        except (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
            note = f"request details not worked out: {type(exc).__name__}"
            return replace(finding, note="; ".join(n for n in (finding.note, note) if n))

    def _add(self, finding: Finding, node: Node) -> Finding:
        call = call_of(node)
        if call is None:
            return finding                        # a network function handed on, not called here
        found = destinations(finding, call, self.bindings, self.renderer)
        sources = self.taint.sources(*sent_nodes(finding, call, self.bindings)) if self.taint is not None else ()
        if not found and not sources:
            return finding
        return replace(finding, destinations=found, data_sources=sources)


    def sends(self, finding: Finding, node: Node) -> tuple[tuple[int, ...], int | None]:
        """Parameters of the enclosing function the call sends (``dataflow.sent_parameters``), and the
        one that is its whole URL (the caller's argument there is where it goes, and what it carries)."""
        call = call_of(node)
        if call is None or finding.kind is not FindingKind.NETWORK or finding.capability in _NO_DETAILS:
            return (), None
        try:
            return sent_parameters(finding, call, self.bindings)
        except (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError):
            return (), None

    def argument_destinations(self, call: Node) -> tuple[Destination | None, ...]:
        """Per argument of a call, the URL it is when it reads as one (`'https://h/x?t=' + token`)."""
        found: list[Destination | None] = []
        for arg in arguments_of(call)[:6]:
            # cheap first: a URL written in the argument itself, or a constant that folds to one
            pieces: list = []
            if arg.text is not None and b"://" in arg.text:
                pieces = self.renderer.render(arg)
            elif arg.type == "identifier":
                folded = fold_detail(arg, self.bindings.constant).value
                pieces = [Piece(folded)] if folded is not None and "://" in folded else []
            found.append(destination_of(pieces[0]) if pieces and "://" in pieces[0].text else None)
        return tuple(found) if any(found) else ()

    def argument_sources(self, call: Node) -> tuple[tuple[str, ...], ...]:
        """Per argument of a call, the data sources it carries (empty when the file reads none)."""
        if self.taint is None:
            return ()
        try:
            found = tuple(() if arg.type in _NO_DATA else self.taint.sources([arg]) for arg in arguments_of(call)[:6])
        except (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError):
            return ()
        return found if any(found) else ()


def _mentions(data: bytes, sources: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether a file can read a data source at all: `process` or a quoted source module name.

    The taint pass resolves many names; a file that names no source (most
    bundles of a client library) skips it.
    """
    if b"process" in data:
        return True
    return any(quote + prefix + module.encode() in data
               for module in sources for quote in (b"'", b'"', b"`") for prefix in (b"", b"node:"))
