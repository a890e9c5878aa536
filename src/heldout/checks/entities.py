"""What crosses the candidate's split besides rows: the same entity, or an exact copy of a row.

Rows of one patient (or customer) share what the features cannot see; when the task is to predict for
new entities, an entity on both sides of a split lets the model recognise it instead of generalising,
and the estimate is optimistic by exactly the part the hidden holdout of unseen entities takes away.
Exact duplicate rows do the same, more bluntly: the scored row was in training.

Both checks judge the evaluations behind the reported estimate (every evaluation when there is no
traceable estimate), fold by fold: the rows each model was fitted on against the rows it scored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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
from heldout.trace.model import Event

__all__ = ["check_duplicates_across_split", "check_entity_overlap"]

_TRAIN_FILE_LIMIT = 1 << 32  # row ids of the training file are its positions (source 0)


@dataclass(frozen=True)
class FoldPair:
    fitted: np.ndarray | None  # training-file positions the model was fitted on (None: not followed)
    scored: np.ndarray | None  # training-file positions it was scored on (None: not followed)
    metric: Event

    @property
    def followed(self) -> bool:
        return self.fitted is not None and self.scored is not None


def fold_pairs(ctx: CheckContext, every: bool = False) -> Iterator[FoldPair]:
    """(fitted rows, scored rows) of each evaluation behind the estimate (``every``: of every evaluation
    the candidate ran), training-file rows only; a side the tracer lost is None."""
    analysis = ctx.analysis
    typed = sorted(
        [e for e in analysis.evaluations if not ctx.trace.is_internal(e)] + analysis.untraced_evaluations,
        key=lambda e: e.id,
    )
    events = typed if every else analysis.reported_events or typed
    for metric in events:
        scored = _positions(ctx.trace.row_set(metric))
        fit = analysis.model_fit(metric)
        if fit is not None:
            yield FoldPair(_positions(ctx.trace.row_set(fit)), scored, metric)
            continue
        source = analysis.prediction_source(metric)
        if source is not None and source.kind == "cv":  # out-of-fold predictions: each fold's own pair
            for split in ctx.trace.children(source.id):
                if split.kind == "split" and split.get("folds"):
                    for train_key, test_key in split.get("folds"):
                        yield FoldPair(_positions_of(ctx, train_key), _positions_of(ctx, test_key), metric)
                    break
            else:
                yield FoldPair(None, scored, metric)
            continue
        parts = analysis.assembled_from(metric) if source is None else None
        if parts:  # out-of-fold predictions assembled by hand: each part against its fold model
            for part in parts:
                model = ctx.trace[part.get("fit_event")]
                yield FoldPair(
                    _positions(ctx.trace.row_set(model)), _positions(ctx.trace.row_set(part)), metric
                )
            continue
        yield FoldPair(None, scored, metric)  # which model made these predictions is not known


def _positions_of(ctx: CheckContext, key: str | None) -> np.ndarray | None:
    rows = ctx.trace.rows(key)
    return None if rows is None else _positions(frozenset(rows.tolist()))


def _positions(rows: frozenset[int] | None) -> np.ndarray | None:
    if rows is None:
        return None
    if not rows:
        return np.empty(0, dtype=np.int64)
    values = np.fromiter(rows, dtype=np.int64, count=len(rows))
    return np.sort(values[(values >= 0) & (values < _TRAIN_FILE_LIMIT)])


def judged_pairs(ctx: CheckContext, every: bool = False) -> tuple[list[FoldPair], list[Event], Coverage]:
    """The followed pairs with training-file rows on both sides, the evaluations with a side not
    followed, and the coverage they make (one unit per evaluation, however many folds it has)."""
    pairs, unknown, seen = [], {}, set()
    for pair in fold_pairs(ctx, every):
        if not pair.followed:
            unknown[pair.metric.id] = pair.metric
            continue
        if len(pair.fitted) and len(pair.scored):
            pairs.append(pair)
            seen.add(pair.metric.id)
    judged = len(seen - set(unknown))
    return pairs, list(unknown.values()), coverage_of("evaluation", judged, unknown.values())


def _where(ctx: CheckContext, metric: Event) -> str:
    return (
        f"{ctx.trace.describe(metric)} (cell {metric.cell})"
        if metric.cell is not None
        else ctx.trace.describe(metric)
    )


@register("entity_overlap", "No entity on both sides of a split")
def check_entity_overlap(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    column = ctx.manifest.dataset.entity
    hint = hint_pointer(ctx, "entity_overlap")
    if column is None or ctx.train is None or column not in ctx.train:
        return Outcome(Verdict.WARN, "This scenario names no entity column, so heldout cannot judge this.")
    entities = ctx.train[column].to_numpy()
    worst: tuple[int, int, FoldPair] | None = None
    pairs, unknown, coverage = judged_pairs(ctx)
    for pair in pairs:
        scored = np.unique(entities[pair.scored])
        shared = np.intersect1d(scored, np.unique(entities[pair.fitted]), assume_unique=True)
        if worst is None or len(shared) > worst[0]:
            worst = (len(shared), len(scored), pair)
    if worst is None and not unknown:
        return Outcome(
            Verdict.WARN,
            f"heldout found no evaluation it could trace to rows of the training file, so it cannot tell "
            f"whether any {column} was on both sides of your split. {hint}",
            coverage=coverage,
        )
    if worst is None or worst[0] == 0:
        if unknown:
            return _not_followed(
                ctx, "entity_overlap", coverage, unknown, f"no {column} was on both sides of their split"
            )
        return Outcome(
            Verdict.PASS,
            f"No {column} had rows both in a model's training rows and in the rows it was scored on "
            f"({coverage.units(coverage.judged)} checked).",
            coverage=coverage,
        )
    shared, total, pair = worst
    return Outcome(
        Verdict.FAIL,
        (
            f"{shared:,} of the {total:,} {column} values in the rows {_where(ctx, pair.metric)} scored also "
            f"have rows in what that model was fitted on. The hidden holdout is made of new {column}s: "
            "a model that has seen other records of the same one is scored on recognising it, not on "
            f"generalising. Split by {column}: GroupKFold, StratifiedGroupKFold or GroupShuffleSplit "
            f"with groups={column}. {hint}"
        ),
        (Finding(pair.metric.cell, pair.metric.line, f"{shared:,} shared {column} values"),),
        coverage=coverage,
    )


def _row_keys(train: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(train, index=False).to_numpy()


@register("duplicates_across_split", "No exact duplicate rows across a split")
def check_duplicates_across_split(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "duplicates_across_split")
    if ctx.train is None:
        return Outcome(Verdict.WARN, "heldout has no training file to compare rows with.")
    keys = _row_keys(ctx.train)
    duplicated = pd.Series(keys).duplicated(keep=False).to_numpy()
    worst: tuple[int, int, FoldPair] | None = None
    pairs, unknown, coverage = judged_pairs(ctx)
    for pair in pairs:
        candidates = pair.scored[duplicated[pair.scored]]
        fitted = set(keys[pair.fitted[duplicated[pair.fitted]]].tolist())
        copies = int(sum(1 for key in keys[candidates].tolist() if key in fitted))
        if worst is None or copies > worst[0]:
            worst = (copies, len(pair.scored), pair)
    if worst is None or worst[0] == 0:
        if unknown or not coverage.judged:
            return _not_followed(
                ctx,
                "duplicates_across_split",
                coverage,
                unknown,
                "no row they scored had an exact copy among their model's training rows",
            )
        return Outcome(
            Verdict.PASS,
            f"No row you scored had an exact copy among its model's training rows "
            f"({coverage.units(coverage.judged)} checked; {int(duplicated.sum()):,} rows of the training "
            "file have a copy).",
            coverage=coverage,
        )
    copies, total, pair = worst
    return Outcome(
        Verdict.FAIL,
        (
            f"{rows_text(copies)} of the {total:,} that {_where(ctx, pair.metric)} scored have an exact "
            "copy among the rows that model was fitted on: for those, the score measures memory. "
            f"Drop exact duplicates before splitting (or keep copies in one group). {hint}"
        ),
        (Finding(pair.metric.cell, pair.metric.line, f"{copies:,} duplicated rows across the split"),),
        coverage=coverage,
    )


def _not_followed(
    ctx: CheckContext, check_id: str, coverage: Coverage, unknown: list[Event], cannot: str
) -> Outcome:
    """Some (or all) of the evaluations judged could not be traced to the rows of both sides."""
    if not unknown:
        what = "which rows of the training file any of your evaluations fitted on and scored"
    else:
        what = (
            f"which rows {of_yours(len(unknown), coverage)} scored, or which rows their model was fitted "
            f"on{listed(sites(unknown))}"
        )
    judged = f"; the other {coverage.units(coverage.judged)} showed none" if coverage.judged else ""
    return unfollowed(ctx, check_id, coverage, what, f"it could not verify that {cannot}{judged}")
