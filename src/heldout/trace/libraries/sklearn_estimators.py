"""scikit-learn and imbalanced-learn estimators: every fit, transform, prediction and ``score``.

Each estimator method (``fit``, ``fit_transform``, ``fit_resample``, ``transform``, ``predict*``,
``score`` ...) is wrapped on the class that defines it, for every estimator class loaded and every class
defined later (``BaseEstimator.__init_subclass__``) and their mixins, so calls made by Pipelines and
searches are seen too. Parallel joblib workers would run outside the tracer, so joblib runs sequentially.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import sys
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from heldout.trace.column_probe import MAX_COLUMNS, column_probe
from heldout.trace.hooks import Frame, all_subclasses, as_float
from heldout.trace.hookset import HookSet
from heldout.trace.lineage import Lineage
from heldout.trace.patching import Patch, first, length

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["ESTIMATOR_METHODS", "FIT_METHODS", "HOOKS", "record_prediction_values"]

FIT_METHODS = ("fit", "partial_fit", "fit_transform", "fit_resample", "fit_predict")
PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
ESTIMATOR_METHODS = (*FIT_METHODS, "transform", *PREDICT_METHODS, "score")


def install(tracer: Tracer) -> None:
    import joblib
    import sklearn.base
    import sklearn.pipeline

    try:
        import imblearn.over_sampling
        import imblearn.pipeline
        import imblearn.under_sampling  # noqa: F401
    except ImportError:
        pass

    # Parallel workers are other processes the tracer cannot see into.
    joblib.parallel_config(backend="sequential")
    wrap = _ClassWrapper()
    for cls in all_subclasses(sklearn.base.BaseEstimator):
        wrap(tracer, cls)
    _hook_new_classes(tracer, sklearn.base.BaseEstimator, wrap)
    _hook_duck_typed_classes(tracer, sklearn.base.BaseEstimator, wrap)


HOOKS = HookSet("scikit-learn estimators", "sklearn.base", install)


class _ClassWrapper:
    """Wraps the estimator methods of a class and of every class in its MRO, each class once."""

    def __init__(self) -> None:
        from sklearn.utils._available_if import _AvailableIfDescriptor

        self.descriptor = _AvailableIfDescriptor
        self.done: set[type] = set()

    def __call__(self, tracer: Tracer, cls: type) -> None:
        for klass in cls.__mro__[:-1]:
            if klass in self.done:
                continue
            self.done.add(klass)
            for name in ESTIMATOR_METHODS:
                member = klass.__dict__.get(name)
                if isinstance(member, self.descriptor):
                    if not getattr(member.fn, "__heldout__", False):
                        tracer.patch(klass, name, _method_wrapper(tracer, name, member.fn), True)
                elif inspect.isfunction(member) and not getattr(member, "__heldout__", False):
                    tracer.patch(klass, name, _method_wrapper(tracer, name, member))


def _method_wrapper(tracer: Tracer, name: str, original: Callable) -> Callable:
    return tracer.method_wrapper(original, functools.partial(_on_method, name))


def _hook_new_classes(tracer: Tracer, base: type, wrap: _ClassWrapper) -> None:
    tracer_ref = weakref.ref(tracer)
    inherited = base.__dict__.get("__init_subclass__")

    def __init_subclass__(cls: type, **kwargs: Any) -> None:
        if inherited is not None:
            inherited.__func__(cls, **kwargs)
        else:
            super(base, cls).__init_subclass__(**kwargs)
        tracer = tracer_ref()
        if tracer is not None and tracer.installed:
            wrap(tracer, cls)

    patch = Patch(base, "__init_subclass__", inherited, classmethod(__init_subclass__))
    base.__init_subclass__ = patch.wrapper
    # Undoing must restore "no own __init_subclass__", which setattr(None) would not.
    patch.undo = lambda: (  # type: ignore[method-assign]
        delattr(base, "__init_subclass__")
        if inherited is None
        else setattr(base, "__init_subclass__", inherited)
    )
    tracer.add_patch(patch)


def _hook_duck_typed_classes(tracer: Tracer, base: type, wrap: _ClassWrapper) -> None:
    """A class the candidate writes with ``fit`` and ``predict`` (or ``predict_proba``, ``transform``)
    is an estimator whether or not it derives from scikit-learn's: a logistic regression solved by hand
    in NumPy, a wrapper that holds a model. Its methods are wrapped as an estimator's when the class
    statement runs in the candidate's code; library classes are left alone (statsmodels, for one, has
    its own hooks)."""
    import builtins

    original = builtins.__build_class__
    tracer_ref = weakref.ref(tracer)

    def __build_class__(func: Callable, name: str, *bases: Any, **kwargs: Any) -> Any:
        cls = original(func, name, *bases, **kwargs)
        tracer = tracer_ref()
        if tracer is None or not tracer.installed or not isinstance(cls, type):
            return cls
        try:
            if _duck_typed_estimator(cls, base) and tracer.called_from_user(sys._getframe(1)):
                wrap(tracer, cls)
        except Exception as error:  # heldout's bookkeeping: the class is the candidate's as written
            tracer.hook_failed(original, error)
        return cls

    tracer.patch(builtins, "__build_class__", __build_class__)


def _duck_typed_estimator(cls: type, base: type) -> bool:
    if issubclass(cls, base) or not callable(getattr(cls, "fit", None)):
        return False
    return any(callable(getattr(cls, method, None)) for method in (*PREDICT_METHODS, "transform"))


def _on_method(
    name: str, tracer: Tracer, original: Callable, obj: Any, args: tuple, kwargs: dict[str, Any]
) -> Any:
    top = tracer.top()
    if top is not None and (top.obj == id(obj) or top.kind == "metric"):
        return original(obj, *args, **kwargs)
    X = first(args, kwargs, 0, "X")
    if name in FIT_METHODS:
        return _on_fit(tracer, name, original, obj, X, first(args, kwargs, 1, "y"), args, kwargs)
    if name == "score":
        return _on_score(tracer, original, obj, X, first(args, kwargs, 1, "y"), args, kwargs)
    lin_x = tracer.lineage.resolve(X)
    kind = "transform" if name == "transform" else "predict"
    event = tracer.event(
        kind,
        method=name,
        estimator=type(obj).__name__,
        obj=tracer.object_key(obj),
        fit_event=tracer.fit_event_of(obj),
        rows=tracer.rows(lin_x),
        n_rows=length(X),
        inputs=tracer.inputs(lin_x),
    )
    result = tracer.run(Frame(event["id"], id(obj), kind), lambda: original(obj, *args, **kwargs))
    if lin_x is not None:
        output = Lineage(lin_x.rows, event["id"])
        if kind == "predict":
            tracer.lineage.add_prediction(result, output)
            if top is None:
                record_prediction_values(tracer, event, result)
        else:
            tracer.lineage.register(result, output)
    elif kind == "predict":
        tracer.lineage.add_rowless_prediction(result, event["id"])
    return result


def record_prediction_values(tracer: Tracer, event: dict[str, Any], result: Any) -> None:
    """Keep the scores a top-level predict returned (a binary classifier's positive column)."""
    if not isinstance(result, np.ndarray) or result.dtype.kind not in "biuf":
        return
    values = result
    if values.ndim == 2 and values.shape[1] == 2:
        values = values[:, 1]
    if values.ndim != 1 or len(values) > tracer.prediction_values_left:
        return
    tracer.prediction_values_left -= len(values)
    event["values"] = tracer.recorder.array(values)


def _on_fit(
    tracer: Tracer,
    name: str,
    original: Callable,
    obj: Any,
    X: Any,
    y: Any,
    args: tuple,
    kwargs: dict[str, Any],
) -> Any:
    lin_x = tracer.lineage.resolve(X)
    lin_y = tracer.lineage.resolve(y) if y is not None else None
    fields: dict[str, Any] = {"takes_cv": True} if getattr(obj, "cv", None) is not None else {}
    top = tracer.top()
    if top is None or top.kind == "cv":
        # What the candidate chose, for checks that compare experiments and name features; fits
        # made inside another estimator are the library's, and too many to describe cheaply.
        fields["config"], fields["config_key"] = _config(obj)
        target = getattr(y, "name", None) if hasattr(y, "iloc") else None
        if isinstance(target, str):  # what the model learns to predict, by the label's column name
            fields["target"] = target
        columns = _columns(X)
        if columns is not None:
            fields["columns"] = columns
        probe = column_probe(X)
        if probe is not None:
            fields["column_probe"] = probe
    event = tracer.event(
        "fit",
        method=name,
        estimator=type(obj).__name__,
        obj=tracer.object_key(obj),
        role=_role(obj),
        rows=tracer.rows(lin_x if lin_x is not None else lin_y),
        n_rows=length(X),
        inputs=tracer.inputs(lin_x, lin_y),
        **fields,
    )
    result = tracer.run(Frame(event["id"], id(obj), "fit"), lambda: original(obj, *args, **kwargs))
    tracer.remember_fit(obj, event["id"])
    best = getattr(obj, "best_estimator_", None) if event.get("role") == "search" else None
    if best is not None:
        # What the search chose: an estimator later built with these settings was chosen on the
        # rows this search saw, whatever object it is.
        event["chosen"], event["chosen_key"] = _config(best)
    base = lin_x if lin_x is not None else lin_y
    if name == "fit_resample" and isinstance(result, tuple) and len(result) >= 2:
        rows_out = tracer._resampled_rows(obj, X, result[0], base)
        if rows_out is not None:
            event["rows_out"] = tracer.recorder.rowset(rows_out)
            event["n_synthetic"] = int((rows_out < 0).sum())
            output = Lineage(rows_out, event["id"])
            tracer.lineage.register(result[0], output)
            tracer.lineage.register(result[1], output)
        event["n_out"] = length(result[0])
    elif name in ("fit_transform", "fit_predict") and base is not None:
        tracer.lineage.register(result, Lineage(base.rows, event["id"]))
    return result


def _on_score(
    tracer: Tracer, original: Callable, obj: Any, X: Any, y: Any, args: tuple, kwargs: dict[str, Any]
) -> Any:
    lin_x = tracer.lineage.resolve(X)
    lin_y = tracer.lineage.resolve(y)
    event = tracer.event(
        "metric",
        metric="score",
        via="score_method",
        estimator=type(obj).__name__,
        fit_event=tracer.fit_event_of(obj),
        rows=tracer.rows(lin_y if lin_y is not None else lin_x),
        n_rows=length(y),
        inputs=tracer.inputs(lin_x),
        truth_producer=None if lin_y is None else lin_y.producer,
        threshold_dependent=True,
    )
    value = tracer.run(Frame(event["id"], id(obj), "metric"), lambda: original(obj, *args, **kwargs))
    event["value"] = as_float(value)
    return value


def _role(obj: Any) -> str:
    from sklearn.feature_selection import SelectorMixin
    from sklearn.model_selection._search import BaseSearchCV

    if hasattr(obj, "steps"):
        return "pipeline"
    if isinstance(obj, BaseSearchCV):
        return "search"
    if hasattr(obj, "fit_resample"):
        return "sampler"
    if isinstance(obj, SelectorMixin):
        return "selector"
    if hasattr(obj, "transform") and not hasattr(obj, "predict"):
        return "transformer"
    return "model"


_CONFIG_CHARS = 400


def _config(obj: Any) -> tuple[str, str]:
    """The estimator as scikit-learn prints it (only parameters changed from their defaults), cut for
    messages, and a digest of all of it: two pipelines that differ past the cut are two models."""
    try:
        # The default repr holds a memory address: no two runs would agree.
        default_repr = type(obj).__repr__ is object.__repr__
        text = _settings(obj) if default_repr else " ".join(repr(obj).split())
    except Exception:  # a candidate's class may have any __repr__
        text = type(obj).__name__
    return text[:_CONFIG_CHARS], hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _settings(obj: Any) -> str:
    """``NewtonLogit(l2=1.0, iterations=50)``: a duck-typed estimator by its plain attributes."""
    attributes = getattr(obj, "__dict__", {})
    plain = [
        f"{name}={value!r}"
        for name, value in attributes.items()
        if not name.startswith("_") and not name.endswith("_") and isinstance(value, str | int | float | bool)
    ]
    return f"{type(obj).__name__}({', '.join(plain)})"


def _columns(X: Any) -> list[str] | None:
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(columns, "__len__") or len(columns) > MAX_COLUMNS:
        return None
    try:
        return [str(name)[:100] for name in columns]
    except Exception:
        return None
