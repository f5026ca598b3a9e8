"""Network modules passed into the file's own functions: `go(urllib.request, u)` for `def go(mod, u)`.

Only network modules and their members are carried in, one hop (the callers in this
file, through ``strings.Strings.origins``), and only in a file whose text passes such a
module somewhere: most files never pay for the call index.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from egress.analyzers.python.scopes import Binding
from egress.analyzers.python.values import MemVal, ModVal

if TYPE_CHECKING:
    from egress.analyzers.python.evaluate import Evaluator, Values


class PassedIn:
    """Per file: the network values each parameter binding receives from its callers."""

    def __init__(self, ev: "Evaluator") -> None:
        self.ev = ev
        self._params: dict[int, "Values"] = {}
        self._strings = None                        # strings.Strings: call sites, made when needed
        self._passes_modules: bool | None = None

    def _modules_passed(self) -> bool:
        """Whether the text passes a network module imported here as an argument (`f(socket, …)`, `m=ssl`):
        a cheap test that spares the other files the call index."""
        if self._passes_modules is None:
            bound = {rec.bound for rec in self.ev.program.imports
                     if not rec.local and self.ev.catalog.module(rec.module) is not None}
            if not bound:
                self._passes_modules = False
            else:
                words = "|".join(re.escape(n) for n in sorted(bound))
                pattern = re.compile(rf"[(,=]\s*(?:{words})\b")
                self._passes_modules = any(pattern.search(line) for line in self.ev.loc.lines)
        return self._passes_modules

    def values(self, b: Binding) -> "Values":
        """A parameter's network values from this file's calls: `go(urllib.request, u)` for `def go(mod, u)`.

        Empty unless the file passes a network module somewhere (``_modules_passed``).
        """
        key = id(b)
        if key in self._params:
            return self._params[key]
        self._params[key] = ()                  # in progress: a recursive call passes nothing new
        if not self._modules_passed():
            return ()
        from egress.analyzers.python.strings import Strings

        if self._strings is None:
            self._strings = Strings(self.ev)
        name = next((n for n, bs in b.scope.bindings.items() if b in bs), None)
        if name is None or name not in b.scope.params:
            return ()
        out = [v for origin in self._strings.origins(b.scope, name)
               for v in self.ev.eval(origin.expr, origin.scope, origin.order)
               if isinstance(v, (ModVal, MemVal))]
        self._params[key] = tuple(dict.fromkeys(out))
        return self._params[key]
