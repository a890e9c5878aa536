"""What a statistical test compared: the handler the scipy.stats and statsmodels hook sets share.

Each traced test becomes a ``stat_test`` event (like a metric event): the test and its library, one entry
per sample it was given (the dataset rows the sample holds and how many, or the statistic events whose
results it holds, for counts and contingency tables computed with pandas), the union of those rows, the
number of observations compared, the test statistic and its p-value. An experimentation check can then
say "ttest_ind in cell 5 compared 41,220 sessions of 12,874 users" from the rows alone.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from heldout.trace.hooks import Frame, as_float
from heldout.trace.patching import length

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["Compared", "wrap_tests"]

_MAX_SAMPLES = 50  # k-sample tests on many groups: the first ones are described, all are counted


@dataclass(frozen=True)
class Compared:
    """Which parameters of a test hold what it compares (a ``*samples`` parameter holds several)."""

    samples: tuple[str, ...] = ()  # observations, one value per row: their lengths are what it compared
    tables: tuple[str, ...] = ()  # contingency tables or frequencies: their totals are the observations
    counts: tuple[str, ...] = ()  # successes per group: only which rows they were counted over is told
    nobs: tuple[str, ...] = ()  # observations per group: their totals are the observations


def wrap_tests(tracer: Tracer, library: str, module: Any, tests: Mapping[str, Compared]) -> None:
    """Wrap each test ``module.<name>`` under every name it is bound to."""
    everywhere: dict[Callable, Callable] = {}
    for name, arguments in tests.items():
        original = getattr(module, name, None)
        if not callable(original):
            continue  # not in this version of the library
        try:
            signature = inspect.signature(original)
        except (TypeError, ValueError):
            continue
        handler = functools.partial(_on_test, library, name, signature, arguments)
        everywhere[original] = tracer.function_wrapper(original, handler)
    tracer.patch_everywhere(everywhere)


def _on_test(
    library: str,
    name: str,
    signature: inspect.Signature,
    arguments: Compared,
    tracer: Tracer,
    original: Callable,
    args: tuple,
    kwargs: dict[str, Any],
) -> Any:
    top = tracer.top()
    if top is not None and top.kind in ("stat_test", "metric"):
        return original(*args, **kwargs)  # a test another test (or a metric) runs: its machinery
    given = signature.bind_partial(*args, **kwargs).arguments

    def values(parameters: tuple[str, ...]) -> list[Any]:
        out: list[Any] = []
        for parameter in parameters:
            value = given.get(parameter)
            if signature.parameters[parameter].kind is inspect.Parameter.VAR_POSITIONAL:
                out.extend(value or ())
            elif value is not None:
                out.append(value)
        return out

    described = [_sample(tracer, value, "sample") for value in values(arguments.samples)]
    described += [_sample(tracer, value, "table") for value in values(arguments.tables)]
    described += [_sample(tracer, value, "count") for value in values(arguments.counts)]
    described += [_sample(tracer, value, "nobs") for value in values(arguments.nobs)]
    # How many observations were compared: the samples' lengths and the tables' totals, or where the
    # test was given its group sizes, those (whatever rows its counts were computed over).
    observed = ("nobs",) if arguments.nobs else ("sample", "table")
    observations = [entry.get("n_rows") for entry, _ in described if entry["role"] in observed]
    row_arrays = [rows for _, rows in described if rows is not None]
    union = np.unique(np.concatenate(row_arrays)) if row_arrays else None
    event = tracer.event(
        "stat_test",
        test=name,
        library=library,
        samples=[entry for entry, _ in described[:_MAX_SAMPLES]],
        n_samples=len(described),
        rows=None if union is None else tracer.recorder.rowset(union),
        n_rows=sum(observations) if observations and all(o is not None for o in observations) else None,
        inputs=sorted({e for entry, _ in described for e in entry["inputs"]}),
    )
    result = tracer.run(Frame(event["id"], 0, "stat_test"), lambda: original(*args, **kwargs))
    event["statistic"], event["pvalue"] = _outcome(result)
    return result


def _sample(tracer: Tracer, value: Any, role: str) -> tuple[dict[str, Any], np.ndarray | None]:
    """One argument as the event describes it, and the dataset rows it holds or was computed over."""
    lineage = tracer.lineage.resolve(value) if role == "sample" else None
    if lineage is not None:
        entry = {
            "role": role,
            "rows": tracer.rows(lineage),
            "n_rows": len(lineage.rows),
            "inputs": tracer.inputs(lineage),
        }
        return entry, lineage.rows
    # Counts, totals and tables computed with pandas: the statistic events that made them say over
    # which rows (``df.groupby("arm")["converted"].sum()``).
    parts = list(value) if isinstance(value, list | tuple) else [value]
    if isinstance(value, np.ndarray) and value.base is not None:
        parts.append(value.base)  # ``sums.to_numpy()[:2]``: a view of the statistic's values
    events: list[int] = []
    if tracer.statistics:
        events = sorted({e for e in (tracer.statistic_of(part) for part in parts) if e is not None})
    arrays = [tracer.recorder.rowsets[key] for key in _rowsets_of(tracer, events)]
    rows = np.unique(np.concatenate(arrays)) if arrays else None
    entry: dict[str, Any] = {"role": role, "inputs": events}
    if rows is not None:
        entry["rows"] = tracer.recorder.rowset(rows)
    if role == "sample":
        entry["n_rows"] = length(value)
    elif role in ("table", "nobs"):
        entry["n_rows"] = _total(value)
    return entry, rows


def _rowsets_of(tracer: Tracer, events: list[int]) -> list[str]:
    keys = []
    for event_id in events:
        key = tracer.recorder.events[event_id].get("rows")
        if key is not None and key in tracer.recorder.rowsets:
            keys.append(key)
    return keys


def _total(value: Any) -> int | None:
    """The sum of a table (or list) of counts, None if they are not whole numbers."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    total = float(array.sum()) if array.size else None
    if total is None or not np.isfinite(total) or total != round(total):
        return None
    return int(total)


def _outcome(result: Any) -> tuple[float | None, float | None]:
    """The test statistic and p-value of a result object (scipy) or a tuple (statsmodels)."""
    statistic = getattr(result, "statistic", None)
    pvalue = getattr(result, "pvalue", None)
    if statistic is None and isinstance(result, tuple) and len(result) >= 2:
        statistic, pvalue = result[0], result[1]
    return _number(statistic), _number(pvalue)


def _number(value: Any) -> float | None:
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    return as_float(value)
