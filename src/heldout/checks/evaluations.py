"""Shared reading of a trace: which scores are evaluations, what shaped them, what the report rests on.

An *evaluation* is a metric computed on rows by a model that was not fitted on exactly those rows (a
training score is a diagnostic, not an evaluation). For each evaluation the fits upstream of its
predictions are split in two:

- the *training side*: the model's fit, everything fitted inside it, and whatever produced its training
  data. Any of these that saw an evaluated row leaked that row into the model.
- the *input side*: whatever produced the rows that were predicted. A transformer fitted there on the
  evaluated rows leaks too (``scaler.fit_transform(X_test)``); a resampler there does not leak, it
  changes what is being evaluated, which is a different mistake with a different check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from heldout.metric_names import METRIC_ALIASES, is_error_metric, is_metric_name, normalise_metric
from heldout.trace.model import Event, Trace

if TYPE_CHECKING:
    from heldout.checks.base import CheckContext

__all__ = ["METRIC_ALIASES", "EvaluationAnalysis", "Leak", "normalise_metric"]

_CONTAINERS = ("pipeline", "search")
# They learn the label's vocabulary (which classes exist), nothing about any row: fitted on every label,
# they change no score.
_LABEL_ONLY = frozenset({"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"})
_KNOWN_METRICS = frozenset(METRIC_ALIASES.values())


# Scores a hand-written fold loop may compute in turn per fold (several models, an inner tuning loop).
MOST_SCORES_PER_FOLD = 8


@dataclass(frozen=True)
class Leak:
    fit: Event
    evaluation: Event
    overlap: int
    fit_rows: int
    side: str  # "training" or "input"
    evaluation_label: str  # e.g. "cross_val_score (average_precision_score)"


class EvaluationAnalysis:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.trace: Trace = ctx.trace

    # -- which metric events are evaluations ---------------------------------------------------------
    def prediction_source(self, metric: Event) -> Event | None:
        """The predict (or cross_val_predict) event whose output a metric function scored."""
        if metric.get("via") != "function":
            return None
        producer = metric.get("pred_producer")
        if isinstance(producer, int):
            event = self.trace[producer]
            return event if event.kind in ("predict", "cv") else None
        return self.trace.latest_prediction_on(metric)

    def model_fit(self, metric: Event) -> Event | None:
        fit_id = metric.get("fit_event")
        if fit_id is None:
            source = self.prediction_source(metric)
            if source is not None and source.kind == "predict":
                fit_id = source.get("fit_event")
        return self.trace[fit_id] if isinstance(fit_id, int) else None

    def is_training_score(self, metric: Event) -> bool:
        fit = self.model_fit(metric)
        if fit is None:
            return False
        scored = self.trace.row_set(metric)
        fitted = self.trace.row_set(fit)
        return scored is not None and scored == fitted

    @cached_property
    def evaluations(self) -> list[Event]:
        found = []
        for event in self.trace.of_kind("metric"):
            if event.get("rows") is None:
                continue
            if self.is_training_score(event) and event.id not in self.reported_ids:
                continue
            found.append(event)
        return found

    @cached_property
    def untraced_metrics(self) -> list[Event]:
        return [e for e in self.trace.of_kind("metric") if e.get("rows") is None]

    # -- what shaped each evaluation -----------------------------------------------------------------
    def sides(self, metric: Event) -> tuple[list[Event], list[Event]]:
        """(training side, input side) fits upstream of what this metric scored."""
        source = self.prediction_source(metric)
        if source is not None and source.kind == "cv":
            # Out-of-fold predictions: no fold model saw its own rows, but whatever made the
            # cross-validated data was trained on by every fold.
            return self.trace._closure(source.get("inputs") or [], metric.id), []
        fit = self.model_fit(metric)
        training = [] if fit is None else self.trace._closure([fit.id], metric.id)
        start = (source.get("inputs") if source is not None else metric.get("inputs")) or []
        return training, self.trace._closure(start, metric.id)

    def assembled_from(self, metric: Event) -> list[Event] | None:
        """The predictions a metric of untraced predictions was assembled from (``oof[test] =
        model.predict_proba(X[test])`` in a fold loop): every prediction made before it on its rows
        came from a model that had not seen them, and together they cover its rows. None when any
        prediction on those rows came from a model that had, or the rows are not covered: the scored
        values could then have come from anywhere."""
        if metric.id in self._assembled:
            return self._assembled[metric.id]
        found: list[Event] | None = None
        scored = self.trace.row_set(metric)
        if metric.get("via") == "function" and scored:
            found, covered = [], set()
            for event in self.trace.events[: metric.id]:
                rows = self.trace.row_set(event) if event.kind == "predict" else None
                if not rows or not rows & scored:
                    continue
                fit_id = event.get("fit_event")
                fitted = self.trace.row_set(self.trace[fit_id]) if isinstance(fit_id, int) else None
                if fitted is None or fitted & rows or not rows <= scored:
                    found = None
                    break
                found.append(event)
                covered |= rows
            if found is not None and not (found and covered >= scored):
                found = None
        self._assembled[metric.id] = found
        return found

    @cached_property
    def _assembled(self) -> dict[int, list[Event] | None]:
        return {}

    def assembled_model(self, metric: Event) -> list[Event] | None:
        """The predict calls of one model whose outputs a hand-assembled array held (``oof[va] =
        model.predict(X[va])`` per fold): consecutive calls of one line whose rows partition the scored
        rows, and, where several models' loops qualify, the one whose pooled metric is the metric's value
        (recomputed from the predictions the tracer kept). None when heldout cannot tell."""
        predictions = self.assembled_from(metric)
        scored = self.trace.row_set(metric)
        if not predictions or not scored:
            return None
        lines: dict[tuple[int | None, int | None], list[Event]] = {}
        for event in predictions:
            lines.setdefault((event.cell, event.line), []).append(event)
        candidates: list[list[Event]] = []
        for events in lines.values():
            for stride in range(1, min(len(events), MOST_SCORES_PER_FOLD) + 1):
                for offset in range(stride):
                    series = events[offset::stride]
                    for start in range(len(series)):
                        covered: set[int] = set()
                        for end in range(start, len(series)):
                            rows = self.trace.row_set(series[end]) or frozenset()
                            if rows & covered:
                                break
                            covered |= rows
                            if len(covered) == len(scored):
                                if covered == scored and series[start : end + 1] not in candidates:
                                    candidates.append(series[start : end + 1])
                                break
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        from heldout.checks.recomputed import pooled_value

        value = metric.get("value")
        if not isinstance(value, (int, float)):
            return None
        tolerance = max(1e-6, 1e-6 * abs(float(value)))
        matching = [
            c
            for c in candidates
            if (pooled := pooled_value(self.ctx, str(metric.get("metric")), c)) is not None
            and abs(pooled - abs(float(value))) <= tolerance
        ]
        return matching[0] if len(matching) == 1 else None

    @cached_property
    def untraced_evaluations(self) -> list[Event]:
        """Metrics the candidate ran themselves (not inside a fit) whose rows are unknown."""
        return [e for e in self.untraced_metrics if not self.trace.is_internal(e)]

    def parts(self, metric: Event) -> list[tuple[frozenset[int] | None, Event, list[tuple[Event, str]]]]:
        """What an evaluation scored, piece by piece: (rows, the event that predicted them, the fits
        upstream of those predictions). One piece, the metric itself, unless its predictions were
        assembled by hand from out-of-fold predictions: then each fold's prediction is judged against
        its own rows, as scikit-learn's cross_val_predict is."""
        assembled = self.assembled_from(metric)
        if assembled:
            return [
                (
                    self.trace.row_set(part),
                    part,
                    self._upstream(
                        self.trace._closure([part.get("fit_event")], metric.id),
                        self.trace._closure(part.get("inputs") or [], metric.id),
                    ),
                )
                for part in assembled
            ]
        return [(self.trace.row_set(metric), metric, self._upstream(*self.sides(metric)))]

    def upstream(self, metric: Event) -> list[tuple[Event, str]]:
        """The fits that could have leaked into this evaluation, with their side: what the candidate
        wrote (not containers, label vocabularies or an estimator's own inner fits)."""
        found: dict[int, tuple[Event, str]] = {}
        for _, _, fits in self.parts(metric):
            for fit, side in fits:
                found.setdefault(fit.id, (fit, side))
        return [found[i] for i in sorted(found)]

    def _upstream(self, training: list[Event], input_side: list[Event]) -> list[tuple[Event, str]]:
        training_ids = {f.id for f in training}
        candidates = [(f, "training") for f in training]
        candidates += [
            (f, "input") for f in input_side if f.id not in training_ids and f.get("role") != "sampler"
        ]
        return [
            (fit, side)
            for fit, side in candidates
            if not (
                fit.get("role") in _CONTAINERS or fit.name in _LABEL_ONLY or self._inside_an_estimator(fit)
            )
        ]

    def unknown_fits(self, metric: Event, role: str | None = None) -> list[Event]:
        """Fits upstream of an evaluation whose rows the tracer lost: whether they saw the scored rows
        cannot be told. ``role="sampler"``: those that could hide a sampler, the sampler itself or a
        fit on the training side (a sampler fed rows it cannot follow makes rows no one can follow);
        otherwise every fit but samplers, which are the resampling check's."""
        return [
            fit
            for fit, side in self.upstream(metric)
            if fit.get("rows") is None
            and (
                fit.get("role") == "sampler" or side == "training"
                if role == "sampler"
                else fit.get("role") != "sampler"
            )
        ]

    @cached_property
    def leaks(self) -> list[Leak]:
        found: list[Leak] = []
        for metric in self.evaluations:
            model = self.model_fit(metric)
            seen: set[int] = set()  # a fit that leaked into several folds of one evaluation: once
            for scored, _, fits in self.parts(metric):
                if not scored:
                    continue
                for fit, side in fits:
                    fitted = self.trace.row_set(fit)
                    if not fitted or fit.id in seen:
                        continue
                    overlap = len(fitted & scored)
                    if overlap == 0:
                        continue
                    if model is not None and fit.id == model.id and fitted == scored:
                        continue  # a training score, reported: judged by the reported-estimate rule
                    seen.add(fit.id)
                    found.append(Leak(fit, metric, overlap, len(fitted), side, self.trace.describe(metric)))
        return found

    def _inside_an_estimator(self, fit: Event) -> bool:
        """A fit an estimator made on its own (SMOTE's NearestNeighbors, SMOTENC's encoder): the
        candidate wrote the outer estimator, which is judged, and named, instead."""
        return any(a.kind == "fit" and a.get("role") not in _CONTAINERS for a in self.trace.ancestors(fit))

    def resampled_inputs(self, metric: Event) -> list[Event]:
        """Samplers that made the rows this evaluation scored (truth or predicted rows)."""
        start = [metric.get("truth_producer"), *(metric.get("inputs") or [])]
        events = self.trace.lineage_events([s for s in start if s is not None], metric.id)
        training_ids = {f.id for f in self.sides(metric)[0]}
        return [
            e for e in events if e.kind == "fit" and e.get("role") == "sampler" and e.id not in training_ids
        ]

    # -- the reported estimate -----------------------------------------------------------------------
    @cached_property
    def reported_metric(self) -> str | None:
        report = self.ctx.report or {}
        metric = report.get("metric")
        return normalise_metric(metric) if isinstance(metric, str) else None

    @cached_property
    def estimate_metric(self) -> str | None:
        """The metric the reported estimate is in (scikit-learn's function name), or None if unknown.

        The trace decides first: the metric events whose value (or fold mean) is the estimate say what
        was computed, whatever the report calls it. Failing those, what the report says: its declared
        metric when the contract has a ``metric`` key and it is one heldout knows; without that key the
        contract asks for the estimate in the holdout's metric ("your average precision for July").
        Otherwise (a hand-made function, an untraced number, a name heldout does not know) unknown.
        """
        traced = {self._metric_of(e) for e in self.reported_events}
        if len(traced) == 1 and None not in traced:
            return traced.pop()
        manifest = self.ctx.manifest
        if "metric" not in manifest.contract.report_keys:
            return normalise_metric(manifest.holdout.metric)
        declared = self.reported_metric
        return declared if declared in _KNOWN_METRICS else None

    def _metric_of(self, event: Event) -> str | None:
        name = str(event.get("metric"))
        if name == "score":  # ``estimator.score``: accuracy for a classifier, R² for a regressor
            return "r2_score" if self.ctx.manifest.task == "regression" else "accuracy_score"
        return name if name in _KNOWN_METRICS or is_metric_name(name) else None

    @cached_property
    def reported_ids(self) -> frozenset[int]:
        return frozenset(e.id for e in self.reported_events)

    @cached_property
    def reported_events(self) -> list[Event]:
        """The metric events whose value (or fold mean) is the estimate the candidate reported.

        Events of the declared metric are preferred; failing those, any metric whose value matches
        (a report that says "model score" for what ``.score`` computed is an accuracy).
        """
        estimate = (self.ctx.report or {}).get("estimate")
        if not isinstance(estimate, float):
            return []
        wanted = self.reported_metric
        names = {"accuracy_score", "score"} if wanted == "accuracy_score" else {wanted}
        return self._matching(estimate, names) or self._matching(estimate, None)

    def events_valued(self, value: float) -> list[Event]:
        """The metric events whose value (or fold mean) is ``value``, whatever the metric."""
        return self._matching(value, None)

    def _matching(self, estimate: float, names: set[str | None] | None) -> list[Event]:
        # Errors are reported in their own unit (minutes, euros): allow the rounding a person does.
        tolerance = max(5e-4, 5e-4 * abs(estimate))
        metrics = [
            e
            for e in self.trace.of_kind("metric")
            if e.get("value") is not None and (names is None or e.get("metric") in names)
        ]
        value = self.positive_value
        best: list[Event] = []
        best_gap = tolerance
        for event in metrics:
            gap = abs(value(event) - estimate)
            if gap <= best_gap:
                best, best_gap = [event], gap
        # A cross-validated estimate is the mean over consecutive folds scored under one parent.
        groups: dict[int | None, list[Event]] = {}
        for event in metrics:
            # return_train_score=True interleaves each fold's training score with its test score.
            if event.get("via") == "scorer" and not self.is_training_score(event):
                groups.setdefault(event.parent, []).append(event)
        for parent, events in groups.items():
            folds = self._fold_count(parent)
            if not folds:
                continue
            for start in range(0, len(events) - folds + 1, folds):
                chunk = events[start : start + folds]
                gap = abs(sum(value(e) for e in chunk) / folds - estimate)
                if gap < best_gap:
                    best, best_gap = chunk, gap
                # Or the mean of some consecutive folds of that run: with a forward split, the latest
                # folds are the ones most like the future (np.mean(scores[-3:])).
                for size in range(2, folds):
                    for first in range(folds - size + 1):
                        window = chunk[first : first + size]
                        gap = abs(sum(value(e) for e in window) / size - estimate)
                        if gap < best_gap:
                            best, best_gap = window, gap
        # A hand-written fold loop: the same metric call, run once per fold on disjoint rows.
        loops: dict[tuple, list[Event]] = {}
        for event in metrics:
            if event.get("via") == "function" and event.parent is None:
                loops.setdefault((event.get("metric"), event.cell, event.line), []).append(event)
        for events in loops.values():
            # Every k-th call, when a loop scores k models per fold in turn (one list of scores each).
            for stride in range(1, min(len(events), MOST_SCORES_PER_FOLD) + 1):
                for offset in range(stride):
                    series = events[offset::stride]
                    for size in range(2, min(len(series), 20) + 1):
                        for start in range(len(series) - size + 1):
                            chunk = series[start : start + size]
                            gap = abs(sum(value(e) for e in chunk) / size - estimate)
                            if gap < best_gap and self._disjoint(chunk):
                                best, best_gap = chunk, gap
        return best

    @staticmethod
    def positive_value(event: Event) -> float:
        """The metric's value as a person reports it: scikit-learn's ``neg_*`` scorers negate errors."""
        value = float(event.get("value"))
        if value < 0 and is_error_metric(str(event.get("metric"))):
            return -value
        return value

    def _disjoint(self, events: list[Event]) -> bool:
        seen: set[int] = set()
        for event in events:
            rows = self.trace.row_set(event) or frozenset()
            if not rows or rows & seen:
                return False
            seen |= rows
        return True

    def _fold_count(self, parent: int | None) -> int:
        """Folds of the split that cross-validation (or a search) ran itself: its direct child, not a
        split made inside one of its fits (early stopping has one fold of its own)."""
        if parent is None:
            return 0
        # The first split it made: RepeatedKFold's own (all repeats), not the KFold it runs per repeat.
        for event in self.trace.children(parent):
            if event.kind == "split" and event.get("folds"):
                return len(event.get("folds"))
        return 0

    @cached_property
    def final_rows(self) -> frozenset[int]:
        """Rows behind the reported estimate; without a traceable estimate, every evaluated row
        outside model selection (top-level evaluations)."""
        events = self.reported_events or [
            e for e in self.evaluations if not self.trace.is_internal(e) and e.parent is None
        ]
        rows: set[int] = set()
        for event in events:
            rows |= self.trace.row_set(event) or set()
        return frozenset(rows)
