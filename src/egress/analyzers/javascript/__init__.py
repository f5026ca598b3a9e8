"""JavaScript and TypeScript analysis: which code in a file reaches the network.

Modules, one concern each: ``parsing`` (grammars), ``scope`` (what a name
refers to), ``fold`` (constant module names), ``imports`` (where modules
enter), ``values`` (network values and their catalog semantics), ``flow``
(following values to their uses), ``location`` (positions and snippets),
``analyzer`` (the passes over one file).
"""

from .analyzer import JavaScriptAnalyzer

__all__ = ["JavaScriptAnalyzer"]
