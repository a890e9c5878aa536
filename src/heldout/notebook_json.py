"""Reading a notebook's JSON without trusting it: size, nesting depth and the types heldout relies on.

The grader (``heldout.grading.read_submission``) and the lint (``heldout.lint.source``) both read files a
candidate wrote. ``json.loads`` recurses once per nested bracket and raises ``RecursionError`` a thousand
levels down, and code that reads ``cell["source"]`` or ``metadata["heldout"]["scenario"]`` breaks in odd
places when they hold the wrong type. This module refuses such a file up front with a sentence that
says what is wrong, as a ``NotebookFormatError`` whose text follows the file's name ("x.ipynb is not a
valid notebook: ..."). Standard library only: the lint must stay light.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_NOTEBOOK_BYTES",
    "NotebookFormatError",
    "check_notebook",
    "json_depth",
    "load_notebook",
    "read_notebook_text",
]

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
# A real notebook nests about 6 levels (cells, outputs, data) plus what widgets or JSON outputs add,
# rarely past 20; json.loads itself gives up near 1,000.
MAX_DEPTH = 64
CELL_TYPES = ("code", "markdown", "raw")
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")

# A JSON string (escapes included), or an unterminated one running to the end of the text: brackets
# inside either are text, not structure.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_DIGITS = re.compile(r"value has (\d+) digits")


class NotebookFormatError(ValueError):
    """The file is not a notebook heldout can read; the text reads after the file's name."""


def json_depth(text: str) -> int:
    """How deep ``text``'s arrays and objects nest, counted without recursion (and without parsing)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def read_notebook_text(path: Path) -> str:
    """The file's text, read no further than the size cap; raises NotebookFormatError."""
    if not path.is_file():  # a FIFO would block the read, a device never end it
        raise NotebookFormatError("does not exist" if not path.exists() else "is not a regular file")
    try:
        with path.open("rb") as handle:  # a bounded read: the file may grow while it is read
            raw = handle.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as error:
        raise NotebookFormatError(f"cannot be read ({error.strerror or type(error).__name__})") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:
        size = max(path.stat().st_size, len(raw))
        raise NotebookFormatError(f"is {size:,} bytes, more than the {MAX_NOTEBOOK_BYTES:,} allowed")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookFormatError(f"is not valid notebook JSON ({error})") from None


def load_notebook(text: str) -> dict[str, Any]:
    """Parse ``text`` as a notebook document and check its shape (``check_notebook``)."""
    depth = json_depth(text)
    if depth > MAX_DEPTH:
        raise _invalid(f"its JSON nests {depth:,} levels deep; heldout reads at most {MAX_DEPTH}")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookFormatError(
            f"is not valid notebook JSON ({error.msg}: line {error.lineno} column {error.colno})"
        ) from None
    except ValueError as error:  # an integer past Python's digit limit
        digits = _DIGITS.search(str(error))
        length = f"{int(digits.group(1)):,} digits" if digits else "too many digits"
        raise _invalid(f"it holds a number of {length}; heldout reads numbers of at most 4,300") from None
    except RecursionError:  # not reached below MAX_DEPTH; kept so that no depth ever crashes
        raise _invalid(f"its JSON nests too deep; heldout reads at most {MAX_DEPTH} levels") from None
    check_notebook(document)
    return document


def check_notebook(document: Any) -> None:
    """Raise NotebookFormatError unless the fields heldout reads have the types a notebook gives them.

    Fields are checked where present; which ones a notebook must have is nbformat's schema's business.
    """
    if not isinstance(document, dict) or "cells" not in document:
        raise NotebookFormatError("is JSON but not a notebook (no 'cells')")
    for key in ("nbformat", "nbformat_minor"):
        if key in document:
            _expect(document[key], int, key, "a whole number")
    _expect(document["cells"], list, "'cells'", "a list of cells")
    metadata = document.get("metadata", {})
    _expect(metadata, dict, "the notebook's metadata", "an object")
    heldout = metadata.get("heldout", {})
    _expect(heldout, dict, "metadata.heldout", "an object")
    for key in ("scenario", "bundle"):
        if key in heldout:
            _expect(heldout[key], str, f"metadata.heldout.{key}", "a string")
    for number, cell in enumerate(document["cells"], start=1):
        _check_cell(cell, f"cell {number} (counting every cell)")
    bad = _unpaired_surrogate(document)
    if bad is not None:
        raise _invalid(f"its text holds {bad}, half of a UTF-16 pair, which is not Unicode text")


def _check_cell(cell: Any, name: str) -> None:
    _expect(cell, dict, name, "an object")
    if "cell_type" not in cell:
        raise _invalid(f"{name} has no cell_type")
    if cell["cell_type"] not in CELL_TYPES:
        raise _invalid(
            f"the cell_type of {name} must be code, markdown or raw (got {_describe(cell['cell_type'])})"
        )
    if "source" in cell:
        _expect_text(cell["source"], f"the source of {name}")
    for key in ("metadata", "attachments"):
        if key in cell:
            _expect(cell[key], dict, f"the {key} of {name}", "an object")
    if cell["cell_type"] != "code":
        return
    if "execution_count" in cell and cell["execution_count"] is not None:
        _expect(cell["execution_count"], int, f"the execution_count of {name}", "a whole number or null")
    outputs = cell.get("outputs", [])
    _expect(outputs, list, f"the outputs of {name}", "a list of outputs")
    for index, output in enumerate(outputs, start=1):
        where = f"output {index} of {name}"
        _expect(output, dict, where, "an object")
        kind = output.get("output_type")
        if kind not in OUTPUT_TYPES:
            raise _invalid(
                f"{where} must have an output_type of stream, display_data, "
                f"execute_result or error (got {_describe(kind)})"
            )
        if "text" in output:
            _expect_text(output["text"], f"the text of {where}")
        for key in ("data", "metadata"):
            if key in output:
                _expect(output[key], dict, f"the {key} of {where}", "an object")


def _invalid(problem: str) -> NotebookFormatError:
    return NotebookFormatError(f"is not a valid notebook: {problem}")


def _expect(value: Any, kind: type, name: str, wanted: str) -> None:
    # bool is an int to Python, never a count or a version to a notebook
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _invalid(f"{name} must be {wanted} (got {_describe(value)})")


def _expect_text(value: Any, name: str) -> None:
    if isinstance(value, str):
        return
    if isinstance(value, list):
        for index, line in enumerate(value, start=1):
            if not isinstance(line, str):
                raise _invalid(
                    f"{name} must be a string or a list of strings (item {index} is {_describe(line)})"
                )
        return
    raise NotebookFormatError(
        f"is not a valid notebook: {name} must be a string or a list of strings (got {_describe(value)})"
    )


def _describe(value: Any) -> str:
    """A JSON value in a few words: its JSON type, and the value itself when it is short and scalar."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{json.dumps(value)}, a boolean"
    if isinstance(value, list):
        return f"a list of {len(value):,} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "an object"
    shown = json.dumps(value, ensure_ascii=True)  # escapes control characters: messages reach terminals
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{shown}, a {'string' if isinstance(value, str) else 'number'}"


def _unpaired_surrogate(document: Any) -> str | None:
    """The first lone UTF-16 surrogate (as its \\u escape) in any key or string, walked without recursion.

    JSON's escapes allow ``\\ud800`` alone; such text cannot be written as UTF-8, so every report that
    quotes it would fail to save.
    """
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                return f"\\u{ord(value[error.start]):04x}"
    return None
