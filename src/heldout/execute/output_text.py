"""The text a cell's outputs show (printed streams, displayed values, HTML tables, tracebacks), kept in
the run's record so that checks can read what the notebook showed, not only what it computed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["MAX_OUTPUT_CHARS", "output_text"]

MAX_OUTPUT_CHARS = 256 * 1024  # per cell; the output limit already bounds what a cell may print
_TEXT_KINDS = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return str(value)


def output_text(outputs: Iterable[Any]) -> str:
    """Every textual output of one cell, joined by newlines and capped at ``MAX_OUTPUT_CHARS``."""
    parts: list[str] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_as_text(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            parts.extend(_as_text(data[key]) for key in _TEXT_KINDS if key in data)
        elif kind == "error":
            parts.append("\n".join(_as_text(line) for line in output.get("traceback", [])))
    return "\n".join(parts)[:MAX_OUTPUT_CHARS]
