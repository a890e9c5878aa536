"""The baselines-scenario checks, both ways, on code run in-process under the tracer (no kernel).

The notebook-level tests in tests/test_submissions.py run the same checks end to end in a sandbox.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, root_mean_squared_error
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RepeatedKFold,
    cross_val_score,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import make_pipeline

FEATURES = ["distance", "traffic", "noise1", "noise2"]
LOG = [
    {"change": "median baseline", "score": 9.0, "spread": 0.3},
    {"change": "gradient boosting", "score": 6.0, "spread": 0.2},
]


@pytest.fixture
def delivery_csv(tmp_path, monkeypatch):
    """600 orders: minutes depend on distance and traffic (non-linearly); 30 pickups take 0 minutes."""
    rng = np.random.default_rng(3)
    n = 600
    frame = pd.DataFrame(
        {
            "distance": rng.gamma(2.0, 2.0, n).round(3),
            "traffic": rng.uniform(0, 1, n).round(3),
            "noise1": rng.normal(size=n).round(3),
            "noise2": rng.normal(size=n).round(3),
        }
    )
    minutes = 8 + 3 * frame.distance * (1 + frame.traffic**2) + rng.gamma(2.0, 1.5, n)
    minutes[:30] = 0.0
    frame["minutes"] = minutes.round(2)
    frame.loc[rng.choice(n, 20, replace=False), "noise1"] = np.nan
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture(scope="session")
def baselines_manifest(root):
    from heldout.checks import CHECKS
    from heldout.manifest import load_manifest

    return load_manifest(root / "exercises" / "baselines" / "exercise.toml", CHECKS)


@pytest.fixture
def judge(tracer, baselines_manifest, delivery_csv):
    """judge(report, experiments) -> {check_id: CheckResult} for what the test ran under ``tracer``."""
    from heldout.checks import CheckContext, HoldoutScores, run_checks
    from heldout.checks.recomputed import recomputed_evaluations
    from heldout.trace.model import Trace

    def run(report: dict, experiments=LOG, problem=None, holdout=None, baselines=None) -> dict:
        tracer.enabled = False
        labels = pd.read_csv(delivery_csv)["minutes"].to_numpy()
        truth, scores = holdout if holdout is not None else (np.zeros(3), np.zeros(3))
        baseline_scores = baselines or {"median": np.zeros(len(truth))}
        ctx = CheckContext(
            manifest=baselines_manifest,
            trace=Trace(tracer.recorder.to_json()),
            report=report,
            train_labels=labels,
            holdout=HoldoutScores(scores, truth),
            baselines={
                name: float(np.mean(np.abs(truth - values))) for name, values in baseline_scores.items()
            },
            baseline_scores=baseline_scores,
            experiments=experiments,
            experiments_problem=problem,
        )
        recomputed = recomputed_evaluations(ctx)
        if recomputed:
            ctx = dataclasses.replace(ctx, trace=ctx.trace.with_events(recomputed))
        results = {r.id: r for r in run_checks(ctx)}
        tracer.enabled = True
        return results

    return run


def load():
    df = pd.read_csv("train.csv")
    return df[FEATURES], df["minutes"]


def mae_report(estimate: float, metric: str = "mae") -> dict:
    return {"metric": metric, "metric_reason": "every minute of error costs the same", "estimate": estimate}


def model_pipeline():
    return make_pipeline(SimpleImputer(), HistGradientBoostingRegressor(max_iter=30))


def verdict(results, check_id) -> str:
    return str(results[check_id].verdict)


# -- the reference style: one cv, one scoring, baseline and model ------------------------------------
def test_cross_validated_baseline_and_model_under_one_protocol_pass(judge):
    X, y = load()
    cv = RepeatedKFold(n_splits=3, n_repeats=2, random_state=0)
    base = -cross_val_score(DummyRegressor(strategy="median"), X, y, cv=cv, scoring="neg_mean_absolute_error")
    scores = -cross_val_score(model_pipeline(), X, y, cv=cv, scoring="neg_mean_absolute_error")
    log = [
        {"change": "median", "score": base.mean(), "spread": base.std()},
        {"change": "hgb", "score": scores.mean(), "spread": scores.std()},
    ]
    results = judge(mae_report(round(float(scores.mean()), 3)), experiments=log)
    for check in ("baseline_evaluated", "same_protocol", "metric_fits_cost", "experiment_log"):
        assert verdict(results, check) == "pass", results[check].message
    assert "DummyRegressor(strategy='median') was evaluated" in results["baseline_evaluated"].message
    assert "no_selection_on_final_rows" in results
    assert verdict(results, "no_selection_on_final_rows") == "pass"


def test_held_out_split_with_baseline_and_gridsearch_passes(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=1)
    search = GridSearchCV(model_pipeline(), {"histgradientboostingregressor__max_depth": [2, 3]}, cv=3)
    search.fit(X_tr, y_tr)
    baseline = DummyRegressor(strategy="median").fit(X_tr, y_tr)
    mean_absolute_error(y_te, baseline.predict(X_te))
    estimate = mean_absolute_error(y_te, search.predict(X_te))
    results = judge(mae_report(estimate))
    for check in ("baseline_evaluated", "same_protocol", "no_selection_on_final_rows"):
        assert verdict(results, check) == "pass", results[check].message


def test_numpy_arrays_and_manual_folds_pass(judge):
    X, y = load()
    Xa, ya = SimpleImputer().fit(X).transform(X), y.to_numpy()  # stateless enough? no: judged below
    folds = list(KFold(4, shuffle=True, random_state=0).split(Xa))
    base, model = [], []
    for train, test in folds:
        imputer = SimpleImputer().fit(X.to_numpy()[train])
        Xtr, Xte = imputer.transform(X.to_numpy()[train]), imputer.transform(X.to_numpy()[test])
        base.append(mean_absolute_error(ya[test], LinearRegression().fit(Xtr, ya[train]).predict(Xte)))
        fitted = HistGradientBoostingRegressor(max_iter=30).fit(Xtr, ya[train])
        model.append(mean_absolute_error(ya[test], fitted.predict(Xte)))
    results = judge(mae_report(float(np.mean(model))))
    for check in ("baseline_evaluated", "same_protocol", "no_selection_on_final_rows"):
        assert verdict(results, check) == "pass", results[check].message
    del Xa  # computed and never used for scoring: dead code is not judged


# -- baseline_evaluated --------------------------------------------------------------------------------
def test_no_baseline_fails_naming_what_was_evaluated(judge):
    X, y = load()
    scores = -cross_val_score(model_pipeline(), X, y, cv=3, scoring="neg_mean_absolute_error")
    results = judge(mae_report(float(scores.mean())))
    check = results["baseline_evaluated"]
    assert verdict(results, "baseline_evaluated") == "fail"
    assert "No baseline was evaluated: heldout saw HistGradientBoostingRegressor evaluated" in check.message


def test_classifier_dummy_as_baseline_fails(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    dummy = DummyClassifier().fit(X_tr, y_tr.round())
    mean_absolute_error(y_te, dummy.predict(X_te))
    estimate = mean_absolute_error(y_te, model_pipeline().fit(X_tr, y_tr).predict(X_te))
    results = judge(mae_report(estimate))
    assert verdict(results, "baseline_evaluated") == "fail"
    assert "Your baseline DummyClassifier" in results["baseline_evaluated"].message
    assert "predicts classes" in results["baseline_evaluated"].message


def test_a_median_computed_with_numpy_is_a_baseline_by_its_predictions(judge):
    X, y = load()
    Xa, ya = SimpleImputer().fit_transform(X), y.to_numpy()
    base, model = [], []
    for train, test in KFold(4, shuffle=True, random_state=0).split(Xa):
        constant = np.full(len(test), np.median(ya[train]))
        base.append(mean_absolute_error(ya[test], constant))
        fitted = HistGradientBoostingRegressor(max_iter=30).fit(Xa[train], ya[train])
        model.append(mean_absolute_error(ya[test], fitted.predict(Xa[test])))
    results = judge(mae_report(float(np.mean(model))))
    check = results["baseline_evaluated"]
    assert verdict(results, "baseline_evaluated") == "pass", check.message
    assert "Baseline a constant prediction (" in check.message
    assert verdict(results, "same_protocol") == "pass", results["same_protocol"].message


def test_a_tuned_polynomial_ridge_is_not_a_baseline(judge):
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    X, y = load()
    cv = KFold(3, shuffle=True, random_state=0)
    flexible = make_pipeline(SimpleImputer(), PolynomialFeatures(3), StandardScaler(), Ridge())
    search = GridSearchCV(flexible, {"ridge__alpha": [0.1, 10.0]}, cv=cv, scoring="neg_mean_absolute_error")
    cross_val_score(search, X, y, cv=cv, scoring="neg_mean_absolute_error")
    scores = -cross_val_score(model_pipeline(), X, y, cv=cv, scoring="neg_mean_absolute_error")
    results = judge(mae_report(float(scores.mean())))
    check = results["baseline_evaluated"]
    assert verdict(results, "baseline_evaluated") == "fail", check.message
    assert "heldout saw HistGradientBoostingRegressor, Ridge on PolynomialFeatures evaluated" in check.message


def _hand_mae_folds(X, y, scale_on_all_rows: bool):
    Xa, ya = X.to_numpy(), y.to_numpy()
    imputer_all = SimpleImputer().fit(Xa)
    maes = {"median": [], "linear": []}
    for train, test in KFold(4, shuffle=True, random_state=0).split(Xa):
        imputer = imputer_all if scale_on_all_rows else SimpleImputer().fit(Xa[train])
        Xtr, Xte = imputer.transform(Xa[train]), imputer.transform(Xa[test])
        median = DummyRegressor(strategy="median").fit(Xtr, ya[train])
        maes["median"].append(np.mean(np.abs(ya[test] - median.predict(Xte))))
        linear = LinearRegression().fit(Xtr, ya[train])
        maes["linear"].append(float(np.abs(ya[test] - linear.predict(Xte)).mean()))
    return {k: float(np.mean(v)) for k, v in maes.items()}, {k: float(np.std(v)) for k, v in maes.items()}


def test_a_metric_computed_by_hand_is_found_by_its_value(judge):
    X, y = load()
    means, spreads = _hand_mae_folds(X, y, scale_on_all_rows=False)
    log = [{"change": k, "score": means[k], "spread": spreads[k]} for k in means]
    results = judge(mae_report(means["linear"]), experiments=log)
    for check in ("baseline_evaluated", "same_protocol", "no_fit_on_evaluated_rows"):
        assert verdict(results, check) == "pass", results[check].message
    assert "judged 8 of 8" not in results["no_fit_on_evaluated_rows"].message  # a PASS says no count


def test_a_leak_scored_by_a_metric_computed_by_hand_fails(judge):
    X, y = load()
    means, spreads = _hand_mae_folds(X, y, scale_on_all_rows=True)
    log = [{"change": k, "score": means[k], "spread": spreads[k]} for k in means]
    results = judge(mae_report(means["linear"]), experiments=log)
    check = results["no_fit_on_evaluated_rows"]
    assert verdict(results, "no_fit_on_evaluated_rows") == "fail", check.message
    assert "SimpleImputer" in check.message
    assert "the mean_absolute_error you computed by hand" in check.message


def _out_of_fold_maes(X, y, imputer_on_all_rows: bool) -> dict[str, float]:
    """Out-of-fold predictions assembled by hand (oof[va] = model.predict(...)), one array per model."""
    Xa, ya = X.to_numpy(), y.to_numpy()
    whole = SimpleImputer().fit(Xa)
    maes = {}
    for name, make in (("median", lambda: DummyRegressor(strategy="median")), ("linear", LinearRegression)):
        oof = np.zeros(len(ya))
        for train, test in KFold(4, shuffle=True, random_state=0).split(Xa):
            imputer = whole if imputer_on_all_rows else SimpleImputer().fit(Xa[train])
            oof[test] = (
                make().fit(imputer.transform(Xa[train]), ya[train]).predict(imputer.transform(Xa[test]))
            )
        maes[name] = mean_absolute_error(ya, oof)
    return maes


@pytest.mark.parametrize("leak", [False, True])
def test_out_of_fold_arrays_built_by_hand_name_their_model(judge, leak):
    X, y = load()
    maes = _out_of_fold_maes(X, y, imputer_on_all_rows=leak)
    log = [{"change": name, "score": value, "spread": 0.1} for name, value in maes.items()]
    results = judge(mae_report(maes["linear"]), experiments=log)
    for check in ("baseline_evaluated", "same_protocol", "no_selection_on_final_rows"):
        assert verdict(results, check) == "pass", results[check].message
    assert "Baseline DummyRegressor(strategy='median') was evaluated" in results["baseline_evaluated"].message
    assert verdict(results, "no_fit_on_evaluated_rows") == ("fail" if leak else "pass")


# -- same_protocol -------------------------------------------------------------------------------------
def test_baseline_on_other_folds_fails(judge):
    X, y = load()
    cross_val_score(
        DummyRegressor(), X, y, cv=KFold(5, shuffle=True, random_state=1), scoring="neg_mean_absolute_error"
    )
    scores = cross_val_score(
        model_pipeline(), X, y, cv=KFold(5, shuffle=True, random_state=2), scoring="neg_mean_absolute_error"
    )
    results = judge(mae_report(-float(scores.mean())))
    check = results["same_protocol"]
    assert verdict(results, "same_protocol") == "fail"
    assert "different rows or folds" in check.message
    assert "mean_absolute_error on 5 folds of 600 rows" in check.message


def test_baseline_with_another_metric_fails(judge):
    X, y = load()
    cv = KFold(5, shuffle=True, random_state=0)
    cross_val_score(DummyRegressor(), X, y, cv=cv, scoring="neg_root_mean_squared_error")
    scores = cross_validate(model_pipeline(), X, y, cv=cv, scoring="neg_mean_absolute_error")["test_score"]
    results = judge(mae_report(-float(scores.mean())))
    assert verdict(results, "same_protocol") == "fail"
    assert "a different metric" in results["same_protocol"].message


# -- metric_fits_cost ----------------------------------------------------------------------------------
def test_mape_with_zero_targets_fails_counting_them(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    estimate = mean_absolute_percentage_error(y_te, model_pipeline().fit(X_tr, y_tr).predict(X_te))
    results = judge(mae_report(estimate, metric="MAPE"))
    check = results["metric_fits_cost"]
    assert verdict(results, "metric_fits_cost") == "fail"
    assert "30 of the training targets are exactly 0" in check.message


def test_rmse_warns_and_mae_without_reason_warns(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    estimate = root_mean_squared_error(y_te, model_pipeline().fit(X_tr, y_tr).predict(X_te))
    results = judge(mae_report(estimate, metric="rmse"))
    assert verdict(results, "metric_fits_cost") == "warn"
    assert "squares each error" in results["metric_fits_cost"].message
    results = judge({"metric": "MAE", "metric_reason": "", "estimate": 1.0})
    assert verdict(results, "metric_fits_cost") == "warn"
    assert "does not say why" in results["metric_fits_cost"].message


def test_declared_mae_but_rmse_computed_fails(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    estimate = root_mean_squared_error(y_te, model_pipeline().fit(X_tr, y_tr).predict(X_te))
    results = judge(mae_report(estimate, metric="mae"))
    assert verdict(results, "metric_fits_cost") == "fail"
    assert "is what root_mean_squared_error computed" in results["metric_fits_cost"].message


# -- experiment_log ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("log", "problem", "expected", "text"),
    [
        (None, "the notebook never defines `experiments`", "fail", "could not read your experiment log"),
        (LOG, "`experiments[1]['spread']` must be a number (got 'n/a')", "fail", "is malformed"),
        (LOG[:1], None, "fail", "it needs your baseline (first) and at least one"),
        ([LOG[0], {**LOG[1], "spread": 0.0}], None, "fail", "row 1 ('gradient boosting')"),
        ([LOG[0], {**LOG[1], "score": 8.8}], None, "warn", "inside the noise"),
        (LOG, None, "pass", "gains 3.000 over the baseline"),
        ([LOG[0], {**LOG[1], "score": 9.5}], None, "pass", "none beats the baseline"),
    ],
)
def test_experiment_log(judge, log, problem, expected, text):
    results = judge(mae_report(6.0), experiments=log, problem=problem)
    check = results["experiment_log"]
    assert verdict(results, "experiment_log") == expected
    assert text in check.message


# -- no_selection_on_final_rows ------------------------------------------------------------------------
def test_models_compared_on_the_test_rows_fail(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    scores = {}
    for alpha in (0.1, 1.0, 10.0):
        model = make_pipeline(SimpleImputer(), Ridge(alpha=alpha)).fit(X_tr, y_tr)
        scores[alpha] = mean_absolute_error(y_te, model.predict(X_te))
    depth_model = model_pipeline().fit(X_tr, y_tr)
    scores["hgb"] = mean_absolute_error(y_te, depth_model.predict(X_te))
    results = judge(mae_report(min(scores.values())))
    check = results["no_selection_on_final_rows"]
    assert verdict(results, "no_selection_on_final_rows") == "fail"
    assert "different models were scored on the 150 rows behind your estimate" in check.message


def test_validation_choice_then_one_test_score_passes(judge):
    X, y = load()
    X_rest, X_te, y_rest, y_te = train_test_split(X, y, test_size=0.2, random_state=0)
    X_tr, X_va, y_tr, y_va = train_test_split(X_rest, y_rest, test_size=0.25, random_state=0)
    best = min(
        (0.1, 1.0, 10.0),
        key=lambda a: mean_absolute_error(
            y_va, make_pipeline(SimpleImputer(), Ridge(alpha=a)).fit(X_tr, y_tr).predict(X_va)
        ),
    )
    final = make_pipeline(SimpleImputer(), Ridge(alpha=best)).fit(X_rest, y_rest)
    mean_absolute_error(y_te, DummyRegressor().fit(X_rest, y_rest).predict(X_te))
    estimate = mean_absolute_error(y_te, final.predict(X_te))
    results = judge(mae_report(estimate))
    assert verdict(results, "no_selection_on_final_rows") == "pass", results[
        "no_selection_on_final_rows"
    ].message


# -- holdout_beats_baselines (regression) --------------------------------------------------------------
def test_holdout_mae_must_beat_the_best_baseline_beyond_noise(judge):
    rng = np.random.default_rng(0)
    truth = rng.gamma(4.0, 5.0, 2000)
    good = truth + rng.normal(0, 2, 2000)
    median = np.full(2000, np.median(truth))
    results = judge(mae_report(1.6), holdout=(truth, good), baselines={"median": median})
    check = results["holdout_beats_baselines"]
    assert verdict(results, "holdout_beats_baselines") == "pass", check.message
    assert "Mean absolute error on the hidden holdout is 1.578" in check.message
    assert "between -" in check.message  # the bootstrap interval of model - baseline

    close = median + rng.normal(0, 0.5, 2000)  # the median plus noise: no better than the baseline
    results = judge(mae_report(1.6), holdout=(truth, close), baselines={"median": median})
    check = results["holdout_beats_baselines"]
    assert verdict(results, "holdout_beats_baselines") == "fail"
    assert "not 5% below the training-median dummy's" in check.message


# -- coverage: an estimate or a baseline on untraced rows cannot be compared ------------------------------
def lost(*arrays):
    """The same rows in another order, rebuilt from Python lists: the tracer can no longer tell which
    rows they are. A metric on them gives the same result."""
    order = np.random.default_rng(1).permutation(len(arrays[0]))
    rebuilt = tuple(np.array(np.asarray(a)[order].tolist()) for a in arrays)
    return rebuilt if len(rebuilt) > 1 else rebuilt[0]


def test_a_baseline_on_untraced_rows_warns_same_protocol(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=1)
    baseline = DummyRegressor(strategy="median").fit(X_tr, y_tr)
    model = model_pipeline().fit(X_tr, y_tr)
    estimate = mean_absolute_error(y_te, model.predict(X_te))
    mean_absolute_error(y_te, baseline.predict(X_te))
    check = judge(mae_report(estimate))["same_protocol"]
    assert verdict({"c": check}, "c") == "pass", check.message
    assert (check.coverage.judged, check.coverage.not_followed) == (2, 0)
    mean_absolute_error(*lost(y_te, Ridge().fit(X_tr.fillna(0), y_tr).predict(X_te.fillna(0))))
    results = judge(mae_report(estimate))
    assert verdict(results, "baseline_evaluated") == "pass"  # a baseline was seen scored
    assert verdict(results, "same_protocol") == "pass"  # the median one matches the estimate's protocol


def test_an_estimate_on_untraced_rows_warns_same_protocol(judge):
    X, y = load()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=1)
    mean_absolute_error(y_te, DummyRegressor(strategy="median").fit(X_tr, y_tr).predict(X_te))
    model = model_pipeline().fit(X_tr, y_tr)
    estimate = mean_absolute_error(*lost(y_te, model.predict(X_te)))  # rows no longer followed
    check = judge(mae_report(estimate))["same_protocol"]
    assert verdict({"c": check}, "c") == "warn", check.message
    assert (
        "heldout could not tell which rows 1 of your 2 evaluations (your estimate's and your "
        in check.message
    )
    assert (check.coverage.judged, check.coverage.not_followed) == (1, 1)


def _median_without_a_model(X, y, median_of: str):
    """Folds from a permutation; the baseline np.full(n, median), no model; a Ridge; MAE by hand."""
    Xa, ya = X.fillna(0).to_numpy(), y.to_numpy()
    folds = np.array_split(np.random.default_rng(3).permutation(len(ya)), 4)
    maes = {"median": [], "ridge": []}
    for k, test in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        median = np.median(ya[train] if median_of == "training rows" else ya[test])
        maes["median"].append(float(np.mean(np.abs(ya[test] - np.full(len(test), median)))))
        ridge = Ridge().fit(Xa[train], ya[train])
        maes["ridge"].append(float(np.mean(np.abs(ya[test] - ridge.predict(Xa[test])))))
    return [{"change": k, "score": float(np.mean(v)), "spread": float(np.std(v))} for k, v in maes.items()]


def test_a_baseline_made_without_a_model_is_found_by_its_value_on_the_notebooks_folds(judge):
    X, y = load()
    log = _median_without_a_model(X, y, "training rows")
    results = judge(mae_report(log[1]["score"]), experiments=log)
    for check in ("baseline_evaluated", "same_protocol"):
        assert verdict(results, check) == "pass", results[check].message
    assert "the median of each fold's training rows" in results["baseline_evaluated"].message


def test_a_median_of_the_scored_rows_is_not_taken_for_the_trivial_baseline(judge):
    X, y = load()
    log = _median_without_a_model(X, y, "scored rows")  # it saw the rows it is scored on
    results = judge(mae_report(log[1]["score"]), experiments=log)
    assert verdict(results, "baseline_evaluated") == "fail", results["baseline_evaluated"].message
