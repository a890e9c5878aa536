"""The experiment-readout checks, both ways, in-process: small replicate experiments drawn by the
scenario's own generator, read out by analysis functions written here in several styles (correct ones,
and ones that make exactly one mistake), probed by the kernel's own probes and scored by the grader's
own evaluation. tests/test_submissions.py runs the same checks end to end on notebooks.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from heldout.checks import CHECKS, CheckContext, HoldoutScores, Verdict
from heldout.datasets import checkout_experiment
from heldout.grading import load_scenario
from heldout.readout.baseline import naive_decisions
from heldout.readout.evaluation import evaluate_readouts
from heldout.trace.model import Trace
from heldout.trace.readout import readout_probes

ROOT = Path(__file__).resolve().parents[2]
KINDS = (("aa", 30, 0.0), ("effect", 6, 1.0), ("srm", 5, 0.0))
USERS = 600


@functools.cache
def world() -> tuple:
    manifest = load_scenario("experimentation", ROOT)
    frame, truth = checkout_experiment.replicates(np.random.default_rng(11), KINDS, USERS)
    return manifest, frame, truth


def per_user(sessions: pd.DataFrame) -> pd.DataFrame:
    return sessions.groupby("user_id").agg(
        arm=("arm", "first"),
        platform=("platform", "first"),
        user_type=("user_type", "first"),
        pre=("pre_conversions", "first"),
        converted=("converted", "max"),
        items=("items_viewed", "mean"),
        revenue=("revenue", "sum"),
        sessions=("day", "size"),
    )


def srm_p(users: pd.DataFrame) -> float:
    parts = [users, *(part for _, part in users.groupby("platform"))]
    p = [
        stats.chisquare(part["arm"].value_counts().reindex(["treatment", "control"], fill_value=0)).pvalue
        for part in parts
    ]
    return float(multipletests(p, method="bonferroni")[1].min())


def welch(treated: np.ndarray, control: np.ndarray) -> tuple[float, float, float, float]:
    test = stats.ttest_ind(treated, control, equal_var=False)
    low, high = test.confidence_interval(0.95)
    return float(treated.mean() - control.mean()), float(low), float(high), float(test.pvalue)


def readout(
    sessions: pd.DataFrame,
    *,
    unit: str = "users",
    looks: int = 1,
    look_alpha: float = 0.05,
    srm: str = "checked",
    adjust: str | None = None,
    segments: str = "corrected",
    metric: str = "fixed",
) -> dict:
    """A readout with one choice per keyword: the defaults are a correct per-user Welch test."""
    days = sessions["day"]
    # Looks on planned calendar days (a sequential design fixes them in advance), the last at the end.
    planned = checkout_experiment.REPLICATE_DAYS - 1
    cuts = [planned * (i + 1) // looks for i in range(looks)]
    for cut in cuts:
        part = sessions[days <= cut]
        users = per_user(part)
        treated = (users["arm"] == "treatment").to_numpy()
        y = users["converted"].to_numpy(float)
        if adjust is not None:
            x = users[adjust].to_numpy(float)
            y = y - np.cov(y, x)[0, 1] / x.var(ddof=1) * (x - x.mean())
        if unit == "sessions":
            rows = part["arm"] == "treatment"
            effect, low, high, p = welch(
                part.loc[rows, "converted"].to_numpy(float), part.loc[~rows, "converted"].to_numpy(float)
            )
        else:
            effect, low, high, p = welch(y[treated], y[~treated])
        name = "user conversion"
        if metric in ("best", "best_of_three"):
            others = {"revenue per user": "revenue"}
            if metric == "best_of_three":
                others["sessions per user"] = "sessions"
            for other, column in others.items():
                values = users[column].to_numpy(float)
                tested = welch(values[treated], values[~treated])
                if tested[3] < p:
                    effect, low, high, p = tested
                    name = other
        if p < look_alpha:
            break
    found = srm_p(users) < 0.001 if srm != "unchecked" else False
    names, p_segments = [], []
    for column in ("platform", "user_type"):
        for value, group in users.groupby(column):
            g = (group["arm"] == "treatment").to_numpy()
            if 0 < g.sum() < len(g):
                names.append(f"{column}={value}")
                outcome = group["converted"].to_numpy(float)
                if segments == "corrected_adjusted":  # the primary's adjustment carried into each segment
                    outcome = pd.Series(y, index=users.index).loc[group.index].to_numpy()
                p_segments.append(welch(outcome[g], outcome[~g])[3])
    claimed = (
        multipletests(p_segments, method="fdr_bh")[0]
        if segments.startswith("corrected")
        else np.array(p_segments) < 0.05
    )
    significant = p < look_alpha and effect > 0
    decision = "investigate" if found and srm != "ignored" else "ship" if significant else "no_ship"
    return {
        "decision": decision,
        "effect": effect,
        "ci_low": low,
        "ci_high": high,
        "p_value": p,
        "srm": bool(found),
        "metric": name,
        "guardrails": [],
        "segments": [n for n, c in zip(names, claimed, strict=True) if c],
    }


STYLES: dict[str, Callable[[pd.DataFrame], dict]] = {
    "per_user": readout,
    "cuped_pre_period": functools.partial(readout, adjust="pre"),
    # Three looks at a Bonferroni level each: it stops early, and its error rate holds.
    "bonferroni_looks": functools.partial(readout, looks=3, look_alpha=0.05 / 3),
    "sessions": functools.partial(readout, unit="sessions"),
    "daily_peeking": functools.partial(readout, looks=14),
    "srm_unchecked": functools.partial(readout, srm="unchecked"),
    "srm_ignored": functools.partial(readout, srm="ignored"),
    "items_adjusted": functools.partial(readout, adjust="items"),
    "raw_segments": functools.partial(readout, segments="raw"),
    "best_metric": functools.partial(readout, metric="best"),
    # Sessions per user among the candidates: a metric that added sessions move by design.
    "best_of_three": functools.partial(readout, metric="best_of_three"),
    # The bad control carried into the segments: every comparison of the arms is biased.
    "items_adjusted_segments": functools.partial(readout, adjust="items", segments="corrected_adjusted"),
}


@functools.cache
def context(style: str, main_srm: bool = True) -> CheckContext:
    manifest, frame, truth = world()
    facts = readout_probes(STYLES[style], frame, dataclasses.asdict(manifest.experiment))
    evaluation = evaluate_readouts(
        facts,
        truth,
        manifest.experiment.alpha,
        {"naive_readout": naive_decisions(frame, manifest.experiment)},
    )
    planted = pd.DataFrame(
        [("srm", "platform", "android", 50.0), ("guardrail", "latency_ms", "regressed", 1.0)],
        columns=["kind", "name", "detail", "value"],
    )
    return CheckContext(
        manifest=manifest,
        trace=Trace.empty(),
        report=None,
        train_labels=np.empty(0),
        holdout=HoldoutScores(None, np.empty(0)),
        baselines=dict(evaluation.baseline_accuracy),
        truth=planted,
        readout=evaluation,
        readout_report={"srm": main_srm, "metric": "user conversion", "guardrails": ["latency_ms"]},
    )


def verdict(style: str, check: str) -> tuple[Verdict, str]:
    ctx = context(style)
    spec = ctx.manifest.check(check)
    outcome = CHECKS[check].function(ctx, spec.params)
    return outcome.verdict, outcome.message


CORRECT = ("per_user", "cuped_pre_period", "bonferroni_looks")
CHECK_IDS = (
    "randomisation_unit",
    "no_peeking",
    "srm_handled",
    "preregistered_metric",
    "segment_claims_corrected",
    "pre_period_adjustment",
)


@pytest.mark.parametrize("style", CORRECT)
@pytest.mark.parametrize("check", CHECK_IDS)
def test_correct_readouts_pass(style, check):
    found, message = verdict(style, check)
    assert found == Verdict.PASS, message


def test_early_stops_that_hold_their_error_rate_pass_saying_so():
    found, message = verdict("bonferroni_looks", "no_peeking")
    assert found == Verdict.PASS and "a stopping rule that holds its error rate" in message


@pytest.mark.parametrize(
    ("style", "check", "text"),
    [
        ("sessions", "randomisation_unit", "the readout treats sessions as independent units"),
        ("daily_peeking", "no_peeking", "it had stopped at an earlier look"),
        ("srm_unchecked", "srm_handled", "it missed 5 of the 5 planted mismatches"),
        ("srm_ignored", "srm_handled", "it still decided on the effect"),
        ("items_adjusted", "pre_period_adjustment", "the readout adjusts for it"),
        ("raw_segments", "segment_claims_corrected", "claimed a segment differs in"),
        ("best_metric", "preregistered_metric", "different metrics"),
    ],
)
def test_each_mistake_fails_its_check(style, check, text):
    found, message = verdict(style, check)
    assert found == Verdict.FAIL, message
    assert text in message, message


@pytest.mark.parametrize(
    ("style", "check"),
    [
        ("sessions", "no_peeking"),
        ("sessions", "pre_period_adjustment"),
        ("daily_peeking", "randomisation_unit"),
        ("items_adjusted", "no_peeking"),
        ("raw_segments", "randomisation_unit"),
        ("best_of_three", "randomisation_unit"),
        ("items_adjusted_segments", "no_peeking"),
    ],
)
def test_a_mistake_does_not_fail_the_checks_of_other_mistakes(style, check):
    found, message = verdict(style, check)
    assert found == Verdict.PASS, message


def test_reading_a_post_assignment_column_makes_the_unit_probe_undecidable_not_an_accusation():
    found, message = verdict("items_adjusted", "randomisation_unit")
    assert found == Verdict.WARN and "cannot tell whether it counts sessions" in message


def test_a_bad_control_carried_into_the_segments_is_judged_once():
    assert verdict("items_adjusted_segments", "pre_period_adjustment")[0] == Verdict.FAIL
    found, message = verdict("items_adjusted_segments", "segment_claims_corrected")
    assert found == Verdict.WARN, message
    assert "heldout cannot tell whether the segment claims are corrected" in message


def test_a_metric_switched_on_altered_copies_is_judged_by_the_metric_check_not_the_unit_check():
    assert verdict("best_of_three", "preregistered_metric")[0] == Verdict.FAIL
    found, message = verdict("best_of_three", "randomisation_unit")
    assert found in (Verdict.PASS, Verdict.WARN), message
    assert "treats sessions" not in message


def test_a_mismatch_missed_in_the_experiment_by_a_readout_that_stops_early_is_judged_by_no_peeking():
    ctx = dataclasses.replace(
        context("daily_peeking"), readout_report={"srm": False, "metric": "user conversion"}
    )
    outcome = CHECKS["srm_handled"].function(ctx, ctx.manifest.check("srm_handled").params)
    assert outcome.verdict == Verdict.WARN, outcome.message
    assert "stops at early looks (see no_peeking)" in outcome.message


def test_a_readout_of_the_experiment_without_its_mismatch_fails():
    ctx = dataclasses.replace(context("per_user"), readout_report={"srm": False, "metric": "user conversion"})
    outcome = CHECKS["srm_handled"].function(ctx, ctx.manifest.check("srm_handled").params)
    assert outcome.verdict == Verdict.FAIL
    assert "your readout of the experiment itself says there is no sample-ratio mismatch" in outcome.message


def test_guardrails_named_pass_and_missing_fail():
    ctx = context("per_user")
    check = CHECKS["guardrails_reported"].function
    assert check(ctx, {}).verdict == Verdict.PASS
    quiet = dataclasses.replace(ctx, readout_report={"guardrails": []})
    outcome = check(quiet, {})
    assert outcome.verdict == Verdict.FAIL and "names 0 of the 1 pre-registered guardrails" in outcome.message
    spoken = dataclasses.replace(ctx, readout_report={"guardrails": ["page latency went up"]})
    assert check(spoken, {}).verdict == Verdict.PASS


def test_an_unseeded_readout_is_not_judged_by_its_altered_copies():
    manifest, frame, truth = world()
    rng = np.random.default_rng()

    def jittery(sessions: pd.DataFrame) -> dict:
        out = readout(sessions)
        out["effect"] += rng.normal(0, 1e-3)  # an unseeded bootstrap's point estimate
        return out

    facts = readout_probes(jittery, frame[frame["replicate"] <= 12], dataclasses.asdict(manifest.experiment))
    evaluation = evaluate_readouts(facts, truth[truth["replicate"] <= 12], 0.05, {"naive_readout": {}})
    ctx = dataclasses.replace(context("per_user"), readout=evaluation)
    for check in ("randomisation_unit", "no_peeking", "pre_period_adjustment"):
        outcome = CHECKS[check].function(ctx, {})
        assert outcome.verdict == Verdict.WARN and "seed the randomness" in outcome.message, check


def test_a_readout_that_raises_or_returns_the_wrong_shape_is_recorded_and_the_others_still_read():
    manifest, frame, truth = world()
    calls = iter(range(10_000))

    def flaky(sessions: pd.DataFrame):
        n = next(calls)
        if n == 0:
            raise ValueError("boom")
        if n == 1:
            return [1, 2, 3]
        return readout(sessions)

    facts = readout_probes(flaky, frame, dataclasses.asdict(manifest.experiment))
    assert facts["n_errors"] == 2 and "ValueError: boom" in facts["errors"][0]
    assert "not a dict" in facts["errors"][1]
    evaluation = evaluate_readouts(facts, truth, 0.05, {"naive_readout": {}})
    assert evaluation.read == len(truth) and sum(bool(r.get("error")) for r in evaluation.rows) == 2


def test_a_malformed_record_is_a_failed_check_not_a_crash():
    ctx = context("per_user")
    broken = dataclasses.replace(ctx.readout, probes={"sessions": {"1": "not a number"}})
    broken.rows = [{"replicate": 1}]  # a row without its fields: only tampering makes one
    outcome = CHECKS["readout_on_replicates"].function(dataclasses.replace(ctx, readout=broken), {})
    assert outcome.verdict == Verdict.FAIL and "malformed" in outcome.message


def test_decisions_beat_the_plain_readout_and_intervals_cover():
    found, message = verdict("cuped_pre_period", "readout_on_replicates")
    assert found == Verdict.PASS, message
    found, message = verdict("srm_ignored", "readout_on_replicates")
    assert found != Verdict.PASS and "decided right in" in message
