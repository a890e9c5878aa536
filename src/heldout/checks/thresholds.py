"""The decision threshold must come from rows other than the final evaluation rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from heldout.checks.base import (
    CheckContext,
    Coverage,
    Finding,
    Outcome,
    Verdict,
    hint_pointer,
    register,
    rows_text,
)
from heldout.checks.coverage import listed, of_yours, sites, unfollowed
from heldout.trace.model import Event

__all__ = ["check_threshold_not_tuned_on_test"]


def _threshold_searches(ctx: CheckContext) -> list[tuple[Event, str]]:
    """Curves and sweeps the candidate ran themselves (not inside a threshold tuner's fit), those on
    untraced rows included (their rows are None): a sweep on them is told by its site."""
    trace = ctx.trace
    found: list[tuple[Event, str]] = []
    sweeps: dict[tuple, list[Event]] = {}
    for event in trace.of_kind("metric"):
        if trace.is_internal(event):
            continue
        if event.get("curve"):
            found.append((event, "curve"))
        elif event.get("threshold_dependent") and event.get("pred_digest"):
            rows = event.get("rows")
            key = (event.get("metric"), rows, event.cell, None if rows is not None else event.line)
            sweeps.setdefault(key, []).append(event)
    for events in sweeps.values():
        if len({e.get("pred_digest") for e in events}) >= 3:
            found.append((events[0], "sweep"))
    return sorted(found, key=lambda item: item[0].id)


@register(
    "threshold_not_tuned_on_test", "Decision threshold not tuned on the final evaluation rows", needs="report"
)
def check_threshold_not_tuned_on_test(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    final = ctx.analysis.final_rows
    threshold = (ctx.report or {}).get("threshold")
    hint = hint_pointer(ctx, "threshold_not_tuned_on_test")
    min_overlap = float(params.get("min_overlap", 0.5))
    if len(ctx.analysis.reported_events) >= 2:
        # The estimate is a cross-validated mean: every labelled row is an evaluation row, and a
        # threshold read off out-of-fold predictions of those rows is the recommended practice. It
        # cannot inflate a threshold-free estimate, and no held-out rows were spent on it.
        return Outcome(
            Verdict.PASS,
            (
                "Your estimate is cross-validated; a threshold chosen on out-of-fold predictions of the "
                "same rows does not bias it."
            ),
        )
    warn_finding = None
    searches = _threshold_searches(ctx)
    # A curve on untraced rows, or any curve when the estimate's rows are unknown: which rows the
    # threshold came from, against which rows it is judged, cannot be told.
    unknown = [e for e, _ in searches if e.get("rows") is None or not final]
    coverage = Coverage("threshold curve", len(searches) - len(unknown), len(unknown), sites(unknown))
    for event, how in searches:
        rows = ctx.trace.row_set(event) or frozenset()
        if not rows or not final:
            continue
        overlap = len(rows & final)
        if overlap < min_overlap * len(rows):
            continue
        observed = (
            f"{event.name} ({event.site}) "
            + ("swept thresholds" if how == "sweep" else "computed a threshold curve")
            + f" on {rows_text(len(rows))}, {overlap:,} of which are the rows your reported "
            "estimate comes from"
        )
        finding = Finding(event.cell, event.line, observed, {"metric": event.name, "overlap": overlap})
        thresholds = ctx.trace.array(event.get("thresholds"))
        chosen_here = how == "sweep" or (
            isinstance(threshold, float)
            and thresholds is not None
            and thresholds.size
            and bool(np.any(np.abs(thresholds - threshold) <= 1e-9))
        )
        if chosen_here:
            return Outcome(
                Verdict.FAIL,
                (
                    f"{observed}, and your threshold{_shown(threshold)} was picked there. A threshold "
                    "chosen on the evaluation rows is fitted to them: the precision and recall you report "
                    "at it are optimistic. Choose it on a validation split or out-of-fold predictions "
                    "(cross_val_predict, TunedThresholdClassifierCV) and keep the test rows for the "
                    f"final number. {hint}"
                ),
                (finding,),
                coverage=coverage,
            )
        warn_finding = warn_finding or finding
    origin = _origin_elsewhere(ctx, searches, final, threshold) if warn_finding is not None else None
    if warn_finding is not None and origin is not None:
        return Outcome(
            Verdict.PASS,
            (
                f"Threshold {threshold:g} is one of the thresholds of {origin.name} ({origin.site}) on "
                f"{rows_text(len(ctx.trace.row_set(origin) or ()))} outside the rows behind your estimate; "
                f"{warn_finding.text}, but your threshold does not come from it (a plot)."
            ),
            (warn_finding,),
            coverage=coverage,
        )
    if warn_finding is not None:
        return Outcome(
            Verdict.WARN,
            (
                f"{warn_finding.text}. Your threshold does not come from that curve, so this looks like "
                "a plot; make sure the threshold itself was chosen on other rows. " + hint
            ),
            (warn_finding,),
            coverage=coverage,
        )
    if not isinstance(threshold, float):
        return Outcome(Verdict.WARN, f"Your report declares no decision threshold. {hint}", coverage=coverage)
    if unknown:
        what = (
            f"which rows {of_yours(len(unknown), coverage)} (or sweeps) read{listed(coverage.sites)}"
            if final
            else "which rows your reported estimate comes from, so it could not compare them with the "
            f"rows of your threshold curves or sweeps{listed(coverage.sites)}"
        )
        return unfollowed(
            ctx,
            "threshold_not_tuned_on_test",
            coverage,
            what,
            f"it could not verify that your threshold {threshold:g} was chosen on rows other than those",
        )
    if not searches:
        # Nothing to judge: no curve or sweep was computed with scikit-learn.
        return Outcome(
            Verdict.PASS,
            f"Threshold {threshold:g}: heldout saw no threshold curve or sweep, so none was run on the rows "
            "behind your reported estimate.",
            coverage=coverage,
        )
    return Outcome(
        Verdict.PASS,
        f"Threshold {threshold:g} was not chosen on the rows behind your reported estimate "
        f"({coverage.units(coverage.judged)} checked).",
        coverage=coverage,
    )


def _origin_elsewhere(
    ctx: CheckContext, searches: list[tuple[Event, str]], final: frozenset[int], threshold: object
) -> Event | None:
    """A curve on rows apart from ``final`` whose thresholds hold the declared one: where it came from."""
    if not isinstance(threshold, float):
        return None
    for event, how in searches:
        rows = ctx.trace.row_set(event) or frozenset()
        thresholds = ctx.trace.array(event.get("thresholds"))
        if how != "curve" or not rows or rows & final or thresholds is None or not thresholds.size:
            continue
        if bool(np.any(np.abs(thresholds - threshold) <= 1e-9)):
            return event
    return None


def _shown(threshold: object) -> str:
    """The declared threshold as a person writes it (0.31, not 0.31000000000000005), or nothing."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        return ""
    return f" {threshold:.4g}"
