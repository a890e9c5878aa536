"""The vocabulary of metrics shared by the tracer, the checks and the lint (standard library only).

Which scikit-learn functions are metrics, which turn scores into decisions at a threshold (so many
calls on the same rows mean a threshold search), which draw a threshold curve, and what candidates write
for a metric in their report.
"""

from __future__ import annotations

__all__ = [
    "CURVE_METRICS",
    "METRIC_ALIASES",
    "THRESHOLD_METRICS",
    "is_error_metric",
    "is_metric_name",
    "normalise_metric",
]

CURVE_METRICS = frozenset({"precision_recall_curve", "roc_curve", "det_curve"})
THRESHOLD_METRICS = frozenset(
    {
        "accuracy_score",
        "balanced_accuracy_score",
        "f1_score",
        "fbeta_score",
        "precision_score",
        "recall_score",
        "jaccard_score",
        "confusion_matrix",
        "classification_report",
        "precision_recall_fscore_support",
        "matthews_corrcoef",
        "cohen_kappa_score",
    }
)
_METRIC_SUFFIXES = ("_score", "_error", "_loss", "_curve", "_deviance")
_METRIC_EXTRA = frozenset(
    {
        "confusion_matrix",
        "classification_report",
        "matthews_corrcoef",
        "precision_recall_fscore_support",
        "multilabel_confusion_matrix",
    }
)
# Clustering and association measures compare two labellings (a column with the label, in a drift
# report, say), not a model's predictions with the truth: they are never the evaluation of a model.
_CLUSTERING = frozenset(
    {
        "adjusted_mutual_info_score",
        "adjusted_rand_score",
        "calinski_harabasz_score",
        "completeness_score",
        "consensus_score",
        "davies_bouldin_score",
        "fowlkes_mallows_score",
        "homogeneity_score",
        "mutual_info_score",
        "normalized_mutual_info_score",
        "rand_score",
        "silhouette_score",
        "v_measure_score",
    }
)
_NOT_METRICS = frozenset({"make_scorer", "check_scoring", "get_scorer", "get_scorer_names"}) | _CLUSTERING

# What candidates write in their report, mapped to scikit-learn's metric function names.
METRIC_ALIASES = {
    "average_precision": "average_precision_score",
    "average_precision_score": "average_precision_score",
    "ap": "average_precision_score",
    "pr_auc": "average_precision_score",
    "prauc": "average_precision_score",
    "auprc": "average_precision_score",
    "pr-auc": "average_precision_score",
    "precision_recall_auc": "average_precision_score",
    "roc_auc": "roc_auc_score",
    "roc_auc_score": "roc_auc_score",
    "auc": "roc_auc_score",
    "auroc": "roc_auc_score",
    "accuracy": "accuracy_score",
    "accuracy_score": "accuracy_score",
    "score": "accuracy_score",
    "f1": "f1_score",
    "f1_score": "f1_score",
    "recall_at_precision": "recall_at_precision",
    "precision_at_recall": "precision_at_recall",
    "expected_cost": "expected_cost",
    "cost": "expected_cost",
    "balanced_accuracy": "balanced_accuracy_score",
    "recall": "recall_score",
    "precision": "precision_score",
    "mae": "mean_absolute_error",
    "mean_absolute_error": "mean_absolute_error",
    "l1": "mean_absolute_error",
    "median_absolute_error": "median_absolute_error",
    "medae": "median_absolute_error",
    "rmse": "root_mean_squared_error",
    "root_mean_squared_error": "root_mean_squared_error",
    "mse": "mean_squared_error",
    "mean_squared_error": "mean_squared_error",
    "l2": "mean_squared_error",
    "mape": "mean_absolute_percentage_error",
    "mean_absolute_percentage_error": "mean_absolute_percentage_error",
    "r2": "r2_score",
    "r2_score": "r2_score",
    "r^2": "r2_score",
    "pinball": "mean_pinball_loss",
}


def is_error_metric(name: str) -> bool:
    """Lower is better (scikit-learn's ``*_error``, ``*_loss`` and ``*_deviance`` functions)."""
    return name.endswith(("_error", "_loss", "_deviance"))


def normalise_metric(name: str) -> str:
    key = name.strip().lower().replace(" ", "_")
    if key.startswith("neg_"):  # scikit-learn's scorer names for errors
        key = key[4:]
    return METRIC_ALIASES.get(key, key)


def is_metric_name(name: str) -> bool:
    """Whether a public name of ``sklearn.metrics`` is a metric (not a scorer helper)."""
    return name not in _NOT_METRICS and (name.endswith(_METRIC_SUFFIXES) or name in _METRIC_EXTRA)
