"""Code a file builds from constants and runs: parsed and analysed like a file.

`eval(atob('…'))`, `new Function(zlib.inflateSync(…).toString())`: the
folded text is parsed as JavaScript and analysed by a nested file pass, at
most ``MAX_DEPTH`` payloads deep.  Its findings are reported at the call
that runs the payload (the only place in the file a reviewer can look at),
with a note naming the decoding and the payload's own line; the trace
steps inside the payload are kept, re-pointed at the same call.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tree_sitter import Node

from egress.model import Confidence, FindingKind, TraceStep

from .location import in_function

if TYPE_CHECKING:
    from .analyzer import _FilePass

MAX_DEPTH = 3
MAX_PAYLOAD = 1_000_000
MAX_FILE_PAYLOADS = 4_000_000      # all payloads of one file, nested ones included


def encoding_label(how: list[str]) -> str:
    """`base64`, `base64+zlib`, `char codes`, or `constant string` when nothing was decoded."""
    steps = [step.removeprefix("decoded ") for step in how]
    return "+".join(steps) if steps else "constant string"


def run_payload(fp: "_FilePass", call: Node, text: str, how: list[str], sink: str) -> None:
    """Analyse `text`, run by `call`, and add its findings to `fp` at the call."""
    depth = fp.depth + 1
    label = encoding_label(how)
    data = text.encode("utf-8", "replace")
    reason = ""
    if depth > MAX_DEPTH:
        reason = f"payload nested deeper than {MAX_DEPTH}"
    elif len(data) > MAX_PAYLOAD:
        reason = "payload larger than 1 MB"
    elif fp.payload_bytes[0] + len(data) > MAX_FILE_PAYLOADS:
        reason = "payloads of this file exceed 4 MB"
    if reason:
        fp.dynamic(call, FindingKind.DYNAMIC_CODE, sink, Confidence.MEDIUM, f"{sink}: {reason} ({label})", False)
        return
    fp.payload_bytes[0] += len(data)
    nested, error_line = fp.nested(data, depth)
    findings = nested.run()
    if nested.flow.exhausted:
        fp.flow.exhausted = True
    if error_line is not None and not findings:
        fp.dynamic(call, FindingKind.DYNAMIC_CODE, sink, Confidence.MEDIUM,
                   f"{sink}: decoded payload ({label}) does not parse (payload line {error_line})", False)
        return
    line, column = fp.source.position(call)
    where = f"in decoded payload ({label}, depth {depth})"
    for finding in findings:
        note = f"{where}; payload line {finding.line}"
        steps = tuple(TraceStep(fp.source.path, line, column, f"payload line {s.line}: {s.note}") for s in finding.trace)
        fp.extra.append(replace(
            finding, file=fp.source.path, line=line, column=column, snippet=fp.source.snippet(call),
            in_function=in_function(call), trace=steps,
            note=f"{note}; {finding.note}" if finding.note else note,
        ))
        if finding.kind is FindingKind.NETWORK:
            fp.extra_nodes.append((call, fp.extra[-1]))


