"""A real virtual environment with two pinned packages, built once per session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

STRAY_PTH = "import pathlib; pathlib.Path({marker!r}).write_text('ran')\n"


@pytest.fixture(scope="session")
def installed_venv(tmp_path_factory) -> Path:
    """``python -m venv`` + ``pip install ntplib==0.4.0 tomli==2.0.1``, then two stray files dropped in.

    ``x.pth`` writes ``pth-ran`` beside the venv if any interpreter start
    processes it; the tests that ask the interpreter for its paths check
    that it never does.
    """
    base = tmp_path_factory.mktemp("venv")
    venv = base / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "ntplib==0.4.0", "tomli==2.0.1"], check=True, capture_output=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "evil.py").write_text("import socket\n")
    (site / "x.pth").write_text(STRAY_PTH.format(marker=str(base / "pth-ran")))
    return venv
