"""The capacity-scenario checks, both ways, in-process (no kernel): scaling of scale-sensitive models and
learning curves under the tracer, convergence read from fitted estimators, the diagnosis against the
generator's truth, and the holdout error against the Bayes limit.

The notebook-level tests in tests/test_submissions.py run the same checks end to end in a sandbox.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, learning_curve, validation_curve
from sklearn.neighbors import KNeighborsRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.tree import DecisionTreeRegressor

from heldout.checks import CheckContext, HoldoutScores, Verdict, run_checks
from heldout.checks.capacity import grade_diagnosis
from heldout.checks.holdout import holdout_summary
from heldout.trace.model import Trace
from heldout.trace.model_facts import model_facts

FEATURES = ["pressure_pa", "flow_m3s", "temp_c"]
CV = KFold(4, shuffle=True, random_state=0)


@pytest.fixture
def reactor_csv(tmp_path, monkeypatch):
    """300 batches: a pressure in pascals, a flow in m3/s, a temperature; yield with an interaction."""
    rng = np.random.default_rng(4)
    n = 300
    frame = pd.DataFrame(
        {
            "pressure_pa": rng.normal(2e5, 2.5e4, n).round(0),
            "flow_m3s": rng.normal(2.5e-3, 4e-4, n).round(8),
            "temp_c": rng.normal(185, 12, n).round(3),
        }
    )
    p, f = (frame.pressure_pa - 2e5) / 2.5e4, (frame.flow_m3s - 2.5e-3) / 4e-4
    frame["yield_pct"] = (60 + 3 * p - 2 * f + 1.5 * p * f + rng.normal(0, 2, n)).round(4)
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture(scope="session")
def capacity_manifest(root):
    from heldout.checks import CHECKS
    from heldout.manifest import load_manifest

    return load_manifest(root / "exercises" / "capacity" / "exercise.toml", CHECKS)


@pytest.fixture(scope="session")
def truth(root) -> pd.DataFrame:
    return pd.read_csv(
        root / "datasets" / "reactor_yield" / "hidden" / "capacity_truth.csv", keep_default_na=False
    )


@pytest.fixture
def judge(tracer, capacity_manifest, reactor_csv, truth):
    """judge(keep, model_facts=None, holdout=None) -> {check_id: CheckResult} for what the test ran."""

    def run(keep: tuple[str, ...], facts=None, holdout=None, report=None) -> dict:
        tracer.enabled = False
        labels = pd.read_csv(reactor_csv)["yield_pct"].to_numpy()
        y_true, scores = holdout if holdout is not None else (np.zeros(3), np.zeros(3))
        manifest = dataclasses.replace(
            capacity_manifest, checks=tuple(s for s in capacity_manifest.checks if s.id in keep)
        )
        ctx = CheckContext(
            manifest=manifest,
            trace=Trace(tracer.recorder.to_json()),
            report=report or {"estimate": 2.1},
            train_labels=labels,
            holdout=HoldoutScores(scores, y_true),
            baselines={"linear_regression": 4.3, "median": 7.7},
            truth=truth,
            model_facts=facts,
            train=pd.read_csv(reactor_csv),
        )
        results = {r.id: r for r in run_checks(ctx)}
        tracer.enabled = True
        return results

    return run


def load():
    df = pd.read_csv("train.csv")
    return df[FEATURES], df["yield_pct"]


def scaled_ridge():
    return make_pipeline(StandardScaler(), PolynomialFeatures(2), StandardScaler(), Ridge(alpha=1.0))


SCALING = ("scale_sensitive_models_scaled", "no_fit_on_evaluated_rows")


# -- scaling: passes --------------------------------------------------------------------------------
def test_scaler_inside_the_pipeline_passes(judge):
    X, y = load()
    cross_val_score(scaled_ridge(), X, y, cv=CV, scoring="neg_root_mean_squared_error")
    results = judge(SCALING)
    assert results["scale_sensitive_models_scaled"].verdict is Verdict.PASS
    assert "learnt from scaled features" in results["scale_sensitive_models_scaled"].message


def test_a_fitted_preprocessing_pipeline_feeding_the_model_passes(judge):
    X, y = load()
    fit_rows, val_rows = next(CV.split(X))
    prep = make_pipeline(StandardScaler(), PolynomialFeatures(2)).fit(X.iloc[fit_rows])
    model = SGDRegressor(random_state=0).fit(prep.transform(X.iloc[fit_rows]), y.iloc[fit_rows])
    model.predict(prep.transform(X.iloc[val_rows]))
    assert judge(SCALING)["scale_sensitive_models_scaled"].verdict is Verdict.PASS


def test_scaling_by_hand_with_pandas_statistics_passes(judge):
    X, y = load()
    Z = (X - X.mean()) / X.std()
    Ridge().fit(Z, y)
    assert judge(SCALING)["scale_sensitive_models_scaled"].verdict is Verdict.PASS


def test_models_that_do_not_care_about_units_pass(judge):
    X, y = load()
    cross_val_score(DecisionTreeRegressor(max_depth=3), X, y, cv=CV)
    cross_val_score(LinearRegression(), X, y, cv=CV)
    result = judge(SCALING)["scale_sensitive_models_scaled"]
    assert result.verdict is Verdict.PASS
    assert "No scale-sensitive model" in result.message


# -- scaling: failures ------------------------------------------------------------------------------
def test_unscaled_ridge_fails_naming_the_cell_and_line(judge):
    X, y = load()
    cross_val_score(make_pipeline(PolynomialFeatures(2), Ridge()), X, y, cv=CV)
    result = judge(SCALING)["scale_sensitive_models_scaled"]
    assert result.verdict is Verdict.FAIL
    assert "Ridge (" in result.message and "learnt from unscaled features" in result.message
    assert "`pressure_pa` spreads 63,139,859 times as wide as `flow_m3s`" in result.message
    assert result.findings[0].line is not None


def test_unscaled_knn_in_a_search_fails(judge):
    X, y = load()
    GridSearchCV(KNeighborsRegressor(), {"n_neighbors": [5, 10]}, cv=3).fit(X, y)
    result = judge(SCALING)["scale_sensitive_models_scaled"]
    assert result.verdict is Verdict.FAIL
    assert "KNeighborsRegressor" in result.message


def test_scaling_by_hand_with_numpy_is_not_accused(judge):
    X, y = load()
    values = X.to_numpy()
    Ridge().fit((values - values.mean(axis=0)) / values.std(axis=0), y.to_numpy())
    assert judge(SCALING)["scale_sensitive_models_scaled"].verdict is Verdict.PASS


def test_unscaled_numpy_arrays_fail(judge):
    X, y = load()
    Ridge().fit(X.to_numpy(), y.to_numpy())
    assert judge(SCALING)["scale_sensitive_models_scaled"].verdict is Verdict.FAIL


def test_input_of_unknown_rows_warns_rather_than_accuses(judge):
    rng = np.random.default_rng(0)
    Ridge().fit(rng.normal(size=(50, 3)) * [1e5, 1.0, 1e-3], rng.normal(size=50))
    result = judge(SCALING)["scale_sensitive_models_scaled"]
    assert result.verdict is Verdict.WARN
    assert "could not follow the input" in result.message


# -- learning and validation curves are traced like every fit ---------------------------------------
@pytest.mark.parametrize("curve", ["learning", "validation"])
def test_curves_of_a_pipeline_pass_and_of_prescaled_data_fail(judge, curve):
    X, y = load()

    def draw(model, data):
        if curve == "learning":
            learning_curve(
                model, data, y, cv=CV, train_sizes=[0.5, 1.0], scoring="neg_root_mean_squared_error"
            )
        else:
            name = "ridge__alpha" if hasattr(model, "steps") else "alpha"
            validation_curve(model, data, y, param_name=name, param_range=[0.1, 1.0], cv=CV)

    draw(make_pipeline(StandardScaler(), Ridge()), X)
    assert judge(SCALING)["no_fit_on_evaluated_rows"].verdict is Verdict.PASS
    draw(Ridge(), StandardScaler().fit_transform(X))
    result = judge(SCALING)["no_fit_on_evaluated_rows"]
    assert result.verdict is Verdict.FAIL
    assert "StandardScaler" in result.message and "was fitted on 300 rows" in result.message


def test_early_stopping_scores_inside_the_fit_are_not_evaluations_to_follow(judge):
    X, y = load()
    model = make_pipeline(StandardScaler(), SGDRegressor(early_stopping=True, random_state=0))
    cross_val_score(model, X, y, cv=CV, scoring="neg_root_mean_squared_error")
    result = judge(SCALING)["no_fit_on_evaluated_rows"]
    assert result.verdict is Verdict.PASS, result.message


# -- convergence ------------------------------------------------------------------------------------
def fitted(model):
    X, y = load()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def test_sgd_out_of_iterations_fails_with_its_path(judge):
    model = fitted(make_pipeline(StandardScaler(), SGDRegressor(max_iter=2, random_state=0)))
    result = judge(("optimiser_converged",), facts=model_facts(model, None))["optimiser_converged"]
    assert result.verdict is Verdict.FAIL
    assert "SGDRegressor at `model['sgdregressor']` ran 2 of max_iter=2" in result.message


def test_mlp_out_of_iterations_fails_saying_the_loss_still_fell(judge):
    model = fitted(make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(8,), max_iter=5)))
    result = judge(("optimiser_converged",), facts=model_facts(model, None))["optimiser_converged"]
    assert result.verdict is Verdict.FAIL
    assert "the loss still fell" in result.message


@pytest.mark.parametrize(
    "model",
    [
        make_pipeline(StandardScaler(), SGDRegressor(max_iter=2000, early_stopping=True, random_state=0)),
        GridSearchCV(
            make_pipeline(StandardScaler(), SGDRegressor(random_state=0)), {"sgdregressor__alpha": [1e-4]}
        ),
        make_pipeline(StandardScaler(), Ridge()),
    ],
    ids=["sgd-early-stopping", "sgd-in-a-search", "closed-form"],
)
def test_converged_or_closed_form_models_pass(judge, model):
    facts = model_facts(fitted(model), None)
    assert judge(("optimiser_converged",), facts=facts)["optimiser_converged"].verdict is Verdict.PASS


def test_no_facts_warns(judge):
    assert judge(("optimiser_converged",), facts=None)["optimiser_converged"].verdict is Verdict.WARN


def test_training_predictions_are_read_through_the_callable(reactor_csv):
    model = fitted(make_pipeline(StandardScaler(), Ridge()))
    facts = model_facts(model, lambda: load()[0])
    assert len(facts["train_predictions"]) == 300
    broken = model_facts(model, lambda: pd.DataFrame({"other": [1.0]}))
    assert "train_predictions" not in broken and broken["train_problem"]


# -- the diagnosis against the truth ---------------------------------------------------------------
def answers(**changes) -> dict:
    report = {
        "diagnosis": "high variance",
        "more_data": "yes",
        "l1_features": "temp_core_c, pressure_bar, catalyst_ppm, flow_rate_m3s, stir_rpm, viscosity_mpas",
        "l1_stability": "unstable",
    }
    return report | changes


def grade(report, train_error=1.93, holdout_error=2.12, truth=None, params=None):
    from heldout.checks import CHECKS  # noqa: F401  (the params come from the manifest)

    return grade_diagnosis(report, truth, train_error, holdout_error, 2.0, params)


@pytest.fixture
def params(capacity_manifest):
    return capacity_manifest.check("capacity_diagnosis").params


def test_a_variance_limited_model_diagnosed_right_passes(truth, params):
    verdict, right, wrong = grade(answers(), truth=truth, params=params)
    assert verdict is Verdict.PASS, wrong
    assert "diagnosis: high variance" in right


@pytest.mark.parametrize("said", ["overfitting (high variance)", "High-variance", "it overfits"])
def test_the_manifests_words_for_variance_are_read(truth, params, said):
    assert grade(answers(diagnosis=said), truth=truth, params=params)[0] is Verdict.PASS


def test_a_backwards_diagnosis_fails_saying_what_was_measured(truth, params):
    verdict, _, wrong = grade(answers(diagnosis="high bias", more_data="no"), truth=truth, params=params)
    assert verdict is Verdict.FAIL
    assert any("you diagnose high bias, but your final model's training 1.930" in w for w in wrong)
    assert any(
        "more rows would help" in w and "falls from 2.16 at 1,000 rows to 2.03 at 8,000" in w for w in wrong
    )


def test_a_bias_limited_model_needs_high_bias_and_no(truth, params):
    report = answers(diagnosis="underfitting", more_data="no, more rows would not help")
    assert grade(report, 4.44, 4.35, truth=truth, params=params)[0] is Verdict.PASS
    verdict, _, wrong = grade(answers(), 4.44, 4.35, truth=truth, params=params)
    assert verdict is Verdict.FAIL and any("says high bias" in w for w in wrong)


def test_at_the_limit_any_diagnosis_is_accepted(truth, params):
    for said, more in (("high bias", "no"), ("high variance", "yes")):
        assert (
            grade(answers(diagnosis=said, more_data=more), 1.99, 2.03, truth=truth, params=params)[0]
            is Verdict.PASS
        )


def test_neither_word_fails(truth, params):
    verdict, _, wrong = grade(answers(diagnosis="it is fine"), truth=truth, params=params)
    assert verdict is Verdict.FAIL and any("says neither high bias nor high variance" in w for w in wrong)


def test_an_l1_selection_missing_quantities_fails_and_too_many_noise_columns_warn(truth, params):
    verdict, _, wrong = grade(answers(l1_features="temp_core_c; pressure_pa"), truth=truth, params=params)
    assert verdict is Verdict.FAIL
    assert any("misses 4 of the 6 informative quantities" in w for w in wrong)
    noisy = answers()["l1_features"] + ", feed_ph, line_voltage_v, operating_hours, coolant_flow_lpm"
    verdict, _, wrong = grade(answers(l1_features=noisy), truth=truth, params=params)
    assert verdict is Verdict.WARN and any("keeps 4 columns that carry no signal" in w for w in wrong)


@pytest.mark.parametrize("said", ["stable", "", "perfectly stable"])
def test_calling_the_l1_selection_stable_fails(truth, params, said):
    verdict, _, wrong = grade(answers(l1_stability=said), truth=truth, params=params)
    assert verdict is Verdict.FAIL and any("near-copies" in w for w in wrong)


def test_not_stable_reads_as_unstable(truth, params):
    assert (
        grade(answers(l1_stability="not stable across folds"), truth=truth, params=params)[0] is Verdict.PASS
    )


def test_the_check_reads_training_predictions_and_the_holdout(judge, reactor_csv):
    labels = pd.read_csv(reactor_csv)["yield_pct"].to_numpy()
    rng = np.random.default_rng(0)
    facts = {"iterative": [], "train_predictions": (labels + rng.normal(0, 1.9, len(labels))).tolist()}
    y_true = rng.normal(60, 8, 2000)
    holdout = (y_true, y_true + rng.normal(0, 2.4, 2000))
    result = judge(("capacity_diagnosis",), facts=facts, holdout=holdout, report=answers())
    assert result["capacity_diagnosis"].verdict is Verdict.PASS, result["capacity_diagnosis"].message
    wrong = judge(("capacity_diagnosis",), facts=facts, holdout=holdout, report=answers(diagnosis="bias"))
    assert wrong["capacity_diagnosis"].verdict is Verdict.FAIL
    assert wrong["capacity_diagnosis"].message.startswith("Your capacity diagnosis is wrong.")


# -- the Bayes limit --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("noise", "verdict", "text"),
    [
        (2.1, Verdict.PASS, "closes 9"),
        (3.0, Verdict.WARN, "less than the 75%"),
        (4.2, Verdict.FAIL, "less than"),
    ],
)
def test_the_holdout_against_the_bayes_limit(judge, noise, verdict, text):
    rng = np.random.default_rng(1)
    y_true = rng.normal(60, 8, 4000)
    scores = y_true + rng.normal(0, noise, 4000)
    result = judge(("holdout_near_bayes_limit",), holdout=(y_true, scores))["holdout_near_bayes_limit"]
    assert result.verdict is verdict, result.message
    assert "the best possible is 2.000 (the process noise)" in result.message and text in result.message


def test_the_holdout_summary_carries_the_headline_and_the_true_curve(capacity_manifest, truth):
    rng = np.random.default_rng(2)
    y_true = rng.normal(60, 8, 2000)
    ctx = CheckContext(
        manifest=capacity_manifest,
        trace=Trace.empty(),
        report=None,
        train_labels=np.zeros(3),
        holdout=HoldoutScores(y_true + rng.normal(0, 2.2, 2000), y_true),
        baselines={},
        truth=truth,
    )
    summary = holdout_summary(ctx)
    assert summary["bayes_limit"] == 2.0
    assert summary["above_bayes_limit"] == pytest.approx(summary["score"] / 2.0 - 1, abs=1e-5)
    curve = summary["true_learning_curve"]
    assert curve["rows"][0] == 250 and curve["test"][0] > curve["test"][-1] > 2.0
