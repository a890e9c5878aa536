"""scikit-learn metrics: every metric function, under every name a module binds it to, and the scorers
(``scoring="..."`` in searches and cross-validation), which hold their own references to the functions.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from heldout.metric_names import CURVE_METRICS, THRESHOLD_METRICS, is_metric_name
from heldout.trace import hooks as _hooks
from heldout.trace.hooks import Frame, as_float
from heldout.trace.hookset import HookSet
from heldout.trace.patching import first, guarded, hide_original, length

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["HOOKS"]


def install(tracer: Tracer) -> None:
    import sklearn.metrics
    import sklearn.metrics._scorer as scorer_module

    everywhere: dict[Callable, Callable] = {}
    for name in sklearn.metrics.__all__:
        original = getattr(sklearn.metrics, name)
        if inspect.isfunction(original) and is_metric_name(name):
            everywhere[original] = tracer.function_wrapper(original, functools.partial(_on_metric, name))
    tracer.patch_everywhere(everywhere)
    for cls in (scorer_module._Scorer, scorer_module._CurveScorer):
        tracer.patch(cls, "_score", _scorer_wrapper(cls.__dict__["_score"]))


HOOKS = HookSet("scikit-learn metrics", "sklearn.metrics", install)


def _scorer_wrapper(original: Callable) -> Callable:
    @functools.wraps(original)
    def traced(scorer: Any, method_caller: Any, estimator: Any, X: Any, y_true: Any, **kwargs: Any) -> Any:
        tracer = _hooks._ACTIVE
        if tracer is None or not tracer.enabled or tracer.inside_metric():
            return original(scorer, method_caller, estimator, X, y_true, **kwargs)
        return guarded(
            tracer,
            original,
            lambda call, *a, **k: _on_scorer(tracer, call, *a, k),
            scorer,
            method_caller,
            estimator,
            X,
            y_true,
            **kwargs,
        )

    return hide_original(traced, original)


def _on_scorer(
    tracer: Tracer,
    original: Callable,
    scorer: Any,
    method_caller: Any,
    estimator: Any,
    X: Any,
    y_true: Any,
    kwargs: dict[str, Any],
) -> Any:
    lin_x = tracer.lineage.resolve(X)
    lin_y = tracer.lineage.resolve(y_true)
    metric = getattr(getattr(scorer, "_score_func", None), "__name__", "custom_scorer")
    curve = type(scorer).__name__ == "_CurveScorer"
    event = tracer.event(
        "metric",
        metric=metric,
        via="scorer",
        estimator=type(estimator).__name__,
        fit_event=tracer.fit_event_of(estimator),
        rows=tracer.rows(lin_y if lin_y is not None else lin_x),
        n_rows=length(y_true),
        inputs=tracer.inputs(lin_x),
        curve=curve,
        truth_producer=None if lin_y is None else lin_y.producer,
        threshold_dependent=metric in THRESHOLD_METRICS,
    )
    value = tracer.run(
        Frame(event["id"], id(scorer), "metric"),
        lambda: original(scorer, method_caller, estimator, X, y_true, **kwargs),
    )
    event["value"] = as_float(value)
    return value


def _on_metric(name: str, tracer: Tracer, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
    if tracer.inside_metric():
        return original(*args, **kwargs)
    y_true = first(args, kwargs, 0, "y_true", "labels_true")
    y_pred = first(args, kwargs, 1, "y_pred", "y_score", "y_prob", "probas_pred")
    lin_t = tracer.lineage.resolve(y_true)
    lin_p = tracer.lineage.resolve(y_pred)
    fields: dict[str, Any] = {}
    producer = None if lin_p is None else lin_p.producer
    if lin_p is None and lin_t is not None:
        # Predictions of a matrix whose rows heldout cannot tell: the labels say which rows were scored,
        # and the predict that made them says which model.
        producer = tracer.lineage.rowless_producer(y_pred)
    if name in THRESHOLD_METRICS and y_pred is not None:
        fields["pred_digest"] = _digest(y_pred)
    constant = _constant(y_pred)
    if constant is not None:
        fields["constant_prediction"] = constant
    event = tracer.event(
        "metric",
        metric=name,
        via="function",
        rows=tracer.rows(lin_t if lin_t is not None else lin_p),
        n_rows=length(y_true),
        pred_producer=producer,
        inputs=tracer.inputs(lin_p),
        truth_producer=None if lin_t is None else lin_t.producer,
        threshold_dependent=name in THRESHOLD_METRICS,
        curve=name in CURVE_METRICS,
        **fields,
    )
    value = tracer.run(Frame(event["id"], 0, "metric"), lambda: original(*args, **kwargs))
    event["value"] = as_float(value)
    if name in CURVE_METRICS and isinstance(value, tuple):
        event["thresholds"] = tracer.recorder.array(np.asarray(value[-1], dtype=np.float64))
    return value


def _constant(values: Any) -> float | None:
    """The value every prediction shares, when they all do: such predictions are a trivial rule (a
    baseline) by what they are, whatever code made them (``np.full``, a Dummy, a repeated median)."""
    try:
        array = np.asarray(values)
        if array.dtype.kind not in "biuf" or array.ndim != 1 or array.size < 2:
            return None
        first_value = array[0]
        if not np.isfinite(first_value) or not np.all(array == first_value):
            return None
        return float(first_value)
    except (TypeError, ValueError):
        return None


def _digest(values: Any) -> str | None:
    try:
        array = np.ascontiguousarray(np.asarray(values))
    except (TypeError, ValueError):
        return None
    if array.dtype == object:
        return None
    return hashlib.blake2b(array.tobytes(), digest_size=8).hexdigest()
