"""The model's 0/1 decisions on the holdout, for scenarios judged on what the model decides (fairness
constraints are about who gets approved, not about a ranking score).

Runs in the kernel after the last cell, beside the scores; the grader measures the decisions against
the hidden labels and groups in its own process.
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np

__all__ = ["holdout_decisions"]

_ERROR_CHARS = 1500


def holdout_decisions(namespace: dict[str, Any], job: dict[str, Any]) -> tuple[np.ndarray | None, str | None]:
    """``model.predict`` on the holdout features (through the notebook's prepare function when it has
    one), as 0/1 integers; or why there are none."""
    contract = job["contract"]
    model = namespace.get(contract["model"])
    if model is None:
        return None, f"the notebook never defines `{contract['model']}`"
    if not hasattr(model, "predict"):
        return None, f"`{contract['model']}` has no predict method (the decision the grader measures)"
    try:
        import pandas as pd

        features = pd.read_csv(job["holdout_features"])
        prepare = namespace.get(contract.get("prepare") or "")
        data = prepare(features.copy()) if callable(prepare) else features
        raw = np.asarray(model.predict(data)).ravel()
    except Exception:  # the candidate's model may raise anything; it becomes a finding
        return None, traceback.format_exc()[-_ERROR_CHARS:]
    if len(raw) != len(features):
        return None, f"the model returned {len(raw)} decisions for {len(features)} holdout rows"
    try:
        decisions = raw.astype(np.float64)
    except (TypeError, ValueError):
        return None, f"the model's decisions are not numbers (got {str(raw[:3])[:80]})"
    if not np.isin(decisions, (0.0, 1.0)).all():
        return None, "the model's predict returned values other than 0 and 1"
    return decisions.astype(np.int64), None
