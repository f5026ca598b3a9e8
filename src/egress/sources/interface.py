"""The interface every package source implements.

A source turns what the user named (a folder, a tarball, a registry spec,
a lockfile, an environment) into ``PackageArtifact``s.  Sources never run
the code they read; they only list and read files.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterator

from egress.model import PackageArtifact


class Source(ABC):
    """Yields the packages behind one user-supplied target."""

    @abstractmethod
    def collect(self) -> Iterator[PackageArtifact]:
        """Yield each package once; raise ``SourceError`` for bad input."""
