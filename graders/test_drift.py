"""Grader for the drift scenario: one test per check of exercises/drift/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "drift"


def test_temporal_validation(graded):
    graded(SCENARIO).require("temporal_validation")


def test_no_future_features(graded):
    graded(SCENARIO).require("no_future_features")


def test_no_fit_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_fit_on_evaluated_rows")


def test_drift_report(graded):
    graded(SCENARIO).require("drift_report")


def test_holdout_beats_baselines(graded):
    graded(SCENARIO).require("holdout_beats_baselines")
