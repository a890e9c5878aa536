"""Evaluations the notebook computed by hand, found by recomputing them from the predictions it made.

A metric written out (``np.mean(np.abs(y[va] - model.predict(X[va])))``, a loop of fold errors, a
pandas expression) calls no library function the tracer follows, so the estimate the candidate reports
rests on no traced evaluation and the leak checks could not judge it. But the tracer kept what each of
the candidate's own ``predict`` calls returned and which training rows it was for, and heldout holds
those rows' labels: it computes the metrics the task admits on those predictions, alone or as a fold
mean over consecutive calls of one line, and where one of them is the reported estimate, that is the
evaluation behind it (folds pooled into one array before scoring are not matched yet). The match is on
the value, so it holds whatever code computed it; it is added to the trace as metric events marked
``recomputed``, after every real one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn import metrics as sk

from heldout.checks.base import CheckContext
from heldout.checks.evaluations import MOST_SCORES_PER_FOLD
from heldout.checks.holdout import holdout_truth
from heldout.manifest import Manifest
from heldout.metric_names import normalise_metric
from heldout.trace.model import Event, Trace

__all__ = ["pooled_value", "recomputed_evaluations"]

_REGRESSION: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mean_absolute_error": sk.mean_absolute_error,
    "root_mean_squared_error": sk.root_mean_squared_error,
    "mean_squared_error": sk.mean_squared_error,
    "median_absolute_error": sk.median_absolute_error,
    "r2_score": sk.r2_score,
    "mean_absolute_percentage_error": sk.mean_absolute_percentage_error,
}
_RANKING: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "roc_auc_score": sk.roc_auc_score,
    "average_precision_score": sk.average_precision_score,
    "brier_score_loss": sk.brier_score_loss,
    "log_loss": sk.log_loss,
}
_LABELS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy_score": sk.accuracy_score,
    "balanced_accuracy_score": sk.balanced_accuracy_score,
    "f1_score": sk.f1_score,
    "precision_score": sk.precision_score,
    "recall_score": sk.recall_score,
}
_MOST_CALLS = 20  # consecutive predict calls of one line that a fold loop may make


def recomputed_evaluations(ctx: CheckContext) -> list[dict[str, Any]]:
    """Raw metric events (ids after the trace's last) for predictions whose metric is a number the
    notebook reported (its estimate, a score in its experiment log) that no traced metric explains."""
    targets = [
        value
        for value in _reported_numbers(ctx)
        if not ctx.analysis.events_valued(value)  # a traced metric computed it: nothing to recompute
    ]
    calls = _predictions(ctx.trace, ctx.manifest, ctx.train_labels) if targets else []
    if not calls:
        return []
    functions = _metrics(ctx.manifest, ctx.report)
    values: dict[str, dict[int, float]] = {}
    for name, function in functions.items():
        scored = ((call, _one(function, call.truth, call.scores)) for call in calls)
        values[name] = {id(call): value for call, value in scored if value is not None}
    chosen: dict[tuple[str, int], tuple[_Call, float]] = {}
    for target in targets:
        tolerance = max(5e-4, 5e-4 * abs(target))
        best: tuple[float, str, list[_Call]] | None = None
        for name, by_call in values.items():
            for chunk in _candidates([call for call in calls if id(call) in by_call]):
                gap = abs(float(np.mean([by_call[id(call)] for call in chunk])) - target)
                if gap <= tolerance and (best is None or gap < best[0]):
                    best = (gap, name, chunk)
        if best is not None:
            _, name, chunk = best
            for call in chunk:
                chosen[(name, call.event.id)] = (call, values[name][id(call)])
    first_id = len(ctx.trace.events)
    matched = [
        {
            "id": first_id + i,
            "kind": "metric",
            "parent": None,
            "cell": call.event.cell,
            "line": call.event.line,
            "metric": name,
            "via": "function",
            "recomputed": True,
            "rows": call.event.get("rows"),
            "n_rows": len(call.truth),
            "pred_producer": call.event.id,
            "inputs": [call.event.id],
            "truth_producer": None,
            "value": value,
        }
        for i, ((name, _), (call, value)) in enumerate(sorted(chosen.items(), key=lambda item: item[0][1]))
    ]
    explained = {e["value"] for e in matched}
    left = [t for t in targets if not any(abs(t - v) <= max(5e-4, 5e-4 * abs(t)) for v in explained)]
    if _is_regression(ctx.manifest) and left:
        matched += _trivial_rules(ctx, calls, functions, left, first_id + len(matched))
    return matched


def _is_regression(manifest: Manifest) -> bool:
    return manifest.task == "regression"


def _trivial_rules(
    ctx: CheckContext,
    calls: list[_Call],
    functions: Mapping[str, Callable[[np.ndarray, np.ndarray], float]],
    targets: list[float],
    first_id: int,
) -> list[dict[str, Any]]:
    """A baseline predicted without a model (``np.full(n, np.median(y_train))``) and scored by hand
    leaves no predict to recompute from; but a fold loop that scored a model leaves its folds. On those
    folds heldout scores the trivial rules itself (the mean and the median of each fold's training
    rows, the other folds of the loop), and a reported number that one of them gives, to rounding, is
    that baseline's evaluation: judged by what its predictions are, whatever wrote them."""
    events: list[dict[str, Any]] = []
    labels = np.asarray(ctx.train_labels, dtype=np.float64)
    for chunk in (c for c in _candidates(calls) if len(c) >= 2):
        union = frozenset().union(*(call.rows for call in chunk))
        for rule, summary in (("median", np.median), ("mean", np.mean)):
            constants = [
                float(summary(labels[sorted(union - call.rows)])) if union - call.rows else None
                for call in chunk
            ]
            if any(c is None for c in constants):
                continue
            for name, function in functions.items():
                scores = [
                    _one(function, call.truth, np.full(len(call.truth), constant))
                    for call, constant in zip(chunk, constants, strict=True)
                ]
                if any(v is None for v in scores):
                    continue
                mean = float(np.mean(scores))
                hit = [t for t in targets if abs(mean - t) <= max(5e-4, 5e-4 * abs(t))]
                if not hit:
                    continue
                targets = [t for t in targets if t not in hit]
                for call, constant, value in zip(chunk, constants, scores, strict=True):
                    events.append(
                        {
                            "id": first_id + len(events),
                            "kind": "metric",
                            "parent": None,
                            "cell": None,
                            "line": None,
                            "metric": name,
                            "via": "function",
                            "recomputed": True,
                            "trivial_rule": rule,
                            "constant_prediction": constant,
                            "rows": call.event.get("rows"),
                            "n_rows": len(call.truth),
                            "pred_producer": None,
                            "inputs": [],
                            "truth_producer": None,
                            "value": value,
                        }
                    )
                if not targets:
                    return events
    return events


def pooled_value(ctx: CheckContext, metric: str, predicts: list[Event]) -> float | None:
    """``metric`` (scikit-learn's name) on the outputs of ``predicts`` pooled, against their rows'
    labels; None when heldout does not know the metric or did not keep every output."""
    function = _metrics_all(ctx.manifest).get(normalise_metric(metric))
    if function is None:
        return None
    calls = {call.event.id: call for call in _predictions(ctx.trace, ctx.manifest, ctx.train_labels)}
    if any(event.id not in calls for event in predicts):
        return None
    chosen = [calls[event.id] for event in predicts]
    return _one(
        function, np.concatenate([c.truth for c in chosen]), np.concatenate([c.scores for c in chosen])
    )


def _reported_numbers(ctx: CheckContext) -> list[float]:
    numbers = []
    estimate = (ctx.report or {}).get("estimate")
    if isinstance(estimate, float):
        numbers.append(estimate)
    for entry in ctx.experiments or []:
        score = entry.get("score") if isinstance(entry, Mapping) else None
        if isinstance(score, float) and score not in numbers:
            numbers.append(score)
    return [n for n in numbers if np.isfinite(n)]


class _Call:
    """One predict of the candidate's on training rows: its event, the labels and its scores."""

    def __init__(self, event: Event, truth: np.ndarray, scores: np.ndarray, rows: frozenset[int]) -> None:
        self.event, self.truth, self.scores, self.rows = event, truth, scores, rows


def _predictions(trace: Trace, manifest: Manifest, train_labels: np.ndarray) -> list[_Call]:
    calls = []
    for event in trace.of_kind("predict"):
        if event.parent is not None or event.get("values") is None:
            continue
        rows = trace.rows(event.get("rows"))
        scores = trace.array(event.get("values"))
        if rows is None or scores is None or len(rows) != len(scores) or not len(rows):
            continue
        if rows.min() < 0 or rows.max() >= len(train_labels):
            continue  # synthetic rows or another file's: no label heldout holds
        truth = holdout_truth(train_labels[rows], manifest.task, manifest.dataset.positive_label)
        calls.append(_Call(event, truth, scores.astype(np.float64), frozenset(rows.tolist())))
    return calls


def _metrics_all(manifest: Manifest) -> dict[str, Callable[[np.ndarray, np.ndarray], float]]:
    return dict(_REGRESSION) if manifest.task == "regression" else {**_RANKING, **_LABELS}


def _metrics(
    manifest: Manifest, report: Mapping[str, Any] | None
) -> dict[str, Callable[[np.ndarray, np.ndarray], float]]:
    """The declared metric when heldout knows it, else every metric of the task."""
    known = _metrics_all(manifest)
    declared = (report or {}).get("metric")
    name = (
        normalise_metric(declared) if isinstance(declared, str) else normalise_metric(manifest.holdout.metric)
    )
    return {name: known[name]} if name in known else known


def _candidates(calls: list[_Call]) -> list[list[_Call]]:
    """Each call alone, and runs of consecutive calls of one line on disjoint rows (a fold loop)."""
    found: list[list[_Call]] = [[call] for call in calls]
    lines: dict[tuple[int | None, int | None], list[_Call]] = {}
    for call in calls:
        lines.setdefault((call.event.cell, call.event.line), []).append(call)
    for series_all in lines.values():
        for stride in range(1, min(len(series_all), MOST_SCORES_PER_FOLD) + 1):
            for offset in range(stride):
                series = series_all[offset::stride]
                for size in range(2, min(len(series), _MOST_CALLS) + 1):
                    for start in range(len(series) - size + 1):
                        chunk = series[start : start + size]
                        if _disjoint(chunk):
                            found.append(chunk)
    return found


def _disjoint(calls: list[_Call]) -> bool:
    return all(a.rows.isdisjoint(b.rows) for i, a in enumerate(calls) for b in calls[i + 1 :])


def _one(
    function: Callable[[np.ndarray, np.ndarray], float], truth: np.ndarray, scores: np.ndarray
) -> float | None:
    if function in _LABELS.values() and not np.isin(scores, (0.0, 1.0)).all():
        return None  # probabilities are not labels: a label metric on them is not what anyone computed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = float(function(truth, scores))
    except (ValueError, TypeError, ZeroDivisionError):
        return None
    return value if np.isfinite(value) else None
