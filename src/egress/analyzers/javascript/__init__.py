"""JavaScript and TypeScript analysis: which code in a file reaches the network.

Modules, one concern each: ``parsing`` (grammars), ``scope`` (what a name
refers to), ``fold`` and ``decoders`` (constant names and payloads: string
methods, base64, hex, zlib, char codes), ``imports`` (where modules enter),
``values`` (network values and their catalog semantics), ``special``
(loaders, bindings, code sinks, local modules), ``hidden`` (what calling
those does), ``payload`` (decoded code analysed in place), ``flow``
(following values to their uses), ``crossfile`` (export and local-use facts),
``syntax`` and ``location`` (small syntax questions, positions, snippets),
``details`` with ``requests``, ``render``, ``dataflow`` and ``bindings``
(request details of network calls: destinations and the data sent),
``shellout`` (child_process calls of network tools, worker code),
``analyzer`` (the passes over one file).
"""

from .analyzer import JavaScriptAnalyzer

__all__ = ["JavaScriptAnalyzer"]
