"""Plots for reports, drawn with matplotlib's Agg backend into PNG bytes (no display, no network)."""

from __future__ import annotations

import io
import itertools
from typing import Any

__all__ = [
    "drift_timeline_png",
    "learning_curve_png",
    "pr_curve_png",
    "recall_curve_png",
    "score_histogram_png",
]

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


def recall_curve_png(retrieval: dict[str, Any]) -> bytes:
    """Recall@k of the candidate's retriever and of each baseline on the hidden queries, k on a log axis."""
    figure, axes = _figure()
    names = {"model": "candidate's retriever", "bm25": "plain BM25", "tfidf": "TF-IDF cosine"}
    for name, points in retrieval["recall_curve"].items():
        cutoffs, values = zip(*points, strict=True) if points else ((), ())
        axes.plot(
            cutoffs,
            values,
            marker="o",
            label=names.get(name, name),
            linewidth=2.2 if name == "model" else 1.4,
        )
    axes.axvline(
        retrieval["k"], color="grey", linestyle="--", linewidth=1, label=f"product's k = {retrieval['k']}"
    )
    axes.set_xscale("log")
    axes.set_xlabel("k (passages retrieved)")
    axes.set_ylabel("recall@k")
    axes.set_ylim(0, 1.02)
    axes.legend(loc="lower right", fontsize=8)
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


def drift_timeline_png(drift: dict[str, Any]) -> bytes:
    """One panel per feature: its monthly series, the planted change (solid) and the reported one
    (dashed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    features = drift["features"]
    months = drift["months"]
    figure = Figure(figsize=(7.0, 1.9 * len(features) + 0.4), dpi=100)
    axes_list = figure.subplots(len(features), 1, sharex=True, squeeze=False)[:, 0]
    positions = list(range(len(months)))
    for axes, entry in zip(axes_list, features, strict=True):
        values = [float("nan") if v is None else v for v in entry["series"]]
        axes.plot(positions, values, marker="o", markersize=2.5, linewidth=1.4, color="#333333")
        for key, style, colour, label in (
            ("planted", "-", "#c0392b", "planted"),
            ("reported", "--", "#2471a3", "reported"),
        ):
            if entry.get(key) in months:
                axes.axvline(
                    months.index(entry[key]), linestyle=style, color=colour, linewidth=1.6, label=label
                )
        axes.set_title(f"{entry['feature']} ({entry['kind']}): {entry['measure']}", fontsize=9, loc="left")
        axes.grid(alpha=0.3)
        axes.tick_params(labelsize=7)
        if entry.get("planted") or entry.get("reported"):
            axes.legend(loc="best", fontsize=7)
    step = max(1, len(months) // 8)
    axes_list[-1].set_xticks(positions[::step], months[::step])
    return _png(figure)


def learning_curve_png(holdout: dict[str, Any], training_rows: int) -> bytes:
    """The generator's true learning curve (its reference learner's training and test error by rows),
    the Bayes limit, and the candidate's model: its holdout error at the rows it was trained on, and its
    own validation errors by training rows (``candidate_curve``) where the notebook computed any."""
    figure, axes = _figure()
    curve = holdout["true_learning_curve"]
    axes.plot(curve["rows"], curve["test"], marker="o", linewidth=1.6, label="reference learner, test (true)")
    axes.plot(
        curve["rows"], curve["train"], marker=".", linewidth=1.0, linestyle=":", label="reference, training"
    )
    limit = holdout["bayes_limit"]
    axes.axhline(limit, color="grey", linestyle="--", linewidth=1, label=f"Bayes limit ({limit:.2f})")
    own = holdout.get("candidate_curve") or []
    if own:
        axes.plot(
            [point["rows"] for point in own],
            [point["error"] for point in own],
            marker="s",
            linewidth=1.6,
            color="purple",
            label="candidate's model, own validation",
        )
    axes.scatter(
        [training_rows],
        [holdout["score"]],
        color="crimson",
        zorder=5,
        s=50,
        label=f"candidate's model, holdout ({holdout['score']:.3f})",
    )
    axes.set_xscale("log")
    axes.set_xticks(curve["rows"], [f"{n:,}" for n in curve["rows"]])
    axes.minorticks_off()
    axes.set_xlabel("training rows")
    axes.set_ylabel(holdout["metric"])
    axes.legend(loc="upper right", fontsize=8)
    axes.grid(alpha=0.3)
    return _png(figure)


def group_rates_png(groups: list[dict[str, Any]], before: list[dict[str, Any]] | None = None) -> bytes:
    """Selection rate and true positive rate by group on the hidden holdout, with 95 % bootstrap
    intervals: the gap the fairness constraint bounds, and how little a small group's rate says. With
    ``before`` (the same table for a model without mitigation), each bar of the candidate's model has
    that model's beside it, hatched."""
    import numpy as np

    figure, axes = _figure()
    names = [f"{row['group']}\n({row['rows']:,} rows)" for row in groups]
    positions = np.arange(len(groups))
    tables = [(groups, "", None)]
    if before is not None and [r["group"] for r in before] == [r["group"] for r in groups]:
        tables = [(before, " without mitigation", "//"), (groups, " (candidate)", None)]
    width = 0.38 / len(tables)
    colours = {"selection_rate": "#4c72b0", "true_positive_rate": "#dd8452"}
    for metric_index, (key, label) in enumerate(
        (("selection_rate", "selection rate"), ("true_positive_rate", "TPR"))
    ):
        for table_index, (table, suffix, hatch) in enumerate(tables):
            offset = (metric_index - 0.5) * 0.4 + (table_index - (len(tables) - 1) / 2) * width
            values = [row[key] if row[key] is not None else np.nan for row in table]
            low = [
                v - row[f"{key}_low"] if row[key] is not None else 0.0
                for v, row in zip(values, table, strict=True)
            ]
            high = [
                row[f"{key}_high"] - v if row[key] is not None else 0.0
                for v, row in zip(values, table, strict=True)
            ]
            axes.bar(
                positions + offset,
                values,
                width=width * 0.95,
                label=label + suffix,
                yerr=[low, high],
                capsize=2,
                color=colours[key],
                alpha=0.45 if hatch else 1.0,
                hatch=hatch,
            )
    axes.set_xticks(positions, names)
    axes.set_ylim(0, 1.3)  # room above the bars for the legend
    axes.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axes.set_ylabel("share of the group")
    axes.legend(loc="upper center", fontsize=7, ncol=2)
    axes.grid(alpha=0.3, axis="y")
    return _png(figure)


def readout_png(readout: dict[str, Any]) -> bytes:
    """Two panels: the readout's p-values on the A/A replicates (flat when its level holds), and each
    replicate's interval against its true effect (red where it missed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 4.0), dpi=100)
    left, right = figure.subplots(1, 2)
    p_values = [p for p in readout.get("aa_p_values") or [] if isinstance(p, int | float)]
    left.hist(p_values, bins=[i / 20 for i in range(21)], color="#4c72b0", edgecolor="white")
    if p_values:
        left.axhline(
            len(p_values) / 20, color="grey", linestyle="--", linewidth=1, label="uniform (level holds)"
        )
    left.axvline(0.05, color="black", linestyle=":", linewidth=1, label="p = 0.05")
    left.set_xlabel("p-value on an A/A replicate")
    left.set_ylabel("replicates")
    left.set_xlim(0, 1)
    left.legend(fontsize=8)
    rows = [
        r
        for r in readout.get("intervals") or []
        if all(isinstance(r.get(k), int | float) for k in ("ci_low", "ci_high", "true_effect"))
    ]
    rows.sort(key=lambda r: (r["true_effect"], r["replicate"]))
    for position, row in enumerate(rows):
        covered = row["ci_low"] <= row["true_effect"] <= row["ci_high"]
        colour = "#4c72b0" if covered else "#c44e52"
        right.plot([row["ci_low"], row["ci_high"]], [position, position], color=colour, linewidth=1.4)
        right.plot([row["true_effect"]], [position], marker="o", color="black", markersize=2.5, zorder=3)
    right.set_xlabel("effect on the primary metric: interval (line), truth (dot)")
    right.set_ylabel("replicates, by true effect")
    right.set_yticks([])
    right.axvline(0, color="grey", linewidth=0.8)
    figure.tight_layout()
    return _png(figure)
