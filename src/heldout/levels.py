"""Which of a scenario's levels a graded submission reaches, from its automated checks alone.

The result's status answers "is this submission right?" with one pass mark for every scenario. A hiring
team also asks "at which level is this work?": the manifest's levels have their own, lower pass marks.
A level is reached when the share of points reaches its pass mark and no data-hygiene check failed,
because leakage makes every figure the candidate gave untrustworthy at any level. So a sound notebook
with a weak model reaches the levels its points allow, and a leaky one reaches none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # reports import this module to print levels, without the checks' NumPy and pandas
    from heldout.checks.base import CheckResult
    from heldout.manifest import Level

__all__ = ["RED_FLAG_COMPETENCY", "hygiene_failures", "levels_reached", "levels_text"]

RED_FLAG_COMPETENCY = "data_hygiene"


def hygiene_failures(checks: Iterable[CheckResult | dict[str, Any]]) -> list[str]:
    """Titles of the failed data-hygiene checks, from check results or their JSON."""
    failed = []
    for check in checks:
        row = check if isinstance(check, dict) else check.to_json()
        if row["verdict"] == "fail" and row["competency"] == RED_FLAG_COMPETENCY:
            failed.append(row["title"])
    return failed


def levels_reached(
    levels: Sequence[Level], checks: Sequence[CheckResult], graded_to_the_end: bool
) -> list[dict[str, Any]]:
    """Each level with its pass mark, whether this grade reaches it, and why not when it does not."""
    points = sum(c.points for c in checks)
    maximum = sum(c.max_points for c in checks)
    share = points / maximum if maximum else 0.0
    red_flags = hygiene_failures(checks)
    rows = []
    for level in levels:
        if not graded_to_the_end:
            why = "the submission could not be graded to the end"
        elif red_flags:
            why = "data hygiene failed: " + ", ".join(title.lower() for title in red_flags)
        elif share < level.pass_mark - 1e-9:
            why = f"{share:.0%} of the points, {level.pass_mark:.0%} needed"
        else:
            why = None
        rows.append(
            {"name": level.name, "pass_mark": level.pass_mark, "reached": why is None, "why_not": why}
        )
    return rows


def levels_text(levels: Sequence[dict[str, Any]] | None) -> str | None:
    """ "reaches junior and mid; not senior (83% of the points, 90% needed)", as reports show it."""
    if not levels:
        return None
    reached = [row["name"] for row in levels if row["reached"]]
    missed = [f"{row['name']} ({row['why_not']})" for row in levels if not row["reached"]]
    parts = []
    if reached:
        parts.append(
            "reaches " + " and ".join(reached) if len(reached) < 3 else "reaches " + ", ".join(reached)
        )
    if missed:
        parts.append("not " + "; not ".join(missed) if reached else "reaches no level: " + "; ".join(missed))
    return "; ".join(parts)
