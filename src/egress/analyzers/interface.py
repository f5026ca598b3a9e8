"""The interface every language analyzer implements.

An analyzer looks at one file at a time and returns findings; it never
raises for bad input: a file it cannot decode or parse comes back with
``error`` set, so that the package verdict can say "partial".
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from egress.model import FileAnalysis, SourceFile


class Analyzer(ABC):
    #: File name endings this analyzer handles, e.g. (".js", ".mjs").
    suffixes: tuple[str, ...] = ()

    def handles(self, path: str) -> bool:
        return path.endswith(self.suffixes)

    @abstractmethod
    def analyze(self, source: SourceFile) -> FileAnalysis:
        """Return the findings of one file, or ``error`` when it was not analysed."""

    def check(self, source: SourceFile) -> FileAnalysis:
        """Only decode and parse: for files the pre-filter proved irrelevant.

        A file with no network-relevant token needs no analysis, but a file
        that cannot be decoded or parsed must still be reported as not
        analysed, so every file is at least parsed.
        """
        return FileAnalysis(source.path, error=self.analyze(source).error)
