"""A model that raises on the holdout is described to the candidate in one line of their own terms: the
exception and where in their code, never a traceback through scikit-learn and heldout's sandbox paths."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from heldout.trace.kernel import candidate_cause

CELL = """
def score(model, rows):
    return model.predict_proba(rows[:, :2])
"""


def test_the_cause_names_the_exception_and_the_notebooks_own_frame():
    namespace: dict = {}
    exec(compile(CELL, "/tmp/ipykernel_41/2093.py", "exec"), namespace)
    model = LogisticRegression().fit(np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2)
    with pytest.raises(ValueError) as raised:
        namespace["score"](model, np.zeros((5, 3)))
    cause = candidate_cause(raised.value)
    assert cause.startswith("ValueError: X has 2 features, but LogisticRegression is expecting 3")
    assert cause.endswith("(raised in `score`, line 3 of its cell)")
    assert "\n" not in cause and "site-packages" not in cause and "Traceback" not in cause


def test_an_error_raised_outside_the_notebooks_code_has_no_place():
    with pytest.raises(KeyError) as raised:
        {}["merchant_category"]
    assert candidate_cause(raised.value) == "KeyError: 'merchant_category'"
    assert candidate_cause(RuntimeError("")) == "RuntimeError"
