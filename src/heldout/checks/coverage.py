"""What a check could follow, in the candidate's words: counts, sites, and the warning a check gives
instead of a pass when some of what it judges could not be traced.

A pass rests on evidence: "no fit saw a scored row" is true only of the evaluations whose rows heldout
followed. When the tracer lost row identity (rows rebuilt from lists, hand-made folds, arithmetic that
makes new arrays), the check says how many it judged, which it could not, and where they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from heldout.checks.base import CheckContext, Coverage, Outcome, Verdict, hint_pointer
from heldout.trace.model import Event

__all__ = ["FOLLOW_ADVICE", "coverage_of", "of_yours", "sites", "unfollowed"]

FOLLOW_ADVICE = (
    "Keep the rows in the pandas objects read_csv gave you (or arrays made from them with .to_numpy()) "
    "and split with train_test_split or a scikit-learn splitter, so the grader can follow them."
)
_SHOWN = 3


def sites(events: Iterable[Event]) -> tuple[str, ...]:
    """The distinct places these events were typed, in order (a metric run in a loop is one place)."""
    seen: dict[str, None] = {}
    for event in events:
        seen.setdefault(event.site, None)
    return tuple(seen)


def coverage_of(unit: str, judged: int, not_followed: Iterable[Event]) -> Coverage:
    events = list(not_followed)
    return Coverage(unit, judged, len(events), sites(events))


def listed(places: tuple[str, ...]) -> str:
    """ " (cell 6, line 3; cell 9, line 1)", at most three places and a count of the rest."""
    if not places:
        return ""
    more = len(places) - _SHOWN
    return f" ({'; '.join(places[:_SHOWN])}{f'; and {more} more' if more > 0 else ''})"


def of_yours(count: int, coverage: Coverage) -> str:
    """ "2 of your 5 evaluations", "any of your 3 evaluations", "your evaluation"."""
    total = coverage.total
    if total == 1:
        return f"your {coverage.unit}"
    if count == total:
        return f"any of your {coverage.units(total)}"
    return f"{count:,} of your {coverage.units(total)}"


def unfollowed(
    ctx: CheckContext,
    check_id: str,
    coverage: Coverage,
    unknown: str,
    cannot: str,
    advice: str = FOLLOW_ADVICE,
) -> Outcome:
    """The warning a check gives instead of a pass: ``unknown`` says what could not be told ("which
    rows 2 of your 5 evaluations scored (cell 6, line 3)"), ``cannot`` what that leaves unverified."""
    return Outcome(
        Verdict.WARN,
        f"heldout could not tell {unknown}: {cannot}. {advice} {hint_pointer(ctx, check_id)}",
        coverage=coverage,
    )
