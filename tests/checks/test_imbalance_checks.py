"""Each imbalance check, both ways, on code run in-process under the tracer (fast; no kernel).

The notebook-level tests in tests/test_submissions.py run the same checks end to end in a sandbox.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as metrics
import sklearn.model_selection as ms
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["a", "b", "c", "d"]


def load():
    df = pd.read_csv("train.csv")
    return df[FEATURES], df["is_fraud"]


def verdict(results, check_id):
    return str(results[check_id].verdict)


# -- no_fit_on_evaluated_rows --------------------------------------------------------------------------
def test_scaler_fitted_before_the_split_fails_with_rows_counted(judge):
    X, y = load()
    scaled = StandardScaler().fit_transform(X)
    X_tr, X_te, y_tr, y_te = ms.train_test_split(scaled, y, test_size=0.25, stratify=y, random_state=0)
    ap = metrics.average_precision_score(y_te, LogisticRegression().fit(X_tr, y_tr).predict_proba(X_te)[:, 1])
    result = judge({"metric": "average_precision", "estimate": ap, "threshold": 0.5})
    check = result["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail"
    assert "StandardScaler (line " in check.message
    assert "was fitted on 800 rows, 200 of which average_precision_score" in check.message


def test_scaler_in_a_pipeline_passes(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass"


def test_refit_on_all_rows_after_evaluation_passes(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    model.fit(X, y)  # the final model learns from every labelled row, after the estimate
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass"


def test_dead_preprocessing_on_all_rows_passes(judge):
    X, y = load()
    StandardScaler().fit(X)  # looked at, never used
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass"


def test_a_training_score_next_to_a_test_score_passes(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_tr, model.predict_proba(X_tr)[:, 1])  # diagnostic
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass"


def test_fitting_a_scaler_on_the_test_part_fails(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    model = LogisticRegression().fit(scaler.transform(X_tr), y_tr)
    test_scaled = StandardScaler().fit_transform(X_te)  # its own statistics: a leak
    metrics.average_precision_score(y_te, model.predict_proba(test_scaled)[:, 1])
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail" and "200 of which" in check.message


def test_feature_selection_on_all_rows_fails(judge):
    X, y = load()
    selected = SelectKBest(k=2).fit_transform(X, y)
    X_tr, X_te, y_tr, y_te = ms.train_test_split(selected, y, stratify=y, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail" and check.message.startswith("SelectKBest")


def test_reporting_a_training_score_fails(judge):
    X, y = load()
    model = LogisticRegression().fit(X, y)
    ap = metrics.average_precision_score(y, model.predict_proba(X)[:, 1])
    check = judge({"metric": "average_precision", "estimate": ap, "threshold": 0.5})[
        "no_fit_on_evaluated_rows"
    ]
    assert str(check.verdict) == "fail" and "the model was fitted on" in check.message


# -- resampling ----------------------------------------------------------------------------------------
def test_smote_before_the_split_fails_resampling_only(judge):
    X, y = load()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X_res, y_res, stratify=y_res, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    result = judge()
    assert verdict(result, "resampling_inside_training") == "fail"
    assert result["resampling_inside_training"].message.startswith("SMOTE (line")
    assert verdict(result, "evaluation_on_untouched_rows") == "pass"  # one root cause, one finding
    assert verdict(result, "no_fit_on_evaluated_rows") == "pass", result["no_fit_on_evaluated_rows"].message


def test_smote_before_cross_val_score_fails(judge):
    X, y = load()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    ms.cross_val_score(LogisticRegression(), X_res, y_res, cv=5, scoring="average_precision")
    result = judge()
    assert verdict(result, "resampling_inside_training") == "fail"
    message = result["resampling_inside_training"].message
    assert message.startswith("SMOTE (line") and "average_precision_score" in message
    assert verdict(result, "no_fit_on_evaluated_rows") == "pass", result["no_fit_on_evaluated_rows"].message


def test_the_resampling_message_counts_the_rows_the_fold_really_had(judge):
    X, y = load()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    ms.cross_val_score(LogisticRegression(), X_res, y_res, cv=5, scoring="average_precision")
    message = judge()["resampling_inside_training"].message
    # SMOTE keeps the 800 real rows first and appends its synthetic ones; cv=5 is StratifiedKFold(5).
    made = len(X_res) - len(X)
    first_fold = next(ms.StratifiedKFold(5).split(X_res, y_res))[1]
    real, synthetic = int((first_fold < len(X)).sum()), int((first_fold >= len(X)).sum())
    assert synthetic and made > synthetic  # a fold has some of the synthetic rows, not all of them
    assert f"was fitted on 800 rows, {real:,} of which cross_val_score (average_precision_score)" in message
    assert f"later scored, together with {synthetic:,} of the {made:,} synthetic rows SMOTE made" in message


def test_the_resampling_message_counts_the_synthetic_rows_of_the_test_part(judge):
    X, y = load()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X_res, y_res, stratify=y_res, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    message = judge()["resampling_inside_training"].message
    real, synthetic = int((X_te.index < len(X)).sum()), int((X_te.index >= len(X)).sum())
    assert f"800 rows, {real:,} of which average_precision_score" in message
    assert f"together with {synthetic:,} of the {len(X_res) - len(X):,} synthetic rows" in message


def test_smote_inside_an_imblearn_pipeline_passes(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    pipe = make_imb_pipeline(StandardScaler(), SMOTE(random_state=0), LogisticRegression())
    ms.cross_val_score(pipe, X_tr, y_tr, cv=ms.StratifiedKFold(3), scoring="average_precision")
    pipe.fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, pipe.predict_proba(X_te)[:, 1])
    result = judge()
    assert verdict(result, "resampling_inside_training") == "pass"
    assert verdict(result, "evaluation_on_untouched_rows") == "pass"
    assert verdict(result, "no_fit_on_evaluated_rows") == "pass", result["no_fit_on_evaluated_rows"].message


# -- evaluation rows -------------------------------------------------------------------------------------
def test_evaluating_on_an_undersampled_test_part_fails(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    X_te_bal, y_te_bal = RandomUnderSampler(random_state=0).fit_resample(X_te, y_te)
    metrics.average_precision_score(y_te_bal, model.predict_proba(X_te_bal)[:, 1])
    result = judge()
    check = result["evaluation_on_untouched_rows"]
    assert str(check.verdict) == "fail" and "RandomUnderSampler" in check.message
    assert verdict(result, "resampling_inside_training") == "pass"


def test_a_test_part_rebalanced_by_hand_in_pandas_fails(judge):
    df = pd.read_csv("train.csv")
    train, test = ms.train_test_split(df, stratify=df["is_fraud"], random_state=0)
    model = LogisticRegression().fit(train[FEATURES], train["is_fraud"])
    balanced = pd.concat([test[test.is_fraud == 1], test[test.is_fraud == 0].head(20)])
    metrics.average_precision_score(balanced["is_fraud"], model.predict_proba(balanced[FEATURES])[:, 1])
    check = judge()["evaluation_on_untouched_rows"]
    assert str(check.verdict) == "fail" and "positives, against" in check.message


# -- headline metric ---------------------------------------------------------------------------------------
def test_headline_metric_verdicts(judge):
    X, y = load()
    ms.train_test_split(X, y, stratify=y, random_state=0)
    assert (
        verdict(judge({"metric": "accuracy", "estimate": 0.9, "threshold": 0.5}), "headline_metric") == "fail"
    )
    assert (
        verdict(judge({"metric": "roc_auc", "estimate": 0.9, "threshold": 0.5}), "headline_metric") == "warn"
    )
    assert (
        verdict(judge({"metric": "PR-AUC", "estimate": 0.5, "threshold": 0.5}), "headline_metric") == "pass"
    )
    assert verdict(judge({"metric": "", "estimate": 0.5, "threshold": 0.5}), "headline_metric") == "fail"


def test_an_estimate_from_score_counts_as_accuracy(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    value = LogisticRegression().fit(X_tr, y_tr).score(X_te, y_te)
    check = judge({"metric": "model score", "estimate": value, "threshold": 0.5})["headline_metric"]
    assert str(check.verdict) == "fail" and "accuracy" in check.message


# -- stratification --------------------------------------------------------------------------------------
def test_unstratified_split_fails_and_stratified_variants_pass(judge):
    X, y = load()
    ms.train_test_split(X, y, random_state=0)
    check = judge()["stratified_split"]
    assert str(check.verdict) == "fail" and "train_test_split (line" in check.message


def test_kfold_fails(judge):
    X, y = load()
    ms.cross_val_score(LogisticRegression(), X, y, cv=ms.KFold(4, shuffle=True, random_state=0))
    check = judge()["stratified_split"]
    assert str(check.verdict) == "fail" and "KFold" in check.message


def test_integer_cv_with_a_classifier_is_stratified(judge):
    X, y = load()
    X_tr, _X_te, y_tr, _y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    ms.cross_val_score(LogisticRegression(), X_tr, y_tr, cv=5)
    assert verdict(judge(), "stratified_split") == "pass"


# -- threshold ---------------------------------------------------------------------------------------------
def _split_and_model():
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    return model, X_tr, X_te, y_tr, y_te


def test_threshold_swept_on_the_test_rows_fails(judge):
    model, _, X_te, _, y_te = _split_and_model()
    proba = model.predict_proba(X_te)[:, 1]
    best = max(np.linspace(0.1, 0.9, 9), key=lambda t: metrics.f1_score(y_te, proba >= t))
    ap = metrics.average_precision_score(y_te, proba)
    check = judge({"metric": "average_precision", "estimate": ap, "threshold": float(best)})[
        "threshold_not_tuned_on_test"
    ]
    assert str(check.verdict) == "fail" and "swept thresholds" in check.message


def test_the_threshold_in_the_message_is_rounded(judge):
    model, _, X_te, _, y_te = _split_and_model()
    proba = model.predict_proba(X_te)[:, 1]
    candidates = np.arange(0.05, 0.95, 0.01)  # floats such as 0.31000000000000005
    best = float(max(candidates, key=lambda t: metrics.f1_score(y_te, proba >= t)))
    assert len(repr(best)) > 6  # the raw float is long: the test shows the rounding
    ap = metrics.average_precision_score(y_te, proba)
    check = judge({"metric": "average_precision", "estimate": ap, "threshold": best})[
        "threshold_not_tuned_on_test"
    ]
    assert str(check.verdict) == "fail"
    assert f"your threshold {best:.4g} was picked there" in check.message and repr(best) not in check.message


def test_threshold_from_a_test_curve_fails(judge):
    model, _, X_te, _, y_te = _split_and_model()
    proba = model.predict_proba(X_te)[:, 1]
    precision, recall, thresholds = metrics.precision_recall_curve(y_te, proba)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    chosen = float(thresholds[np.argmax(f1[:-1])])
    ap = metrics.average_precision_score(y_te, proba)
    check = judge({"metric": "average_precision", "estimate": ap, "threshold": chosen})[
        "threshold_not_tuned_on_test"
    ]
    assert str(check.verdict) == "fail" and "threshold curve" in check.message


def test_threshold_from_out_of_fold_predictions_passes(judge):
    model, X_tr, X_te, y_tr, y_te = _split_and_model()
    oof = ms.cross_val_predict(LogisticRegression(), X_tr, y_tr, cv=3, method="predict_proba")[:, 1]
    precision, _recall, thresholds = metrics.precision_recall_curve(y_tr, oof)
    chosen = float(thresholds[np.argmax(precision[:-1] >= 0.5)])
    ap = metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    result = judge({"metric": "average_precision", "estimate": ap, "threshold": chosen})
    assert verdict(result, "threshold_not_tuned_on_test") == "pass"
    assert verdict(result, "no_fit_on_evaluated_rows") == "pass"  # out-of-fold is not a leak


def test_a_test_curve_for_a_plot_only_warns(judge):
    model, _, X_te, _, y_te = _split_and_model()
    proba = model.predict_proba(X_te)[:, 1]
    metrics.precision_recall_curve(y_te, proba)
    ap = metrics.average_precision_score(y_te, proba)
    check = judge({"metric": "average_precision", "estimate": ap, "threshold": 0.4321})[
        "threshold_not_tuned_on_test"
    ]
    assert str(check.verdict) == "warn"


def test_a_test_curve_plotted_beside_the_out_of_fold_curve_the_threshold_came_from_passes(judge):
    model, X_tr, X_te, y_tr, y_te = _split_and_model()
    oof = ms.cross_val_predict(LogisticRegression(), X_tr, y_tr, cv=3, method="predict_proba")[:, 1]
    precision, _recall, thresholds = metrics.precision_recall_curve(y_tr, oof)
    chosen = float(thresholds[np.argmax(precision[:-1] >= 0.5)])
    proba = model.predict_proba(X_te)[:, 1]
    metrics.precision_recall_curve(y_te, proba)  # for the write-up's plot
    ap = metrics.average_precision_score(y_te, proba)
    check = judge({"metric": "average_precision", "estimate": ap, "threshold": chosen})[
        "threshold_not_tuned_on_test"
    ]
    assert str(check.verdict) == "pass", check.message
    assert "outside the rows behind your estimate" in check.message


def test_threshold_from_out_of_fold_scores_behind_a_cross_validated_estimate_passes(judge):
    X, y = load()
    scores = ms.cross_val_score(LogisticRegression(), X, y, cv=4, scoring="average_precision")
    oof = ms.cross_val_predict(LogisticRegression(), X, y, cv=4, method="predict_proba")[:, 1]
    precision, _recall, thresholds = metrics.precision_recall_curve(y, oof)
    chosen = float(thresholds[np.argmax(precision[:-1] >= 0.5)])
    report = {"metric": "average_precision", "estimate": float(scores.mean()), "threshold": chosen}
    assert verdict(judge(report), "threshold_not_tuned_on_test") == "pass"


def test_a_manual_fold_loop_mean_is_found_and_its_out_of_fold_threshold_passes(judge):
    X, y = load()
    X, y = X.to_numpy(), y.to_numpy()
    oof = np.zeros(len(y))
    scores = []
    for train_idx, test_idx in ms.StratifiedKFold(4, shuffle=True, random_state=0).split(X, y):
        model = LogisticRegression().fit(X[train_idx], y[train_idx])
        oof[test_idx] = model.predict_proba(X[test_idx])[:, 1]
        scores.append(metrics.average_precision_score(y[test_idx], oof[test_idx]))
    precision, _, thresholds = metrics.precision_recall_curve(y, oof)
    chosen = float(thresholds[np.argmax(precision[:-1] >= 0.5)])
    report = {"metric": "average_precision", "estimate": float(np.mean(scores)), "threshold": chosen}
    result = judge(report)
    assert verdict(result, "threshold_not_tuned_on_test") == "pass"
    assert verdict(result, "no_fit_on_evaluated_rows") == "pass", result["no_fit_on_evaluated_rows"].message


def test_the_fold_count_ignores_early_stopping_splits_inside_the_folds(judge):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = load()
    X_tr, X_val, y_tr, y_val = ms.train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    model = make_pipeline(
        StandardScaler(),
        HistGradientBoostingClassifier(max_iter=20, early_stopping=True, validation_fraction=0.2),
    )
    scores = ms.cross_val_score(model, X_tr, y_tr, cv=3, scoring="average_precision")
    proba = model.fit(X_tr, y_tr).predict_proba(X_val)[:, 1]
    best = max(np.linspace(0.1, 0.9, 9), key=lambda t: metrics.f1_score(y_val, proba >= t))
    report = {"metric": "average_precision", "estimate": float(scores.mean()), "threshold": float(best)}
    assert verdict(judge(report), "threshold_not_tuned_on_test") == "pass"


def test_an_unstratified_cv_given_to_a_threshold_tuner_fails(judge):
    from sklearn.model_selection import TunedThresholdClassifierCV

    X, y = load()
    X_tr, _, y_tr, _ = ms.train_test_split(X, y, stratify=y, random_state=0)
    TunedThresholdClassifierCV(LogisticRegression(), cv=ms.KFold(3)).fit(X_tr, y_tr)
    check = judge()["stratified_split"]
    assert str(check.verdict) == "fail" and "KFold" in check.message


def test_an_imputer_output_rebuilt_as_a_frame_and_copied_is_still_traced(judge):
    from sklearn.impute import SimpleImputer

    df = pd.read_csv("train.csv")
    filled = pd.DataFrame(SimpleImputer().fit_transform(df[FEATURES]), columns=FEATURES, index=df.index)
    X = filled.copy()
    X["extra"] = X["a"] * 2
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, df["is_fraud"], stratify=df["is_fraud"], random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail" and check.message.startswith("SimpleImputer (line")


def test_an_unused_imputer_does_not_taint_the_raw_columns(judge):
    from sklearn.impute import SimpleImputer

    df = pd.read_csv("train.csv")
    pd.DataFrame(SimpleImputer().fit_transform(df[FEATURES]), columns=FEATURES, index=df.index)  # unused
    df.loc[df.index[:5], "a"] = np.nan  # raw data with gaps, so its values differ from the filled frame
    X = df[FEATURES].fillna(0).copy()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, df["is_fraud"], stratify=df["is_fraud"], random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass"


def test_columns_from_an_encoder_fitted_on_all_rows_are_a_leak(judge):
    from sklearn.preprocessing import TargetEncoder

    df = pd.read_csv("train.csv")
    encoder = TargetEncoder(target_type="binary").fit(df[["kind"]], df["is_fraud"])
    X = df[FEATURES].copy()
    X[["kind_risk"]] = encoder.transform(df[["kind"]])
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, df["is_fraud"], stratify=df["is_fraud"], random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail" and check.message.startswith("TargetEncoder (line")


def test_smote_on_arrays_is_blamed_once_not_its_inner_nearest_neighbours(judge):
    X, y = load()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X.to_numpy(), y.to_numpy())
    ms.cross_val_score(LogisticRegression(), X_res, y_res, cv=4, scoring="average_precision")
    result = judge()
    assert verdict(result, "resampling_inside_training") == "fail"
    assert verdict(result, "no_fit_on_evaluated_rows") == "pass", result["no_fit_on_evaluated_rows"].message


# -- a scaler's NumPy output put back into the frame, in place -----------------------------------------
def _split_fit_score(df):
    tr, te = ms.train_test_split(df, test_size=0.25, stratify=df["is_fraud"], random_state=0)
    model = LogisticRegression().fit(tr[FEATURES], tr["is_fraud"])
    metrics.average_precision_score(te["is_fraud"], model.predict_proba(te[FEATURES])[:, 1])


def _assign_raveled(df):
    return df.assign(a=StandardScaler().fit_transform(df[["a"]]).ravel())


def _setitem_per_column(df):
    for column in FEATURES:
        df[column] = StandardScaler().fit_transform(df[[column]]).ravel()
    return df


def _setitem_columns(df):
    df[FEATURES] = StandardScaler().fit_transform(df[FEATURES])
    return df


def _setitem_first_column(df):
    df["a"] = StandardScaler().fit_transform(df[["a", "b"]])[:, 0]
    return df


@pytest.mark.parametrize(
    "put_back", [_assign_raveled, _setitem_per_column, _setitem_columns, _setitem_first_column]
)
def test_a_scaler_fitted_on_all_rows_and_put_back_in_place_fails(judge, put_back):
    _split_fit_score(put_back(pd.read_csv("train.csv")))
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail", check.message
    assert "was fitted on 800 rows, 200 of which average_precision_score" in check.message


def test_a_scaler_fitted_on_the_training_part_and_put_back_in_place_passes(judge):
    df = pd.read_csv("train.csv")
    tr, te = ms.train_test_split(df, test_size=0.25, stratify=df["is_fraud"], random_state=0)
    tr, te = tr.copy(), te.copy()
    for column in FEATURES:
        scaler = StandardScaler().fit(tr[[column]])
        tr[column] = scaler.transform(tr[[column]]).ravel()
        te = te.assign(**{column: scaler.transform(te[[column]]).ravel()})
    model = LogisticRegression().fit(tr[FEATURES], tr["is_fraud"])
    metrics.average_precision_score(te["is_fraud"], model.predict_proba(te[FEATURES])[:, 1])
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass"


# -- the same leak, and its fix, in styles whose rows the tracer must recover from the values ------------
# Hand-made folds and masks on NumPy arrays, arithmetic with a statistic, arrays assembled column by
# column, index resets after many frames: each leaky style fails, each fixed one passes.
def _manual_folds(X, y, make):
    idx = np.random.default_rng(0).permutation(len(X))
    folds = np.array_split(idx, 4)
    for k in range(4):
        te = folds[k]
        tr = np.concatenate(folds[:k] + folds[k + 1 :])
        m = make().fit(X[tr], y[tr])
        metrics.average_precision_score(y[te], m.predict_proba(X[te])[:, 1])


def style_folds_leak(df):
    X = StandardScaler().fit_transform(df[FEATURES].to_numpy())
    y = df["is_fraud"].to_numpy()
    _manual_folds(X, y, LogisticRegression)


def style_folds_ok(df):
    X = df[FEATURES].to_numpy()
    y = df["is_fraud"].to_numpy()
    _manual_folds(X, y, lambda: make_pipeline(StandardScaler(), LogisticRegression()))


def style_arith_leak(df):
    X = (df[FEATURES] - df[FEATURES].mean()) / df[FEATURES].std()
    tr, te, ytr, yte = ms.train_test_split(
        X, df["is_fraud"], test_size=0.25, stratify=df["is_fraud"], random_state=0
    )
    metrics.average_precision_score(yte, LogisticRegression().fit(tr, ytr).predict_proba(te)[:, 1])


def style_arith_ok(df):
    tr, te, ytr, yte = ms.train_test_split(
        df[FEATURES], df["is_fraud"], test_size=0.25, stratify=df["is_fraud"], random_state=0
    )
    mu, sd = tr.mean(), tr.std()
    m = LogisticRegression().fit((tr - mu) / sd, ytr)
    metrics.average_precision_score(yte, m.predict_proba((te - mu) / sd)[:, 1])


def style_hstack_leak(df):
    sc = StandardScaler().fit_transform(df[["a", "b"]])
    X = np.hstack([sc, df[["c", "d"]].to_numpy()])
    y = df["is_fraud"].to_numpy()
    tr, te, ytr, yte = ms.train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    metrics.average_precision_score(yte, LogisticRegression().fit(tr, ytr).predict_proba(te)[:, 1])


def style_hstack_ok(df):
    X = np.hstack([df[["a", "b"]].to_numpy(), df[["c", "d"]].to_numpy()])
    y = df["is_fraud"].to_numpy()
    tr, te, ytr, yte = ms.train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    m = make_pipeline(StandardScaler(), LogisticRegression()).fit(tr, ytr)
    metrics.average_precision_score(yte, m.predict_proba(te)[:, 1])


def style_mask_leak(df):
    X = StandardScaler().fit_transform(df[FEATURES])
    y = df["is_fraud"].to_numpy()
    test = np.random.default_rng(1).random(len(X)) < 0.25
    m = LogisticRegression().fit(X[~test], y[~test])
    metrics.average_precision_score(y[test], m.predict_proba(X[test])[:, 1])


def style_mask_ok(df):
    X = df[FEATURES].to_numpy()
    y = df["is_fraud"].to_numpy()
    test = np.random.default_rng(1).random(len(X)) < 0.25
    m = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[~test], y[~test])
    metrics.average_precision_score(y[test], m.predict_proba(X[test])[:, 1])


def style_where_leak(df):
    X = df[FEATURES].to_numpy()
    X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
    X = StandardScaler().fit_transform(X)
    y = df["is_fraud"].to_numpy()
    tr, te, ytr, yte = ms.train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    metrics.average_precision_score(yte, LogisticRegression().fit(tr, ytr).predict_proba(te)[:, 1])


def style_empty_ok(df):
    X = np.empty((len(df), 4))
    for j, c in enumerate(FEATURES):
        X[:, j] = df[c].to_numpy()
    y = df["is_fraud"].to_numpy()
    tr, te, ytr, yte = ms.train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    m = make_pipeline(StandardScaler(), LogisticRegression()).fit(tr, ytr)
    metrics.average_precision_score(yte, m.predict_proba(te)[:, 1])


def style_empty_leak(df):
    X = np.empty((len(df), 4))
    for j, c in enumerate(FEATURES):
        X[:, j] = df[c].to_numpy()
    X = StandardScaler().fit_transform(X)
    y = df["is_fraud"].to_numpy()
    tr, te, ytr, yte = ms.train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    metrics.average_precision_score(yte, LogisticRegression().fit(tr, ytr).predict_proba(te)[:, 1])


def style_dedup_ok(df):
    df = df.drop_duplicates().reset_index(drop=True)
    for i in range(40):
        pd.DataFrame({"x": [i]})  # many frames made since
    tr, te = ms.train_test_split(df, test_size=0.25, stratify=df["is_fraud"], random_state=0)
    m = make_pipeline(StandardScaler(), LogisticRegression()).fit(tr[FEATURES], tr["is_fraud"])
    metrics.average_precision_score(te["is_fraud"], m.predict_proba(te[FEATURES])[:, 1])


def style_dedup_leak(df):
    df = df.drop_duplicates().reset_index(drop=True)
    for i in range(40):
        pd.DataFrame({"x": [i]})
    df[FEATURES] = StandardScaler().fit_transform(df[FEATURES])
    tr, te = ms.train_test_split(df, test_size=0.25, stratify=df["is_fraud"], random_state=0)
    m = LogisticRegression().fit(tr[FEATURES], tr["is_fraud"])
    metrics.average_precision_score(te["is_fraud"], m.predict_proba(te[FEATURES])[:, 1])


LEAKY_STYLES = [
    style_folds_leak,
    style_arith_leak,
    style_hstack_leak,
    style_mask_leak,
    style_where_leak,
    style_empty_leak,
    style_dedup_leak,
]
FIXED_STYLES = [
    style_folds_ok,
    style_arith_ok,
    style_hstack_ok,
    style_mask_ok,
    style_empty_ok,
    style_dedup_ok,
]


@pytest.mark.parametrize("style", LEAKY_STYLES, ids=lambda f: f.__name__)
def test_a_leak_in_a_numpy_or_arithmetic_style_fails(judge, style):
    style(pd.read_csv("train.csv"))
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail", check.message
    assert "of which average_precision_score" in check.message


@pytest.mark.parametrize("style", FIXED_STYLES, ids=lambda f: f.__name__)
def test_the_same_code_with_the_leak_fixed_passes(judge, style):
    style(pd.read_csv("train.csv"))
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass"


# -- coverage: a check that could not follow an evaluation warns, never passes ---------------------------
def lost(*arrays):
    """The same rows in another order, rebuilt from Python lists: the tracer can no longer tell which
    rows they are (the values match no array it knows). A metric or a fit on them gives the same."""
    order = np.random.default_rng(1).permutation(len(arrays[0]))
    rebuilt = tuple(np.array(np.asarray(a)[order].tolist()) for a in arrays)
    return rebuilt if len(rebuilt) > 1 else rebuilt[0]


COVERED = ("no_fit_on_evaluated_rows", "evaluation_on_untouched_rows", "stratified_split")


def coverage(result) -> tuple[int, int]:
    return result.coverage.judged, result.coverage.not_followed


def test_every_evaluation_followed_passes_with_its_count(judge):
    model, _, X_te, _, y_te = _split_and_model()
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    results = judge()
    for check_id in COVERED:
        assert verdict(results, check_id) == "pass", results[check_id].message
        assert coverage(results[check_id]) == (1, 0)
    assert "your 1 evaluation saw only rows" in results["no_fit_on_evaluated_rows"].message


def test_one_evaluation_on_untraced_rows_warns_naming_where(judge):
    model, _, X_te, _, y_te = _split_and_model()
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    metrics.average_precision_score(*lost(y_te, model.predict_proba(X_te)[:, 1]))
    results = judge()
    for check_id in COVERED:
        check = results[check_id]
        assert verdict(results, check_id) == "warn", check.message
        assert coverage(check) == (1, 1)
        assert "heldout could not tell" in check.message and "1 of your 2 evaluations" in check.message
        assert "(line " in check.message
    message = results["no_fit_on_evaluated_rows"].message
    assert "which rows 1 of your 2 evaluations scored (line " in message
    assert "it could not verify that no fit saw the rows they scored" in message
    assert "it judged the other 1 evaluation" in message


def test_no_evaluation_followed_warns(judge):
    model, _, X_te, _, y_te = _split_and_model()
    truth, proba = lost(y_te, model.predict_proba(X_te)[:, 1])
    metrics.average_precision_score(truth, proba)
    metrics.roc_auc_score(truth, proba)
    results = judge()
    for check_id in COVERED:
        assert verdict(results, check_id) == "warn", results[check_id].message
        assert coverage(results[check_id]) == (0, 2)
    assert "which rows any of your 2 evaluations scored" in results["no_fit_on_evaluated_rows"].message


def test_a_fit_on_untraced_rows_upstream_of_an_evaluation_warns_naming_it(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    scaler = StandardScaler().fit(lost(X_tr))  # which rows it saw is lost
    model = LogisticRegression().fit(scaler.transform(X_tr.to_numpy()), y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(scaler.transform(X_te.to_numpy()))[:, 1])
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "warn", check.message
    assert "which rows StandardScaler, line " in check.message
    assert "was fitted on, upstream of your evaluation" in check.message
    assert coverage(check) == (0, 1)


def test_a_sampler_on_untraced_rows_warns_and_none_at_all_passes_saying_so(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    check = judge()["resampling_inside_training"]
    assert str(check.verdict) == "pass" and "No resampling was used" in check.message
    X_res, y_res = SMOTE(random_state=0).fit_resample(*lost(X_tr, y_tr))
    resampled = LogisticRegression().fit(X_res, y_res)
    metrics.average_precision_score(y_te, resampled.predict_proba(X_te)[:, 1])
    check = judge()["resampling_inside_training"]
    assert str(check.verdict) == "warn", check.message
    assert (
        "LogisticRegression, line " in check.message
        and "SMOTE never saw the rows they scored" in check.message
    )
    assert coverage(check) == (1, 1)


def test_rows_split_off_by_hand_warn_stratified_split(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
    model = LogisticRegression().fit(X_tr, y_tr)
    metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
    mask = np.random.default_rng(0).random(len(X)) < 0.75  # a random split made by hand
    by_hand = LogisticRegression().fit(X[mask], y[mask])
    metrics.average_precision_score(y[~mask], by_hand.predict_proba(X[~mask])[:, 1])
    check = judge()["stratified_split"]
    assert str(check.verdict) == "warn", check.message
    assert "how the rows 1 of your 2 evaluations scored were split from the others (line " in check.message
    assert coverage(check) == (1, 1)


def test_a_threshold_curve_on_untraced_rows_warns(judge):
    model, _, X_te, _, y_te = _split_and_model()
    proba = model.predict_proba(X_te)[:, 1]
    ap = metrics.average_precision_score(y_te, proba)
    report = {"metric": "average_precision", "estimate": ap, "threshold": 0.5}
    assert verdict(judge(report), "threshold_not_tuned_on_test") == "pass"
    metrics.precision_recall_curve(*lost(y_te, proba))
    check = judge(report)["threshold_not_tuned_on_test"]
    assert str(check.verdict) == "warn", check.message
    assert "which rows your threshold curve (or sweeps) read (line " in check.message
    assert coverage(check) == (0, 1)


# -- group statistics by behaviour: sums and counts are statistics, a past-only lambda is not ----------
def _score_with(df, extra):
    tr, te = ms.train_test_split(df, test_size=0.25, stratify=df["is_fraud"], random_state=0)
    columns = [*FEATURES, extra]
    model = LogisticRegression().fit(tr[columns], tr["is_fraud"])
    metrics.average_precision_score(te["is_fraud"], model.predict_proba(te[columns])[:, 1])


def test_a_target_rate_from_group_sums_and_counts_over_all_rows_fails(judge):
    df = pd.read_csv("train.csv")
    groups = df.groupby("kind")["is_fraud"]
    df["kind_rate"] = df["kind"].map(groups.sum() / groups.count())
    _score_with(df, "kind_rate")
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail", check.message
    assert "groupby." in check.message and "was computed over 800 rows" in check.message


def test_a_target_rate_from_the_training_part_passes(judge):
    df = pd.read_csv("train.csv")
    tr, te = ms.train_test_split(df, test_size=0.25, stratify=df["is_fraud"], random_state=0)
    groups = tr.groupby("kind")["is_fraud"]
    rate = groups.sum() / groups.count()
    tr, te = tr.assign(kind_rate=tr["kind"].map(rate)), te.assign(kind_rate=te["kind"].map(rate))
    columns = [*FEATURES, "kind_rate"]
    model = LogisticRegression().fit(tr[columns], tr["is_fraud"])
    metrics.average_precision_score(te["is_fraud"], model.predict_proba(te[columns])[:, 1])
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass", judge()["no_fit_on_evaluated_rows"].message


@pytest.mark.parametrize(
    "past_only",
    [lambda s: s.shift(1), lambda s: s.shift(1).rolling(3, min_periods=1).mean(), np.log1p],
    ids=["shift", "trailing-mean", "elementwise"],
)
def test_a_group_transform_that_reads_only_earlier_rows_is_not_a_statistic(judge, past_only):
    df = pd.read_csv("train.csv")
    df["a_prev"] = df.groupby("kind")["a"].transform(past_only).fillna(0)
    _score_with(df, "a_prev")
    assert verdict(judge(), "no_fit_on_evaluated_rows") == "pass", judge()["no_fit_on_evaluated_rows"].message


def test_a_group_transform_lambda_over_the_whole_group_is_a_statistic(judge):
    df = pd.read_csv("train.csv")
    df["a_group"] = df.groupby("kind")["a"].transform(lambda s: s - s.mean())
    _score_with(df, "a_group")
    check = judge()["no_fit_on_evaluated_rows"]
    assert str(check.verdict) == "fail" and "groupby.transform" in check.message, check.message
