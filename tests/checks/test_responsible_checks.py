"""The responsible-ML checks, both ways, on hand-built facts and on code run in-process under the tracer.

The notebook-level tests in tests/test_submissions.py run the same checks end to end in a sandbox.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from heldout.checks import CHECKS, CheckContext, HoldoutScores, Verdict
from heldout.datasets import loan_applications
from heldout.execute.output_text import output_text
from heldout.trace.column_use import column_use_probe
from heldout.trace.model import Trace


@pytest.fixture(scope="module")
def data():
    return loan_applications.generate(loan_applications.DEFAULT_SEED, 1)


@pytest.fixture(scope="module")
def manifest(root):
    from heldout.manifest import load_manifest

    return load_manifest(root / "exercises" / "responsible" / "exercise.toml", CHECKS)


def context(manifest, data, trace=None, **fields) -> CheckContext:
    train = data.candidate_files["train.csv"]
    labels = data.hidden_files["holdout_labels.csv"]["repaid"].to_numpy()
    base = {
        "manifest": manifest,
        "trace": trace or Trace({"version": 1, "events": [], "rowsets": {}}),
        "report": None,
        "train_labels": train["repaid"].to_numpy(),
        "holdout": HoldoutScores(np.zeros(len(labels)), labels),
        "baselines": {"prior": 0.5},
        "train": train,
        "truth": data.hidden_files["fairness_truth.csv"],
        "holdout_groups": data.hidden_files["holdout_groups.csv"],
    }
    base.update(fields)
    return CheckContext(**base)


def run(check_id: str, ctx: CheckContext):
    return CHECKS[check_id].function(ctx, ctx.manifest.check(check_id).params)


# -- personal data in outputs ------------------------------------------------------------------------------
def test_a_printed_head_with_personal_columns_fails_naming_the_cell(manifest, data):
    train = data.candidate_files["train.csv"]
    shown = [
        (1, str(train.drop(columns="repaid").shape)),
        (2, train.head().to_string()),
        (3, train.head().to_html()),
    ]
    outcome = run("no_personal_data_in_outputs", context(manifest, data, outputs=shown))
    assert outcome.verdict is Verdict.FAIL
    assert "cell 2's output shows" in outcome.message and "cell 3's output shows" in outcome.message
    assert {f.cell for f in outcome.findings} == {2, 3}
    # The report masks what it found: it must not spread the personal data it complains about.
    assert train["email"].iloc[0] not in outcome.message
    assert train["full_name"].iloc[0] not in outcome.message


def test_masked_or_dropped_views_pass(manifest, data):
    train = data.candidate_files["train.csv"]
    masked = train.assign(email=train["email"].str.replace(r"^[^@]+", "***", regex=True), full_name="***")
    masked = masked.drop(columns=["phone", "national_id"])
    shown = [(1, masked.head().to_string()), (2, masked.head().to_html()), (3, str(train.describe()))]
    outcome = run("no_personal_data_in_outputs", context(manifest, data, outputs=shown))
    assert outcome.verdict is Verdict.PASS, outcome.message


def test_a_single_printed_national_id_fails(manifest, data):
    train = data.candidate_files["train.csv"]
    shown = [(4, f"applicant {train['national_id'].iloc[7]} looks risky")]
    outcome = run("no_personal_data_in_outputs", context(manifest, data, outputs=shown))
    assert outcome.verdict is Verdict.FAIL and "`national_id`" in outcome.message


def test_output_text_reads_streams_displays_and_tracebacks():
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": ["a@b.example\n"]},
        {"output_type": "execute_result", "data": {"text/plain": "x", "text/html": "<td>Anna Pryce</td>"}},
        {"output_type": "error", "traceback": ["KeyError: '07700-123456'"]},
        {"output_type": "display_data", "data": {"image/png": "iVBOR"}},
    ]
    text = output_text(outputs)
    assert "a@b.example" in text and "Anna Pryce" in text and "07700-123456" in text and "iVBOR" not in text


# -- group metrics with uncertainty -------------------------------------------------------------------------
def _rows(width_d: float = 0.2, bare: str | None = None, skip: str | None = None) -> list[dict]:
    rows = []
    for group, width in (("A", 0.04), ("B", 0.06), ("C", 0.07), ("D", width_d)):
        if group == skip:
            continue
        half = 0.0 if group == bare else width / 2
        rows.append({"group": group, "metric": "tpr", "value": 0.9, "low": 0.9 - half, "high": 0.9 + half})
    return rows


def test_group_metrics_with_intervals_pass(manifest, data):
    outcome = run("group_metrics_with_uncertainty", context(manifest, data, group_metrics=_rows()))
    assert outcome.verdict is Verdict.PASS, outcome.message


def test_a_bare_number_for_the_small_group_fails(manifest, data):
    outcome = run("group_metrics_with_uncertainty", context(manifest, data, group_metrics=_rows(bare="D")))
    assert outcome.verdict is Verdict.FAIL
    assert "group D has a bare number" in outcome.message and "179 training rows" in outcome.message


def test_a_missing_group_fails(manifest, data):
    outcome = run("group_metrics_with_uncertainty", context(manifest, data, group_metrics=_rows(skip="D")))
    assert outcome.verdict is Verdict.FAIL and "no row for group D" in outcome.message


def test_a_small_group_interval_as_narrow_as_the_largest_warns(manifest, data):
    outcome = run(
        "group_metrics_with_uncertainty", context(manifest, data, group_metrics=_rows(width_d=0.03))
    )
    assert outcome.verdict is Verdict.WARN and "no wider than group A's" in outcome.message


def test_no_group_table_fails(manifest, data):
    ctx = context(manifest, data, group_metrics=None, group_metrics_problem="`group_metrics` is empty")
    outcome = run("group_metrics_with_uncertainty", ctx)
    assert outcome.verdict is Verdict.FAIL and "`group_metrics` is empty" in outcome.message


# -- the fairness constraint on the holdout -----------------------------------------------------------------
def _decisions(data, penalty_b: float, seed: int = 0) -> np.ndarray:
    """Approve repayers at 0.9 (group B at 0.9 - penalty_b) and non-repayers at 0.4."""
    rng = np.random.default_rng(seed)
    y = data.hidden_files["holdout_labels.csv"]["repaid"].to_numpy()
    groups = data.hidden_files["holdout_groups.csv"]["ethnic_group"].to_numpy()
    rate = np.where(y == 1, np.where(groups == "B", 0.9 - penalty_b, 0.9), 0.4)
    return (rng.random(len(y)) < rate).astype(np.int64)


def test_fair_decisions_with_a_reported_cost_pass(manifest, data):
    ctx = context(manifest, data, decisions=_decisions(data, 0.0), report={"accuracy_cost": 0.01})
    outcome = run("fairness_constraint_holdout", ctx)
    assert outcome.verdict is Verdict.PASS, outcome.message
    assert "over groups A, B, C" in outcome.message and "Group D (101 holdout rows)" in outcome.message


def test_decisions_that_disadvantage_group_b_fail(manifest, data):
    ctx = context(manifest, data, decisions=_decisions(data, 0.25), report={"accuracy_cost": 0.01})
    outcome = run("fairness_constraint_holdout", ctx)
    assert outcome.verdict is Verdict.FAIL and "Your model breaks the fairness constraint" in outcome.message


def test_a_missing_accuracy_cost_warns(manifest, data):
    outcome = run("fairness_constraint_holdout", context(manifest, data, decisions=_decisions(data, 0.0)))
    assert outcome.verdict is Verdict.WARN and "no `accuracy_cost`" in outcome.message


def test_no_decisions_fail_with_the_reason(manifest, data):
    ctx = context(manifest, data, decisions=None, decisions_problem="`model` has no predict method")
    outcome = run("fairness_constraint_holdout", ctx)
    assert outcome.verdict is Verdict.FAIL and "has no predict method" in outcome.message


# -- the audit against the planted truth --------------------------------------------------------------------
RIGHT = {
    "disadvantaged_group": "Group B",
    "proxies": "postcode, name_origin",
    "bias_mechanism": "historical label bias against B",
}


def test_the_right_audit_passes(manifest, data):
    outcome = run("fairness_audit", context(manifest, data, report=RIGHT))
    assert outcome.verdict is Verdict.PASS, outcome.message


def test_naming_income_missingness_as_well_is_not_a_false_alarm(manifest, data):
    report = {**RIGHT, "proxies": "postcode; name_origin; income (missingness)"}
    assert run("fairness_audit", context(manifest, data, report=report)).verdict is Verdict.PASS


@pytest.mark.parametrize(
    ("change", "verdict", "message"),
    [
        ({"disadvantaged_group": "D"}, Verdict.FAIL, "the disadvantaged group is not 'd'"),
        ({"proxies": "loan_purpose"}, Verdict.FAIL, "`postcode` is missing from your proxies"),
        ({"proxies": "postcode"}, Verdict.WARN, "`name_origin` is missing from your proxies"),
        ({"proxies": "postcode, name_origin, age"}, Verdict.WARN, "`age` is named as a proxy"),
        ({"bias_mechanism": "sampling of applicants"}, Verdict.WARN, "not representation bias"),
    ],
)
def test_a_wrong_audit_is_judged_by_what_it_gets_wrong(manifest, data, change, verdict, message):
    outcome = run("fairness_audit", context(manifest, data, report={**RIGHT, **change}))
    assert outcome.verdict is verdict and message in outcome.message, outcome.message


# -- what the model reads: the column-use probe ------------------------------------------------------------
NUMERIC = ["age", "debt_to_income", "prior_defaults"]


def test_the_probe_tells_a_read_column_from_an_ignored_one(data):
    train = data.candidate_files["train.csv"]
    X, y = train.drop(columns="repaid"), train["repaid"]
    ignoring = make_pipeline(make_column_transformer(("passthrough", NUMERIC)), LogisticRegression())
    reading = make_pipeline(
        make_column_transformer(("passthrough", [*NUMERIC, "national_id"])), LogisticRegression()
    )
    assert column_use_probe(ignoring.fit(X, y), X, ["national_id", "email"]) == {
        "national_id": {"changed": 0.0},
        "email": {"changed": 0.0},
    }
    assert column_use_probe(reading.fit(X, y), X, ["national_id"])["national_id"]["changed"] > 0.5


def _fitted_context(tracer, manifest, data, column_use):
    train = data.candidate_files["train.csv"]
    model = LogisticRegression().fit(train[NUMERIC], train["repaid"])
    tracer.enabled = False
    return context(
        manifest,
        data,
        Trace(tracer.recorder.to_json()),
        model_fit=tracer.fit_event_of(model),
        column_use=column_use,
    )


def test_personal_and_protected_columns_the_model_reads_fail(tracer, manifest, data):
    probe = {"national_id": {"changed": 0.8}, "ethnic_group": {"changed": 0.6}, "email": {"changed": 0.0}}
    ctx = _fitted_context(tracer, manifest, data, probe)
    personal = run("no_illegitimate_features", ctx)
    assert personal.verdict is Verdict.FAIL
    assert "uses national_id" in personal.message and "email" not in personal.message.split(".")[0]
    protected = run("no_protected_attribute_input", ctx)
    assert protected.verdict is Verdict.FAIL and "takes ethnic_group (as an input" in protected.message


def test_columns_the_model_receives_but_ignores_pass(tracer, manifest, data):
    probe = {
        c: {"changed": 0.0} for c in ("full_name", "email", "phone", "national_id", "ethnic_group", "sex")
    }
    ctx = _fitted_context(tracer, manifest, data, probe)
    assert run("no_illegitimate_features", ctx).verdict is Verdict.PASS
    assert run("no_protected_attribute_input", ctx).verdict is Verdict.PASS


def test_a_probe_that_could_not_run_warns(tracer, manifest, data):
    ctx = _fitted_context(tracer, manifest, data, {"problem": "KeyError"})
    assert run("no_protected_attribute_input", ctx).verdict is Verdict.WARN


# -- mitigation fitted on training rows only ----------------------------------------------------------------
@pytest.fixture
def loans_csv(tmp_path, monkeypatch, data):
    data.candidate_files["train.csv"].iloc[:1500].to_csv(tmp_path / "train.csv", index=False)
    monkeypatch.chdir(tmp_path)


def _threshold_optimised(tracer, manifest, data, fit_on_validation: bool):
    from fairlearn.metrics import equal_opportunity_difference
    from fairlearn.postprocessing import ThresholdOptimizer

    from heldout.trace import fairlearn_hooks

    fairlearn_hooks.install(tracer)
    frame = pd.read_csv("train.csv")
    X, y = frame.drop(columns="repaid"), frame["repaid"]
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.3, random_state=0)
    model = make_pipeline(make_column_transformer(("passthrough", NUMERIC)), LogisticRegression())
    model.fit(X_train, y_train)
    optimiser = ThresholdOptimizer(estimator=model, prefit=True, predict_method="predict_proba")
    fit_rows = (X_valid, y_valid) if fit_on_validation else (X_train, y_train)
    optimiser.fit(*fit_rows, sensitive_features=fit_rows[0]["ethnic_group"])
    adjusted = optimiser.predict(X_valid, sensitive_features=X_valid["ethnic_group"], random_state=0)
    accuracy_score(y_valid, adjusted)
    equal_opportunity_difference(y_valid, adjusted, sensitive_features=X_valid["ethnic_group"])
    tracer.enabled = False
    return run("mitigation_on_training_rows", context(manifest, data, Trace(tracer.recorder.to_json())))


def test_a_threshold_optimiser_fitted_on_the_rows_it_is_measured_on_fails(tracer, manifest, data, loans_csv):
    outcome = _threshold_optimised(tracer, manifest, data, fit_on_validation=True)
    assert outcome.verdict is Verdict.FAIL
    assert (
        "ThresholdOptimizer" in outcome.message and "450 rows, 450 of which accuracy_score" in outcome.message
    )
    assert {f.text.split(" (")[0] for f in outcome.findings} == {"ThresholdOptimizer"}
    assert len(outcome.findings) == 2  # accuracy_score and equal_opportunity_difference, each once


def test_a_threshold_optimiser_fitted_on_training_rows_passes(tracer, manifest, data, loans_csv):
    outcome = _threshold_optimised(tracer, manifest, data, fit_on_validation=False)
    assert outcome.verdict is Verdict.PASS, outcome.message
    assert outcome.coverage.judged == 2


def test_no_mitigator_passes_and_says_so(manifest, data):
    outcome = run("mitigation_on_training_rows", context(manifest, data))
    assert outcome.verdict is Verdict.PASS and "fits no mitigator" in outcome.message


def test_the_manifest_total_is_100(manifest):
    assert manifest.total_points == 100
    assert dataclasses.asdict(manifest.contract)["decisions"] is True
