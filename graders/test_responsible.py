"""Grader for the responsible scenario: one test per check of exercises/responsible/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "responsible"


def test_no_illegitimate_features(graded):
    graded(SCENARIO).require("no_illegitimate_features")


def test_no_personal_data_in_outputs(graded):
    graded(SCENARIO).require("no_personal_data_in_outputs")


def test_no_protected_attribute_input(graded):
    graded(SCENARIO).require("no_protected_attribute_input")


def test_group_metrics_with_uncertainty(graded):
    graded(SCENARIO).require("group_metrics_with_uncertainty")


def test_fairness_constraint_holdout(graded):
    graded(SCENARIO).require("fairness_constraint_holdout")


def test_fairness_audit(graded):
    graded(SCENARIO).require("fairness_audit")


def test_mitigation_on_training_rows(graded):
    graded(SCENARIO).require("mitigation_on_training_rows")


def test_no_fit_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_fit_on_evaluated_rows")


def test_holdout_beats_baselines(graded):
    graded(SCENARIO).require("holdout_beats_baselines")
