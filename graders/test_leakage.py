"""Grader for the leakage scenario: one test per check of exercises/leakage/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "leakage"


def test_no_illegitimate_features(graded):
    graded(SCENARIO).require("no_illegitimate_features")


def test_no_fit_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_fit_on_evaluated_rows")


def test_entity_overlap(graded):
    graded(SCENARIO).require("entity_overlap")


def test_duplicates_across_split(graded):
    graded(SCENARIO).require("duplicates_across_split")


def test_no_tuning_on_evaluated_rows(graded):
    graded(SCENARIO).require("no_tuning_on_evaluated_rows")


def test_no_selection_on_final_rows(graded):
    graded(SCENARIO).require("no_selection_on_final_rows")


def test_holdout_beats_baselines(graded):
    graded(SCENARIO).require("holdout_beats_baselines")
