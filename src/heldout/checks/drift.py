"""The candidate's drift report, graded against what the dataset's generator planted.

The generator records which features drift, how (a covariate shift moves a feature's distribution; a
concept drift changes its relation to the label) and from which month, in a hidden truth file. The
report is judged like a detector: precision and recall of the named features, and whether each change
is placed in the right month. How drift was measured is the candidate's choice, within what holds up:
effect sizes with a threshold (PSI, Wasserstein, Jensen-Shannon) or tests with multiple-testing control.
Raw p-values only warn: on thousands of rows a month every feature differs "significantly" from last
year, and dozens of monthly tests at 5 % raise alarms by chance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register

__all__ = ["candidate_summary", "check_drift_report", "drift_summary", "grade_drift_report"]

DRIFTS = ("covariate", "concept")
_NEUTRAL = "covariate_derived"  # moves because a planted feature moves: neither required nor a false alarm
P_VALUE_TESTS = frozenset(
    {
        "ks",
        "ks_test",
        "kolmogorov_smirnov",
        "chi2",
        "chi_square",
        "chisquare",
        "chi2_contingency",
        "mannwhitneyu",
        "mann_whitney",
        "ttest",
        "t_test",
        "welch",
        "anderson",
        "cramervonmises",
        "fisher",
        "z_test",
        "p_value",
        "pvalue",
        "g_test",
    }
)
EFFECT_SIZES = frozenset(
    {
        "psi",
        "population_stability_index",
        "wasserstein",
        "emd",
        "earth_movers",
        "jensen_shannon",
        "js",
        "js_divergence",
        "jensenshannon",
        "kl",
        "kl_divergence",
        "hellinger",
        "ks_statistic",
        "smd",
        "standardized_mean_difference",
        "cohen_d",
        "mean_shift",
        "total_variation",
        # A classifier told to separate the months (adversarial validation): its AUC is the effect.
        "domain_classifier",
        "adversarial_validation",
        "classifier_auc",
        "c2st",
        "energy_distance",
        "mmd",
        "cramers_v",
        "cramer_s_v",
        "cramer_v",
        "rank_biserial",
        "cliffs_delta",
    }
)
CORRECTIONS = frozenset(
    {
        "bonferroni",
        "holm",
        "holm_bonferroni",
        "fdr_bh",
        "benjamini_hochberg",
        "bh",
        "fdr",
        "sidak",
        "hochberg",
        "fdr_by",
        "benjamini_yekutieli",
    }
)
_NO_CORRECTION = frozenset({"", "none", "no", "raw", "false", "n/a", "na"})


def _word(text: Any) -> str:
    return str(text).strip().lower().replace("-", "_").replace(" ", "_")


def _method_kind(method: str) -> str | None:
    """ "effect" or "test" for a method name in the candidate's words ("wasserstein (std units)",
    "KS test"), matched on whole words; None when heldout does not know it."""
    plain = unicodedata.normalize("NFKD", method).encode("ascii", "ignore").decode()  # Cramér: cramer
    words = "_" + re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_") + "_"
    # Effect sizes first: "ks_statistic" is an effect size, "ks" alone a test.
    for kind, names in (("effect", EFFECT_SIZES), ("test", P_VALUE_TESTS)):
        if any(f"_{name}_" in words for name in names):
            return kind
    return None


def _month(text: Any) -> pd.Period | None:
    try:
        return pd.Period(str(text).strip(), freq="M")
    except (ValueError, TypeError):
        return None


def _best_row(rows: list[dict[str, Any]], truth_row: Any, tolerance: int) -> dict[str, Any]:
    if truth_row is None:
        return rows[0]
    expected = pd.Period(truth_row.from_month, freq="M")

    def agreement(row: dict[str, Any]) -> int:
        when = _month(row.get("month"))
        placed = when is not None and abs((when - expected).n) <= tolerance
        return 2 * placed + (_word(row.get("kind", "")) in (truth_row.kind, ""))

    return max(rows, key=agreement)  # the first of the best: max keeps the earliest on ties


def grade_drift_report(
    rows: list[dict[str, Any]],
    report: Mapping[str, Any] | None,
    truth: pd.DataFrame,
    columns: list[str],
    params: Mapping[str, Any],
    rows_per_month: int,
) -> tuple[Verdict, list[str], list[str], dict[str, int]]:
    """(verdict, what was right, what was wrong, a tally that names no feature) of a drift report
    against the planted truth. The tally is what a candidate may see: the names and months are the
    answer key."""
    tolerance = int(params.get("month_tolerance", 1))
    planted = {r.feature: r for r in truth.itertuples() if r.kind in DRIFTS}
    neutral = {r.feature for r in truth.itertuples() if r.kind == _NEUTRAL}
    right: list[str] = []
    wrong: list[str] = []
    partial = False
    placed = 0  # found with the right kind, in the right month
    by_feature: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_feature.setdefault(str(row.get("feature", "")).strip(), []).append(row)
    # A feature reported twice (say, as both kinds) is judged by its row that agrees with the truth, if any.
    claimed = {
        feature: _best_row(found_rows, planted.get(feature), tolerance)
        for feature, found_rows in by_feature.items()
    }
    found = [f for f in claimed if f in planted]
    false_alarms = [f for f in claimed if f not in planted and f not in neutral]
    missed = [f for f in planted if f not in claimed]
    for feature in found:
        truth_row, row = planted[feature], claimed[feature]
        when, expected = _month(row.get("month")), pd.Period(truth_row.from_month, freq="M")
        kind = _word(row.get("kind", ""))
        if when is None:
            wrong.append(f"`{feature}`: the month {str(row.get('month'))[:20]!r} is not a month (YYYY-MM)")
            partial = True
        elif abs((when - expected).n) > tolerance:
            wrong.append(f"`{feature}` does drift, but you placed the change in {when}: it is not there")
            partial = True
        elif kind not in (truth_row.kind, ""):
            wrong.append(
                f"`{feature}` drifts from {when} as you say, but as a {truth_row.kind} drift, "
                f"not a {kind} one"
                + (
                    ": its distribution stayed the same, its relation to the label changed"
                    if truth_row.kind == "concept"
                    else ": its distribution moved"
                )
            )
            partial = True
        else:
            right.append(f"`{feature}`: {truth_row.kind} drift from {when}")
            placed += 1
    for feature in false_alarms:
        if feature not in columns:
            wrong.append(f"`{feature}` is not a column of the data")
        else:
            wrong.append(f"`{feature}` is reported as drifting, but it is stable")
    for feature in missed:
        kind = planted[feature].kind
        wrong.append(
            f"`{feature}` is missing: it has a {kind} drift"
            + (
                " (its relation to the label changed; a per-month view of the model's errors or of the "
                "feature's effect shows it)"
                if kind == "concept"
                else ""
            )
        )
    # A derived feature (it moves because a planted one moves) counts neither way.
    precision = len(found) / (len(found) + len(false_alarms)) if found or false_alarms else 0.0
    recall = len(found) / len(planted) if planted else 1.0

    # A concept drift is found with labels (a per-month effect or error), not with a distribution test.
    methods = {
        _word(row.get("method", ""))
        for feature, row in claimed.items()
        if feature not in planted or planted[feature].kind != "concept"
    }
    correction = _word((report or {}).get(params.get("correction_key", "multiple_testing"), ""))
    if any(_method_kind(m) == "test" for m in methods) and correction in _NO_CORRECTION:
        wrong.append(
            f"you flagged drift with raw p-values: on {rows_per_month:,} rows a month a test calls "
            "differences too small to matter significant, and with one test per feature and month, "
            "some 5 % of them raise an alarm by chance alone. Use an effect size with a threshold "
            "(PSI, Wasserstein) or correct for multiple testing (Holm, Benjamini-Hochberg)"
        )
        partial = True
    unknown = sorted(m for m in methods if m and _method_kind(m) is None)
    if unknown:
        wrong.append(
            f"heldout does not know the method {', '.join(map(repr, unknown))}; say which test or effect size"
        )
        partial = True

    options = [str(o) for o in params.get("recommendations", ("retrain", "reweight", "alert"))]
    said = _word((report or {}).get(params.get("recommendation_key", "recommendation"), ""))
    # The first option the recommendation names is the one it makes ("retrain; reweighting alone...").
    chosen = sorted((o for o in options if o in said), key=said.find)[:1]
    has_concept = any(r.kind == "concept" for r in planted.values())
    if not chosen:
        wrong.append(f"your recommendation {said[:40]!r} is none of {', '.join(options)}")
        partial = True
    elif has_concept and chosen == ["reweight"]:
        wrong.append(
            "reweighting corrects a covariate shift (the same relation, other inputs), not a concept drift: "
            "the model must be retrained on recent labels"
        )
        partial = True
    else:
        right.append(f"recommendation: {chosen[0]}")

    # As many false alarms as findings (or more), or fewer than half the drifts found: a wrong report.
    if not claimed or recall < 0.5 or precision <= 0.5:
        verdict = Verdict.FAIL
    elif partial or missed or false_alarms:
        verdict = Verdict.WARN
    else:
        verdict = Verdict.PASS
    tally = {
        "planted": len(planted),
        "found": len(found),
        "placed": placed,
        "false_alarms": len(false_alarms),
        "problems": len(wrong) - len(missed) - len(false_alarms),
    }
    return verdict, right, wrong, tally


@register("drift_report", "The drift report finds what drifted, and when", needs="hidden")
def check_drift_report(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "drift_report")
    name = ctx.manifest.contract.drift or "drift"
    if ctx.truth is None:
        return Outcome(Verdict.WARN, "This scenario has no planted drift to compare a report with.")
    if not ctx.drift:
        why = ctx.drift_problem or f"the notebook never defines `{name}`"
        return Outcome(Verdict.FAIL, f"No drift report heldout could read: {why}. {hint}")
    columns = [] if ctx.train is None else list(ctx.train.columns)
    per_month = int(ctx.months.value_counts().median()) if ctx.months is not None else len(ctx.train_labels)
    verdict, right, wrong, tally = grade_drift_report(
        ctx.drift, ctx.report, ctx.truth, columns, params, per_month
    )
    if ctx.drift_problem:
        wrong.append(f"part of `{name}` could not be read: {ctx.drift_problem}")
        if verdict is Verdict.PASS:
            verdict = Verdict.WARN
    summary = Finding(None, None, candidate_summary(tally), {"tally": tally})
    findings = (summary, *(Finding(None, None, text) for text in wrong))
    if verdict is Verdict.PASS:
        return Outcome(verdict, "Your drift report is right: " + "; ".join(right) + ".", (summary,))
    said = ("Right: " + "; ".join(right) + ". ") if right else ""
    return Outcome(
        verdict,
        f"Your drift report is {'partly right' if verdict is Verdict.WARN else 'wrong'}. {said}"
        f"Not right: {'; '.join(wrong)}. {hint}",
        findings,
    )


def candidate_summary(tally: Mapping[str, int]) -> str:
    """What the candidate's report says about their drift report: counts, never the answer key."""
    parts = [f"you found {tally['found']} of the {tally['planted']} drifting features"]
    if tally["found"]:
        parts.append(f"placed {tally['placed']} of them in the right month with the right kind of drift")
    if tally["false_alarms"]:
        s = "s" if tally["false_alarms"] != 1 else ""
        parts.append(f"flagged {tally['false_alarms']} feature{s} that did not drift")
    if tally["problems"]:
        s = "s" if tally["problems"] != 1 else ""
        parts.append(f"with {tally['problems']} other problem{s} in method, recommendation or form")
    return "In your drift report " + ", ".join(parts) + "."


_MAX_PLOTTED = 6


def drift_summary(ctx: CheckContext) -> dict[str, Any] | None:
    """Per-feature monthly series for the interviewer's drift timeline: the mean of a feature whose
    distribution moved, the correlation with the label of one whose relation changed; with the planted and
    the reported change month."""
    if ctx.truth is None or ctx.train is None or ctx.months is None or ctx.manifest.contract.drift is None:
        return None
    months = ctx.months
    order = sorted(set(months))
    labels = pd.Series(ctx.train_labels == ctx.manifest.dataset.positive_label, dtype=float)
    reported = {str(r.get("feature", "")).strip(): r for r in ctx.drift or []}
    truth = {r.feature: r for r in ctx.truth.itertuples()}
    chosen = [f for f, r in truth.items() if r.kind in DRIFTS]
    chosen += [f for f in reported if f not in chosen and f in ctx.train.columns]
    features = []
    for feature in chosen[:_MAX_PLOTTED]:
        values = ctx.train[feature]
        kind = truth[feature].kind if feature in truth else "stable"
        if not pd.api.types.is_numeric_dtype(values):
            values = (values == values.mode().iloc[0]).astype(float)
        values = values.astype(float)
        if kind == "concept":
            series = [_correlation(values[months == m], labels[months == m]) for m in order]
            measure = "correlation with the label"
        else:
            series = [float(values[months == m].mean()) for m in order]
            measure = "monthly mean"
        planted = truth[feature].from_month if feature in truth and kind in DRIFTS else None
        month = _month(reported[feature].get("month")) if feature in reported else None
        features.append(
            {
                "feature": feature,
                "kind": kind,
                "measure": measure,
                "series": [round(v, 6) if np.isfinite(v) else None for v in series],
                "planted": planted or None,
                "reported": str(month) if month is not None else None,
            }
        )
    return {"months": order, "features": features}


def _correlation(x: pd.Series, y: pd.Series) -> float:
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x.to_numpy(), y.to_numpy())[0, 1])
