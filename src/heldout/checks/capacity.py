"""Model capacity: scaling for scale-sensitive learners, optimisers that converged, a bias-variance
diagnosis graded against the generator's truth, and the holdout error against the Bayes limit.

The generator of a capacity scenario knows the noise level, so the best possible error (the Bayes
limit) is exact, and it records which columns are informative and in which group of near-copies. The
final model's own training error (read after the last cell) against its holdout error and the limit says
whether it is limited by bias or by variance; words for each answer come from the manifest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from heldout.checks.base import CheckContext, Coverage, Finding, Outcome, Verdict, hint_pointer, register
from heldout.holdout_metrics import HOLDOUT_METRICS, baseline_label
from heldout.trace.column_probe import PROBE_ROWS, column_digest
from heldout.trace.model import Event, Trace

__all__ = [
    "bayes_limit",
    "check_capacity_diagnosis",
    "check_holdout_near_bayes_limit",
    "check_optimiser_converged",
    "check_scale_sensitive_models_scaled",
    "grade_diagnosis",
]


# -- scaling ------------------------------------------------------------------------------------------
def _scaled_upstream(trace: Trace, fit: Event, scalers: frozenset[str]) -> bool | None:
    """Whether the rows ``fit`` learnt from went through a scaler (or a traced pandas statistic, as in
    ``(X - X.mean()) / X.std()``); None when heldout could not follow its input."""
    inputs = [i for i in fit.get("inputs") or [] if isinstance(i, int)]
    if not inputs:
        return None
    for event in trace.lineage_events(inputs, fit.id):
        if _is_scaling(event, scalers):
            return True
        # Output of a fitted object (a Pipeline of a scaler and a polynomial, say): what that fit held.
        source = event.get("fit_event") if event.kind in ("fit", "transform") else None
        source = event.id if event.kind == "fit" else source
        if (
            isinstance(source, int)
            and 0 <= source < len(trace.events)
            and any(_is_scaling(e, scalers) for e in (trace[source], *trace.descendants(source)))
        ):
            return True
    return False


def _is_scaling(event: Event, scalers: frozenset[str]) -> bool:
    return event.get("estimator") in scalers or event.get("role") == "statistic"


def _raw_spreads(
    ctx: CheckContext, fit: Event, digests: dict[tuple[int, ...], dict[str, str]]
) -> dict[str, float] | None:
    """The spread of each training-file column that ``fit`` got unchanged (matched by the digest of its
    first values); None when heldout cannot tell (no probe, rows not followed)."""
    probe = fit.get("column_probe")
    rows = ctx.trace.rows(fit.get("rows"))
    if not isinstance(probe, list) or rows is None or len(rows) < PROBE_ROWS or ctx.train is None:
        return None
    head = rows[:PROBE_ROWS]
    if (head < 0).any() or (head >= len(ctx.train)).any():
        return None
    key = tuple(int(i) for i in head)
    if key not in digests:
        numeric = ctx.train.select_dtypes("number")
        digests[key] = {
            column_digest(np.asarray(numeric[c].to_numpy()[head], dtype=np.float64)): c for c in numeric
        }
    matched = {digests[key][d] for d in probe if d in digests[key]}
    return {c: float(ctx.train[c].std()) for c in sorted(matched)}


@register("scale_sensitive_models_scaled", "Scale-sensitive models see scaled features")
def check_scale_sensitive_models_scaled(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "scale_sensitive_models_scaled")
    sensitive = frozenset(params.get("sensitive", ()))
    scalers = frozenset(params.get("scalers", ()))
    ratio = float(params.get("unit_ratio", 100.0))
    trace = ctx.trace
    unscaled: dict[str, Event] = {}
    widest: tuple[float, str, str] | None = None  # (ratio, widest column, narrowest column) seen unscaled
    lost: dict[str, Event] = {}
    digests: dict[tuple[int, ...], dict[str, str]] = {}
    judged = 0
    for fit in trace.of_kind("fit"):
        if fit.get("estimator") not in sensitive:
            continue
        # A model fitted by a search or cross-validation is placed at the call the candidate wrote.
        site = next((a for a in trace.ancestors(fit) if a.cell is not None or a.line is not None), fit)
        key = f"{fit.get('estimator')}@{site.site}"
        if _scaled_upstream(trace, fit, scalers):
            judged += 1
            continue
        # No scaler on the way: unscaled only if raw columns of very different spreads reached it (its own
        # input, or the input of the Pipeline or search it was fitted inside). Anything else was transformed
        # where heldout cannot see how, and is not accused.
        probed = next(
            (e for e in (fit, *trace.ancestors(fit)) if e.kind == "fit" and e.get("column_probe")), None
        )
        spreads = None if probed is None else _raw_spreads(ctx, probed, digests)
        if spreads is None:
            lost.setdefault(key, site)
            continue
        judged += 1
        positive = {c: s for c, s in spreads.items() if s > 0}
        if len(positive) < 2:
            continue
        wide, narrow = max(positive, key=positive.get), min(positive, key=positive.get)
        if positive[wide] / positive[narrow] > ratio:
            unscaled.setdefault(key, site)
            if widest is None or positive[wide] / positive[narrow] > widest[0]:
                widest = (positive[wide] / positive[narrow], wide, narrow)
    sites = tuple(e.site for e in lost.values())[:5]
    coverage = Coverage("fit", judged, len(lost), sites)
    if unscaled and widest is not None:
        spread, wide, narrow = widest
        named = "; ".join(f"{k.split('@')[0]} ({e.site})" for k, e in list(unscaled.items())[:4])
        return Outcome(
            Verdict.FAIL,
            (
                f"{named} learnt from unscaled features: `{wide}` spreads {spread:,.0f} times as wide as "
                f"`{narrow}`. These models compare features by distance, by gradient steps or through a "
                "penalty on their coefficients, so columns are weighed by their units, not by what they "
                "tell: a penalty shrinks the small-unit columns away, a distance sees only the large ones "
                "and a gradient step that suits one column overshoots another. Put a StandardScaler before "
                f"the model in the same Pipeline. {hint}"
            ),
            tuple(Finding(e.cell, e.line, k.split("@")[0]) for k, e in unscaled.items()),
            coverage,
        )
    if lost:
        return Outcome(
            Verdict.WARN,
            (
                f"heldout could not follow the input of {coverage.units(len(lost))} of scale-sensitive "
                f"models ({', '.join(sites)}), so it could not verify that they saw scaled features. {hint}"
            ),
            coverage=coverage,
        )
    if judged == 0:
        return Outcome(Verdict.PASS, "No scale-sensitive model was fitted.", coverage=coverage)
    return Outcome(
        Verdict.PASS,
        f"Every scale-sensitive model learnt from scaled features ({coverage.units(judged)}).",
        coverage=coverage,
    )


# -- convergence --------------------------------------------------------------------------------------
@register("optimiser_converged", "The final model's optimiser converged", needs="final")
def check_optimiser_converged(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "optimiser_converged")
    facts = ctx.model_facts
    if facts is None:
        return Outcome(Verdict.WARN, f"heldout could not read the final model after the last cell. {hint}")
    # Gradient-based learners only: a coordinate-descent lasso that stops at max_iter is within its
    # tolerance of the optimum on these data, a gradient step count is not.
    judged = frozenset(
        params.get("estimators", ("SGDRegressor", "SGDClassifier", "MLPRegressor", "MLPClassifier"))
    )
    steps = [s for s in facts.get("iterative") or [] if isinstance(s, dict) and s.get("estimator") in judged]
    if facts.get("problem") and not steps:
        return Outcome(Verdict.WARN, f"heldout could not read the final model: {facts['problem']}. {hint}")
    stopped = []
    for step in steps:
        n_iter, max_iter = step.get("n_iter"), step.get("max_iter")
        if not isinstance(n_iter, int) or not isinstance(max_iter, int) or max_iter <= 0:
            continue
        # Early stopping on a validation split stops when that split stops improving: that is convergence
        # by design, even on the last allowed epoch it is rare; running out of epochs is not.
        if n_iter >= max_iter and step.get("tol") is not None:
            stopped.append(step)
    if stopped:
        described = "; ".join(
            f"{s.get('estimator')} at `{s.get('path')}` ran {s['n_iter']} of max_iter={s['max_iter']} "
            "iterations" + _curve_tail(s)
            for s in stopped
        )
        return Outcome(
            Verdict.FAIL,
            (
                f"Your final model's optimiser stopped because it ran out of iterations, not because it "
                f"converged: {described}. Its weights are wherever the last step left them, so the model "
                "underfits for a reason that has nothing to do with its capacity, and every diagnosis "
                "read from it is of the optimiser. Raise max_iter, scale the inputs, or stop early on a "
                f"validation split (early_stopping=True). {hint}"
            ),
            tuple(Finding(None, None, str(s.get("path"))) for s in stopped),
        )
    if not steps:
        return Outcome(
            Verdict.PASS, "Your final model has no gradient-based optimiser (SGD or MLP) to check."
        )
    names = ", ".join(f"{s.get('estimator')} ({s.get('n_iter')} of {s.get('max_iter')})" for s in steps)
    return Outcome(Verdict.PASS, f"Every optimiser in your final model converged before max_iter: {names}.")


def _curve_tail(step: Mapping[str, Any]) -> str:
    curve = [v for v in step.get("loss_curve") or [] if isinstance(v, (int, float))]
    if len(curve) >= 2 and curve[-2]:
        change = (curve[-2] - curve[-1]) / abs(curve[-2])
        return f" (the loss still fell {change:.1%} on the last one)"
    return ""


# -- the Bayes limit ----------------------------------------------------------------------------------
def bayes_limit(truth: pd.DataFrame | None, metric: str) -> float | None:
    """The best possible holdout score the generator recorded for ``metric`` (None if it has none)."""
    if truth is None or not {"kind", "name", "value"} <= set(truth.columns):
        return None
    rows = truth[(truth["kind"] == "bayes") & (truth["name"] == metric)]
    if rows.empty:
        return None
    value = pd.to_numeric(rows["value"], errors="coerce").iloc[0]
    return float(value) if np.isfinite(value) else None


def true_curve(truth: pd.DataFrame | None) -> dict[str, list[float]] | None:
    """The generator's learning curve of its reference learner: training rows, training and test error."""
    if truth is None or "kind" not in truth.columns:
        return None
    curve = {}
    for kind in ("curve_train", "curve_test"):
        rows = truth[truth["kind"] == kind]
        curve[kind] = dict(zip(rows["name"].astype(int), pd.to_numeric(rows["value"]), strict=True))
    sizes = sorted(curve["curve_test"])
    if not sizes:
        return None
    return {
        "rows": sizes,
        "train": [round(float(curve["curve_train"].get(n, np.nan)), 6) for n in sizes],
        "test": [round(float(curve["curve_test"][n]), 6) for n in sizes],
    }


def bayes_summary(ctx: CheckContext, score: float) -> dict[str, Any]:
    """The headline figures of a scenario with a known limit, for the holdout summary and the reports:
    the limit, how far above it the model is, and the generator's true learning curve (empty otherwise)."""
    limit = bayes_limit(ctx.truth, ctx.manifest.holdout.metric)
    if limit is None or limit <= 0 or HOLDOUT_METRICS[ctx.manifest.holdout.metric].higher_is_better:
        return {}
    return {
        "bayes_limit": limit,
        "above_bayes_limit": round(score / limit - 1, 6),
        "true_learning_curve": true_curve(ctx.truth),
        "training_rows": len(ctx.train_labels),
        "candidate_curve": candidate_curve(ctx),
    }


def candidate_curve(ctx: CheckContext) -> list[dict[str, float]]:
    """The candidate's own validation errors of the final model's kind, by the rows each fit learnt
    from: every evaluation (a learning_curve's, a cross-validation's, a split's) of a model with the
    final model's settings, scored on rows its fit did not see, averaged per training size."""
    from heldout.checks.models import scored_model
    from heldout.metric_names import normalise_metric

    final = ctx.trace[ctx.model_fit] if isinstance(ctx.model_fit, int) else None
    if final is None or final.get("config_key") is None:
        return []
    wanted = normalise_metric(ctx.manifest.holdout.metric)
    by_size: dict[int, list[float]] = {}
    for metric in ctx.analysis.evaluations:
        if normalise_metric(str(metric.get("metric"))) != wanted or metric.get("value") is None:
            continue
        model = scored_model(ctx.analysis, metric)
        fitted = ctx.trace.row_set(model.fit) if model is not None else None
        scored = ctx.trace.row_set(metric)
        if model is None or model.config_key != final.get("config_key") or not fitted or not scored:
            continue
        if fitted & scored:
            continue  # a training score, or a leak: not a validation error
        by_size.setdefault(len(fitted), []).append(ctx.analysis.positive_value(metric))
    return [
        {"rows": rows, "error": round(float(np.mean(errors)), 6), "evaluations": len(errors)}
        for rows, errors in sorted(by_size.items())
    ]


def _holdout_error(ctx: CheckContext) -> float | None:
    if ctx.holdout.scores is None:
        return None
    metric = HOLDOUT_METRICS[ctx.manifest.holdout.metric]
    return metric.score(np.asarray(ctx.holdout.labels, dtype=float), ctx.holdout.scores)


@register("holdout_near_bayes_limit", "The holdout error is near the best possible", needs="hidden")
def check_holdout_near_bayes_limit(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "holdout_near_bayes_limit")
    name = ctx.manifest.holdout.metric
    metric = HOLDOUT_METRICS[name]
    limit = bayes_limit(ctx.truth, name)
    if limit is None or metric.higher_is_better:
        return Outcome(Verdict.WARN, "This scenario records no Bayes limit for its holdout metric.")
    score = _holdout_error(ctx)
    if score is None:
        return Outcome(
            Verdict.FAIL, f"heldout could not score your model on the holdout: {ctx.holdout.problem}. {hint}"
        )
    best_name, best = metric.best(dict(ctx.baselines))
    best_name = baseline_label(best_name)
    needed = float(params.get("closes", 0.75))
    room = best - limit
    closed = (best - score) / room if room > 0 else 0.0
    above = score / limit - 1
    facts = {
        "score": round(score, 6),
        "limit": limit,
        "above_limit": round(above, 6),
        "closed": round(closed, 6),
    }
    headline = (
        f"Your holdout {metric.label} is {score:.3f}; the best possible is {limit:.3f} (the process noise), "
        f"so your model is {above:.1%} above the limit. The best baseline ({best_name}, {best:.3f}) is "
        f"{best / limit - 1:.0%} above it: your model closes {closed:.0%} of that gap"
    )
    finding = Finding(None, None, headline, facts)
    if closed >= needed:
        return Outcome(Verdict.PASS, headline + ".", (finding,))
    verdict = Verdict.WARN if closed >= needed / 2 else Verdict.FAIL
    return Outcome(
        verdict,
        f"{headline}, less than the {needed:.0%} a model that learns the interactions closes. {hint}",
        (finding,),
    )


# -- the diagnosis ------------------------------------------------------------------------------------
def _words(text: Any) -> str:
    return " " + re.sub(r"[^a-z0-9']+", " ", str(text).lower()).strip() + " "


def _answer(text: Any, words: Mapping[str, Sequence[str]], options: Sequence[str]) -> str | None:
    """Which of ``options`` the candidate's text says, in the manifest's words: the option whose word
    appears first (longest words first, so "not stable" is not read as "stable"); None if none does."""
    said = _words(text)
    found: list[tuple[int, int, str]] = []
    for option in options:
        for word in sorted(words.get(option, [option]), key=len, reverse=True):
            position = said.find(_words(word))
            if position >= 0:
                found.append((position, -len(word), option))
    if not found:
        return None
    return min(found)[2]  # the earliest; at the same place, the longest phrase


def _feature_list(text: Any) -> list[str]:
    return [part.strip().strip("'\"") for part in re.split(r"[,;\s]+", str(text)) if part.strip()]


def _curve_text(truth: pd.DataFrame) -> str:
    """The generator's own evidence that more rows help, from its true learning curve."""
    curve = true_curve(truth)
    if curve is None or len(curve["rows"]) < 2:
        return ""
    pairs = list(zip(curve["rows"], curve["test"], strict=True))
    size = truth[(truth["kind"] == "size") & (truth["name"] == "n_train")]["value"]
    n_train = int(float(size.iloc[0])) if not size.empty else None
    (n, now), (later, then) = next((p for p in pairs if p[0] == n_train), pairs[0]), pairs[-1]
    return (
        f" (drawing more batches from the same process, a flexible model's error falls from {now:.2f} "
        f"at {n:,} rows to {then:.2f} at {later:,})"
    )


def grade_diagnosis(
    report: Mapping[str, Any] | None,
    truth: pd.DataFrame,
    train_error: float | None,
    holdout_error: float | None,
    limit: float,
    params: Mapping[str, Any],
) -> tuple[Verdict, list[str], list[str]]:
    """(verdict, what was right, what was wrong) of the candidate's capacity diagnosis against the truth:
    bias or variance and whether more rows help, from the final model's training and holdout error against
    the limit; the L1 selection and its stability from the generator's groups of columns."""
    report = report or {}
    words = params.get("words", {})
    right: list[str] = []
    wrong: list[str] = []
    failed = False

    # Bias or variance, and would more data help.
    diagnosis = _answer(
        report.get(params.get("diagnosis_key", "diagnosis"), ""), words, ("high_bias", "high_variance")
    )
    more = _answer(report.get(params.get("more_data_key", "more_data"), ""), words, ("yes", "no"))
    if train_error is None or holdout_error is None:
        wrong.append("heldout could not measure your final model's training and holdout error")
    else:
        variance = max(holdout_error - train_error, 0.0)
        bias = max(train_error - limit, 0.0)
        ratio = float(params.get("ambiguous_ratio", 1.5))
        at_limit = holdout_error <= limit * (1 + float(params.get("near_limit", 0.05)))
        if at_limit or (min(bias, variance) > 0 and max(bias, variance) / min(bias, variance) < ratio):
            accepted = {"high_bias", "high_variance"}
            more_accepted = {"yes", "no"}
        elif variance > bias:
            accepted, more_accepted = {"high_variance"}, {"yes"}
        else:
            accepted, more_accepted = {"high_bias"}, {"no"}
        measured = (
            f"your final model's training {train_error:.3f} against its holdout {holdout_error:.3f}, with "
            f"the best possible {limit:.3f}"
        )
        if diagnosis is None:
            said = str(report.get(params.get("diagnosis_key", "diagnosis"), ""))[:40]
            wrong.append(f"your diagnosis {said!r} says neither high bias nor high variance")
            failed = True
        elif diagnosis not in accepted:
            failed = True
            truth_word = next(iter(accepted)).replace("_", " ")
            wrong.append(
                f"you diagnose {diagnosis.replace('_', ' ')}, but {measured} says {truth_word}: "
                + (
                    "the training error is itself far above the noise floor and the holdout error is close "
                    "to it, so the model cannot represent the yield (the interactions)"
                    if truth_word == "high bias"
                    else "the training error is near the noise floor and the holdout error far above it"
                )
            )
        else:
            right.append(f"diagnosis: {diagnosis.replace('_', ' ')}")
        if more is None:
            wrong.append(f"`more_data` {str(report.get('more_data', ''))[:40]!r} says neither yes nor no")
            failed = True
        elif more not in more_accepted:
            failed = True
            wrong.append(
                "more rows "
                + (
                    "would help: a variance-limited model's gap closes as rows are added" + _curve_text(truth)
                    if more == "no"
                    else "would not help a bias-limited model: its training error is already its floor"
                )
            )
        else:
            right.append(f"more data: {more}")

    # L1: which columns it keeps, and how stable that is.
    features = truth[truth["kind"] == "feature"]
    groups = {str(r.name): str(r.detail) for r in features.itertuples()}
    noise = {f for f, g in groups.items() if g == "noise"}
    informative = {g for g in groups.values() if g != "noise"}
    kept = _feature_list(report.get(params.get("features_key", "l1_features"), ""))
    unknown = [f for f in kept if f not in groups]
    covered = {groups[f] for f in kept if f in groups and f not in noise}
    missed = sorted(informative - covered)
    noisy = [f for f in kept if f in noise]
    if not kept:
        wrong.append("you name no columns that L1 keeps")
        failed = True
    else:
        if unknown:
            verb = "is not a column" if len(unknown) == 1 else "are not columns"
            wrong.append(f"{', '.join(map(repr, unknown[:5]))} {verb} of the data")
        if missed:
            failed = failed or len(missed) > len(informative) / 2
            wrong.append(
                f"your L1 selection misses {len(missed)} of the {len(informative)} informative quantities: "
                "a penalty on unscaled columns drops the ones with small units first"
            )
        if len(noisy) > int(params.get("noise_allowed", 3)):
            wrong.append(f"your L1 selection keeps {len(noisy)} columns that carry no signal")
        if not missed and not unknown:
            right.append(f"L1 keeps every informative quantity ({len(informative)})")
    stability_truth = truth[(truth["kind"] == "answer") & (truth["name"] == "l1_stability")]
    if not stability_truth.empty:
        expected = str(stability_truth["detail"].iloc[0])
        said = _answer(
            report.get(params.get("stability_key", "l1_stability"), ""), words, ("stable", "unstable")
        )
        if said == expected:
            right.append(f"L1 selection: {said}")
        else:
            failed = True
            wrong.append(
                f"you call the L1 selection {said or 'neither stable nor unstable'}, but readings of one "
                "quantity are near-copies (correlation 0.95-0.99): an L1 penalty keeps one or another and "
                "moves the weight between them from fold to fold"
            )
    if failed:
        return Verdict.FAIL, right, wrong
    return (Verdict.WARN if wrong else Verdict.PASS), right, wrong


@register("capacity_diagnosis", "The capacity diagnosis matches the truth", needs="hidden")
def check_capacity_diagnosis(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "capacity_diagnosis")
    name = ctx.manifest.holdout.metric
    limit = bayes_limit(ctx.truth, name)
    if limit is None or ctx.truth is None:
        return Outcome(Verdict.WARN, "This scenario records no truth to compare a diagnosis with.")
    if ctx.report is None:
        return Outcome(Verdict.FAIL, f"No report heldout could read, so no diagnosis. {hint}")
    train_error = _train_error(ctx)
    verdict, right, wrong = grade_diagnosis(
        ctx.report, ctx.truth, train_error, _holdout_error(ctx), limit, params
    )
    findings = tuple(Finding(None, None, text) for text in wrong)
    if verdict is Verdict.PASS:
        return Outcome(verdict, "Your capacity diagnosis is right: " + "; ".join(right) + ".")
    said = ("Right: " + "; ".join(right) + ". ") if right else ""
    return Outcome(
        verdict,
        f"Your capacity diagnosis is {'partly right' if verdict is Verdict.WARN else 'wrong'}. {said}"
        f"Not right: {'; '.join(wrong)}. {hint}",
        findings,
    )


def _train_error(ctx: CheckContext) -> float | None:
    """The final model's error on its own training rows, from the predictions read after the last cell."""
    facts = ctx.model_facts or {}
    predictions = facts.get("train_predictions")
    if not isinstance(predictions, list) or len(predictions) != len(ctx.train_labels):
        return None
    try:
        values = np.asarray(predictions, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(values)):
        return None
    metric = HOLDOUT_METRICS[ctx.manifest.holdout.metric]
    labels = np.asarray(ctx.train_labels, dtype=np.float64)
    return metric.score(labels, values) if math.isfinite(labels.sum()) else None
