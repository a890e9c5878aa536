"""A digest of each column's first values: which columns of the training file a model was fitted on,
even when it got a NumPy array (column names gone). The estimator hooks record it with each fit; the
feature checks compute the same digests of the training file to match them."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from heldout.trace.patching import length

__all__ = ["MAX_COLUMNS", "PROBE_ROWS", "column_digest", "column_probe"]

MAX_COLUMNS = 500
PROBE_ROWS = 64


def column_probe(X: Any) -> list[str] | None:
    """A digest of each column's first values, so the grader can tell which columns of the training
    file a model was fitted on even when it got a NumPy array (column names gone)."""
    if length(X) is None or (length(X) or 0) < PROBE_ROWS:
        return None
    try:
        head = X.iloc[:PROBE_ROWS] if hasattr(X, "iloc") else X[:PROBE_ROWS]
        values = np.asarray(head, dtype=np.float64)
    except (TypeError, ValueError):
        if not hasattr(X, "iloc"):
            return None
        values = None
    if getattr(X, "ndim", 2) != 2:
        return None  # a Series or a 1-D array (a label encoder's y): one column, named or not
    if values is not None:
        if values.ndim != 2 or values.shape[1] > MAX_COLUMNS:
            return None
        return [column_digest(values[:, j]) for j in range(values.shape[1])]
    if X.shape[1] > MAX_COLUMNS:
        return None
    out = []
    for j in range(X.shape[1]):
        try:
            out.append(column_digest(np.asarray(head.iloc[:, j], dtype=np.float64)))
        except (TypeError, ValueError):
            out.append("")  # text: its name says what it is (see "columns")
    return out


def column_digest(values: np.ndarray) -> str:
    rounded = np.round(np.asarray(values, dtype=np.float64), 6)
    rounded[np.isnan(rounded)] = np.inf  # NaN bytes vary; the grader hashes missing values the same way
    return hashlib.blake2b((rounded + 0.0).tobytes(), digest_size=6).hexdigest()
