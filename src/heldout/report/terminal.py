"""The terminal summary of a grade: one line per check (with how much it judged), then what to fix, then
the holdout figures."""

from __future__ import annotations

import os
import sys
import textwrap
from typing import TextIO

from heldout.levels import levels_text
from heldout.result import GradeResult

__all__ = ["render_terminal"]

_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}
_COLOUR = {"pass": "32", "warn": "33", "fail": "31", "error": "31"}


def _paint(text: str, verdict: str, colour: bool) -> str:
    return f"\x1b[{_COLOUR[verdict]}m{text}\x1b[0m" if colour else text


def render_terminal(
    result: GradeResult, stream: TextIO | None = None, colour: bool | None = None, width: int = 100
) -> str:
    stream = stream or sys.stdout
    if colour is None:
        colour = stream.isatty() and "NO_COLOR" not in os.environ
    lines: list[str] = []
    if result.isolation == "none":
        lines.append(
            "NOT ISOLATED: bubblewrap is unavailable here, so this submission ran as a plain "
            "subprocess that could read this machine's files."
        )
    scenario = result.scenario["title"] if result.scenario else "unknown scenario"
    lines.append(f"heldout: {result.submission_path} ({scenario})")
    if result.error is not None:
        where = f" in cell {result.error.cell}" if result.error.cell else ""
        lines.append(_paint(f"ERROR ({result.error.kind}{where})", "error", colour))
        lines += textwrap.wrap(
            result.error.message, width, initial_indent="  ", subsequent_indent="  ", replace_whitespace=False
        ) or [""]
    for note in result.harness_notes:
        lines += textwrap.wrap(f"heldout's fault, not yours: {note}", width, subsequent_indent="  ")
    if result.checks:
        lines.append("")
        name_width = max(len(c.title) for c in result.checks)
        for check in result.checks:
            verdict = str(check.verdict)
            points = f"{check.points:g}/{check.max_points}"
            line = f"  {_paint(_MARK[verdict], verdict, colour)}  {check.title:<{name_width}}  {points:>7}"
            # What the verdict rests on: "judged 3 of 5 evaluations" (nothing when there was none to judge).
            if check.coverage is not None and check.coverage.total:
                line += f"  {check.coverage.summary()}"
            lines.append(line)
        problems = [c for c in result.checks if str(c.verdict) != "pass"]
        for check in problems:
            lines.append("")
            lines.append(_paint(f"{_MARK[str(check.verdict)]} {check.id}", str(check.verdict), colour))
            lines += textwrap.wrap(check.message, width, initial_indent="  ", subsequent_indent="  ")
            for finding in check.findings[1:4]:
                lines += textwrap.wrap(
                    f"also: {finding.text}", width, initial_indent="    ", subsequent_indent="      "
                )
        lines.append("")
        lines.append(f"score {result.points:g}/{result.max_points} - {result.status}")
        reached = levels_text(result.levels)
        if reached:
            lines += textwrap.wrap(f"levels: {reached}", width, subsequent_indent="  ")
    for disagreement in (result.lint or {}).get("disagreements", []):
        lines += textwrap.wrap(f"lint vs run: {disagreement}", width, subsequent_indent="  ")
    if result.holdout and result.holdout.get("score") is not None:
        holdout = result.holdout
        gap = holdout.get("optimism_gap")
        gap_text = "" if gap is None else f", reported {holdout['reported_estimate']:.3f} (gap {gap:+.3f})"
        parts = [
            f"{name} {holdout[name]['score']:.3f} on {holdout[name]['rows']:,} rows"
            for name in ("public", "private")
            if isinstance(holdout.get(name), dict) and holdout[name].get("score") is not None
        ]
        parts_text = f" ({', '.join(parts)})" if parts else ""
        lines.append(f"hidden holdout {holdout['metric']}: {holdout['score']:.3f}{parts_text}{gap_text}")
        if holdout.get("bayes_limit") is not None:
            lines.append(
                f"best possible (Bayes limit): {holdout['bayes_limit']:.3f}; "
                f"this model is {holdout['above_bayes_limit']:+.1%} above it"
            )
    text = "\n".join(lines) + "\n"
    stream.write(text)
    return text
