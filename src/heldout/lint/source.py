"""Reading notebooks and scripts into ordered code cells that ``ast`` can parse.

Cells are the notebook's code cells in document order (the order heldout's grader executes them),
numbered from 1 among code cells, as the runtime tracer numbers them. A script is one cell without a
number. IPython syntax (``%magic``, ``!shell``, ``x = !cmd``, ``obj?``) is blanked line by line so
the rest parses with line numbers unchanged; cell magics whose body is not Python (``%%bash``) blank
the whole cell. A cell that still does not parse is reported, never raised.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from heldout.notebook_json import NotebookFormatError, load_notebook, read_notebook_text

__all__ = ["ParsedCell", "Source", "parse_cell", "read_source"]

# Cell magics whose body is Python and runs in the notebook's namespace.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_LINE_MAGIC = re.compile(r"^(\s*)(%|!)")
_ASSIGNED_MAGIC = re.compile(r"^(\s*)[\w.\[\], ]+=\s*(%|!)")
_HELP = re.compile(r"^(\s*)(\?\??[\w.]*|[\w.]+\?\??)\s*$")


@dataclass(frozen=True)
class Source:
    cells: tuple[str, ...]
    notebook: bool
    scenario: str | None = None  # metadata.heldout.scenario of a notebook
    problem: str | None = None  # why the file could not be read as a notebook at all


@dataclass(frozen=True)
class ParsedCell:
    number: int | None
    module: ast.Module | None
    error: str | None = None
    error_line: int | None = None


def read_source(path: Path) -> Source:
    """The code cells of a .ipynb (by its JSON) or the text of a .py file."""
    if path.suffix == ".ipynb":
        return _read_notebook(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return Source((), False, problem=f"cannot be read as UTF-8 text ({error})")
    return Source((text,), notebook=False)


def _read_notebook(path: Path) -> Source:
    # The grader's own reading rules (size, depth, types), so that what it refuses the lint reports.
    try:
        document = load_notebook(read_notebook_text(path))
    except NotebookFormatError as problem:
        return Source((), True, problem=str(problem))
    cells = []
    for cell in document["cells"]:
        if cell["cell_type"] == "code":
            source = cell.get("source", "")
            cells.append("".join(source) if isinstance(source, list) else source)
    scenario = document.get("metadata", {}).get("heldout", {}).get("scenario")
    return Source(tuple(cells), True, scenario)


def parse_cell(text: str, number: int | None) -> ParsedCell:
    module, error = _parse(text)
    if module is not None:
        return ParsedCell(number, module)
    cleaned = blank_ipython(text)
    if cleaned != text:
        module, _ = _parse(cleaned)
        if module is not None:
            return ParsedCell(number, module)
    assert error is not None
    return ParsedCell(number, None, error=error.msg or type(error).__name__, error_line=error.lineno)


def _parse(text: str) -> tuple[ast.Module | None, SyntaxError | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like are not our business
        try:
            return ast.parse(text), None
        except SyntaxError as error:
            return None, error
        except (ValueError, RecursionError, MemoryError) as error:  # null bytes, absurd nesting
            return None, SyntaxError(str(error) or type(error).__name__)


def blank_ipython(text: str) -> str:
    """The cell with IPython-only lines turned into ``pass`` at their indentation."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
            return "\n".join("" for _ in lines)
        lines[first] = ""
    for i, line in enumerate(lines):
        match = _LINE_MAGIC.match(line) or _ASSIGNED_MAGIC.match(line) or _HELP.match(line)
        if match:
            lines[i] = f"{match.group(1)}pass"
    return "\n".join(lines)
