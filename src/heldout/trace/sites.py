"""Where in the candidate's code a traced call was written: cell number and line.

In a Jupyter kernel every cell is compiled under a file name that IPython maps to its execution count;
since the grader runs a fresh kernel top to bottom, execution count N is code cell N of the notebook. Code
outside cells (libraries, heldout itself) is skipped, so a scaler fitted deep inside a Pipeline inside
GridSearchCV is reported at the cell line that called ``search.fit``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType

__all__ = ["Site", "SiteFinder"]

Site = tuple[int | None, int | None]  # (cell, line); cell is None in a plain script


class SiteFinder:
    def __init__(
        self, cell_of: Callable[[str], int | None] | None = None, script_files: frozenset[str] = frozenset()
    ) -> None:
        self._cell_of = cell_of or _ipython_cell_of()
        self._script_files = script_files

    def find(self, frame: FrameType | None = None) -> Site:
        frame = frame or sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            cell = self._cell_of(filename) if self._cell_of else None
            if cell is not None:
                return cell, frame.f_lineno
            if filename in self._script_files:
                return None, frame.f_lineno
            frame = frame.f_back
        return None, None

    def is_user_frame(self, frame: FrameType) -> bool:
        filename = frame.f_code.co_filename
        return bool(self._cell_of and self._cell_of(filename) is not None) or (filename in self._script_files)


def _ipython_cell_of() -> Callable[[str], int | None] | None:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None:
        return None
    filename_map = getattr(shell.compile, "_filename_map", None)
    if filename_map is None:
        return None
    return filename_map.get
