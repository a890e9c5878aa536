"""What the tracer records for fits, splits, resamples, predictions and metrics, and that it undoes itself."""

import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def events(tracer, kind):
    return [e for e in tracer.recorder.events if e["kind"] == kind]


def rows(tracer, key):
    return set(tracer.recorder.rowsets[key].tolist())


def test_train_test_split_records_which_rows_went_where(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    X_train, X_test, *_ = train_test_split(df, df["is_fraud"], stratify=df["is_fraud"], random_state=0)
    (split,) = events(tracer, "split")
    assert split["splitter"] == "train_test_split" and split["stratified"] is True
    train_key, test_key = split["folds"][0]
    assert rows(tracer, train_key) == set(X_train.index)
    assert rows(tracer, test_key) == set(X_test.index)
    assert split["line"] is not None  # attributed to this test file's line


def test_fits_inside_a_search_are_recorded_with_their_rows(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    X_train, _, y_train, _ = train_test_split(df[["a", "b"]], df["is_fraud"], random_state=0)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()),
        {"logisticregression__C": [0.1, 1.0]},
        cv=StratifiedKFold(3),
        scoring="average_precision",
    )
    search.fit(X_train, y_train)
    scaler_fits = [e for e in events(tracer, "fit") if e["estimator"] == "StandardScaler"]
    assert len(scaler_fits) == 2 * 3 + 1  # every candidate in every fold, then the refit
    for fit in scaler_fits:
        assert rows(tracer, fit["rows"]) <= set(X_train.index)
        assert fit["parent"] is not None  # inside the pipeline's fit
    scorers = [e for e in events(tracer, "metric") if e["via"] == "scorer"]
    assert len(scorers) == 6 and all(e["metric"] == "average_precision_score" for e in scorers)


def test_smote_marks_synthetic_rows(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    X, y = df[["a", "b", "c"]], df["is_fraud"]
    X_res, _ = SMOTE(random_state=0).fit_resample(X, y)
    (fit,) = [e for e in events(tracer, "fit") if e["estimator"] == "SMOTE"]
    assert fit["role"] == "sampler"
    assert fit["n_synthetic"] == len(X_res) - len(X) > 0
    assert tracer.lineage.resolve(X_res).rows[: len(X)].tolist() == list(range(len(X)))


def test_metric_on_traced_predictions_points_at_the_predict_event(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    X_train, X_test, y_train, y_test = train_test_split(df[["a", "b"]], df["is_fraud"], random_state=0)
    model = LogisticRegression().fit(X_train, y_train)
    average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
    (metric,) = events(tracer, "metric")
    predict = tracer.recorder.events[metric["pred_producer"]]
    assert predict["kind"] == "predict" and predict["method"] == "predict_proba"
    assert rows(tracer, metric["rows"]) == set(y_test.index)
    assert metric["value"] == pytest.approx(
        average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
    )


def test_uninstall_restores_every_original(fraud_csv):
    from heldout.trace.hooks import Tracer

    original_fit = StandardScaler.__dict__["fit"]
    original_split = train_test_split
    tracer = Tracer({"train.csv": 0}).install()
    import sklearn.model_selection as ms

    assert StandardScaler.__dict__["fit"] is not original_fit
    assert ms.train_test_split is not original_split
    tracer.uninstall()
    assert StandardScaler.__dict__["fit"] is original_fit
    assert ms.train_test_split is original_split


def test_verify_reports_a_removed_hook(tracer):
    patch = next(p for p in tracer._patches if p.name == "fit" and p.owner is StandardScaler)
    StandardScaler.fit = patch.original
    try:
        assert "StandardScaler.fit" in tracer.verify()
    finally:
        patch.apply()
    assert tracer.verify() == []


def test_wrapped_methods_do_not_hand_out_the_original(tracer):
    assert not hasattr(StandardScaler.fit, "__wrapped__")
    import inspect

    assert "sample_weight" in inspect.signature(StandardScaler.fit).parameters


def test_verify_reports_an_uninstall_even_when_the_tracer_is_put_back(fraud_csv):
    import heldout.trace.hooks as hooks
    from heldout.trace.hooks import Tracer

    tracer = Tracer({"train.csv": 0}).install()
    try:
        tracer.uninstall()
        hooks._ACTIVE = tracer
        assert "the tracer was uninstalled" in tracer.verify()
    finally:
        hooks._ACTIVE = None


def test_estimator_classes_defined_after_install_are_traced_and_not_tampering(tracer):
    from sklearn.base import BaseEstimator, TransformerMixin

    class Doubler(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return X * 2

    Doubler().fit([[1.0]])
    assert any(e["estimator"] == "Doubler" for e in tracer.recorder.events if e["kind"] == "fit")
    assert tracer.verify() == []
