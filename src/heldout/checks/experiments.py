"""The candidate's experiment log: one row per experiment, the first being the baseline.

A claimed gain means something only next to its spread (the standard deviation over repeated folds,
seeds or bootstrap resamples). The log is the candidate's own account, so the check reads it for what
it claims; the holdout check measures what the gain really was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register
from heldout.metric_names import is_error_metric, normalise_metric

__all__ = ["check_experiment_log"]


@register("experiment_log", "Experiments logged with their spread", needs="report")
def check_experiment_log(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    contract = ctx.manifest.contract
    name = contract.experiments or "experiments"
    columns = ", ".join(f"'{c}'" for c in contract.experiment_columns)
    hint = hint_pointer(ctx, "experiment_log")
    log = ctx.experiments
    if log is None:
        return Outcome(
            Verdict.FAIL,
            (
                f"heldout could not read your experiment log: {ctx.experiments_problem or 'it is missing'}. "
                f"Leave `{name}` as a list of dicts (or a DataFrame) with the columns {columns}, one row per "
                f"experiment, your baseline first. {hint}"
            ),
        )
    if ctx.experiments_problem:
        return Outcome(
            Verdict.FAIL,
            f"Your experiment log `{name}` is malformed: {ctx.experiments_problem}. {hint}",
        )
    if len(log) < 2:
        return Outcome(
            Verdict.FAIL,
            (
                f"Your experiment log has {len(log)} row: it needs your baseline (first) and at least one "
                f"experiment compared with it. {hint}"
            ),
        )
    spreadless = [i for i, row in enumerate(log) if row["spread"] <= 0]
    if spreadless:
        listed = ", ".join(f"row {i} ('{log[i]['change'][:40]}')" for i in spreadless[:4])
        return Outcome(
            Verdict.FAIL,
            (
                f"{listed} of your experiment log give{'s' if len(spreadless) == 1 else ''} no spread. A "
                "score from a single split cannot tell a gain from noise: repeat the cross-validation "
                "(RepeatedKFold), vary the seed or bootstrap, and log the standard deviation. "
                f"{hint}"
            ),
        )
    declared = (ctx.report or {}).get("metric")
    lower_is_better = isinstance(declared, str) and is_error_metric(normalise_metric(declared))
    baseline = log[0]
    gains = [
        (row, (baseline["score"] - row["score"]) if lower_is_better else (row["score"] - baseline["score"]))
        for row in log[1:]
    ]
    best, gain = max(gains, key=lambda item: item[1])
    noise = max(best["spread"], baseline["spread"])
    finding = Finding(
        None,
        None,
        f"best logged gain {gain:+.3f} ± {noise:.3f}",
        {"rows": len(log), "gain": gain, "spread": noise},
    )
    if gain <= 0:
        return Outcome(
            Verdict.PASS,
            (
                f"Your log has {len(log)} experiments with their spread; none beats the baseline "
                f"'{baseline['change'][:60]}', which you say honestly."
            ),
            (finding,),
        )
    if gain < noise:
        return Outcome(
            Verdict.WARN,
            (
                f"Your best experiment ('{best['change'][:60]}') gains {gain:.3f} over the baseline, less "
                f"than the spread you logged ({noise:.3f}): the gain is inside the noise. Say so, or show "
                f"it holds over more repeats. {hint}"
            ),
            (finding,),
        )
    return Outcome(
        Verdict.PASS,
        (
            f"Your log has {len(log)} experiments with their spread; the best ('{best['change'][:60]}') "
            f"gains {gain:.3f} over the baseline with a spread of {noise:.3f}."
        ),
        (finding,),
    )
