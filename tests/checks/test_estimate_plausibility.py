"""The candidate's own estimate is judged against what the model delivers on the hidden holdout: an
estimate far beyond it warns, whatever style the notebook is in and whatever the trace saw (in-process,
no kernel)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as metrics
import sklearn.model_selection as ms
from sklearn.linear_model import LogisticRegression

from heldout.checks import CheckContext, HoldoutScores, Verdict
from heldout.checks.holdout import check_holdout_beats_baselines, holdout_summary
from heldout.trace.model import Trace


def _draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels with 10 % positives and a model's scores that rank them imperfectly."""
    labels = (rng.random(n) < 0.1).astype(int)
    return labels, labels * 1.2 + rng.normal(size=n)


HOLDOUT_LABELS, HOLDOUT_SCORES = _draw(np.random.default_rng(1), 4000)
HOLDOUT_AP = metrics.average_precision_score(HOLDOUT_LABELS, HOLDOUT_SCORES)


def _context(manifest, report: dict, trace=None, optimism: float | None = 0.02) -> CheckContext:
    holdout = dataclasses.replace(manifest.holdout, expected_optimism=optimism)
    return CheckContext(
        manifest=dataclasses.replace(manifest, holdout=holdout),
        trace=trace or Trace({"version": 1, "events": [], "rowsets": {}, "arrays": {}}),
        report=report,
        train_labels=np.zeros(4000, dtype=int),  # a quarter of these rows: what the estimate scored
        holdout=HoldoutScores(HOLDOUT_SCORES, HOLDOUT_LABELS),
        baselines={"prior": 0.1, "logistic_regression": 0.15},
    )


def _report(estimate: float) -> dict:
    return {"metric": "average_precision", "estimate": float(estimate), "threshold": 0.5}


@pytest.mark.parametrize("seed", range(2, 7))
def test_an_honest_estimate_on_fresh_rows_passes(manifest, seed):
    """The same model scored on 1,000 fresh rows of the same process: what an honest validation gives."""
    labels, scores = _draw(np.random.default_rng(seed), 1000)
    ctx = _context(manifest, _report(metrics.average_precision_score(labels, scores)))
    outcome = check_holdout_beats_baselines(ctx, {})
    assert outcome.verdict == Verdict.PASS, outcome.message
    assert holdout_summary(ctx)["implausible_estimate"] is False


def test_an_estimate_far_above_what_the_model_delivers_warns(manifest):
    ctx = _context(manifest, _report(HOLDOUT_AP + 0.25))
    outcome = check_holdout_beats_baselines(ctx, {})
    summary = holdout_summary(ctx)
    assert outcome.verdict == Verdict.WARN
    assert summary["implausible_estimate"] is True and summary["estimate_rows"] == 1000
    assert f"the estimate you reported, {HOLDOUT_AP + 0.25:.3f}, is beyond anything" in outcome.message
    assert f"comes out at most {summary['plausible_estimate']:.3f}" in outcome.message
    assert "(a quarter of the training file: heldout could not tell)" in outcome.message
    assert holdout_summary(ctx) == summary  # the same figures on every re-grade


def test_the_scenarios_allowance_moves_the_ceiling(manifest):
    estimate = HOLDOUT_AP + 0.12
    assert holdout_summary(_context(manifest, _report(estimate), optimism=0.0))["implausible_estimate"]
    assert not holdout_summary(_context(manifest, _report(estimate), optimism=0.3))["implausible_estimate"]


def test_a_scenario_that_does_not_ask_is_not_judged(manifest):
    summary = holdout_summary(_context(manifest, _report(0.99), optimism=None))
    assert "implausible_estimate" not in summary
    assert check_holdout_beats_baselines(_context(manifest, _report(0.99), optimism=None), {}).verdict == (
        Verdict.PASS
    )


def test_the_rows_the_estimate_scored_come_from_the_trace(tracer, manifest, fraud_csv):
    df = pd.read_csv("train.csv")
    X_tr, X_te, y_tr, y_te = ms.train_test_split(df[["a", "b"]], df["is_fraud"], test_size=50, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    ap = metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    tracer.enabled = False
    summary = holdout_summary(_context(manifest, _report(ap), Trace(tracer.recorder.to_json())))
    assert summary["estimate_rows"] == 50 and summary["estimate_rows_traced"] is True
    # On 50 rows almost anything is plausible: a small validation set is noisy, not dishonest.
    assert summary["plausible_estimate"] > HOLDOUT_AP + 0.15


def test_an_error_reported_far_below_what_the_model_makes_warns(root):
    from heldout.checks import CHECKS
    from heldout.manifest import load_manifest

    manifest = load_manifest(root / "exercises" / "baselines" / "exercise.toml", CHECKS)
    rng = np.random.default_rng(3)
    truth = rng.gamma(4.0, 8.0, 4000)
    predictions = truth + rng.normal(scale=6.0, size=4000)
    mae = metrics.mean_absolute_error(truth, predictions)
    holdout = dataclasses.replace(manifest.holdout, expected_optimism=0.05, bootstrap_rounds=0)

    def judge(estimate: float):
        ctx = CheckContext(
            manifest=dataclasses.replace(manifest, holdout=holdout),
            trace=Trace({"version": 1, "events": [], "rowsets": {}, "arrays": {}}),
            report={"metric": "mae", "estimate": estimate},
            train_labels=np.zeros(4000),
            holdout=HoldoutScores(predictions, truth),
            baselines={"median": mae * 2, "linear_regression": mae * 1.5},
        )
        return check_holdout_beats_baselines(ctx, {})

    honest = metrics.mean_absolute_error(truth[:1000], predictions[:1000])
    assert judge(honest).verdict == Verdict.PASS, judge(honest).message
    outcome = judge(mae * 0.6)
    assert outcome.verdict == Verdict.WARN and "comes out at least" in outcome.message
