"""The candidate's feature function run along the timeline, inside the kernel after the last cell.

Two uses, both black-box (they need no tracing, only the function the contract names):

- ``replay_features``: build the holdout's features one month at a time, each month with the training
  rows and the earlier holdout months as history, the way production would call the function. A feature
  that needs rows from later months (a backward fill, a negative shift) gets what production would give
  it: nothing.
- ``future_probe``: a metamorphic test. Remove every training row after a cut-off and build the features
  again; the rows up to the cut-off must get exactly the features they had with the whole file. A feature
  whose value for an early row changes when only later rows change has read the future.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["as_table", "future_probe", "months_of", "replay_features", "table_differences"]

_CUTOFF_SHARES = (1 / 3, 2 / 3)
_MAX_COLUMNS_NAMED = 12


def months_of(values: pd.Series) -> pd.Series:
    """Calendar month of each row ("2024-04"), read from dates, timestamps or "YYYY-MM" text."""
    return pd.to_datetime(values.astype(str), format="mixed").dt.to_period("M").astype(str)


def as_table(features: Any, expected_rows: int, name: str) -> pd.DataFrame:
    """The feature function's output as a DataFrame with positional rows; ValueError says what is wrong."""
    if isinstance(features, pd.Series):
        features = features.to_frame()
    if isinstance(features, pd.DataFrame):
        table = features.reset_index(drop=True)
        table.columns = [str(c) for c in table.columns]
    else:
        if hasattr(features, "toarray"):  # a sparse matrix
            features = features.toarray()
        array = np.asarray(features)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        if array.ndim != 2:
            raise ValueError(f"`{name}` returned an array of {array.ndim} dimensions, not a table")
        table = pd.DataFrame(array, columns=[f"column {i}" for i in range(array.shape[1])])
    if len(table) != expected_rows:
        raise ValueError(f"`{name}` returned {len(table):,} rows for {expected_rows:,} input rows")
    return table


def replay_features(
    prepare: Callable[[pd.DataFrame], Any], history: pd.DataFrame, holdout: pd.DataFrame, time: str, name: str
) -> Any:
    """The holdout's features, month by month, in the holdout's row order (a DataFrame if the function
    returns frames, an array otherwise)."""
    months = months_of(holdout[time]).to_numpy()
    parts: list[Any] = []
    order: list[np.ndarray] = []
    frames = True
    for month in sorted(set(months)):
        known = holdout[months <= month]
        frame = pd.concat([history, known], ignore_index=True)
        output = prepare(frame.copy())
        table = as_table(output, len(frame), name)
        frames = frames and isinstance(output, pd.DataFrame)
        current = np.flatnonzero(months[months <= month] == month)
        parts.append(table.iloc[len(history) + current])
        order.append(np.flatnonzero(months == month))
    combined = pd.concat(parts, ignore_index=True)
    combined = combined.iloc[np.argsort(np.concatenate(order), kind="stable")].reset_index(drop=True)
    return combined if frames else combined.to_numpy()


def future_probe(
    prepare: Callable[[pd.DataFrame], Any], features: pd.DataFrame, time: str, name: str
) -> dict[str, Any]:
    """For two cut-offs, which feature columns changed on rows up to the cut-off when the later rows
    were removed, and on how many rows."""
    months = months_of(features[time])
    distinct = sorted(set(months))
    if len(distinct) < 3:
        return {"cutoffs": [], "problem": f"the training file spans {len(distinct)} month(s)"}
    full = as_table(prepare(features.copy()), len(features), name)
    cutoffs = []
    for share in _CUTOFF_SHARES:
        cutoff = distinct[int(len(distinct) * share) - 1]
        early = (months <= cutoff).to_numpy()
        part = as_table(prepare(features[early].copy()), int(early.sum()), name)
        cutoffs.append({"cutoff": cutoff, "rows": int(early.sum()), **table_differences(full[early], part)})
    return {"cutoffs": cutoffs, "problem": None, "columns": len(full.columns)}


def table_differences(expected: pd.DataFrame, got: pd.DataFrame) -> dict[str, Any]:
    """Which columns of ``got`` differ from ``expected`` (same rows, in order), on how many rows each,
    and which columns one has that the other lacks."""
    expected = expected.reset_index(drop=True)
    missing = [c for c in expected.columns if c not in got.columns]
    extra = [c for c in got.columns if c not in expected.columns]
    changed: dict[str, int] = {}
    for column in expected.columns:
        if column in got.columns:
            count = _changed_rows(expected[column], got[column])
            if count:
                changed[column] = count
    named = dict(sorted(changed.items(), key=lambda item: -item[1])[:_MAX_COLUMNS_NAMED])
    return {
        "changed": named,
        "changed_columns": len(changed),
        "missing_columns": missing[:_MAX_COLUMNS_NAMED],
        "extra_columns": extra[:_MAX_COLUMNS_NAMED],
    }


def _changed_rows(a: pd.Series, b: pd.Series) -> int:
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        x = a.to_numpy(dtype=np.float64, na_value=np.nan)
        y = b.to_numpy(dtype=np.float64, na_value=np.nan)
        same = np.isclose(x, y, rtol=1e-9, atol=1e-12) | (np.isnan(x) & np.isnan(y))
        return int((~same).sum())
    return int((a.astype(str).to_numpy() != b.astype(str).to_numpy()).sum())
