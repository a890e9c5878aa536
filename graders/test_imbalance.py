"""Grader for the imbalance scenario: one test per check of exercises/imbalance/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "imbalance"


def test_no_fit_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_fit_on_evaluated_rows")


def test_resampling_inside_training(graded):
    graded(SCENARIO).require("resampling_inside_training")


def test_evaluation_on_untouched_rows(graded):
    graded(SCENARIO).require("evaluation_on_untouched_rows")


def test_headline_metric(graded):
    graded(SCENARIO).require("headline_metric")


def test_stratified_split(graded):
    graded(SCENARIO).require("stratified_split")


def test_threshold_not_tuned_on_test(graded):
    graded(SCENARIO).require("threshold_not_tuned_on_test")


def test_no_tuning_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_tuning_on_evaluated_rows")


def test_no_selection_on_final_rows(graded):
    graded(SCENARIO).require("no_selection_on_final_rows")


def test_holdout_beats_baselines(graded):
    graded(SCENARIO).require("holdout_beats_baselines")
