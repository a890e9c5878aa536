"""pandas row identity: ``read_csv`` of the dataset's files (row identity starts there), and the
conversions and constructors that keep a frame's rows when called from the candidate's own code
(``to_numpy``, ``values``, ``__array__``, ``reset_index``, ``copy``, ``drop``, ``pd.DataFrame(array)``,
``df[col] = values``, ``df.assign``)."""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from heldout.trace import hooks as _hooks
from heldout.trace.hookset import HookSet
from heldout.trace.lineage import Lineage
from heldout.trace.patching import first, guarded, hide_original, length

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["HOOKS"]

# Same rows in, same rows out: the result keeps the rows even when its values no longer match the file
# (a frame built inside a function, then copied or trimmed of a column).
CONVERSIONS = ("to_numpy", "__array__", "reset_index", "copy", "drop", "rename", "astype")


def install(tracer: Tracer) -> None:
    import pandas.io.parsers.readers as readers

    original_read_csv = readers.read_csv
    wrapper = tracer.function_wrapper(original_read_csv, _on_read_csv)
    for owner in (pd, readers):
        if owner.__dict__.get("read_csv") is original_read_csv:
            tracer.patch(owner, "read_csv", wrapper)
    for cls in (pd.DataFrame, pd.Series):
        for name in CONVERSIONS:
            original = inspect.getattr_static(cls, name)
            tracer.patch(cls, name, _conversion_wrapper(original, name))
        values = inspect.getattr_static(cls, "values")
        tracer.patch(cls, "values", property(_conversion_wrapper(values.fget, "values"), doc=values.__doc__))
        tracer.patch(cls, "__init__", _build_wrapper(cls.__dict__["__init__"], "init"))
    tracer.patch(pd.DataFrame, "__setitem__", _build_wrapper(pd.DataFrame.__dict__["__setitem__"], "setitem"))
    original_assign = inspect.getattr_static(pd.DataFrame, "assign")
    tracer.patch(pd.DataFrame, "assign", _assign_wrapper(original_assign))


HOOKS = HookSet("pandas rows", "pandas", install)


def _on_read_csv(tracer: Tracer, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
    frame = original(*args, **kwargs)
    source = first(args, kwargs, 0, "filepath_or_buffer")
    if isinstance(source, str | os.PathLike) and isinstance(frame, pd.DataFrame):
        name = os.path.basename(os.fspath(source))
        source_no = tracer.dataset_files.get(name)
        if source_no is not None:
            event = tracer.event("load", file=name, source=source_no, n_rows=len(frame))
            lineage = tracer.lineage.add_source(name, frame, source_no, event["id"])
            event["rows"] = tracer.rows(lineage)
    return frame


def _conversion_wrapper(original: Callable, name: str) -> Callable:
    @functools.wraps(original)
    def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(obj, *args, **kwargs)
        tracer = _hooks._ACTIVE
        if tracer is not None and tracer.enabled and tracer.called_from_user(sys._getframe(1)):
            try:
                _on_conversion(tracer, name, obj, result, kwargs)
            except Exception as error:
                tracer.hook_failed(original, error)
        return result

    return hide_original(traced, original)


def _on_conversion(tracer: Tracer, name: str, obj: Any, result: Any, kwargs: dict[str, Any]) -> None:
    if tracer.statistics and result is not None:
        statistic = tracer.statistic_of(obj)
        if statistic is not None:  # quantiles.to_numpy(): the same statistic
            tracer.remember_statistic(result, statistic)
            return
    lineage = tracer.lineage.resolve(obj)
    if lineage is None:
        return
    if kwargs.get("inplace"):
        if len(lineage.rows) == length(obj):
            tracer.lineage.register(obj, lineage)
        else:  # rows dropped in place: what was known about it is wrong now
            tracer.lineage.forget(obj)
    elif result is not None:
        if name == "drop" and isinstance(result, pd.DataFrame):
            lineage = lineage.keep_columns(list(result.columns))
        tracer.lineage.register(result, lineage)


def _build_wrapper(original: Callable, name: str) -> Callable:
    """``pd.DataFrame(array, index=...)`` keeps the array's lineage; ``df[cols] = values`` adds the
    lineage of the values' producer to the frame's (a column computed by a fitted encoder)."""

    @functools.wraps(original)
    def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = _hooks._ACTIVE
        if tracer is None or not tracer.enabled or not tracer.called_from_user(sys._getframe(1)):
            return original(obj, *args, **kwargs)
        return guarded(tracer, original, functools.partial(build, tracer), obj, *args, **kwargs)

    def build(tracer: Tracer, call: Callable, obj: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "init":
            result = call(obj, *args, **kwargs)
            _on_frame_built(tracer, obj, first(args, kwargs, 0, "data"))
            return result
        # Resolved before the column changes: once overwritten, the frame no longer matches the
        # file's values, and its rows could no longer be told.
        before = tracer.lineage.resolve(obj)
        result = call(obj, *args, **kwargs)
        _on_column_set(tracer, obj, first(args, kwargs, 1, "value"), first(args, kwargs, 0, "key"), before)
        return result

    return hide_original(traced, original)


def _assign_wrapper(original: Callable) -> Callable:
    """``df.assign(col=values)`` sets columns like ``df[col] = values``, from pandas' own frames."""

    @functools.wraps(original)
    def traced(obj: Any, **kwargs: Any) -> Any:
        tracer = _hooks._ACTIVE
        if tracer is None or not tracer.enabled or not tracer.called_from_user(sys._getframe(1)):
            return original(obj, **kwargs)
        return guarded(tracer, original, functools.partial(assign, tracer), obj, **kwargs)

    def assign(tracer: Tracer, call: Callable, obj: Any, **kwargs: Any) -> Any:
        before = tracer.lineage.resolve(obj)
        result = call(obj, **kwargs)
        for key, value in kwargs.items():
            _on_column_set(tracer, result, value, key, before)
            before = tracer.lineage.lookup(result) or before
        return result

    return hide_original(traced, original)


def _on_frame_built(tracer: Tracer, frame: Any, data: Any) -> None:
    lineage = tracer.lineage.lookup(data) if data is not None else None
    if lineage is not None and length(frame) == len(lineage.rows):
        tracer.lineage.register(frame, lineage)


def _on_column_set(
    tracer: Tracer, frame: Any, value: Any, key: Any = None, before: Lineage | None = None
) -> None:
    frame_lineage = before if before is not None else tracer.lineage.resolve(frame)
    if frame_lineage is None:
        return
    value_lineage = tracer.lineage.lookup(value) if value is not None else None
    if (
        value_lineage is None
        or not value_lineage.producers
        or len(frame_lineage.rows) != len(value_lineage.rows)
    ):
        tracer.lineage.register(frame, frame_lineage)  # its rows, whatever its new values
        return
    columns = [key] if isinstance(key, str) else list(key) if isinstance(key, list | tuple) else None
    tracer.lineage.register(frame, frame_lineage.with_columns_from(value_lineage, columns))
