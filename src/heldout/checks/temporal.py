"""Time order: a model is judged on rows later than what it learnt from, with features from the past only.

On time-ordered data the question a validation answers is "how will this model do next month?". A random
split answers another one: every test row has training neighbours from its own future, so the estimate
is optimistic by exactly what drift takes away. Features can leak the future too, without any split:
a backward fill, a negative shift, a centred window or an aggregate over a customer's whole history give
an early row information that, in production, does not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from heldout.checks.base import (
    CheckContext,
    Finding,
    Outcome,
    Verdict,
    hint_pointer,
    register,
    rows_text,
)
from heldout.checks.coverage import coverage_of, listed, unfollowed
from heldout.checks.entities import fold_pairs
from heldout.checks.splits import candidate_splits

__all__ = ["check_no_future_features", "check_temporal_validation"]


@dataclass(frozen=True)
class _Pair:
    fitted: np.ndarray  # training-file positions the model learnt from
    scored: np.ndarray  # training-file positions it was judged on
    where: str
    cell: int | None
    line: int | None


def _pairs(ctx: CheckContext, unknown: list[Any]) -> Iterator[_Pair]:
    """Every (learnt from, judged on) pair heldout saw: each fold of each split the candidate chose (a
    search's folds included), and each evaluation's model against the rows it scored. The splits and
    evaluations it could not follow to rows go to ``unknown``."""
    n = len(ctx.train_labels)
    other_targets = _fits_of_other_targets(ctx)
    trained_on: dict[str, list[int]] = {}
    for fit in ctx.trace.of_kind("fit"):
        if fit.get("rows") is not None:
            trained_on.setdefault(fit.get("rows"), []).append(fit.id)
    for split in candidate_splits(ctx.trace):
        if not split.get("folds"):
            unknown.append(split)  # split on data whose rows were lost
        for k, (train_key, test_key) in enumerate(split.get("folds") or []):
            users = trained_on.get(train_key, [])
            if users and all(fit_id in other_targets for fit_id in users):
                continue  # only models of another target learnt from this fold (a drift classifier)
            train, test = ctx.trace.rows(train_key), ctx.trace.rows(test_key)
            if train is None or test is None:
                unknown.append(split)
                continue
            fold = f", fold {k + 1}" if len(split.get("folds")) > 1 else ""
            yield _Pair(
                _on_file(train, n),
                _on_file(test, n),
                f"{_splitter(split)} ({split.site}){fold}",
                split.cell,
                split.line,
            )
    label = ctx.manifest.dataset.label
    for pair in fold_pairs(ctx, every=True):
        fit = ctx.analysis.model_fit(pair.metric)
        if fit is not None and fit.id in other_targets:
            continue
        source = ctx.analysis.prediction_source(pair.metric)
        target = source.get("target") if source is not None and source.kind == "cv" else None
        if isinstance(target, str) and target != label:
            continue  # out-of-fold predictions of another target (a drift classifier's AUC)
        if not pair.followed:
            unknown.append(pair.metric)
            continue
        where = ctx.trace.describe(pair.metric)
        if pair.metric.cell is not None:
            where += f" ({pair.metric.site})"
        yield _Pair(pair.fitted, pair.scored, where, pair.metric.cell, pair.metric.line)


def _fits_of_other_targets(ctx: CheckContext) -> set[int]:
    """Fits (and everything fitted inside them) of models that learnt to predict a column other than the
    scenario's label: a classifier telling old months from new ones validates no forecast, so its random
    split is no mistake. A target heldout could not name (a NumPy array) is judged as the label."""
    label = ctx.manifest.dataset.label
    others: set[int] = set()
    for fit in ctx.trace.of_kind("fit"):
        target = fit.get("target")
        parent = ctx.trace[fit.parent] if isinstance(fit.parent, int) else None
        if target is None and parent is not None and parent.kind == "cv":
            target = parent.get("target")  # a fold fit of cross_val_predict and the like
        if isinstance(target, str) and target != label:
            others.add(fit.id)
            others.update(e.id for e in ctx.trace.descendants(fit.id) if e.kind == "fit")
    return others


def _splitter(split: Any) -> str:
    name = split.name
    if split.get("shuffle"):
        return f"{name}(shuffle=True)" if name != "train_test_split" else name
    return name


def _on_file(rows: np.ndarray, n: int) -> np.ndarray:
    return np.unique(rows[(rows >= 0) & (rows < n)])


@register("temporal_validation", "Validation respects time: scored rows are later than training rows")
def check_temporal_validation(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "temporal_validation")
    if ctx.months is None:
        return Outcome(Verdict.WARN, "This scenario names no time column, so heldout cannot judge this.")
    months = ctx.months.to_numpy()
    order = {month: i for i, month in enumerate(sorted(set(months)))}
    ordinal = np.array([order[m] for m in months])
    checked = 0
    worst: tuple[int, _Pair] | None = None
    lost: list[Any] = []
    # A model scored on rows it learnt from is no_fit_on_evaluated_rows' mistake, one the time order
    # of the other rows adds nothing to: judged there when the scenario grades it, not twice.
    in_sample_judged_elsewhere = any(check.id == "no_fit_on_evaluated_rows" for check in ctx.manifest.checks)
    for pair in _pairs(ctx, lost):
        if not len(pair.fitted) or not len(pair.scored):
            continue
        checked += 1
        if in_sample_judged_elsewhere and np.intersect1d(pair.fitted, pair.scored).size:
            continue
        first_scored = ordinal[pair.scored].min()
        later = int((ordinal[pair.fitted] > first_scored).sum())
        if later and (worst is None or later > worst[0]):
            worst = (later, pair)
    unknown = list({event.id: event for event in lost}.values())
    coverage = coverage_of("train/test pair", checked, unknown)
    if checked == 0 and not unknown:
        return Outcome(
            Verdict.WARN,
            (
                "heldout saw no split or evaluation it could trace to rows of the training file, so it "
                f"cannot tell whether your validation respected time. {hint}"
            ),
            coverage=coverage,
        )
    if worst is None and unknown:
        judged = (
            f"; the other {checked} split fold{'s' if checked != 1 else ''} and evaluations it followed "
            "were forward in time"
            if checked
            else ""
        )
        return unfollowed(
            ctx,
            "temporal_validation",
            coverage,
            f"which rows {len(unknown)} of your splits or evaluations learnt from or scored"
            f"{listed(coverage.sites)}",
            f"it could not verify that those models were scored only on later rows{judged}",
        )
    if worst is None:
        return Outcome(
            Verdict.PASS,
            (
                "Every model was scored only on rows from the same month as, or later than, every row it "
                f"learnt from ({checked} split fold{'s' if checked != 1 else ''} and evaluations checked)."
            ),
            coverage=coverage,
        )
    later, pair = worst
    first_month = months[pair.scored][np.argmin(ordinal[pair.scored])]
    last_learnt = months[pair.fitted][np.argmax(ordinal[pair.fitted])]
    observed = (
        f"{pair.where}: the model learnt from {rows_text(len(pair.fitted))}, {later:,} of them from months "
        f"after {first_month}, the earliest month it was scored on (it learnt from months up to "
        f"{last_learnt})"
    )
    return Outcome(
        Verdict.FAIL,
        (
            f"{observed}. It was asked to predict a past it had seen the future of: drift makes such an "
            "estimate optimistic by exactly what next month takes away. Validate forward in time: "
            f"TimeSeriesSplit, a cut-off date, or walk-forward refits. {hint}"
        ),
        (Finding(pair.cell, pair.line, observed),),
        coverage=coverage,
    )


@register("no_future_features", "Features use only the past", needs="final")
def check_no_future_features(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "no_future_features")
    name = ctx.manifest.contract.prepare or "prepare_features"
    probe = ctx.future_probe
    if not probe:
        return Outcome(
            Verdict.WARN,
            (
                f"heldout could not re-run `{name}` on a shorter history (the notebook does not define it), "
                f"so it cannot tell whether your features read the future. {hint}"
            ),
        )
    if probe.get("problem"):
        detail = str(probe["problem"]).strip().splitlines()[-1][:300]
        return Outcome(
            Verdict.WARN,
            (
                f"heldout re-ran `{name}` on the training rows up to a cut-off and it failed ({detail}). A "
                "feature function must work on any history, as it will in production; heldout cannot "
                f"judge it. {hint}"
            ),
        )
    for cutoff in probe.get("cutoffs") or []:
        changed = cutoff.get("changed") or {}
        missing = cutoff.get("missing_columns") or []
        extra = cutoff.get("extra_columns") or []
        if not (changed or missing or extra):
            continue
        month, rows = cutoff.get("cutoff"), int(cutoff.get("rows") or 0)
        if changed:
            listed = ", ".join(f"`{c}` on {int(n):,}" for c, n in list(changed.items())[:4])
            more = int(cutoff.get("changed_columns") or len(changed)) - min(len(changed), 4)
            what = f"changed on rows dated {month} or earlier: {listed} of {rows:,} rows" + (
                f", and {more} more column{'s' if more != 1 else ''}" if more > 0 else ""
            )
        else:
            what = (
                "returned other columns"
                + (f" (missing {', '.join(map(str, missing[:4]))})" if missing else "")
                + (f" (new {', '.join(map(str, extra[:4]))})" if extra else "")
            )
        observed = f"With every training row after {month} removed, `{name}` {what}"
        return Outcome(
            Verdict.FAIL,
            (
                f"{observed}. Nothing about those rows changed, only what came after them: these features "
                "read the future. In production that future does not exist yet, so the model learnt from "
                "information it will never have. Backward fill (bfill), shift(-1), centred rolling windows "
                "and aggregates over a customer's whole history all do this; use shift(1), trailing windows "
                f"and expanding statistics. {hint}"
            ),
            (Finding(None, None, observed, {"cutoff": month, "changed": dict(changed)}),),
        )
    cutoffs = [c.get("cutoff") for c in probe.get("cutoffs") or []]
    return Outcome(
        Verdict.PASS,
        (
            f"`{name}` gave every row the same features with the later rows removed (cut-offs "
            f"{' and '.join(map(str, cutoffs))}): it uses only the past."
        ),
    )
