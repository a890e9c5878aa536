"""Grader for the baselines scenario: one test per check of exercises/baselines/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "baselines"


def test_baseline_evaluated(graded):
    graded(SCENARIO).require("baseline_evaluated")


def test_same_protocol(graded):
    graded(SCENARIO).require("same_protocol")


def test_metric_fits_cost(graded):
    graded(SCENARIO).require("metric_fits_cost")


def test_experiment_log(graded):
    graded(SCENARIO).require("experiment_log")


def test_no_fit_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_fit_on_evaluated_rows")


def test_no_selection_on_final_rows(graded):
    graded(SCENARIO).require("no_selection_on_final_rows")


def test_no_tuning_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_tuning_on_evaluated_rows")


def test_holdout_beats_baselines(graded):
    graded(SCENARIO).require("holdout_beats_baselines")
