"""Personal data must not appear in what a notebook shows: a printed ``df.head()`` with e-mails puts
them in every copy of the notebook, its reviews and its logs.

The grader reads the text of every cell's outputs as the run produced them (streams, displayed values,
HTML tables, tracebacks) and looks for values of the columns the manifest names as personal. Values are
matched whole, as words or runs of words, so a masked view (``a***@mail.example``) or a dropped column
passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from heldout.checks.base import CheckContext, Coverage, Finding, Outcome, Verdict, hint_pointer, register

__all__ = ["check_no_personal_data_in_outputs", "personal_values_in"]

_TOKEN = re.compile(r"[A-Za-z0-9_%+@.-]+")
_MIN_CHARS = 5  # shorter values (a year, a two-letter code) would match by coincidence


def _values(ctx: CheckContext, columns: list[str]) -> dict[str, str]:
    """Every personal value of the training file (as text) -> the column it is from."""
    if ctx.train is None:
        return {}
    values: dict[str, str] = {}
    for column in columns:
        if column not in ctx.train:
            continue
        for value in ctx.train[column].dropna().astype(str).unique():
            text = value.strip()
            if len(text) >= _MIN_CHARS:
                values.setdefault(text, column)
    return values


def personal_values_in(text: str, values: Mapping[str, str], lengths: set[int]) -> dict[str, list[str]]:
    """Column -> the personal values ``text`` shows, matched as whole runs of ``lengths`` words."""
    words = [w.strip(".") for w in _TOKEN.findall(text)]
    found: dict[str, list[str]] = {}
    for n in sorted(lengths):
        for i in range(len(words) - n + 1):
            column = values.get(" ".join(words[i : i + n]))
            if column is not None:
                found.setdefault(column, []).append(" ".join(words[i : i + n]))
    return found


def _masked(value: str) -> str:
    """A value as a report may show it: its first character, then stars."""
    return value[:1] + "***" + (value[value.index("@") :] if "@" in value else "")


@register("no_personal_data_in_outputs", "No personal data in the notebook's outputs", needs="report")
def check_no_personal_data_in_outputs(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    columns = [str(c) for c in params.get("columns", [])]
    hint = hint_pointer(ctx, "no_personal_data_in_outputs")
    values = _values(ctx, columns)
    if ctx.outputs is None or not values:
        return Outcome(
            Verdict.WARN,
            f"heldout could not read the notebook's outputs or the personal columns ({', '.join(columns)}), "
            f"so it could not check that none is shown. {hint}",
        )
    lengths = {len(v.split()) for v in values}
    findings = []
    for cell, text in ctx.outputs:
        found = personal_values_in(text, values, lengths)
        if found:
            shown = "; ".join(
                f"{len(set(v)):,} value{'s' if len(set(v)) != 1 else ''} of `{c}` (such as {_masked(v[0])})"
                for c, v in found.items()
            )
            findings.append(
                Finding(cell, None, f"cell {cell}'s output shows {shown}", {"columns": sorted(found)})
            )
    coverage = Coverage("cell output", len(ctx.outputs))
    if not findings:
        return Outcome(
            Verdict.PASS,
            f"None of the {len(ctx.outputs)} cell outputs shows a value of the personal columns "
            f"({', '.join(columns)}).",
            coverage=coverage,
        )
    return Outcome(
        Verdict.FAIL,
        (
            "Your notebook shows personal data: "
            + "; ".join(f.text for f in findings)
            + ". Every copy of the notebook, every review and every log now holds it, and applicants never "
            "agreed to that. Drop the personal columns before displaying a frame (or mask them), and show "
            f"aggregates rather than rows. {hint}"
        ),
        tuple(findings),
        coverage=coverage,
    )
