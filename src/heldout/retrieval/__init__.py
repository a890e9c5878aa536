"""Retrieval scenarios on the grader's side: the harness's own baselines and the IR metrics."""
