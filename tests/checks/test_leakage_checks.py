"""The leakage-scenario checks, both ways, on code run in-process under the tracer (no kernel).

The notebook-level tests in tests/test_submissions.py run the same checks end to end in a sandbox.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    cross_val_predict,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, TargetEncoder

HONEST = ["age", "prior", "lab"]


@pytest.fixture
def stays_csv(tmp_path, monkeypatch):
    """900 stays of 300 patients; a post-outcome column, an outcome-encoding record number, a
    high-cardinality code, a lab with missing values and 20 exact duplicate rows."""
    rng = np.random.default_rng(11)
    patients = np.repeat(np.arange(300), 3)
    frailty = rng.normal(size=300)[patients]
    n = len(patients)
    frame = pd.DataFrame(
        {
            "patient_id": patients,
            "age": rng.integers(20, 90, n),
            "prior": rng.poisson(1.0, n),
            "lab": rng.normal(size=n).round(3),
            "code": rng.choice([f"C{i:03d}" for i in range(120)], n),
        }
    )
    logit = -1.5 + 0.02 * (frame.age - 55) + 0.5 * frame.prior + frailty
    frame["readmitted"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame["calls_after"] = rng.poisson(np.where(frame.readmitted == 1, 3.0, 0.3))
    frame["record_number"] = np.where(frame.readmitted == 1, 900_000, 100_000) + np.arange(n)
    frame.loc[rng.choice(n, 120, replace=False), "lab"] = np.nan
    frame = pd.concat([frame, frame.iloc[:20]], ignore_index=True)
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture(scope="session")
def leakage_manifest(root):
    import dataclasses

    from heldout.checks import CHECKS
    from heldout.manifest import load_manifest

    manifest = load_manifest(root / "exercises" / "leakage" / "exercise.toml", CHECKS)
    # The synthetic file's own names for the planted columns.
    checks = tuple(
        dataclasses.replace(
            spec,
            params={
                "columns": {
                    "calls_after": "counted after discharge",
                    "record_number": "re-keyed after review",
                }
            },
        )
        if spec.id == "no_illegitimate_features"
        else spec
        for spec in manifest.checks
    )
    return dataclasses.replace(
        manifest,
        checks=checks,
        dataset=dataclasses.replace(manifest.dataset, label="readmitted", entity="patient_id"),
    )


@pytest.fixture
def judge(tracer, leakage_manifest, stays_csv):
    """judge(report, model) -> {check_id: CheckResult} for what the test ran under ``tracer``."""
    from heldout.checks import CheckContext, HoldoutScores, run_checks
    from heldout.trace.model import Trace

    def run(estimate: float | None = None, model=None) -> dict:
        tracer.enabled = False
        train = pd.read_csv(stays_csv)
        ctx = CheckContext(
            manifest=leakage_manifest,
            trace=Trace(tracer.recorder.to_json()),
            report={"metric": "roc_auc", "estimate": estimate if estimate is not None else -1.0},
            train_labels=train["readmitted"].to_numpy(),
            holdout=HoldoutScores(np.zeros(1), np.zeros(1)),
            baselines={"logistic_regression": 0.5},
            train=train,
            model_fit=tracer.fit_event_of(model) if model is not None else None,
        )
        results = {r.id: r for r in run_checks(ctx) if r.id != "holdout_beats_baselines"}
        tracer.enabled = True
        return results

    return run


def load():
    df = pd.read_csv("train.csv")
    return df, df["readmitted"]


def verdicts(results) -> dict[str, str]:
    return {check_id: str(result.verdict) for check_id, result in results.items()}


def failing(results) -> set[str]:
    return {check_id for check_id, verdict in verdicts(results).items() if verdict == "fail"}


def honest_model():
    return make_pipeline(SimpleImputer(), HistGradientBoostingClassifier(max_iter=30))


# -- correct styles pass everything ----------------------------------------------------------------------
def test_group_kfold_pipeline_with_target_encoder_passes(judge):
    df, y = load()
    df = df.drop_duplicates()
    y = df["readmitted"]
    X = df[[*HONEST, "code"]]
    from sklearn.compose import make_column_transformer

    model = make_pipeline(
        make_column_transformer((TargetEncoder(), ["code"]), remainder=SimpleImputer()),
        HistGradientBoostingClassifier(max_iter=30),
    )
    scores = cross_val_score(model, X, y, groups=df["patient_id"], cv=GroupKFold(4), scoring="roc_auc")
    model.fit(X, y)  # final refit on every labelled row
    results = judge(float(scores.mean()), model)
    assert failing(results) == set(), {k: r.message for k, r in results.items() if str(r.verdict) == "fail"}


def test_group_shuffle_split_with_statistics_from_training_rows_passes(judge):
    df, _ = load()
    df["lab"] = np.log1p(df["lab"].clip(-0.99, 5))  # stateless: constants only
    labels = LabelEncoder().fit_transform(df["readmitted"])  # the label's vocabulary: not a leak
    train_idx, test_idx = next(
        GroupShuffleSplit(1, test_size=0.25, random_state=0).split(df, groups=df.patient_id)
    )
    train, test = df.iloc[train_idx].copy(), df.iloc[test_idx].copy()
    fill = train[HONEST].median()
    train[HONEST] = train[HONEST].fillna(fill)
    test[HONEST] = test[HONEST].fillna(fill)
    _unused = df[HONEST].fillna(df[HONEST].mean())  # computed and never used: dead code
    model = LogisticRegression(max_iter=500).fit(train[HONEST], labels[train_idx])
    auc = roc_auc_score(labels[test_idx], model.predict_proba(test[HONEST])[:, 1])
    results = judge(float(auc), model)
    assert failing(results) == set(), {k: r.message for k, r in results.items() if str(r.verdict) == "fail"}


def test_nested_search_and_out_of_fold_predictions_pass(judge):
    df, y = load()
    search = GridSearchCV(
        honest_model(), {"histgradientboostingclassifier__max_depth": [2, 3]}, cv=GroupKFold(3)
    )
    groups = df["patient_id"]
    scores = cross_val_score(
        search, df[HONEST], y, groups=groups, cv=GroupKFold(3), scoring="roc_auc", params={"groups": groups}
    )
    oof = cross_val_predict(
        honest_model(), df[HONEST], y, groups=groups, cv=GroupKFold(3), method="predict_proba"
    )
    roc_auc_score(y, oof[:, 1])
    model = search.fit(df[HONEST], y, groups=groups)
    results = judge(float(scores.mean()), model)
    assert failing(results) == set(), {k: r.message for k, r in results.items() if str(r.verdict) == "fail"}


# -- each mistake fails its own check ----------------------------------------------------------------------
def grouped_estimate(df, features):
    y = df["readmitted"]
    return cross_val_score(
        honest_model(), df[features], y, groups=df["patient_id"], cv=GroupKFold(3), scoring="roc_auc"
    )


@pytest.mark.parametrize(
    ("prepare", "features", "name"),
    [
        (lambda df: df.fillna(df.mean(numeric_only=True)), HONEST, "DataFrame.mean"),
        (lambda df: df.assign(lab=df["lab"].fillna(df["lab"].median())), HONEST, "Series.median"),
        (
            lambda df: df.assign(code_rate=df.groupby("code")["readmitted"].transform("mean")),
            [*HONEST, "code_rate"],
            "groupby.transform",
        ),
        (
            lambda df: df.assign(age_bin=pd.qcut(df["age"], 5, labels=False)),
            ["age_bin", "prior", "lab"],
            "pandas.qcut",
        ),
        (
            lambda df: df.assign(prior=df["prior"].clip(upper=df["prior"].quantile(0.99))),
            HONEST,
            "Series.quantile",
        ),
    ],
    ids=["fillna-mean", "fillna-median", "target-mean", "qcut", "quantile-clip"],
)
def test_a_pandas_statistic_over_all_rows_fails_naming_it(judge, prepare, features, name):
    df, _ = load()
    df = prepare(df)
    scores = grouped_estimate(df, features)
    model = honest_model().fit(df[features], df["readmitted"])
    results = judge(float(scores.mean()), model)
    assert failing(results) == {"no_fit_on_evaluated_rows"}, verdicts(results)
    message = results["no_fit_on_evaluated_rows"].message
    assert f"{name} (line " in message and "was computed over 920 rows" in message, message


def test_feature_selection_on_all_rows_fails(judge):
    df, y = load()
    X = SimpleImputer().fit_transform(df[HONEST])
    selected = SelectKBest(f_classif, k=2).fit_transform(X, y)
    scores = cross_val_score(
        HistGradientBoostingClassifier(max_iter=30),
        selected,
        y,
        groups=df.patient_id,
        cv=GroupKFold(3),
        scoring="roc_auc",
    )
    results = judge(float(scores.mean()))
    assert "no_fit_on_evaluated_rows" in failing(results)
    findings = " ".join(f.text for f in results["no_fit_on_evaluated_rows"].findings)
    assert "SelectKBest (line " in findings and "was fitted on 920 rows" in findings, findings


def test_post_outcome_and_record_number_fail_by_name_and_by_value(judge):
    df, y = load()
    features = [*HONEST, "calls_after"]
    scores = grouped_estimate(df, features)
    model = honest_model().fit(df[features], y)
    results = judge(float(scores.mean()), model)
    assert failing(results) == {"no_illegitimate_features"}, verdicts(results)
    assert (
        "uses calls_after. calls_after: counted after discharge"
        in results["no_illegitimate_features"].message
    )

    array = SimpleImputer().fit_transform(df[[*HONEST, "record_number"]])  # names gone: found by value
    numpy_model = HistGradientBoostingClassifier(max_iter=30).fit(array, y)
    results = judge(float(scores.mean()), numpy_model)
    assert "record_number (as column 3 of the array)" in results["no_illegitimate_features"].message


def test_a_strong_honest_feature_is_never_flagged(judge):
    df, y = load()
    model = honest_model().fit(df[["prior", "age"]], y)
    results = judge(float(grouped_estimate(df, ["prior", "age"]).mean()), model)
    assert str(results["no_illegitimate_features"].verdict) == "pass"


def test_random_split_puts_patients_and_duplicates_on_both_sides(judge):
    df, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(df[HONEST], y, test_size=0.25, random_state=0)
    model = honest_model().fit(X_tr, y_tr)
    auc = roc_auc_score(y_te, model.predict_proba(X_te)[:, 1])
    results = judge(float(auc), model)
    assert failing(results) == {"entity_overlap", "duplicates_across_split"}, verdicts(results)
    assert "patient_id values in the rows roc_auc_score" in results["entity_overlap"].message
    assert (
        "have an exact copy among the rows that model was fitted on"
        in results["duplicates_across_split"].message
    )

    deduplicated = df.drop_duplicates()
    scores = cross_val_score(
        honest_model(),
        deduplicated[HONEST],
        deduplicated["readmitted"],
        cv=KFold(3, shuffle=True, random_state=0),
        scoring="roc_auc",
    )
    results = judge(float(scores.mean()), model)
    assert failing(results) == {"entity_overlap"}, verdicts(results)


def test_search_on_all_rows_then_scored_fails(judge):
    df, y = load()
    groups = df["patient_id"]
    search = GridSearchCV(
        honest_model(), {"histgradientboostingclassifier__max_depth": [2, 3]}, cv=GroupKFold(3)
    )
    search.fit(df[HONEST], y, groups=groups)
    scores = cross_val_score(
        search.best_estimator_, df[HONEST], y, groups=groups, cv=GroupKFold(3), scoring="roc_auc"
    )
    results = judge(float(scores.mean()), search)
    assert failing(results) == {"no_tuning_on_evaluated_rows"}, verdicts(results)
    assert "GridSearchCV (line " in results["no_tuning_on_evaluated_rows"].message


def test_a_statistic_in_a_column_the_model_never_uses_is_not_a_leak(judge):
    df, y = load()
    df["code_rate_all"] = df.groupby("code")["readmitted"].transform("mean")  # exploration only
    df["old"] = (df["age"] > 70).astype(int)  # a derived feature beside the raw ones
    features = [*HONEST, "old"]
    scores = grouped_estimate(df, features)
    model = honest_model().fit(df[features], y)
    results = judge(float(scores.mean()), model)
    assert failing(results) == set(), verdicts(results)


def test_rows_are_followed_through_reset_index_and_overwritten_columns(judge):
    df, _ = load()
    df = df.drop_duplicates().reset_index(drop=True)
    features = df[[*HONEST, "patient_id", "readmitted"]].copy()
    features["lab"] = np.log1p(features["lab"].clip(-0.99, 5))  # overwritten under its own name
    features["lab"] = features["lab"].fillna(features["lab"].median())  # over every row: the mistake
    scores = grouped_estimate(features, HONEST)
    model = honest_model().fit(features[HONEST], features["readmitted"])
    results = judge(float(scores.mean()), model)
    assert failing(results) == {"no_fit_on_evaluated_rows"}, verdicts(results)
    assert "Series.median" in results["no_fit_on_evaluated_rows"].message


@pytest.mark.parametrize("style", ["retbins", "cut-at-quantiles"])
def test_bins_from_every_row_fail(judge, style):
    df, y = load()
    if style == "retbins":
        df["age_bin"], _edges = pd.qcut(df["age"], 5, labels=False, retbins=True)
    else:
        edges = df["age"].quantile([0, 0.25, 0.5, 0.75, 1.0]).to_numpy()
        df["age_bin"] = pd.cut(df["age"], edges, labels=False, include_lowest=True)
    features = ["age_bin", "prior", "lab"]
    scores = grouped_estimate(df, features)
    model = honest_model().fit(df[features], y)
    results = judge(float(scores.mean()), model)
    assert failing(results) == {"no_fit_on_evaluated_rows"}, verdicts(results)


# -- coverage: what a check could not follow warns, never passes -----------------------------------------
def lost(*arrays):
    """The same rows in another order, rebuilt from Python lists: the tracer can no longer tell which
    rows they are. A metric or a fit on them gives the same result."""
    order = np.random.default_rng(1).permutation(len(arrays[0]))
    rebuilt = tuple(np.array(np.asarray(a)[order].tolist()) for a in arrays)
    return rebuilt if len(rebuilt) > 1 else rebuilt[0]


TRACED_ESTIMATE = ("entity_overlap", "duplicates_across_split", "no_selection_on_final_rows")


def grouped_split(df):
    df = df.drop_duplicates()
    train_idx, test_idx = next(
        GroupShuffleSplit(1, test_size=0.25, random_state=0).split(df, groups=df.patient_id)
    )
    return df.iloc[train_idx], df.iloc[test_idx]


def test_an_estimate_traced_to_its_rows_passes_with_its_count(judge):
    df, _ = load()
    train, test = grouped_split(df)
    model = honest_model().fit(train[HONEST], train["readmitted"])
    auc = roc_auc_score(test["readmitted"], model.predict_proba(test[HONEST])[:, 1])
    results = judge(float(auc), model)
    for check_id in TRACED_ESTIMATE:
        check = results[check_id]
        assert str(check.verdict) == "pass", check.message
        assert (check.coverage.judged, check.coverage.not_followed) == (1, 0)
    assert "(1 evaluation checked)" in results["entity_overlap"].message


def test_an_estimate_on_untraced_rows_warns_instead_of_passing(judge):
    df, _ = load()
    train, test = grouped_split(df)
    model = honest_model().fit(train[HONEST], train["readmitted"])
    auc = roc_auc_score(*lost(test["readmitted"], model.predict_proba(test[HONEST])[:, 1]))
    results = judge(float(auc), model)
    for check_id in TRACED_ESTIMATE:
        check = results[check_id]
        assert str(check.verdict) == "warn", check.message
        assert check.message.startswith("heldout could not tell which rows"), check.message
        assert "line " in check.message
    assert "it could not verify that no patient_id was on both sides" in results["entity_overlap"].message


def test_one_of_two_evaluations_untraced_warns_entity_overlap_without_an_estimate(judge):
    df, _ = load()
    train, test = grouped_split(df)
    model = honest_model().fit(train[HONEST], train["readmitted"])
    proba = model.predict_proba(test[HONEST])[:, 1]
    roc_auc_score(test["readmitted"], proba)
    roc_auc_score(*lost(test["readmitted"], proba))
    check = judge(None, model)["entity_overlap"]  # no traceable estimate: every evaluation is judged
    assert str(check.verdict) == "warn", check.message
    assert "which rows 1 of your 2 evaluations scored" in check.message
    assert "the other 1 evaluation showed none" in check.message
    assert (check.coverage.judged, check.coverage.not_followed) == (1, 1)


def test_a_model_fitted_on_untraced_columns_warns_no_illegitimate_features(judge):
    df, y = load()
    X, labels = lost(df[HONEST].fillna(0), y)
    model = LogisticRegression(max_iter=500).fit(X, labels)
    check = judge(float(grouped_estimate(df, HONEST).mean()), model)["no_illegitimate_features"]
    assert str(check.verdict) == "warn", check.message
    assert "which columns your final model (LogisticRegression, line " in check.message
    assert (check.coverage.judged, check.coverage.not_followed) == (0, 1)


def test_a_search_beside_an_untraced_evaluation_warns_no_tuning(judge):
    df, _ = load()
    train, test = grouped_split(df)
    search = GridSearchCV(
        honest_model(), {"histgradientboostingclassifier__max_depth": [2, 3]}, cv=GroupKFold(3)
    )
    search.fit(train[HONEST], train["readmitted"], groups=train["patient_id"])
    proba = search.predict_proba(test[HONEST])[:, 1]
    auc = roc_auc_score(test["readmitted"], proba)
    check = judge(float(auc), search)["no_tuning_on_evaluated_rows"]
    assert str(check.verdict) == "pass", check.message
    assert (check.coverage.judged, check.coverage.not_followed) == (1, 0)
    auc = roc_auc_score(*lost(test["readmitted"], proba))
    check = judge(float(auc), search)["no_tuning_on_evaluated_rows"]
    assert str(check.verdict) == "warn", check.message
    assert "it could not verify that GridSearchCV (line " in check.message
