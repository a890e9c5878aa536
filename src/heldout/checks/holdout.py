"""The model's score on the hidden holdout, against the harness's own baselines.

Scores are computed here, in the grader's process, from the predictions the sandbox returned and labels
the sandbox never saw. This is the check a tampered trace cannot fake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register

__all__ = ["baseline_scores", "check_holdout_beats_baselines", "compute_baselines", "holdout_summary"]

BASELINE_NAMES = {"prior": "prior-rate dummy", "logistic_regression": "plain logistic regression"}


def baseline_scores(
    train: pd.DataFrame,
    holdout_features: pd.DataFrame,
    label: str,
    positive: int,
    names: tuple[str, ...],
) -> dict[str, np.ndarray]:
    """Each named baseline's scores on the holdout rows, fitted on the candidate's training file."""
    scores: dict[str, np.ndarray] = {}
    for name in names:
        if name == "prior":
            scores[name] = np.full(len(holdout_features), float(np.mean(train[label] == positive)))
        elif name == "logistic_regression":
            numeric = make_column_selector(dtype_include="number")
            model = make_pipeline(
                make_column_transformer(
                    (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)
                ),
                LogisticRegression(max_iter=1000),
            )
            X = train.drop(columns=[label])
            model.fit(X, (train[label] == positive).astype(int))
            scores[name] = model.predict_proba(holdout_features[X.columns])[:, 1]
        else:
            raise ValueError(f"unknown baseline '{name}'")
    return scores


def compute_baselines(
    train: pd.DataFrame,
    holdout_features: pd.DataFrame,
    holdout_labels: np.ndarray,
    label: str,
    positive: int,
    names: tuple[str, ...],
) -> dict[str, float]:
    """Average precision on the holdout of the baselines named in the manifest."""
    y_true = (holdout_labels == positive).astype(int)
    return {
        name: float(average_precision_score(y_true, values))
        for name, values in baseline_scores(train, holdout_features, label, positive, names).items()
    }


def _pr_points(y_true: np.ndarray, scores: np.ndarray, most: int = 200) -> dict[str, list[float]]:
    """A precision-recall curve thinned to at most ``most`` points, for plots in reports."""
    precision, recall, _ = precision_recall_curve(y_true, scores)
    keep = np.unique(np.linspace(0, len(recall) - 1, min(most, len(recall))).round().astype(int))
    return {"precision": np.round(precision[keep], 4).tolist(), "recall": np.round(recall[keep], 4).tolist()}


def _histogram(y_true: np.ndarray, scores: np.ndarray, bins: int = 20) -> dict[str, list[float]]:
    edges = np.linspace(float(scores.min()), float(scores.max()) or 1.0, bins + 1)
    positives, _ = np.histogram(scores[y_true == 1], edges)
    negatives, _ = np.histogram(scores[y_true == 0], edges)
    return {
        "edges": np.round(edges, 6).tolist(),
        "positive": positives.tolist(),
        "negative": negatives.tolist(),
    }


def holdout_summary(ctx: CheckContext) -> dict[str, Any]:
    estimate = (ctx.report or {}).get("estimate")
    summary: dict[str, Any] = {
        "metric": ctx.manifest.holdout.metric,
        "score": None,
        "baselines": {name: round(value, 6) for name, value in ctx.baselines.items()},
        "margin": ctx.manifest.holdout.margin,
        "reported_estimate": estimate if isinstance(estimate, float) else None,
        "optimism_gap": None,
        "prevalence": round(float(np.mean(ctx.holdout.labels == ctx.manifest.dataset.positive_label)), 6),
    }
    if ctx.holdout.scores is not None:
        y_true = (ctx.holdout.labels == ctx.manifest.dataset.positive_label).astype(int)
        summary["score"] = round(float(average_precision_score(y_true, ctx.holdout.scores)), 6)
        if summary["reported_estimate"] is not None:
            summary["optimism_gap"] = round(summary["reported_estimate"] - summary["score"], 6)
        curves = {"model": _pr_points(y_true, ctx.holdout.scores)}
        for name, values in ctx.baseline_scores.items():
            if np.ptp(values) > 0:
                curves[name] = _pr_points(y_true, values)
        summary["curves"] = curves
        summary["histogram"] = _histogram(y_true, ctx.holdout.scores)
    return summary


@register("holdout_beats_baselines", "Beats the baselines on the hidden holdout")
def check_holdout_beats_baselines(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "holdout_beats_baselines")
    if ctx.holdout.scores is None:
        return Outcome(
            Verdict.FAIL,
            (
                "heldout could not get predictions on the holdout from your model: "
                f"{ctx.holdout.problem}. {hint}"
            ),
        )
    summary = holdout_summary(ctx)
    score = summary["score"]
    best_name, best = max(ctx.baselines.items(), key=lambda item: item[1])
    margin = ctx.manifest.holdout.margin
    gap = summary["optimism_gap"]
    gap_text = (
        f" You reported {summary['reported_estimate']:.3f}, an optimism gap of {gap:+.3f}."
        if gap is not None
        else " Your report gives no estimate to compare with."
    )
    baselines = ", ".join(f"{BASELINE_NAMES.get(n, n)} {v:.3f}" for n, v in ctx.baselines.items())
    finding = Finding(
        None,
        None,
        f"holdout average precision {score:.3f}",
        {"score": score, "baselines": summary["baselines"], "optimism_gap": gap},
    )
    if score >= best + margin:
        return Outcome(
            Verdict.PASS,
            (
                f"Average precision on the hidden holdout is {score:.3f} (baselines: {baselines}; "
                f"required margin {margin:.2f}).{gap_text}"
            ),
            (finding,),
        )
    return Outcome(
        Verdict.FAIL,
        (
            f"Average precision on the hidden holdout is {score:.3f}, less than "
            f"{BASELINE_NAMES.get(best_name, best_name)} ({best:.3f}) plus the required margin "
            f"{margin:.2f}.{gap_text} Start from the strongest simple model, then add one change at a time "
            f"and keep what improves a cross-validated score. {hint}"
        ),
        (finding,),
    )
