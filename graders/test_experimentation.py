"""Grader for the experimentation scenario: one test per check of exercises/experimentation/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "experimentation"


def test_randomisation_unit(graded):
    graded(SCENARIO).require("randomisation_unit")


def test_no_peeking(graded):
    graded(SCENARIO).require("no_peeking")


def test_srm_handled(graded):
    graded(SCENARIO).require("srm_handled")


def test_preregistered_metric(graded):
    graded(SCENARIO).require("preregistered_metric")


def test_segment_claims_corrected(graded):
    graded(SCENARIO).require("segment_claims_corrected")


def test_guardrails_reported(graded):
    graded(SCENARIO).require("guardrails_reported")


def test_pre_period_adjustment(graded):
    graded(SCENARIO).require("pre_period_adjustment")


def test_readout_on_replicates(graded):
    graded(SCENARIO).require("readout_on_replicates")
