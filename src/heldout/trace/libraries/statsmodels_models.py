"""statsmodels' models: every ``fit`` (OLS, GLM, Logit, QuantReg ...) and every prediction of its results.

A statsmodels model is given its data when it is built (``sm.OLS(y, X)``, ``smf.logit(formula, df)``)
and learns from it in ``fit``, which returns a results object whose ``predict`` scores new rows. The
fit event records the rows of the model's own copy of its inputs (``model.data.orig_exog``: the frame or
array the candidate passed, or the design matrix a formula built, which keeps the frame's labels), so
the checks see a statsmodels fit and its predictions exactly as they see scikit-learn's.

Installed when the candidate's code imports ``statsmodels.base.model`` (``statsmodels.api`` and the
formula API do), never before. Fits a statsmodels model makes inside another fit (GLM's IRLS, a
scikit-learn wrapper's ``fit``) belong to that fit and are not recorded.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from heldout.trace.hooks import Frame, all_subclasses
from heldout.trace.hookset import HookSet
from heldout.trace.libraries.sklearn_estimators import record_prediction_values
from heldout.trace.lineage import Lineage
from heldout.trace.patching import first, hide_original, length

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["HOOKS"]

_CONFIG_CHARS = 400


def install(tracer: Tracer) -> None:
    import statsmodels.base.model as base

    done: set[type] = set()

    def wrap(cls: type, name: str, handler: Callable) -> None:
        member = cls.__dict__.get(name)
        if inspect.isfunction(member) and not getattr(member, "__heldout__", False):
            tracer.patch(cls, name, tracer.method_wrapper(member, handler))

    def wrap_models() -> None:
        # statsmodels defines no __init_subclass__ to hook; the classes of its modules imported later
        # are wrapped when their first model is built (Model.__init__ below sees their class).
        for cls in (base.Model, *all_subclasses(base.Model)):
            if cls not in done:
                done.add(cls)
                wrap(cls, "fit", _on_fit)

    wrap_models()
    for cls in (base.Results, *all_subclasses(base.Results)):
        wrap(cls, "predict", _on_predict)

    original_init = base.Model.__init__

    def model_init(obj: Any, *args: Any, **kwargs: Any) -> None:
        original_init(obj, *args, **kwargs)
        if type(obj) not in done and tracer.installed:
            try:
                wrap_models()
                for cls in (base.Results, *all_subclasses(base.Results)):
                    wrap(cls, "predict", _on_predict)
            except Exception as error:  # heldout's bookkeeping: the candidate's model is built
                tracer.hook_failed(original_init, error)

    tracer.patch(
        base.Model, "__init__", hide_original(functools.wraps(original_init)(model_init), original_init)
    )


HOOKS = HookSet("statsmodels models", "statsmodels.base.model", install, eager=False)


def _on_fit(tracer: Tracer, original: Callable, obj: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    top = tracer.top()
    if top is not None and top.kind != "cv":
        return original(obj, *args, **kwargs)  # the library's own fit, or a wrapper's
    data = getattr(obj, "data", None)
    X = getattr(data, "orig_exog", None)
    y = getattr(data, "orig_endog", None)
    lin_x = tracer.lineage.resolve(X) if X is not None else None
    lin_y = tracer.lineage.resolve(y) if y is not None else None
    fields: dict[str, Any] = {}
    fields["config"], fields["config_key"] = _config(obj, kwargs)
    target = getattr(y, "name", None) if hasattr(y, "iloc") else None
    if isinstance(target, str):
        fields["target"] = target
    names = getattr(obj, "exog_names", None)
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        fields["columns"] = [n[:100] for n in names[:200]]
    base = lin_x if lin_x is not None else lin_y
    event = tracer.event(
        "fit",
        method="fit",
        estimator=type(obj).__name__,
        obj=tracer.object_key(obj),
        role="model",
        library="statsmodels",
        rows=tracer.rows(base),
        n_rows=length(X if X is not None else y),
        inputs=tracer.inputs(lin_x, lin_y),
        **fields,
    )
    result = tracer.run(Frame(event["id"], id(obj), "fit"), lambda: original(obj, *args, **kwargs))
    tracer.remember_fit(obj, event["id"])
    tracer.remember_fit(result, event["id"])
    inner = getattr(result, "_results", None)  # a ResultsWrapper hands its methods the inner results
    if inner is not None:
        tracer.remember_fit(inner, event["id"])
    return result


def _on_predict(tracer: Tracer, original: Callable, obj: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    top = tracer.top()
    fit_event = tracer.fit_event_of(obj)
    if (top is not None and top.kind != "cv") or fit_event is None:
        return original(obj, *args, **kwargs)
    X = first(args, kwargs, 0, "exog")
    if X is None:  # in-sample predictions: the rows the model was fitted on
        model = getattr(obj, "model", None)
        X = getattr(getattr(model, "data", None), "orig_exog", None)
    lin_x = tracer.lineage.resolve(X) if X is not None else None
    event = tracer.event(
        "predict",
        method="predict",
        estimator=type(getattr(obj, "model", obj)).__name__,
        obj=tracer.object_key(obj),
        fit_event=fit_event,
        library="statsmodels",
        rows=tracer.rows(lin_x),
        n_rows=length(X),
        inputs=tracer.inputs(lin_x),
    )
    result = tracer.run(Frame(event["id"], id(obj), "predict"), lambda: original(obj, *args, **kwargs))
    if lin_x is not None and length(result) == len(lin_x.rows):
        tracer.lineage.add_prediction(result, Lineage(lin_x.rows, event["id"]))
        if top is None:  # a formula model's predict returns a Series
            record_prediction_values(tracer, event, np.asarray(result) if hasattr(result, "iloc") else result)
    else:
        tracer.lineage.add_rowless_prediction(result, event["id"])
    return result


def _config(model: Any, fit_kwargs: dict[str, Any]) -> tuple[str, str]:
    """The model as a person would name it (its class, formula or inputs, and the fit's options); the
    default repr holds a memory address, so two runs would never agree."""
    formula = getattr(model, "formula", None)
    if isinstance(formula, str):
        inputs = formula
    else:
        names = getattr(model, "exog_names", None) or []
        inputs = ", ".join(str(n) for n in names)
    options = ", ".join(f"{k}={v!r}" for k, v in sorted(fit_kwargs.items()) if _plain(v))
    text = f"{type(model).__name__}({inputs})" + (f".fit({options})" if options else "")
    return text[:_CONFIG_CHARS], hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None))
