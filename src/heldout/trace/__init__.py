"""The tracer: what a notebook's code actually did to which rows.

Two halves that share one record format (``heldout.trace.record``):

- kernel side (``hooks``, ``lineage``, ``sites``, ``kernel``): installed in the candidate's kernel, it wraps
  scikit-learn / imbalanced-learn estimators, splitters, metric functions and scorers, pandas statistics,
  scipy.stats and statsmodels tests (one module per library under ``libraries``, each a ``HookSet``, see
  ``hookset``), and follows every array and frame back to the rows of the dataset files it came from.
  Row identity is given by the harness (the position of a row in the file it was loaded from), never by
  hashing values, so exact duplicate rows are told apart.
- grader side (``trace.model``): the trace read back into typed events, with the queries the checks need
  (which fits are upstream of a score, which rows each saw).

The tracer explains findings; it is not the only evidence (see heldout.checks.holdout and the sandbox).
"""
