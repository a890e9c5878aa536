"""Grader for the capacity scenario: one test per check of exercises/capacity/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "capacity"


def test_no_fit_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_fit_on_evaluated_rows")


def test_scale_sensitive_models_scaled(graded):
    graded(SCENARIO).require("scale_sensitive_models_scaled")


def test_no_tuning_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_tuning_on_evaluated_rows")


def test_no_selection_on_final_rows(graded):
    graded(SCENARIO).require("no_selection_on_final_rows")


def test_optimiser_converged(graded):
    graded(SCENARIO).require("optimiser_converged")


def test_capacity_diagnosis(graded):
    graded(SCENARIO).require("capacity_diagnosis")


def test_holdout_beats_baselines(graded):
    graded(SCENARIO).require("holdout_beats_baselines")


def test_holdout_near_bayes_limit(graded):
    graded(SCENARIO).require("holdout_near_bayes_limit")
