"""statsmodels models as trace events: a fit records the rows it learnt from, its results' predictions
are linked to that fit and to the rows they score, whatever API built the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

sm = pytest.importorskip("statsmodels.api")
smf = pytest.importorskip("statsmodels.formula.api")


def events(tracer, kind):
    return [e for e in tracer.recorder.events if e["kind"] == kind]


def rows(tracer, key):
    return set(tracer.recorder.rowsets[key].tolist())


def test_an_ols_fit_on_a_training_part_and_its_prediction_on_the_other_part(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    train, test = df.iloc[:600], df.iloc[600:]
    fitted = sm.OLS(train["is_fraud"], sm.add_constant(train[["a", "b"]])).fit()
    predictions = fitted.predict(sm.add_constant(test[["a", "b"]]))
    (fit,) = events(tracer, "fit")
    assert fit["estimator"] == "OLS" and fit["library"] == "statsmodels" and fit["role"] == "model"
    assert rows(tracer, fit["rows"]) == set(train.index) and fit["n_rows"] == 600
    assert fit["target"] == "is_fraud" and fit["columns"] == ["const", "a", "b"]
    assert fit["config"] == "OLS(const, a, b)"
    (predict,) = events(tracer, "predict")
    assert predict["fit_event"] == fit["id"] and rows(tracer, predict["rows"]) == set(test.index)
    assert "values" in predict
    lineage = tracer.lineage.resolve(predictions)
    assert lineage is not None and lineage.producer == predict["id"]


def test_a_formula_logit_on_numpy_free_frames_keeps_the_frame_rows(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    past = df[df["c"] < 0.5]
    fitted = smf.logit("is_fraud ~ a + b + C(kind)", data=past).fit(disp=0)
    fitted.predict(df[df["c"] >= 0.5])
    (fit,) = events(tracer, "fit")
    assert fit["estimator"] == "Logit" and rows(tracer, fit["rows"]) == set(past.index)
    assert fit["config"].startswith("Logit(is_fraud ~ a + b + C(kind))") and "disp=0" in fit["config"]
    (predict,) = events(tracer, "predict")
    assert predict["fit_event"] == fit["id"]
    assert rows(tracer, predict["rows"]) == set(df.index[df["c"] >= 0.5])


def test_a_model_fitted_on_numpy_rows_of_a_manual_fold(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    X, y = df[["a", "b", "c"]].to_numpy(), df["is_fraud"].to_numpy()
    order = np.random.default_rng(0).permutation(len(df))
    train_idx, test_idx = order[:500], order[500:]
    fitted = sm.GLM(y[train_idx], X[train_idx], family=sm.families.Binomial()).fit()
    fitted.predict(X[test_idx])
    fits = events(tracer, "fit")
    # GLM's IRLS is its own business: one fit, the candidate's
    assert [f["estimator"] for f in fits] == ["GLM"]
    (predict,) = events(tracer, "predict")
    assert predict["fit_event"] == fits[0]["id"] and predict["n_rows"] == 300


def test_in_sample_predictions_score_the_rows_the_model_learnt_from(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    fitted = sm.OLS(df["is_fraud"], df[["a", "b"]]).fit()
    fitted.predict()
    (fit,) = events(tracer, "fit")
    (predict,) = events(tracer, "predict")
    assert predict["rows"] == fit["rows"] and predict["fit_event"] == fit["id"]


def test_two_runs_describe_a_model_the_same_way(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    sm.QuantReg(df["a"], sm.add_constant(df[["b"]])).fit(q=0.5)
    sm.QuantReg(df["a"], sm.add_constant(df[["b"]])).fit(q=0.5)
    sm.QuantReg(df["a"], sm.add_constant(df[["b"]])).fit(q=0.9)
    first, again, other = events(tracer, "fit")
    assert first["config"] == again["config"] == "QuantReg(const, b).fit(q=0.5)"
    assert first["config_key"] == again["config_key"] != other["config_key"]


def test_statsmodels_runs_as_without_heldout_once_uninstalled(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    traced = sm.OLS(df["a"], sm.add_constant(df[["b"]])).fit().params
    tracer.uninstall()
    plain = sm.OLS(df["a"], sm.add_constant(df[["b"]])).fit().params
    pd.testing.assert_series_equal(traced, plain)
    import statsmodels.base.model as base

    assert not getattr(base.Model.__init__, "__heldout__", False)
    assert not getattr(base.Results.predict, "__heldout__", False)
