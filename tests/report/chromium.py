"""Headless Chromium for the HTML report tests (Debian's ``chromium`` package).

Outside CI a machine without Chromium skips these tests; in CI (``CI`` set)
a missing Chromium fails them, so the check can never silently vanish.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: CI must install it (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); CI requires it")


def run(tmp: Path, *args: str) -> str:
    """Run Chromium with a profile of its own under ``tmp``; its standard output."""
    require_chromium()
    done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump_dom(tmp: Path, page: Path, fragment: str = "") -> str:
    """The DOM after the page's script ran."""
    return run(tmp, "--dump-dom", page.as_uri() + fragment)


def screenshot(tmp: Path, page: Path, out: Path, size: str = "1280,900") -> Path:
    run(tmp, f"--screenshot={out}", f"--window-size={size}", "--hide-scrollbars", page.as_uri())
    assert out.exists()
    return out
