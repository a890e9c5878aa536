"""Facts about the fitted model the grader scores, read in the kernel after the last cell.

Iterative learners (SGD, MLP, logistic regression's solvers, boosting with early stopping) say how many
iterations they ran (``n_iter_``) against how many they were allowed (``max_iter``), and some keep the
loss of every epoch (``loss_curve_``) or their validation scores (``validation_scores_``). Whether the
optimiser stopped because it converged or because it ran out of iterations is a fact about the object,
so it is read from the object, never from the trace. For scenarios that grade a capacity diagnosis, the
model's predictions on its own training rows are taken too (training error against holdout error).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["iterative_steps", "model_facts"]

_MAX_STEPS = 20
_MAX_CURVE = 500


def _parts(model: Any, path: str, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """The model and every estimator inside it (Pipeline steps, a search's best estimator, wrapped
    regressors), with a path a candidate recognises ("model.steps[2]", "model.best_estimator_")."""
    if depth > 6:
        return
    yield path, model
    steps = getattr(model, "steps", None)
    if isinstance(steps, list):
        for step in steps:
            if isinstance(step, tuple) and len(step) == 2:
                yield from _parts(step[1], f"{path}[{step[0]!r}]", depth + 1)
    for attribute in ("best_estimator_", "regressor_", "estimator_", "final_estimator_"):
        inner = getattr(model, attribute, None) if _has_plain(model, attribute) else None
        if inner is not None and inner is not model:
            yield from _parts(inner, f"{path}.{attribute}", depth + 1)


def _has_plain(obj: Any, attribute: str) -> bool:
    """Whether ``attribute`` is set on the object (not a property that could run the candidate's code)."""
    try:
        return attribute in vars(obj)
    except TypeError:
        return False


def _finite_list(values: Any, most: int) -> list[float] | None:
    try:
        array = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    if array.size == 0:
        return None
    if array.size > most:  # keep the shape of a long curve: evenly spaced points and the last one
        keep = np.unique(np.linspace(0, array.size - 1, most).round().astype(int))
        array = array[keep]
    return [float(v) if math.isfinite(v) else None for v in array]


def iterative_steps(model: Any) -> list[dict[str, Any]]:
    """One record per estimator inside ``model`` that ran an iterative optimiser."""
    steps = []
    for path, part in _parts(model, "model"):
        if len(steps) >= _MAX_STEPS or not _has_plain(part, "n_iter_"):
            continue
        try:
            params = part.get_params(deep=False)
        except Exception:  # an estimator of the candidate's own may raise anything
            params = {}
        max_iter = params.get("max_iter")
        n_iter = np.asarray(vars(part)["n_iter_"]).ravel()
        if n_iter.size == 0 or not np.issubdtype(n_iter.dtype, np.number):
            continue
        record: dict[str, Any] = {
            "path": path,
            "estimator": type(part).__name__,
            "n_iter": int(n_iter.max()),
            "max_iter": int(max_iter) if isinstance(max_iter, (int, np.integer)) else None,
            "early_stopping": bool(params.get("early_stopping", False)),
            "tol": float(params["tol"]) if isinstance(params.get("tol"), (int, float)) else None,
        }
        for key, attribute in (("loss_curve", "loss_curve_"), ("validation_scores", "validation_scores_")):
            if _has_plain(part, attribute):
                record[key] = _finite_list(vars(part)[attribute], _MAX_CURVE)
        steps.append(record)
    return steps


def model_facts(model: Any, training_features: Callable[[], Any] | None) -> dict[str, Any]:
    """What the checks read about the final model: its iterative steps and, when asked (a callable that
    returns the training rows as the model takes them), its predictions on those rows."""
    facts: dict[str, Any] = {"iterative": [], "problem": None}
    if model is None:
        return facts
    try:
        facts["iterative"] = iterative_steps(model)
    except Exception as error:  # the candidate's objects may raise anything: it becomes a finding
        facts["problem"] = f"{type(error).__name__}: {str(error)[:200]}"
    if training_features is not None and hasattr(model, "predict"):
        try:
            predictions = np.asarray(model.predict(training_features()), dtype=np.float64).ravel()
            facts["train_predictions"] = predictions.tolist()
        except Exception as error:
            facts["train_problem"] = f"{type(error).__name__}: {str(error)[:200]}"
    return facts
