"""Grader for the offline-vs-online scenario: one test per check of exercises/offline_online/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "offline_online"


def test_point_in_time(graded):
    graded(SCENARIO).require("point_in_time")


def test_offline_online_parity(graded):
    graded(SCENARIO).require("offline_online_parity")


def test_batch_invariance(graded):
    graded(SCENARIO).require("batch_invariance")


def test_serving_robustness(graded):
    graded(SCENARIO).require("serving_robustness")


def test_serving_latency(graded):
    graded(SCENARIO).require("serving_latency")


def test_label_maturity(graded):
    graded(SCENARIO).require("label_maturity")


def test_holdout_beats_baselines(graded):
    graded(SCENARIO).require("holdout_beats_baselines")
