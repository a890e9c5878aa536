"""A feature matrix the notebook computes itself (np.full filled with its own arithmetic) has no row
lineage; the labels it is fitted and scored with do. The predictions still name the model that made
them, so the evaluation is followed: a model fitted on some rows and scored on others passes, one fitted
on the rows it is then scored on fails."""

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from heldout.checks import Verdict

ONLY = ("no_fit_on_evaluated_rows",)


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    X = np.full((len(frame), 2), np.nan)
    X[:, 0] = np.log1p(np.abs(frame["a"].to_numpy())) * 2.0
    X[:, 1] = frame["b"].to_numpy() ** 2
    return X


def test_a_hand_built_matrix_scored_on_other_rows_is_followed_and_passes(judge):
    train = pd.read_csv("train.csv")
    X, y = _matrix(train), train["is_fraud"]
    early = np.arange(len(train)) < 600
    model = LogisticRegression().fit(X[early], y[early])
    ap = average_precision_score(y[~early], model.predict_proba(X[~early])[:, 1])
    result = judge({"metric": "average_precision", "estimate": ap, "threshold": 0.5}, only=ONLY)[ONLY[0]]
    assert result.verdict is Verdict.PASS, result.message
    assert result.coverage.judged == 1 and result.coverage.not_followed == 0


def test_a_hand_built_matrix_scored_on_the_rows_it_was_fitted_on_fails(judge):
    train = pd.read_csv("train.csv")
    X, y = _matrix(train), train["is_fraud"]
    early = np.arange(len(train)) < 600
    model = LogisticRegression().fit(X, y)  # every row, then "validated" on the later ones
    ap = average_precision_score(y[~early], model.predict_proba(X[~early])[:, 1])
    result = judge({"metric": "average_precision", "estimate": ap, "threshold": 0.5}, only=ONLY)[ONLY[0]]
    assert result.verdict is Verdict.FAIL, result.message
    assert "200 of which" in result.message
