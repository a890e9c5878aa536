"""Where a heldout project keeps its exercises, datasets and solutions.

The project root is the folder holding ``exercises/``: ``$HELDOUT_HOME`` if set, else the nearest such
folder above the current directory, else the checkout this package was installed from (editable
installs). Nothing is fetched from anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from heldout.errors import HeldoutError

__all__ = ["project_root"]


def _is_root(folder: Path) -> bool:
    return (folder / "exercises").is_dir() and (folder / "datasets").is_dir()


def project_root(start: Path | None = None) -> Path:
    env = os.environ.get("HELDOUT_HOME")
    if env:
        root = Path(env)
        if not _is_root(root):
            raise HeldoutError(f"HELDOUT_HOME={env} has no exercises/ and datasets/ folders")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return folder
    package_checkout = Path(__file__).resolve().parents[2]
    if _is_root(package_checkout):
        return package_checkout
    raise HeldoutError(
        "cannot find a heldout project (a folder with exercises/ and datasets/); run heldout inside "
        "the repository or set HELDOUT_HOME"
    )
