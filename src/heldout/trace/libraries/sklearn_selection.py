"""scikit-learn's model selection: splitters, ``train_test_split``, cross-validation, and the indexing
that carries row identity into every fold.

``split`` is wrapped on every cross-validation splitter class, ``train_test_split`` and the
cross-validation functions under every name a module binds them to, and ``_safe_indexing``, the one
function scikit-learn uses to cut rows out of X and y inside ``train_test_split`` and cross-validation.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from heldout.trace import hooks as _hooks
from heldout.trace.hooks import Frame, all_subclasses, as_float
from heldout.trace.hookset import HookSet
from heldout.trace.lineage import Lineage
from heldout.trace.patching import first, hide_original, length

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["HOOKS"]

_SPLITTER_STRATIFIED = frozenset(
    {"StratifiedKFold", "StratifiedShuffleSplit", "StratifiedGroupKFold", "RepeatedStratifiedKFold"}
)


def install(tracer: Tracer) -> None:
    import sklearn.model_selection._split as split_module
    import sklearn.model_selection._validation as validation
    from sklearn.utils import _indexing

    for base in (
        split_module.BaseCrossValidator,
        split_module.BaseShuffleSplit,
        split_module._RepeatedSplits,
    ):
        for cls in (base, *all_subclasses(base)):
            if "split" in cls.__dict__ and inspect.isfunction(cls.__dict__["split"]):
                tracer.patch(cls, "split", _split_wrapper(cls.__dict__["split"]))
    everywhere: dict[Callable, Callable] = {
        split_module.train_test_split: tracer.function_wrapper(
            split_module.train_test_split, _on_train_test_split
        ),
        _indexing._safe_indexing: tracer.function_wrapper(_indexing._safe_indexing, _on_safe_indexing),
    }
    for name in ("cross_validate", "cross_val_score", "cross_val_predict"):
        original = getattr(validation, name)
        everywhere[original] = tracer.function_wrapper(
            original, functools.partial(_on_cross_validation, name)
        )
    tracer.patch_everywhere(everywhere)


HOOKS = HookSet("scikit-learn model selection", "sklearn.model_selection", install)


def _split_wrapper(original: Callable) -> Callable:
    @functools.wraps(original)
    def traced(splitter: Any, *args: Any, **kwargs: Any) -> Iterator:
        tracer = _hooks._ACTIVE
        top = tracer.top() if tracer is not None else None
        if (
            tracer is None
            or not tracer.enabled
            or id(splitter) in tracer.splitting
            or (top is not None and top.kind in ("split", "metric"))
        ):
            # Inside train_test_split the splitter is its machinery, not a second split.
            yield from original(splitter, *args, **kwargs)
            return
        yield from _on_split(tracer, original, splitter, args, kwargs)

    return hide_original(traced, original)


def _on_split(
    tracer: Tracer, original: Callable, splitter: Any, args: tuple, kwargs: dict[str, Any]
) -> Iterator:
    X = first(args, kwargs, 0, "X")
    y = first(args, kwargs, 1, "y")
    groups = first(args, kwargs, 2, "groups")
    lin_x = tracer.lineage.resolve(X)
    lin_y = tracer.lineage.resolve(y) if y is not None else None
    tracer.splitting.add(id(splitter))
    try:
        event = tracer.event(
            "split",
            splitter=type(splitter).__name__,
            stratified=type(splitter).__name__ in _SPLITTER_STRATIFIED,
            shuffle=getattr(splitter, "shuffle", None),
            groups=groups is not None,
            n_rows=length(X),
            inputs=tracer.inputs(lin_x, lin_y),
            folds=[],
        )
        base = lin_x if lin_x is not None else lin_y
        for train, test in original(splitter, *args, **kwargs):
            if base is not None and len(event["folds"]) < 1000:
                event.append_to("folds", [tracer.rows(base.take(train)), tracer.rows(base.take(test))])
                for obj, lineage in ((X, lin_x), (y, lin_y)):
                    if lineage is not None and isinstance(obj, np.ndarray):
                        fold_lineage = Lineage(lineage.rows, event["id"])
                        tracer.lineage.add_selection(obj, fold_lineage, train)
                        tracer.lineage.add_selection(obj, fold_lineage, test)
            yield train, test
    finally:
        tracer.splitting.discard(id(splitter))


def _on_train_test_split(tracer: Tracer, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
    if tracer.inside_metric():
        return original(*args, **kwargs)
    lineages = [tracer.lineage.resolve(a) for a in args]
    event = tracer.event(
        "split",
        splitter="train_test_split",
        stratified=kwargs.get("stratify") is not None,
        shuffle=bool(kwargs.get("shuffle", True)),
        groups=False,
        n_rows=length(args[0]) if args else None,
        inputs=tracer.inputs(*lineages),
        folds=[],
    )
    result = tracer.run(Frame(event["id"], 0, "split"), lambda: original(*args, **kwargs))
    if len(result) >= 2:
        train, test = (tracer.lineage.lookup(part) for part in result[:2])
        if train is not None and test is not None:
            event.append_to("folds", [tracer.rows(train), tracer.rows(test)])
    return result


def _on_safe_indexing(tracer: Tracer, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
    result = original(*args, **kwargs)
    X = first(args, kwargs, 0, "X")
    indices = first(args, kwargs, 1, "indices")
    axis = first(args, kwargs, 2, "axis") or 0
    lineage = tracer.lineage.resolve(X)
    if lineage is None or indices is None:
        return result
    if axis == 1:
        tracer.lineage.register(result, lineage)
        return result
    top = tracer.top()
    selected = lineage.take(indices)
    if top is not None and top.kind == "split":
        selected = Lineage(selected.rows, top.event)
    tracer.lineage.register(result, selected)
    return result


def _on_cross_validation(
    name: str, tracer: Tracer, original: Callable, args: tuple, kwargs: dict[str, Any]
) -> Any:
    if any(frame.kind in ("cv", "metric") for frame in tracer.stack):
        return original(*args, **kwargs)
    estimator = first(args, kwargs, 0, "estimator")
    X = first(args, kwargs, 1, "X")
    y = first(args, kwargs, 2, "y")
    lin_x = tracer.lineage.resolve(X)
    lin_y = tracer.lineage.resolve(y)
    # The target by its column name: the library hands each fold's fit a NumPy copy, which has none.
    target = getattr(y, "name", None) if hasattr(y, "iloc") else None
    event = tracer.event(
        "cv",
        function=name,
        estimator=type(estimator).__name__,
        rows=tracer.rows(lin_x if lin_x is not None else lin_y),
        n_rows=length(X),
        inputs=tracer.inputs(lin_x, lin_y),
        **({"target": target} if isinstance(target, str) else {}),
    )
    result = tracer.run(Frame(event["id"], 0, "cv"), lambda: original(*args, **kwargs))
    if name == "cross_val_predict" and lin_x is not None:
        tracer.lineage.add_prediction(result, Lineage(lin_x.rows, event["id"]))
    elif name == "cross_val_score":
        event["values"] = [as_float(v) for v in np.ravel(result)]
    elif name == "cross_validate" and isinstance(result, dict):
        event["values"] = {
            k: [as_float(v) for v in np.ravel(vals)] for k, vals in result.items() if k.startswith("test_")
        }
    return result
