"""Stand-in analyzers for pool tests: one hangs, one crashes, one echoes."""

from __future__ import annotations

import os
import time

from egress.model import FileAnalysis, SourceFile


def hang_on_marker(source: SourceFile, analyzers: dict, check_only: bool = False) -> FileAnalysis:
    if b"HANG" in source.data:
        time.sleep(600)
    if b"CRASH" in source.data:
        os._exit(3)
    return FileAnalysis(file=source.path)
