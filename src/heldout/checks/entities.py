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

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register, rows_text
from heldout.trace.model import Event

__all__ = ["check_duplicates_across_split", "check_entity_overlap"]

_TRAIN_FILE_LIMIT = 1 << 32  # row ids of the training file are its positions (source 0)


@dataclass(frozen=True)
class FoldPair:
    fitted: np.ndarray  # training-file positions the model was fitted on
    scored: np.ndarray  # training-file positions it was scored on
    metric: Event


def fold_pairs(ctx: CheckContext, every: bool = False) -> Iterator[FoldPair]:
    """(fitted rows, scored rows) of each evaluation behind the estimate (``every``: of every evaluation
    the candidate ran), training-file rows only."""
    analysis = ctx.analysis
    typed = [e for e in analysis.evaluations if not ctx.trace.is_internal(e)]
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
                        yield FoldPair(
                            _positions(frozenset(ctx.trace.rows(train_key).tolist())),
                            _positions(frozenset(ctx.trace.rows(test_key).tolist())),
                            metric,
                        )
                    break


def _positions(rows: frozenset[int] | None) -> np.ndarray:
    if not rows:
        return np.empty(0, dtype=np.int64)
    values = np.fromiter(rows, dtype=np.int64, count=len(rows))
    return np.sort(values[(values >= 0) & (values < _TRAIN_FILE_LIMIT)])


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
    pairs = 0
    for pair in fold_pairs(ctx):
        if not len(pair.fitted) or not len(pair.scored):
            continue
        pairs += 1
        scored = np.unique(entities[pair.scored])
        shared = np.intersect1d(scored, np.unique(entities[pair.fitted]), assume_unique=True)
        if worst is None or len(shared) > worst[0]:
            worst = (len(shared), len(scored), pair)
    if worst is None:
        return Outcome(
            Verdict.WARN,
            f"heldout found no evaluation it could trace to rows of the training file, so it cannot tell "
            f"whether any {column} was on both sides of your split. {hint}",
        )
    shared, total, pair = worst
    if shared == 0:
        return Outcome(
            Verdict.PASS,
            f"No {column} had rows both in a model's training rows and in the rows it was scored on "
            f"({pairs} evaluation{'s' if pairs != 1 else ''} checked).",
        )
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
    for pair in fold_pairs(ctx):
        if not len(pair.fitted) or not len(pair.scored):
            continue
        candidates = pair.scored[duplicated[pair.scored]]
        fitted = set(keys[pair.fitted[duplicated[pair.fitted]]].tolist())
        copies = int(sum(1 for key in keys[candidates].tolist() if key in fitted))
        if worst is None or copies > worst[0]:
            worst = (copies, len(pair.scored), pair)
    if worst is None or worst[0] == 0:
        return Outcome(
            Verdict.PASS,
            f"No row you scored had an exact copy among its model's training rows "
            f"({int(duplicated.sum()):,} rows of the training file have a copy).",
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
    )
