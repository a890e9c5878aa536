"""The holdout check sets the candidate's estimate against the holdout score only when both are in the
same metric (in-process, under the tracer, with the imbalance manifest: average precision)."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as metrics
import sklearn.model_selection as ms
from sklearn.linear_model import LogisticRegression

from heldout.checks import CheckContext, HoldoutScores
from heldout.checks.holdout import check_holdout_beats_baselines, holdout_summary
from heldout.trace.model import Trace

FEATURES = ["a", "b", "c", "d"]
# A hidden holdout whose average precision is known: the model ranks the positives first but one.
LABELS = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
HOLDOUT_AP = metrics.average_precision_score(LABELS, SCORES)


@pytest.fixture(scope="session")
def drift_manifest(root):
    from heldout.checks import CHECKS
    from heldout.manifest import load_manifest

    return load_manifest(root / "exercises" / "drift" / "exercise.toml", CHECKS)


@pytest.fixture
def graded(tracer, manifest, fraud_csv):
    """graded(report) -> (holdout summary, holdout check outcome) for what the test ran under ``tracer``;
    ``scenario`` is a manifest whose holdout metric is average precision (imbalance by default)."""

    def run(report: dict, scenario=manifest):
        tracer.enabled = False
        ctx = CheckContext(
            manifest=scenario,
            trace=Trace(tracer.recorder.to_json()),
            report=report,
            train_labels=pd.read_csv(fraud_csv)["is_fraud"].to_numpy(),
            holdout=HoldoutScores(SCORES, LABELS),
            baselines={"prior": 0.3, "logistic_regression": 0.4},
        )
        summary = holdout_summary(ctx)
        outcome = check_holdout_beats_baselines(ctx, {})
        tracer.enabled = True
        return summary, outcome

    return run


def fitted_split():
    df = pd.read_csv("train.csv")
    X_tr, X_te, y_tr, y_te = ms.train_test_split(
        df[FEATURES], df["is_fraud"], stratify=df["is_fraud"], random_state=0
    )
    return LogisticRegression().fit(X_tr, y_tr), X_te, y_te


def test_an_estimate_in_the_holdout_metric_gets_its_optimism_gap(graded):
    model, X_te, y_te = fitted_split()
    ap = metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    summary, outcome = graded({"metric": "average_precision", "estimate": ap, "threshold": 0.5})
    assert summary["estimate_metric"] == "average_precision_score"
    assert summary["reported_estimate"] == ap and summary["incomparable_estimate"] is None
    assert summary["optimism_gap"] == pytest.approx(ap - HOLDOUT_AP, abs=1e-6)
    assert f"You reported {ap:.3f}, an optimism gap of {ap - HOLDOUT_AP:+.3f}" in outcome.message


def test_an_accuracy_is_not_set_against_an_average_precision(graded):
    model, X_te, y_te = fitted_split()
    accuracy = metrics.accuracy_score(y_te, model.predict(X_te))
    summary, outcome = graded({"metric": "accuracy", "estimate": accuracy, "threshold": 0.5})
    assert summary["optimism_gap"] is None and summary["reported_estimate"] is None
    assert summary["estimate_metric"] == "accuracy_score"
    assert summary["incomparable_estimate"] == accuracy
    assert f"You reported {accuracy:.3f}, which is accuracy_score, not average precision" in outcome.message
    assert "cannot be compared" in outcome.message and "gap of" not in outcome.message


def test_the_trace_says_what_the_estimate_is_whatever_the_report_calls_it(graded):
    model, X_te, y_te = fitted_split()
    accuracy = metrics.accuracy_score(y_te, model.predict(X_te))
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    summary, outcome = graded({"metric": "average_precision", "estimate": accuracy, "threshold": 0.5})
    assert summary["estimate_metric"] == "accuracy_score" and summary["optimism_gap"] is None
    assert "which is accuracy_score" in outcome.message


def test_an_estimate_of_unknown_metric_is_not_compared(graded):
    model, X_te, y_te = fitted_split()
    scores = model.predict_proba(X_te)[:, 1]
    hand_made = float(np.mean(scores[y_te.to_numpy() == 1]))  # computed without scikit-learn's metrics
    summary, outcome = graded({"metric": "mean positive score", "estimate": hand_made, "threshold": 0.5})
    assert summary["estimate_metric"] is None and summary["optimism_gap"] is None
    assert summary["incomparable_estimate"] == hand_made
    assert "could not be traced to a metric heldout knows" in outcome.message
    assert "gap of" not in outcome.message


def test_a_declared_holdout_metric_counts_when_the_trace_cannot_tell(graded):
    # Untraced (a NumPy computation) but declared in the holdout's metric: compared, as the report says.
    summary, outcome = graded({"metric": "pr_auc", "estimate": 0.5, "threshold": 0.5})
    assert summary["estimate_metric"] == "average_precision_score"
    assert summary["optimism_gap"] == pytest.approx(0.5 - HOLDOUT_AP, abs=1e-6)
    assert "an optimism gap of" in outcome.message


def test_without_a_metric_key_the_contract_asks_for_the_holdout_metric(graded, drift_manifest):
    # The drift contract has no "metric" key: its estimate is "your average precision for next quarter".
    assert "metric" not in drift_manifest.contract.report_keys
    summary, outcome = graded({"estimate": 0.5, "recommendation": "retrain"}, scenario=drift_manifest)
    assert summary["estimate_metric"] == "average_precision_score"
    assert summary["optimism_gap"] == pytest.approx(0.5 - HOLDOUT_AP, abs=1e-6)
    assert "You reported 0.500, an optimism gap of" in outcome.message


def test_without_a_metric_key_a_traced_accuracy_is_still_not_compared(graded, drift_manifest):
    model, X_te, y_te = fitted_split()
    accuracy = metrics.accuracy_score(y_te, model.predict(X_te))
    summary, outcome = graded({"estimate": accuracy, "recommendation": "retrain"}, scenario=drift_manifest)
    assert summary["estimate_metric"] == "accuracy_score" and summary["optimism_gap"] is None
    assert "which is accuracy_score, not average precision" in outcome.message
