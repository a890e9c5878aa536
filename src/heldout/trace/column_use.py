"""Which columns the model actually reads, found by changing them: a black-box probe after the last cell.

A pipeline may receive a frame with every column and select inside (a ColumnTransformer, a function),
so the columns a fit was given are not the columns it uses. Here each named column of some training rows
is rotated by one row (every row gets another row's value) and the model's scores are compared with its
scores on the rows as they were: a model that does not read the column scores them the same.
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np

from heldout.trace.serving import model_scores

__all__ = ["column_use_probe"]

PROBE_ROWS = 500
_TOLERANCE = 1e-9


def _scores(model: Any, frame: Any) -> np.ndarray:
    if hasattr(model, "predict_proba") or hasattr(model, "decision_function"):
        return model_scores(model, frame)
    return np.asarray(model.predict(frame), dtype=np.float64).ravel()


def column_use_probe(model: Any, rows: Any, columns: list[str]) -> dict[str, Any]:
    """Column -> {"changed": share of rows whose score moved} or {"problem": why it could not tell}."""
    sample = rows.iloc[:PROBE_ROWS].copy()
    out: dict[str, Any] = {}
    try:
        before = _scores(model, sample)
    except Exception:  # the candidate's model may raise anything
        return {"problem": traceback.format_exc()[-1500:]}
    for column in columns:
        if column not in sample:
            continue
        probed = sample.copy()
        probed[column] = np.roll(probed[column].to_numpy(), 1)
        try:
            after = _scores(model, probed)
        except Exception:  # a model that breaks on other values of a column reads it
            out[column] = {"changed": 1.0, "raised": traceback.format_exc()[-300:]}
            continue
        moved = ~np.isclose(before, after, rtol=0.0, atol=_TOLERANCE)
        out[column] = {"changed": round(float(np.mean(moved)), 6)}
    return out
