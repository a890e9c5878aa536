"""How the labelled rows were split for validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from heldout.checks.coverage import coverage_of, listed, of_yours, sites, unfollowed
from heldout.trace.model import Event, Trace

__all__ = ["candidate_splits", "check_stratified_split"]

_TIME_ORDERED = frozenset({"TimeSeriesSplit"})
_CANDIDATE_CONTAINERS = ("search", "pipeline")


def candidate_splits(trace: Trace) -> list[Event]:
    """Splits the candidate chose: typed directly, or given to cross-validation or a search.

    Splits that an estimator makes inside its own fit (early stopping, a threshold tuner's internal
    folds) follow that estimator's defaults and are not the candidate's decision.
    """
    chosen = []
    for event in trace.of_kind("split"):
        fits = [a for a in trace.ancestors(event) if a.kind == "fit"]
        # A fit that takes a cv parameter (a search, TunedThresholdClassifierCV, RFECV) splits the
        # way the candidate told it to; any other fit splits the way its library decided.
        if all(a.get("role") in _CANDIDATE_CONTAINERS or a.get("takes_cv") for a in fits):
            chosen.append(event)
    return chosen


@register("stratified_split", "Stratified splitting")
def check_stratified_split(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    splits = candidate_splits(ctx.trace)
    hint = hint_pointer(ctx, "stratified_split")
    if not splits:
        return Outcome(
            Verdict.WARN,
            (
                "heldout saw no train_test_split or cross-validation splitter, so it cannot tell how you "
                f"validated. {hint}"
            ),
            coverage=Coverage("split", 0),
        )
    positives = int((ctx.train_labels == ctx.manifest.dataset.positive_label).sum())
    seen: set[tuple] = set()
    findings = []
    for split in splits:
        name = split.name
        if split.get("stratified") or name in _TIME_ORDERED or split.get("groups"):
            continue
        if name in ("PredefinedSplit", "_CVIterableWrapper"):
            continue
        key = (name, split.cell, split.line)
        if key in seen:
            continue
        seen.add(key)
        how = "without stratify=" if name == "train_test_split" else "without stratification"
        findings.append(
            Finding(
                split.cell,
                split.line,
                f"{name} ({split.site}) split {rows_text(split.get('n_rows') or 0)} {how}",
                {"splitter": name},
            )
        )
    coverage, unsplit = _split_coverage(ctx, splits)
    if findings:
        return Outcome(
            Verdict.FAIL,
            (
                f"{findings[0].text}. With only {positives:,} positives "
                f"({ctx.prevalence:.2%}), a random split leaves each part, and each fold, with a different "
                "share of them, so scores swing from split to split and a fold can hold almost none. Pass "
                "stratify=y to train_test_split and use StratifiedKFold (cv=5 with a classifier is "
                f"stratified already). {hint}"
            ),
            tuple(findings),
            coverage=coverage,
        )
    if coverage.not_followed:
        return unfollowed(
            ctx,
            "stratified_split",
            coverage,
            f"how the rows {of_yours(coverage.not_followed, coverage)} scored were split from the others"
            f"{listed(sites(unsplit))}, as they come from no train_test_split or scikit-learn splitter it "
            "could follow",
            f"it could not verify that those splits kept the class ratio (the {len(splits)} split(s) it saw "
            "were stratified)",
        )
    return Outcome(
        Verdict.PASS, f"All {len(splits)} split(s) kept the class ratio (stratified).", coverage=coverage
    )


def _split_coverage(ctx: CheckContext, splits: list[Event]) -> tuple[Coverage, list[Event]]:
    """The candidate's evaluations whose scored rows one of these splits made (the test side of a
    split, or of its folds together), and those heldout could not trace to any: rows untraced, or
    chosen by hand (a permutation, a mask)."""
    tested = []
    for split in splits:
        parts = [ctx.trace.rows(test) for _, test in split.get("folds") or [] if test is not None]
        if parts:
            tested.append(frozenset(int(r) for part in parts for r in part[part >= 0].tolist()))
    analysis = ctx.analysis
    judged, unsplit = 0, list(analysis.untraced_evaluations)
    for metric in analysis.evaluations:
        if ctx.trace.is_internal(metric):
            continue
        rows = ctx.trace.row_set(metric) or frozenset()
        if not rows or any(rows <= part for part in tested):
            judged += 1
        else:
            unsplit.append(metric)
    if not judged and not unsplit:
        # Nothing scored with scikit-learn: the splits themselves are what there is to judge.
        return Coverage("split", len(splits)), []
    unsplit.sort(key=lambda e: e.id)
    return coverage_of("evaluation", judged, unsplit), unsplit
