"""Statistics computed with pandas over rows, and where they are used.

Estimator hooks cannot see ``df.fillna(df.mean())``, ``groupby(key)[target].transform("mean")``,
``clip(upper=df.quantile(.99))`` or ``pd.qcut``. A metamorphic re-run (perturb the evaluated rows,
re-execute, compare) could, but it costs a second run of the whole notebook and needs the evaluated
rows before the first run has shown them. Tracing pandas instead makes each statistic a "fit" (role
``statistic``) over the rows it read, and links it to the frames that use its result, so the leakage
checks judge it exactly like a scaler: same lineage, same messages, one run.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from heldout.pandas_names import ROW_WINDOWS
from heldout.trace import hooks as _hooks
from heldout.trace.hooks import Frame
from heldout.trace.hookset import HookSet
from heldout.trace.lineage import Lineage
from heldout.trace.patching import first, guarded, hide_original, length

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["ARITHMETIC", "GROUP_STATISTICS", "HOOKS", "STATISTICS"]

# pandas reductions that learn from the rows they read (a mean to fill with, a quantile to clip at).
STATISTICS = ("mean", "median", "quantile", "std", "var", "min", "max", "mode")
GROUP_STATISTICS = (
    "transform",
    "mean",
    "median",
    "agg",
    "aggregate",
    "quantile",
    "std",
    "sum",
    "count",
    "max",
    "min",
    "nunique",
)
# Arithmetic that can carry a statistic into a frame: ``(X - X.mean()) / X.std()`` standardises with
# the means and scales of the rows the statistics read, as a scaler fitted on them would.
ARITHMETIC = (
    *(f"__{op}__" for op in ("add", "sub", "mul", "truediv", "floordiv")),
    *(f"__r{op}__" for op in ("add", "sub", "mul", "truediv")),
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "truediv",
)
ROW_ALIGNED = frozenset({"groupby.transform", "pandas.qcut"})


def install(tracer: Tracer) -> None:
    from pandas.core.groupby.generic import DataFrameGroupBy, SeriesGroupBy

    for cls in (pd.DataFrame, pd.Series):
        for name in STATISTICS:
            original = inspect.getattr_static(cls, name, None)
            if callable(original):
                tracer.patch(cls, name, _statistic_wrapper(original, f"{cls.__name__}.{name}"))
        for name in ("fillna", "clip", *ARITHMETIC):
            original = inspect.getattr_static(cls, name)
            tracer.patch(cls, name, _consumer_wrapper(original, name))
    original_map = inspect.getattr_static(pd.Series, "map")
    tracer.patch(pd.Series, "map", _consumer_wrapper(original_map, "map"))
    for cls in (DataFrameGroupBy, SeriesGroupBy):
        for name in GROUP_STATISTICS:
            original = inspect.getattr_static(cls, name, None)
            if callable(original):
                tracer.patch(cls, name, _statistic_wrapper(original, f"groupby.{name}"))
    # pd.cut with given edges is stateless, unless the edges are a statistic (quantiles of the rows);
    # qcut's edges are always quantiles of the rows it reads.
    tracer.patch(pd, "qcut", _statistic_wrapper(pd.__dict__["qcut"], "pandas.qcut"))
    tracer.patch(pd, "cut", _consumer_wrapper(pd.__dict__["cut"], "cut"))


HOOKS = HookSet("pandas statistics", "pandas", install)


def _statistic_wrapper(original: Callable, label: str) -> Callable:
    @functools.wraps(original)
    def traced(*args: Any, **kwargs: Any) -> Any:
        tracer = _hooks._ACTIVE
        if (
            tracer is None
            or not tracer.enabled
            or tracer.top() is not None
            or not tracer.called_from_user(sys._getframe(1))
        ):
            return original(*args, **kwargs)
        return guarded(
            tracer,
            original,
            lambda call, *a, **k: _on_statistic(tracer, label, call, a, k),
            *args,
            **kwargs,
        )

    return hide_original(traced, original)


def _consumer_wrapper(original: Callable, name: str) -> Callable:
    arithmetic = name in ARITHMETIC

    @functools.wraps(original)
    def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(obj, *args, **kwargs)
        tracer = _hooks._ACTIVE
        if (
            tracer is not None
            and tracer.enabled
            and (not arithmetic or tracer.statistics)
            and tracer.called_from_user(sys._getframe(1))
        ):
            try:
                _on_statistic_used(tracer, obj, result, args, kwargs, arithmetic)
            except Exception as error:
                tracer.hook_failed(original, error)
        return result

    return hide_original(traced, original)


def _on_statistic(tracer: Tracer, label: str, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
    from pandas.core.groupby import GroupBy

    subject = args[0] if args else kwargs.get("x")
    source = subject.obj if isinstance(subject, GroupBy) else subject  # what a groupby groups
    lineage = tracer.lineage.resolve(source) if source is not None else None
    if lineage is None or len(lineage.rows) < 2:
        return original(*args, **kwargs)
    func = first(args, kwargs, 1, "func")
    if label == "groupby.transform" and (
        (isinstance(func, str) and func in ROW_WINDOWS) or (callable(func) and _reads_the_past_only(func))
    ):
        # A row's previous value, its running total: each row reads its neighbours in row order,
        # never a statistic of the rows. Features built so are judged by time order (the future
        # probe), not as a fit.
        result = original(*args, **kwargs)
        if length(result) == len(lineage.rows):
            tracer.lineage.register(result, lineage)
        return result
    event = tracer.event(
        "fit",
        method=label.rsplit(".", 1)[-1],
        estimator=label,
        obj=-1,
        role="statistic",
        rows=tracer.rows(lineage),
        n_rows=len(lineage.rows),
        inputs=tracer.inputs(lineage),
    )
    result = tracer.run(Frame(event["id"], 0, "fit"), lambda: original(*args, **kwargs))
    if isinstance(result, tuple) and len(result) == 2 and label == "pandas.qcut":  # retbins=True
        tracer.remember_statistic(result[1], event["id"])
        tracer.lineage.register(result[0], Lineage(lineage.rows, event["id"]))
        return result
    tracer.remember_statistic(result, event["id"])
    if length(result) == len(lineage.rows) and label in ROW_ALIGNED:
        # One value per input row (a group mean broadcast back, a bin per row): it carries the rows.
        tracer.lineage.register(result, Lineage(lineage.rows, event["id"]))
    return result


def _on_statistic_used(
    tracer: Tracer, obj: Any, result: Any, args: tuple, kwargs: dict[str, Any], arithmetic: bool = False
) -> None:
    """``fillna``, ``clip``, ``map``, ``pd.cut``: the result has the rows of ``obj`` (its values
    changed, so it could not be matched to the file any more), plus the statistics it used."""
    used = [*args, *kwargs.values()]
    events = (
        {e for e in (tracer.statistic_of(v) for v in used) if e is not None} if tracer.statistics else set()
    )
    target = obj if result is None else result  # inplace=True returns None and changes obj
    if arithmetic and not events and tracer.statistic_of(obj) is None:
        return  # ``df["a"] * 2``: no statistic in it, nothing to link (and arithmetic is frequent)
    lineage = tracer.lineage.resolve(obj)
    if lineage is None:
        # Arithmetic between statistics (``sums / counts``) is a statistic of the same rows.
        own = tracer.statistic_of(obj) if tracer.statistics else None
        for event_id in sorted(events | ({own} if own is not None else set())):
            tracer.remember_statistic(target, event_id)
        return
    combined = lineage
    for event_id in sorted(events):
        combined = combined.with_columns_from(Lineage(lineage.rows, event_id))
    tracer.lineage.register(target, combined)


def _reads_the_past_only(func: Callable) -> bool:
    """Whether a group ``transform`` function gives each row a value from that row and earlier ones only
    (``lambda s: s.shift(1)``, a trailing rolling mean), judged by what it does: the later half of a small
    series is changed, and the earlier half's outputs must stay. A group mean, a rank or a forward window
    moves them, and stays a statistic over every row it read."""
    values = np.arange(1.0, 13.0)
    changed = values.copy()
    changed[6:] *= 7.0
    try:
        before = np.asarray(func(pd.Series(values)), dtype=np.float64)
        after = np.asarray(func(pd.Series(changed)), dtype=np.float64)
    except Exception:  # it needs the real data's columns or types: stay on the safe side
        return False
    if before.shape != (12,) or after.shape != (12,):
        return False
    return bool(np.array_equal(before[:6], after[:6], equal_nan=True))
