"""Experiment readouts scored on hidden replicate experiments (grader side)."""
