"""The Python analyzer: which lines of a Python file can reach the network.

Modules, by concern: ``decode`` (bytes to text), ``from_ast`` and
``from_treesitter`` (the two front ends), ``ir`` and ``scopes`` (the common
form they produce), ``fold`` (constant folding and decoding of names and
code strings, under a budget), ``values`` and ``evaluate`` (what an
expression stands for, hidden loaders included), ``walk`` (findings),
``payload`` (``exec``/``eval``/``compile`` of decoded code, file loaders),
``requests_detail``, ``strings`` and ``dataflow`` (where a network call
connects and what data it sends, worked out only at network call sites),
``shellout`` (subprocess, ``os.system`` & co. running network tools),
``facts`` (cross-file exports and local uses), ``locate`` (columns and
snippets), ``analyzer`` (the ``Analyzer``).
"""

from egress.analyzers.python.analyzer import PythonAnalyzer

__all__ = ["PythonAnalyzer"]
