"""Plots for reports, drawn with matplotlib's Agg backend into PNG bytes (no display, no network)."""

from __future__ import annotations

import io
import itertools
from typing import Any

__all__ = ["pr_curve_png", "score_histogram_png"]

_LABELS = {"model": "candidate's model", "logistic_regression": "logistic regression baseline"}


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 4.0), dpi=100)
    return figure, figure.subplots()


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    # Fixed metadata so the same result draws the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
    return buffer.getvalue()


def pr_curve_png(holdout: dict[str, Any]) -> bytes:
    figure, axes = _figure()
    for name, curve in holdout["curves"].items():
        label = _LABELS.get(name, name.replace("_", " "))
        value = holdout["score"] if name == "model" else holdout["baselines"].get(name)
        axes.plot(
            curve["recall"],
            curve["precision"],
            label=f"{label} (AP {value:.3f})",
            linewidth=2.2 if name == "model" else 1.4,
        )
    prevalence = holdout["prevalence"]
    axes.axhline(
        prevalence, color="grey", linestyle="--", linewidth=1, label=f"prior-rate dummy (AP {prevalence:.3f})"
    )
    axes.set_xlabel("recall")
    axes.set_ylabel("precision")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.legend(loc="upper right", fontsize=8)
    axes.grid(alpha=0.3)
    return _png(figure)


def score_histogram_png(holdout: dict[str, Any], threshold: float | None) -> bytes:
    figure, axes = _figure()
    histogram = holdout["histogram"]
    edges = histogram["edges"]
    centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    width = (edges[1] - edges[0]) * 0.45 if len(edges) > 1 else 0.02
    axes.bar([c - width / 2 for c in centres], histogram["negative"], width, label="negatives")
    axes.bar([c + width / 2 for c in centres], histogram["positive"], width, label="positives")
    axes.set_yscale("log")
    if threshold is not None:
        axes.axvline(threshold, color="black", linestyle=":", label=f"declared threshold {threshold:.3g}")
    axes.set_xlabel("model score")
    axes.set_ylabel("rows (log scale)")
    axes.legend(fontsize=8)
    return _png(figure)
