"""The metrics a manifest can score the hidden holdout with, and how to compare two models on them.

Each metric knows its task, which direction is better and how a required margin reads: for scores
(higher is better) the margin is in points of the score; for errors (lower is better) it is a fraction
of the baseline's error, because "5 % fewer minutes of error" means the same at any scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # manifests (and the stdlib-only lint) import this module without NumPy
    import numpy as np

__all__ = [
    "BASELINES",
    "HOLDOUT_METRICS",
    "HoldoutMetric",
    "baseline_label",
    "bootstrap_difference",
    "plausible_estimate",
    "public_part",
]


@dataclass(frozen=True)
class HoldoutMetric:
    name: str
    label: str  # as a person writes it in a sentence
    task: str
    higher_is_better: bool
    function: str  # in sklearn.metrics, imported on first use: manifests load without scikit-learn

    def score(self, y_true: np.ndarray, predictions: np.ndarray) -> float:
        return float(_sklearn_metric(self.function)(y_true, predictions))

    def required(self, baseline: float, margin: float) -> float:
        """The score a model must reach to beat ``baseline`` by the manifest's margin."""
        if self.higher_is_better:
            return baseline + margin
        return baseline * (1.0 - margin)

    def beats(self, score: float, baseline: float, margin: float) -> bool:
        needed = self.required(baseline, margin)
        return score >= needed if self.higher_is_better else score <= needed

    def best(self, scores: dict[str, float]) -> tuple[str, float]:
        pick = max if self.higher_is_better else min
        return pick(scores.items(), key=lambda item: item[1])

    def worst(self, scores: dict[str, float]) -> tuple[str, float]:
        pick = min if self.higher_is_better else max
        return pick(scores.items(), key=lambda item: item[1])

    def position(self, score: float, floor: float, bar: float) -> float:
        """Where ``score`` lies from ``floor`` (0) to ``bar`` (1), for scores and errors alike; may fall
        outside [0, 1]. A bar no better than the floor leaves no scale: 1 at or beyond it, else 0."""
        span = bar - floor if self.higher_is_better else floor - bar
        gained = score - floor if self.higher_is_better else floor - score
        if span <= 0:
            return 1.0 if gained >= span else 0.0
        return gained / span

    def margin_text(self, margin: float) -> str:
        return f"{margin:.2f}" if self.higher_is_better else f"{margin:.0%} lower error"


HOLDOUT_METRICS: dict[str, HoldoutMetric] = {
    metric.name: metric
    for metric in (
        HoldoutMetric(
            "average_precision", "average precision", "binary_classification", True, "average_precision_score"
        ),
        HoldoutMetric("roc_auc", "ROC-AUC", "binary_classification", True, "roc_auc_score"),
        HoldoutMetric("mae", "mean absolute error", "regression", False, "mean_absolute_error"),
        HoldoutMetric("rmse", "root mean squared error", "regression", False, "root_mean_squared_error"),
        # Retrieval metrics are computed with ir_measures over ranked runs (heldout.retrieval.metrics).
        HoldoutMetric("ndcg@10", "nDCG@10", "retrieval", True, "ir_measures"),
        # An experiment readout is scored by its decisions on replicate experiments (heldout.readout).
        HoldoutMetric("decision_accuracy", "decision accuracy", "experiment", True, "readout"),
    )
}


def _sklearn_metric(name: str) -> Callable[[np.ndarray, np.ndarray], float]:
    import sklearn.metrics

    return getattr(sklearn.metrics, name)


def bootstrap_difference(
    metric: HoldoutMetric,
    y_true: np.ndarray,
    model: np.ndarray,
    baseline: np.ndarray,
    rounds: int = 400,
    seed: int = 0,
) -> tuple[float, float]:
    """95 % percentile interval of metric(model) - metric(baseline) over rows resampled with replacement.

    Both models are scored on the same resampled rows each round (a paired bootstrap), so the noise the
    two share cancels and the interval measures only the difference. The seed is fixed: the same
    submission gets the same interval on every re-grade.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(y_true)
    differences = np.empty(rounds)
    for i in range(rounds):
        rows = rng.integers(0, n, n)
        differences[i] = metric.score(y_true[rows], model[rows]) - metric.score(y_true[rows], baseline[rows])
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(low), float(high)


# The harness's own baselines, by the task they answer and as a sentence names them.
BASELINES: dict[str, tuple[str, str]] = {
    "prior": ("binary_classification", "prior-rate dummy"),
    "logistic_regression": ("binary_classification", "plain logistic regression"),
    "mean": ("regression", "training-mean dummy"),
    "median": ("regression", "training-median dummy"),
    "linear_regression": ("regression", "plain linear regression"),
    "bm25": ("retrieval", "plain BM25"),
    "tfidf": ("retrieval", "TF-IDF cosine"),
    "naive_readout": ("experiment", "plain two-proportion z-test per user, without an SRM check"),
}


def baseline_label(name: str) -> str:
    return BASELINES[name][1] if name in BASELINES else name


def plausible_estimate(
    metric: HoldoutMetric,
    y_true: np.ndarray,
    predictions: np.ndarray,
    rows: int,
    rounds: int = 100,
    seed: int = 0,
) -> float:
    """The best this model's score plausibly comes out on ``rows`` rows drawn like the holdout's: the
    97.5th percentile of the metric (the 2.5th for an error) over resamples of that many holdout rows.

    An honest estimate computed on that many of the candidate's own rows lands below it 39 times in 40
    (more often still, as the validation model learnt from fewer rows than the final one). The seed is
    fixed: the same submission gets the same figure on every re-grade.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(y_true)
    size = max(2, min(int(rows), n))
    values = []
    for _ in range(rounds):
        picked = rng.integers(0, n, size)
        truth = y_true[picked]
        if metric.task == "binary_classification" and truth.min() == truth.max():
            continue  # a resample with one class only has no ranking score
        values.append(metric.score(truth, predictions[picked]))
    if not values:
        return float("nan")
    return float(np.percentile(values, 97.5 if metric.higher_is_better else 2.5))


def public_part(labels: np.ndarray, share: float, salt: str) -> np.ndarray:
    """Which holdout rows form the public part (a boolean mask), the same on every grade of a dataset.

    The rows are drawn by a generator seeded from a digest of the hidden labels themselves: nothing a
    submission can read, so a candidate cannot tell which rows count where, and a bundle (whose labels
    differ) gets its own split. ``salt`` (the scenario id) keeps two scenarios on one dataset apart.
    """
    import hashlib

    import numpy as np

    digest = hashlib.sha256(salt.encode("utf-8") + b"\0" + np.ascontiguousarray(labels).tobytes()).digest()
    order = np.random.default_rng(int.from_bytes(digest[:16], "big")).permutation(len(labels))
    mask = np.zeros(len(labels), dtype=bool)
    mask[order[: round(share * len(labels))]] = True
    return mask
