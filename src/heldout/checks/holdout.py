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
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register
from heldout.checks.capacity import bayes_summary
from heldout.checks.serving import features_read_beyond_the_past
from heldout.holdout_metrics import (
    HOLDOUT_METRICS,
    HoldoutMetric,
    baseline_label,
    bootstrap_difference,
    plausible_estimate,
    public_part,
)
from heldout.metric_names import normalise_metric

__all__ = ["baseline_scores", "check_holdout_beats_baselines", "compute_baselines", "holdout_summary"]


def baseline_scores(
    train: pd.DataFrame,
    holdout_features: pd.DataFrame,
    label: str,
    positive: int,
    names: tuple[str, ...],
) -> dict[str, np.ndarray]:
    """Each named baseline's scores (or predicted values) on the holdout rows, fitted on the candidate's
    training file with its numeric columns only: the simplest honest model anyone could build."""
    scores: dict[str, np.ndarray] = {}
    # Rows whose label was not known yet (an extract taken before every outcome arrived) teach nothing;
    # columns the holdout lacks (when a label became known) are not features.
    train = train[train[label].notna()]
    X = train[[column for column in train.columns if column != label and column in holdout_features.columns]]
    numeric = make_column_transformer(
        (
            make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
            make_column_selector(dtype_include="number"),
        )
    )
    for name in names:
        if name == "prior":
            scores[name] = np.full(len(holdout_features), float(np.mean(train[label] == positive)))
        elif name == "mean":
            scores[name] = np.full(len(holdout_features), float(train[label].mean()))
        elif name == "median":
            scores[name] = np.full(len(holdout_features), float(train[label].median()))
        elif name == "logistic_regression":
            model = make_pipeline(numeric, LogisticRegression(max_iter=1000))
            model.fit(X, (train[label] == positive).astype(int))
            scores[name] = model.predict_proba(holdout_features[X.columns])[:, 1]
        elif name == "linear_regression":
            model = make_pipeline(numeric, LinearRegression())
            model.fit(X, train[label])
            scores[name] = model.predict(holdout_features[X.columns])
        else:
            raise ValueError(f"unknown baseline '{name}'")
    return scores


def holdout_truth(ctx_labels: np.ndarray, task: str, positive: int) -> np.ndarray:
    """The labels a holdout metric compares with: 0/1 for a binary task, the values for regression."""
    if task == "regression":
        return np.asarray(ctx_labels, dtype=np.float64)
    return (ctx_labels == positive).astype(int)


def compute_baselines(
    train: pd.DataFrame,
    holdout_features: pd.DataFrame,
    holdout_labels: np.ndarray,
    label: str,
    positive: int,
    names: tuple[str, ...],
) -> dict[str, float]:
    """Average precision on the holdout of the baselines named in the manifest (a binary task)."""
    metric = HOLDOUT_METRICS["average_precision"]
    y_true = (holdout_labels == positive).astype(int)
    return {
        name: metric.score(y_true, values)
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
    manifest = ctx.manifest
    metric = HOLDOUT_METRICS[manifest.holdout.metric]
    estimate = (ctx.report or {}).get("estimate")
    estimate = estimate if isinstance(estimate, float) else None
    estimate_metric = ctx.analysis.estimate_metric if estimate is not None else None
    # Only an estimate in the holdout's own metric can be set against the holdout score: an accuracy of
    # 0.990 minus an average precision of 0.309 is no optimism gap.
    comparable = estimate_metric == normalise_metric(manifest.holdout.metric)
    summary: dict[str, Any] = {
        "metric": manifest.holdout.metric,
        "score": None,
        "baselines": {name: round(value, 6) for name, value in ctx.baselines.items()},
        "margin": manifest.holdout.margin,
        "reported_estimate": estimate if comparable else None,
        "optimism_gap": None,
        # What the estimate is in (scikit-learn's name; None when heldout could not tell), and the
        # estimate itself when it is not in the holdout's metric, so not compared.
        "estimate_metric": estimate_metric,
        "incomparable_estimate": None if comparable else estimate,
    }
    y_true = holdout_truth(ctx.holdout.labels, manifest.task, manifest.dataset.positive_label)
    if manifest.task == "binary_classification":
        summary["prevalence"] = round(float(np.mean(y_true)), 6)
    if ctx.holdout.scores is None:
        return summary
    summary["score"] = round(metric.score(y_true, ctx.holdout.scores), 6)
    share = manifest.holdout.public_share
    if share is not None and len(y_true) >= 2 * _LEAST_PART_ROWS:
        public = public_part(ctx.holdout.labels, share, manifest.id)
        for name, rows in (("public", public), ("private", ~public)):
            summary[name] = {
                "rows": int(rows.sum()),
                "score": _part_score(metric, y_true[rows], ctx.holdout.scores[rows]),
            }
    summary.update(bayes_summary(ctx, summary["score"]))
    if summary["reported_estimate"] is not None:
        # Positive means the candidate promised more than the holdout gave, for scores and errors alike.
        gap = summary["reported_estimate"] - summary["score"]
        summary["optimism_gap"] = round(gap if metric.higher_is_better else -gap, 6)
        if manifest.holdout.expected_optimism is not None:
            summary.update(_plausibility(ctx, metric, y_true, summary["reported_estimate"]))
    if manifest.holdout.bootstrap_rounds and ctx.baselines:
        best_name, _ = metric.best(dict(ctx.baselines))
        low, high = bootstrap_difference(
            metric,
            y_true,
            ctx.holdout.scores,
            ctx.baseline_scores[best_name],
            manifest.holdout.bootstrap_rounds,
        )
        summary["versus_best_baseline"] = {
            "baseline": best_name,
            "low": round(low, 6),
            "high": round(high, 6),
        }
    if manifest.task == "binary_classification":
        curves = {"model": _pr_points(y_true, ctx.holdout.scores)}
        for name, values in ctx.baseline_scores.items():
            if np.ptp(values) > 0:
                curves[name] = _pr_points(y_true, values)
        summary["curves"] = curves
        summary["histogram"] = _histogram(y_true, ctx.holdout.scores)
    return summary


_LEAST_PART_ROWS = 20  # a holdout too small to split into a public and a private part is not split


def _part_score(metric: HoldoutMetric, y_true: np.ndarray, scores: np.ndarray) -> float | None:
    """A part's score, or None where the metric is undefined on it (a part without a positive)."""
    if metric.task == "binary_classification" and len(np.unique(y_true)) < 2:
        return None
    try:
        return round(metric.score(y_true, scores), 6)
    except (ValueError, IndexError):
        return None


_ASSUMED_VALIDATION_SHARE = 0.25  # of the training rows, when heldout cannot tell what the estimate scored


def _plausibility(
    ctx: CheckContext, metric: HoldoutMetric, y_true: np.ndarray, estimate: float
) -> dict[str, Any]:
    """Whether the estimate is one this model could honestly have got: judged from its predictions on the
    hidden holdout alone, so it holds whatever style the notebook is in and whatever the trace saw."""
    cached = ctx.__dict__.get("_plausibility")
    if cached is not None and cached[0] == estimate:
        return cached[1]
    facts = _judge_plausibility(ctx, metric, y_true, estimate)
    ctx.__dict__["_plausibility"] = (estimate, facts)  # the summary is made for the check and the report
    return facts


def _judge_plausibility(
    ctx: CheckContext, metric: HoldoutMetric, y_true: np.ndarray, estimate: float
) -> dict[str, Any]:
    traced = [e.get("n_rows") for e in ctx.analysis.reported_events]
    rows = sum(int(n) for n in traced if isinstance(n, int) and n > 0)
    if not rows:
        rows = max(2, int(len(ctx.train_labels) * _ASSUMED_VALIDATION_SHARE))
    bound = plausible_estimate(metric, y_true, ctx.holdout.scores, rows)
    allowance = float(ctx.manifest.holdout.expected_optimism or 0.0)
    ceiling = bound + allowance if metric.higher_is_better else bound * (1.0 - allowance)
    implausible = bool(np.isfinite(ceiling)) and (
        estimate > ceiling if metric.higher_is_better else estimate < ceiling
    )
    return {
        "estimate_rows": rows,
        "estimate_rows_traced": bool(traced),
        "plausible_estimate": round(ceiling, 6) if np.isfinite(ceiling) else None,
        "implausible_estimate": implausible,
    }


def _implausible_text(metric: HoldoutMetric, summary: dict[str, Any]) -> str:
    rows = f"{summary['estimate_rows']:,} rows" + (
        "" if summary["estimate_rows_traced"] else " (a quarter of the training file: heldout could not tell)"
    )
    best = "at most" if metric.higher_is_better else "at least"
    return (
        f" But the estimate you reported, {summary['reported_estimate']:.3f}, is beyond anything this model "
        f"delivers: on {rows} drawn like the hidden holdout's, its {metric.label} comes out {best} "
        f"{summary['plausible_estimate']:.3f} (97.5 % of resamples, with the scenario's allowance for a "
        "holdout that differs from the training data). An estimate this far from what the model does "
        "usually means the rows it was computed on took part in fitting, resampling, selection or tuning, "
        "or that the reported figure is not what the notebook measured."
    )


def _gap_text(metric: HoldoutMetric, summary: dict[str, Any]) -> str:
    gap = summary["optimism_gap"]
    other = summary.get("incomparable_estimate")
    if other is not None:
        what = summary.get("estimate_metric")
        said = (
            f"is {what}, not {metric.label}"
            if what
            else f"could not be traced to a metric heldout knows, so it may not be {metric.label}"
        )
        return (
            f" You reported {other:.3f}, which {said}: it cannot be compared with the holdout score, so "
            "heldout gives no optimism gap. Report your estimate in the holdout's metric to have it checked."
        )
    if gap is None:
        return " Your report gives no estimate to compare with."
    return (
        f" You reported {summary['reported_estimate']:.3f}, an optimism gap of {gap:+.3f}"
        + ("" if metric.higher_is_better else " (positive: the holdout error is larger than you said)")
        + "."
    )


def _noise_text(metric: HoldoutMetric, summary: dict[str, Any]) -> tuple[str, bool]:
    """The bootstrap interval as a sentence, and whether the gain over the best baseline is real."""
    versus = summary.get("versus_best_baseline")
    if versus is None:
        return "", True
    low, high = versus["low"], versus["high"]
    real = low > 0 if metric.higher_is_better else high < 0
    worse = high < 0 if metric.higher_is_better else low > 0
    verdict = (
        "." if real else (": your model is worse." if worse else ": the difference is inside the noise.")
    )
    text = (
        f" A paired bootstrap of the holdout rows puts your {metric.label} minus the "
        f"{baseline_label(versus['baseline'])}'s between {low:+.3f} and {high:+.3f} (95 %){verdict}"
    )
    return text, real


@register("holdout_beats_baselines", "Beats the baselines on the hidden holdout", needs="hidden")
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
    metric = HOLDOUT_METRICS[ctx.manifest.holdout.metric]
    summary = holdout_summary(ctx)
    score = summary["score"]
    best_name, best = metric.best(dict(ctx.baselines))
    margin = ctx.manifest.holdout.margin
    gap_text = _gap_text(metric, summary)
    noise_text, real = _noise_text(metric, summary)
    baselines = ", ".join(f"{baseline_label(n)} {v:.3f}" for n, v in ctx.baselines.items())
    finding = Finding(
        None,
        None,
        f"holdout {metric.label} {score:.3f}",
        {"score": score, "baselines": summary["baselines"], "optimism_gap": summary["optimism_gap"]},
    )
    Metric = metric.label[0].upper() + metric.label[1:]
    if metric.beats(score, best, margin) and real and features_read_beyond_the_past(ctx):
        features = ctx.manifest.contract.features or "the feature function"
        return Outcome(
            Verdict.WARN,
            (
                f"{Metric} on the hidden holdout is {score:.3f} (baselines: {baselines}), but heldout scored "
                f"it through `{features}` on the whole log, and your features read rows production will not "
                "have when it scores (later events, or the payment itself: see the point-in-time check), "
                f"so this figure cannot be trusted.{gap_text} {hint}"
            ),
            (finding,),
        )
    implausible = _implausible_text(metric, summary) if summary.get("implausible_estimate") else ""
    if metric.beats(score, best, margin) and real and implausible:
        return Outcome(
            Verdict.WARN,
            (
                f"{Metric} on the hidden holdout is {score:.3f} (baselines: {baselines}), enough to beat "
                f"them.{implausible}{gap_text} {hint}"
            ),
            (finding,),
        )
    if metric.beats(score, best, margin) and real:
        return Outcome(
            Verdict.PASS,
            (
                f"{Metric} on the hidden holdout is {score:.3f} (baselines: {baselines}; "
                f"required margin {metric.margin_text(margin)}).{noise_text}{gap_text}"
            ),
            (finding,),
        )
    if not metric.beats(score, best, margin):
        shortfall = (
            f"less than {baseline_label(best_name)} ({best:.3f}) plus the required margin {margin:.2f}"
            if metric.higher_is_better
            else (
                f"not {margin:.0%} below the {baseline_label(best_name)}'s {best:.3f} "
                f"(at most {metric.required(best, margin):.3f} needed)"
            )
        )
    else:
        shortfall = f"better than the {baseline_label(best_name)}'s {best:.3f}, but not by more than chance"
    share, scale_text = _scale(metric, score, dict(ctx.baselines), margin)
    return Outcome(
        Verdict.FAIL,
        (
            f"{Metric} on the hidden holdout is {score:.3f}, {shortfall}.{noise_text}{gap_text}{implausible}"
            f"{scale_text} Start from "
            f"the strongest simple model, then add one change at a time and keep what improves a "
            f"cross-validated score. {hint}"
        ),
        (finding,),
        share=share,
    )


def _scale(
    metric: HoldoutMetric, score: float, baselines: dict[str, float], margin: float
) -> tuple[float, str]:
    """A model that does not beat the baselines still earns part of the points, by where its score lies
    from the weakest baseline (none) to the score that would have passed (half the points, what a
    warning earns): a sound but weak model is not graded like one that learnt nothing."""
    if len(baselines) < 1:
        return 0.0, ""
    floor_name, floor = metric.worst(baselines)
    _, best = metric.best(baselines)
    bar = metric.required(best, margin)
    position = min(1.0, max(0.0, metric.position(score, floor, bar)))
    return 0.5 * position, (
        f" On heldout's scale from the {baseline_label(floor_name)} ({floor:.3f}, no points) to the "
        f"{bar:.3f} a pass needs (half the points), your model is at {position:.0%}."
    )
