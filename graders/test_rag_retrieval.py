"""Grader for the RAG retrieval scenario: one test per check of exercises/rag_retrieval/exercise.toml.

Run: pytest graders/ --submission PATH (a notebook or a folder of notebooks).
"""

SCENARIO = "rag_retrieval"


def test_no_tuning_on_final_queries(graded):
    graded(SCENARIO).require("no_tuning_on_final_queries")


def test_tuning_queries_apart(graded):
    graded(SCENARIO).require("tuning_queries_apart")


def test_graded_metric_at_k(graded):
    graded(SCENARIO).require("graded_metric_at_k")


def test_grounded_answers(graded):
    graded(SCENARIO).require("grounded_answers")


def test_retrieval_latency(graded):
    graded(SCENARIO).require("retrieval_latency")


def test_retrieval_beats_baselines(graded):
    graded(SCENARIO).require("retrieval_beats_baselines")
