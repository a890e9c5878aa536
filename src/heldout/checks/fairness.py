"""Fairness: the protected attribute kept out of the model, group metrics reported with their
uncertainty, the prompt's fairness constraint measured on the hidden holdout, and the audit graded
against the bias the generator planted.

The holdout's protected attributes never reach the sandbox: the grader holds them and measures the
model's holdout decisions with fairlearn in its own process. Groups too small to measure a rate on
(fewer holdout rows than the manifest's ``min_group_rows``) are left out of the constraint, as the
prompt says, and reported with their interval instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from heldout.checks.base import CheckContext, Coverage, Finding, Outcome, Verdict, hint_pointer, register
from heldout.checks.features import forbidden_columns_used
from heldout.checks.models import final_estimator

__all__ = [
    "check_fairness_audit",
    "check_fairness_constraint_holdout",
    "check_group_metrics_with_uncertainty",
    "check_no_protected_attribute_input",
    "grade_audit",
]

_BOOTSTRAP_ROUNDS = 400


@register("no_protected_attribute_input", "The protected attributes are not model inputs", needs="report")
def check_no_protected_attribute_input(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    forbidden: Mapping[str, str] = params.get("columns", {})
    hint = hint_pointer(ctx, "no_protected_attribute_input")
    used = forbidden_columns_used(ctx, forbidden, params.get("evidence") == "probe")
    if used is None:
        return Outcome(
            Verdict.WARN,
            f"heldout did not see `{ctx.manifest.contract.model}` being fitted, so it cannot tell whether "
            f"it takes {', '.join(forbidden)} as inputs. {hint}",
        )
    fit, found, followed = used
    name = final_estimator(ctx.trace, fit).name
    coverage = Coverage("fit", int(followed), int(not followed), () if followed else (fit.site,))
    if found:
        return Outcome(
            Verdict.FAIL,
            (
                f"Your final model ({name}, fitted in cell {fit.cell}, line {fit.line}) takes "
                + ", ".join(f"{c}{f' (as {w})' if w != c else ''}" for c, w in found.items())
                + ": "
                + "; ".join(forbidden[c] for c in found)
                + ". A lender may not decide on it, and production will not have it (the holdout does not). "
                "Use the protected attributes to audit and to fit a mitigation (fairlearn's "
                f"sensitive_features), never as a feature. {hint}"
            ),
            tuple(Finding(fit.cell, fit.line, f"takes {c} as an input") for c in found),
            coverage=coverage,
        )
    if not followed:
        return Outcome(
            Verdict.WARN,
            f"heldout could not tell which columns your final model ({name}, {fit.site}) was fitted on, so "
            f"it could not verify that it does not take {', '.join(forbidden)}. Fit it on a DataFrame. "
            + hint,
            coverage=coverage,
        )
    return Outcome(
        Verdict.PASS,
        f"Your final model ({name}, fitted in cell {fit.cell}) does not take {', '.join(forbidden)} "
        "as inputs.",
        coverage=coverage,
    )


def _interval(row: Mapping[str, Any]) -> tuple[float, float, float] | None:
    try:
        value, low, high = (float(row[k]) for k in ("value", "low", "high"))
    except (KeyError, TypeError, ValueError):
        return None
    return value, low, high


@register(
    "group_metrics_with_uncertainty", "Group metrics are reported with their uncertainty", needs="report"
)
def check_group_metrics_with_uncertainty(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "group_metrics_with_uncertainty")
    attribute = str(params.get("attribute", ""))
    table = ctx.manifest.contract.group_metrics or "group_metrics"
    if ctx.train is None or attribute not in ctx.train:
        return Outcome(Verdict.WARN, f"heldout does not know the groups of `{attribute}` to compare with.")
    if not ctx.group_metrics:
        why = ctx.group_metrics_problem or f"the notebook never defines `{table}`"
        return Outcome(Verdict.FAIL, f"No group metrics heldout could read: {why}. {hint}")
    sizes = ctx.train[attribute].astype(str).value_counts()
    small, large = str(sizes.index[-1]), str(sizes.index[0])
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in ctx.group_metrics:
        rows.setdefault(str(row.get("group", "")).strip(), []).append(row)
    missing = [g for g in sizes.index.astype(str) if g not in rows]
    bare = sorted({g for g, rs in rows.items() for r in rs if (iv := _interval(r)) is None or iv[2] <= iv[1]})
    outside = sorted(
        {g for g, rs in rows.items() for r in rs if (iv := _interval(r)) and not iv[1] <= iv[0] <= iv[2]}
    )
    problems = []
    if missing:
        problems.append(
            f"no row for group{'s' if len(missing) > 1 else ''} {', '.join(missing)} of `{attribute}`"
        )
    if bare:
        problems.append(
            f"group{'s' if len(bare) > 1 else ''} {', '.join(bare)} "
            f"{'have' if len(bare) > 1 else 'has'} a bare number (no interval, or low = high)"
            + (
                f": group {small} has {sizes[small]:,} training rows, so its rate moves by several points "
                "from one sample to the next"
                if small in bare
                else ""
            )
        )
    if outside:
        problems.append(f"the value lies outside its own interval for {', '.join(outside)}")
    if problems:
        return Outcome(
            Verdict.FAIL,
            f"Your group metrics (`{table}`) are not reported with their uncertainty: {'; '.join(problems)}. "
            "A gap between two groups means nothing until you know how much each figure could move. "
            f"Give each group's value with a 95 % interval (a bootstrap over the rows you scored, or a "
            f"Wilson interval for a rate). {hint}",
            tuple(Finding(None, None, p) for p in problems),
        )
    # The small group's interval must be wider than the large group's: ~18 times fewer rows.
    narrow = []
    for metric in {str(r.get("metric", "")) for r in rows[small]}:
        width = [
            iv[2] - iv[1] for r in rows[small] if str(r.get("metric", "")) == metric and (iv := _interval(r))
        ]
        other = [
            iv[2] - iv[1] for r in rows[large] if str(r.get("metric", "")) == metric and (iv := _interval(r))
        ]
        if width and other and max(width) <= min(other):
            narrow.append(metric)
    if narrow:
        return Outcome(
            Verdict.WARN,
            f"Your interval for group {small} ({', '.join(narrow)}) is no wider than group {large}'s, though "
            f"{small} has {sizes[small]:,} training rows and {large} {sizes[large]:,}: was it computed on "
            f"that group's own rows? {hint}",
        )
    return Outcome(
        Verdict.PASS,
        f"Your group metrics give every group of `{attribute}` an interval, the small group {small} included "
        f"({len(ctx.group_metrics)} rows in `{table}`).",
    )


def _rates(y: np.ndarray, d: np.ndarray, groups: np.ndarray, names: list[str]) -> np.ndarray:
    return np.array(
        [d[(groups == g) & (y == 1)].mean() if ((groups == g) & (y == 1)).any() else np.nan for g in names]
    )


def _group_table(
    y: np.ndarray, d: np.ndarray, groups: np.ndarray, names: list[str], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Per group, for the interviewer's plot: holdout rows, selection rate and true positive rate, each
    with a 95 % bootstrap interval over the group's own rows (the small group's is wide, as it should be)."""
    table = []
    for name in names:
        members = groups == name
        row: dict[str, Any] = {"group": name, "rows": int(members.sum())}
        for key, mask in (("selection_rate", members), ("true_positive_rate", members & (y == 1))):
            chosen = d[mask].astype(float)
            if not len(chosen):
                row[key] = row[f"{key}_low"] = row[f"{key}_high"] = None
                continue
            boot = chosen[rng.integers(0, len(chosen), (_BOOTSTRAP_ROUNDS, len(chosen)))].mean(axis=1)
            low, high = np.quantile(boot, [0.025, 0.975])
            row[key] = round(float(chosen.mean()), 6)
            row[f"{key}_low"], row[f"{key}_high"] = round(float(low), 6), round(float(high), 6)
        table.append(row)
    return table


def _unconstrained(
    ctx: CheckContext,
    y: np.ndarray,
    groups: np.ndarray,
    names: list[str],
    measured: list[str],
    metric_name: str,
) -> dict[str, Any] | None:
    """The same group table for a model trained on the same record without any mitigation: the first
    baseline of the manifest that scores rather than predicts a constant, with its decisions at 0.5.
    The candidate's own unmitigated model is not something the contract names, so this is the
    interviewer's "before"."""
    import fairlearn.metrics

    for name, scores in ctx.baseline_scores.items():
        scores = np.asarray(scores, dtype=float)
        if len(scores) != len(y) or np.ptp(scores) == 0:
            continue
        d = (scores >= 0.5).astype(int)
        keep = np.isin(groups, measured)
        value = float(
            getattr(fairlearn.metrics, metric_name)(y[keep], d[keep], sensitive_features=groups[keep])
        )
        return {
            "baseline": name,
            "value": round(value, 6),
            "accuracy": round(float(np.mean(d == y)), 6),
            "groups": _group_table(y, d, groups, names, np.random.default_rng(1)),
        }
    return None


@register(
    "fairness_constraint_holdout", "The fairness constraint holds on the hidden holdout", needs="hidden"
)
def check_fairness_constraint_holdout(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    import fairlearn.metrics

    hint = hint_pointer(ctx, "fairness_constraint_holdout")
    attribute = str(params.get("attribute", ""))
    bound = float(params.get("bound", 0.05))
    metric_name = str(params.get("metric", "equal_opportunity_difference"))
    min_rows = int(params.get("min_group_rows", 200))
    cost_key = str(params.get("cost_key", "accuracy_cost"))
    if ctx.decisions is None:
        why = ctx.decisions_problem or "the notebook's model gave none"
        return Outcome(
            Verdict.FAIL, f"heldout could not get your model's decisions on the holdout: {why}. {hint}"
        )
    if ctx.holdout_groups is None or attribute not in ctx.holdout_groups:
        return Outcome(Verdict.WARN, f"This scenario has no holdout groups of `{attribute}` to measure with.")
    groups = ctx.holdout_groups[attribute].astype(str).to_numpy()
    y = (np.asarray(ctx.holdout.labels) == ctx.manifest.dataset.positive_label).astype(int)
    d = np.asarray(ctx.decisions).astype(int)
    counts = {str(g): int(n) for g, n in zip(*np.unique(groups, return_counts=True), strict=True)}
    measured = sorted(g for g, n in counts.items() if n >= min_rows)
    small = sorted(g for g in counts if g not in measured)
    keep = np.isin(groups, measured)
    value = float(getattr(fairlearn.metrics, metric_name)(y[keep], d[keep], sensitive_features=groups[keep]))
    rates = _rates(y, d, groups, sorted(counts))
    rng = np.random.default_rng(0)
    codes = np.searchsorted(measured, groups[keep])
    y_kept, approved = y[keep], (y * d)[keep]
    diffs = []
    for _ in range(_BOOTSTRAP_ROUNDS):
        pick = rng.integers(0, len(codes), len(codes))
        repayers = np.bincount(codes[pick], weights=y_kept[pick], minlength=len(measured))
        hits = np.bincount(codes[pick], weights=approved[pick], minlength=len(measured))
        r = hits[repayers > 0] / repayers[repayers > 0]
        diffs.append(r.max() - r.min())
    low, high = (float(q) for q in np.quantile(diffs, [0.025, 0.975]))
    by_group = ", ".join(f"{g} {r:.3f}" for g, r in zip(sorted(counts), rates, strict=True))
    small_text = ""
    for g in small:
        rows = (groups == g) & (y == 1)
        boot = [d[rows][rng.integers(0, rows.sum(), rows.sum())].mean() for _ in range(_BOOTSTRAP_ROUNDS)]
        lo, hi = np.quantile(boot, [0.025, 0.975])
        small_text += (
            f" Group {g} ({counts[g]} holdout rows) is too small to hold to the bound: {lo:.2f}-{hi:.2f}."
        )
    accuracy = float(np.mean(d == y))
    facts: dict[str, Any] = {
        "metric": metric_name,
        "value": round(value, 6),
        "low": round(low, 6),
        "high": round(high, 6),
        "accuracy": round(accuracy, 6),
        "groups": _group_table(y, d, groups, sorted(counts), rng),
    }
    unconstrained = _unconstrained(ctx, y, groups, sorted(counts), measured, metric_name)
    if unconstrained is not None:
        facts["unconstrained"] = unconstrained
    finding = Finding(None, None, f"holdout {metric_name} {value:.3f}", facts)
    said = (
        f"{metric_name.replace('_', ' ')} on the hidden holdout is {value:.3f} (95 % bootstrap "
        f"{low:.3f}-{high:.3f}; bound {bound:.2f}) over groups {', '.join(measured)}; true positive rate "
        f"by group: {by_group}.{small_text} Accuracy of the decisions: {accuracy:.3f}."
    )
    if value > bound and low > bound:
        return Outcome(
            Verdict.FAIL,
            f"Your model breaks the fairness constraint: {said} A model trained on the historical labels "
            "learns their bias, through proxies when the group itself is left out. Mitigate (drop or "
            "de-correlate the proxies, reweigh the training rows, or fit fairlearn's ExponentiatedGradient "
            f"with TruePositiveRateParity) and check the constraint on rows you did not fit on. {hint}",
            (finding,),
        )
    cost = (ctx.report or {}).get(cost_key)
    if value > bound:
        return Outcome(
            Verdict.WARN,
            f"Your model may break the fairness constraint: {said} The excess is within the holdout's "
            f"noise. {hint}",
            (finding,),
        )
    if not isinstance(cost, float):
        return Outcome(
            Verdict.WARN,
            f"Your model meets the fairness constraint ({said}), but your report gives no `{cost_key}`: "
            f"what meeting it costs in accuracy is part of the decision. {hint}",
            (finding,),
        )
    return Outcome(
        Verdict.PASS,
        f"Your model meets the fairness constraint: {said} You reported an accuracy cost of {cost:.3f}.",
        (finding,),
    )


def _words(text: Any) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9_+]+", str(text).lower()) if w]


def grade_audit(
    report: Mapping[str, Any] | None, truth: Any, columns: list[str], params: Mapping[str, Any]
) -> tuple[Verdict, list[str], list[str]]:
    """(verdict, what was right, what was wrong) of the audit in the report against the planted truth."""
    report = report or {}
    rows = list(truth.itertuples())
    right: list[str] = []
    wrong: list[str] = []
    failed = False
    group = next(r for r in rows if r.kind == "disadvantaged_group")
    said_group = _words(report.get(params.get("group_key", "disadvantaged_group"), ""))
    if group.value.lower() in said_group:
        right.append(f"group {group.value} of `{group.name}` is the one the labels disadvantage")
    else:
        wrong.append(
            f"the disadvantaged group is not {' '.join(said_group)[:30]!r}: one group's repayments were "
            "recorded as defaults (compare each group's recorded rate with what its features predict)"
        )
        failed = True
    planted = [r.name for r in rows if r.kind == "proxy"]
    neutral = {r.name for r in rows if r.kind == "weak_proxy"}
    named = [
        w for w in _words(report.get(params.get("proxies_key", "proxies"), "")) if w not in ("and", "or")
    ]
    found = [p for p in planted if p in named]
    for p in found:
        right.append(f"`{p}` is a proxy")
    for p in planted:
        if p not in found:
            wrong.append(f"`{p}` is missing from your proxies: it predicts the group strongly")
    known = [w for w in named if w in columns]
    alarms = [w for w in known if w not in planted and w not in neutral and w not in params.get("ignore", [])]
    for w in alarms:
        wrong.append(f"`{w}` is named as a proxy, but it carries little about the group")
    if not found:
        failed = True
    mechanisms: Mapping[str, list[str]] = params.get("mechanisms", {})
    planted_mechanism = next(r.name for r in rows if r.kind == "mechanism")
    text = " ".join(_words(report.get(params.get("mechanism_key", "bias_mechanism"), "")))
    named_mechanisms = sorted(
        (text.find(w.lower()), m) for m, ws in mechanisms.items() for w in ws if w.lower() in text
    )
    chosen = named_mechanisms[0][1] if named_mechanisms else None
    if chosen == planted_mechanism:
        right.append(f"mechanism: {planted_mechanism.replace('_', ' ')}")
    else:
        wrong.append(
            f"the bias mechanism is not {(chosen or 'what you describe').replace('_', ' ')}: the features "
            "are drawn alike in every group, but the historical labels are not"
        )
    if failed:
        verdict = Verdict.FAIL
    elif wrong:
        verdict = Verdict.WARN
    else:
        verdict = Verdict.PASS
    return verdict, right, wrong


@register(
    "fairness_audit", "The audit finds the disadvantaged group, the proxies and the mechanism", needs="hidden"
)
def check_fairness_audit(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "fairness_audit")
    if ctx.truth is None:
        return Outcome(Verdict.WARN, "This scenario has no planted bias to compare an audit with.")
    columns = [] if ctx.train is None else list(ctx.train.columns)
    verdict, right, wrong = grade_audit(ctx.report, ctx.truth, columns, params)
    if verdict is Verdict.PASS:
        return Outcome(verdict, "Your audit is right: " + "; ".join(right) + ".")
    said = ("Right: " + "; ".join(right) + ". ") if right else ""
    return Outcome(
        verdict,
        f"Your audit is {'partly right' if verdict is Verdict.WARN else 'wrong'}. {said}Not right: "
        f"{'; '.join(wrong)}. {hint}",
        tuple(Finding(None, None, w) for w in wrong),
    )
