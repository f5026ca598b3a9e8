"""Python files a build backend runs when pip builds an sdist: install-time code besides ``setup.py``.

pip builds a wheel from an sdist (or a project folder) by importing the
backend ``pyproject.toml`` names; an in-tree backend (``backend-path``)
and the backends' own hook files run then, with the installing user's
rights, exactly like ``setup.py``.  This reads the declarations only; a
hook that the file names but does not ship is simply not found later.
"""

from __future__ import annotations

import tomllib

#: The hook files a backend loads by default, when the project turns its hooks on.
_HATCH_DEFAULT = "hatch_build.py"
_PDM_DEFAULT = "pdm_build.py"


def build_hook_files(pyproject_text: str | None) -> set[str]:
    """Package-relative paths of the Python files the build runs, from ``pyproject.toml``'s text."""
    if not pyproject_text:
        return set()
    try:
        doc = tomllib.loads(pyproject_text)
    except (tomllib.TOMLDecodeError, ValueError):
        return set()
    found: set[str] = set()
    system = _table(doc.get("build-system"))
    backend = system.get("build-backend")
    if isinstance(backend, str) and backend.strip():
        module = backend.split(":")[0].strip()
        for folder in system.get("backend-path") or []:
            if isinstance(folder, str):
                base = _clean(folder)
                stem = "/".join(p for p in (base, *module.split(".")) if p)
                found.update({f"{stem}.py", f"{stem}/__init__.py"})
    tool = _table(doc.get("tool"))
    hatch = _table(tool.get("hatch"))
    owners = [_table(hatch.get("build")), _table(hatch.get("metadata")),
              *(_table(t) for t in _table(_table(hatch.get("build")).get("targets")).values())]
    for owner in owners:                 # an empty [....hooks.custom] table means the default file
        hooks = owner.get("hooks")
        if isinstance(hooks, dict) and isinstance(hooks.get("custom"), dict):
            path = hooks["custom"].get("path", _HATCH_DEFAULT)
            if isinstance(path, str):
                found.add(_clean(path))
    if isinstance(backend, str) and backend.startswith("pdm."):
        pdm_build = _table(_table(tool.get("pdm")).get("build"))
        hook = pdm_build.get("custom-hook", _PDM_DEFAULT)
        if isinstance(hook, str):
            found.add(_clean(hook))
    poetry = _table(tool.get("poetry"))
    for script in (_table(poetry.get("build")).get("script"), poetry.get("build")):
        if isinstance(script, str):
            found.add(_clean(script))
    found = {f for f in found if f and ".." not in f.split("/")}
    return found


def _table(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _clean(path: str) -> str:
    parts = [p for p in path.strip().replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)
