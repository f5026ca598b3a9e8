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

    def readable(self, source: SourceFile) -> str | None:
        """Why the file cannot be read as source text (not decodable), or None when it can.

        Cheap and run in the scanning process: the pre-filter has searched
        every byte of a file it skips, so such a file needs no parse, only
        the proof that its bytes are the text the search saw.
        """
        return None

    def check(self, source: SourceFile) -> FileAnalysis:
        """Only decode and parse (``--parse-all``): report files the parser cannot read too."""
        return FileAnalysis(source.path, error=self.analyze(source).error)
