"""The drift-scenario checks, both ways, in-process (no kernel): forward validation under the tracer, the
future probe on feature functions written in several styles, and the drift report against a planted truth.

The notebook-level tests in tests/test_submissions.py run the same checks end to end in a sandbox.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    TimeSeriesSplit,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from heldout.checks import CheckContext, HoldoutScores, Verdict, run_checks
from heldout.checks.drift import grade_drift_report
from heldout.trace.model import Trace
from heldout.trace.timeline import future_probe, replay_features

FEATURES = ["tenure", "sessions", "tickets"]
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]


def _panel(seed: int = 5) -> pd.DataFrame:
    """60 customers over 24 months (some leave), sorted by month then customer."""
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(60):
        start = int(rng.integers(0, 12))
        level = rng.lognormal(1.2, 0.4)
        for k, month in enumerate(MONTHS[start:]):
            tickets = int(rng.poisson(0.4))
            p = 1 / (1 + np.exp(-(-3.0 + 0.6 * tickets - 0.2 * level)))
            churned = int(rng.random() < p)
            rows.append(
                (f"c_{customer:03d}", month, k, round(level * rng.lognormal(0, 0.2), 1), tickets, churned)
            )
            if churned:
                break
    frame = pd.DataFrame(rows, columns=["customer_id", "snapshot_month", *FEATURES, "churned"])
    return frame.sort_values(["snapshot_month", "customer_id"], kind="stable").reset_index(drop=True)


@pytest.fixture
def panel_csv(tmp_path, monkeypatch):
    path = tmp_path / "train.csv"
    _panel().to_csv(path, index=False)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture(scope="session")
def drift_manifest(root):
    from heldout.checks import CHECKS
    from heldout.manifest import load_manifest

    manifest = load_manifest(root / "exercises" / "drift" / "exercise.toml", CHECKS)
    keep = ("temporal_validation", "no_fit_on_evaluated_rows")
    return dataclasses.replace(manifest, checks=tuple(s for s in manifest.checks if s.id in keep))


@pytest.fixture
def judge(tracer, drift_manifest, panel_csv):
    def run() -> dict:
        tracer.enabled = False
        train = pd.read_csv(panel_csv)
        ctx = CheckContext(
            manifest=drift_manifest,
            trace=Trace(tracer.recorder.to_json()),
            report={"estimate": 0.1},
            train_labels=train["churned"].to_numpy(),
            holdout=HoldoutScores(np.zeros(1), np.zeros(1)),
            baselines={"prior": 0.05},
            train=train,
        )
        results = {r.id: r for r in run_checks(ctx)}
        tracer.enabled = True
        return results

    return run


def load():
    df = pd.read_csv("train.csv")
    return df[FEATURES], df["churned"]


def failing(results) -> dict[str, str]:
    return {k: r.message for k, r in results.items() if r.verdict is Verdict.FAIL}


# -- forward validation: correct styles pass -------------------------------------------------------------
def test_time_series_split_in_a_pipeline_passes(judge):
    X, y = load()
    model = make_pipeline(StandardScaler(), LogisticRegression())
    cross_val_score(model, X, y, cv=TimeSeriesSplit(4), scoring="average_precision")
    results = judge()
    assert failing(results) == {}
    assert results["temporal_validation"].verdict is Verdict.PASS


def test_cut_off_by_month_with_numpy_arrays_passes(judge):
    df = pd.read_csv("train.csv")
    early = df["snapshot_month"] < "2024-07"
    # NumPy arrays taken from pandas selections (a mask applied to an ndarray itself is not traceable).
    X_past, y_past = df.loc[early, FEATURES].to_numpy(), df.loc[early, "churned"].to_numpy()
    X_next, y_next = df.loc[~early, FEATURES].to_numpy(), df.loc[~early, "churned"].to_numpy()
    model = LogisticRegression().fit(X_past, y_past)
    average_precision_score(y_next, model.predict_proba(X_next)[:, 1])
    results = judge()
    assert failing(results) == {}
    assert results["temporal_validation"].verdict is Verdict.PASS


def test_walk_forward_refits_and_a_forward_search_pass(judge):
    df = pd.read_csv("train.csv")
    for month in ("2024-04", "2024-07", "2024-10"):
        past, now = df[df["snapshot_month"] < month], df[df["snapshot_month"] == month]
        model = HistGradientBoostingClassifier(max_iter=20).fit(past[FEATURES], past["churned"])
        average_precision_score(now["churned"], model.predict_proba(now[FEATURES])[:, 1])
    X, y = load()
    GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=TimeSeriesSplit(3)).fit(X, y)
    results = judge()
    assert failing(results) == {}
    assert results["temporal_validation"].verdict is Verdict.PASS


def test_a_drift_classifier_on_a_random_split_validates_no_forecast(judge):
    df = pd.read_csv("train.csv")
    late = df["snapshot_month"] >= "2024-07"  # the target is "is this row from the later half?"
    X_train, X_test, y_train, y_test = train_test_split(df[FEATURES], late, test_size=0.3, random_state=0)
    domain = HistGradientBoostingClassifier(max_iter=20).fit(X_train, y_train)
    roc_auc_score(y_test, domain.predict_proba(X_test)[:, 1])
    early = ~late
    model = LogisticRegression().fit(df.loc[early, FEATURES], df.loc[early, "churned"])
    average_precision_score(df.loc[late, "churned"], model.predict_proba(df.loc[late, FEATURES])[:, 1])
    results = judge()
    assert failing(results) == {}
    assert results["temporal_validation"].verdict is Verdict.PASS, results["temporal_validation"].message


def test_the_same_random_split_for_the_churn_model_still_fails(judge):
    df = pd.read_csv("train.csv")
    X_train, X_test, y_train, y_test = train_test_split(df[FEATURES], df["churned"], random_state=0)
    model = LogisticRegression().fit(X_train, y_train)
    roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    results = judge()
    assert set(failing(results)) == {"temporal_validation"}


# -- forward validation: each mistake fails ---------------------------------------------------------------
def test_shuffled_train_test_split_fails(judge):
    X, y = load()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    model = LogisticRegression().fit(X_train, y_train)
    average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
    results = judge()
    assert set(failing(results)) == {"temporal_validation"}
    message = results["temporal_validation"].message
    assert "train_test_split" in message
    assert "the earliest month it was scored on" in message


def test_shuffled_kfold_cross_validation_fails(judge):
    X, y = load()
    cross_val_score(LogisticRegression(), X, y, cv=KFold(4, shuffle=True, random_state=0))
    results = judge()
    assert set(failing(results)) == {"temporal_validation"}
    assert "KFold(shuffle=True)" in results["temporal_validation"].message


def test_unshuffled_kfold_trains_on_later_months_and_fails(judge):
    X, y = load()
    cross_val_score(LogisticRegression(), X, y, cv=KFold(4))
    results = judge()
    assert "KFold" in failing(results)["temporal_validation"]


def test_a_search_on_shuffled_folds_fails_even_with_a_forward_test(judge):
    df = pd.read_csv("train.csv")
    early = df["snapshot_month"] < "2024-07"
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=KFold(3, shuffle=True, random_state=1))
    search.fit(df.loc[early, FEATURES], df.loc[early, "churned"])
    average_precision_score(df.loc[~early, "churned"], search.predict_proba(df.loc[~early, FEATURES])[:, 1])
    results = judge()
    assert set(failing(results)) == {"temporal_validation"}


def test_scaler_fitted_on_the_whole_timeline_fails_its_own_check(judge):
    df = pd.read_csv("train.csv")
    scaled = StandardScaler().set_output(transform="pandas").fit_transform(df[FEATURES])
    early = df["snapshot_month"] < "2024-07"
    model = LogisticRegression().fit(scaled[early], df["churned"][early])
    average_precision_score(df["churned"][~early], model.predict_proba(scaled[~early])[:, 1])
    results = judge()
    assert set(failing(results)) == {"no_fit_on_evaluated_rows"}


def test_row_window_transforms_are_history_not_statistics(judge):
    df = pd.read_csv("train.csv")
    by_customer = df.groupby("customer_id")["sessions"]
    df["sessions_prev"] = by_customer.transform("shift").fillna(0.0)
    df["sessions_total"] = by_customer.transform("cumsum")
    early = df["snapshot_month"] < "2024-07"
    columns = [*FEATURES, "sessions_prev", "sessions_total"]
    model = LogisticRegression().fit(df.loc[early, columns], df.loc[early, "churned"])
    average_precision_score(df.loc[~early, "churned"], model.predict_proba(df.loc[~early, columns])[:, 1])
    assert failing(judge()) == {}


def test_a_customer_mean_over_the_whole_file_is_a_statistic_of_the_scored_rows(judge):
    df = pd.read_csv("train.csv")
    df["sessions_mean"] = df.groupby("customer_id")["sessions"].transform("mean")
    early = df["snapshot_month"] < "2024-07"
    columns = [*FEATURES, "sessions_mean"]
    model = LogisticRegression().fit(df.loc[early, columns], df.loc[early, "churned"])
    average_precision_score(df.loc[~early, "churned"], model.predict_proba(df.loc[~early, columns])[:, 1])
    results = judge()
    assert set(failing(results)) == {"no_fit_on_evaluated_rows"}
    assert "groupby.transform" in results["no_fit_on_evaluated_rows"].message


# -- the future probe: feature functions in several styles ------------------------------------------------
def _by_customer(frame: pd.DataFrame) -> pd.core.groupby.DataFrameGroupBy:
    return frame.groupby("customer_id")


def past_only_pandas(frame):
    out = frame[["tenure", "sessions", "tickets"]].copy()
    groups = _by_customer(frame)
    out["sessions_prev"] = groups["sessions"].shift(1)
    out["sessions_trailing"] = groups["sessions"].transform(lambda s: s.rolling(3, min_periods=1).mean())
    out["tickets_so_far"] = groups["tickets"].cumsum()
    out["sessions_expanding"] = groups["sessions"].transform(lambda s: s.expanding().mean())
    return out


def past_only_numpy(frame):
    return frame[FEATURES].to_numpy(dtype=float) * np.array([1.0, 0.5, 2.0])


def next_month(frame):
    out = frame[FEATURES].copy()
    out["sessions_next"] = _by_customer(frame)["sessions"].shift(-1)
    return out


def backward_fill(frame):
    out = frame[FEATURES].copy()
    gaps = frame["sessions"].where(frame["tickets"] == 0)
    out["sessions_filled"] = gaps.groupby(frame["customer_id"]).bfill()
    return out


def centred_window(frame):
    out = frame[FEATURES].copy()
    out["sessions_smooth"] = _by_customer(frame)["sessions"].transform(
        lambda s: s.rolling(3, center=True, min_periods=1).mean()
    )
    return out


def whole_history_mean(frame):
    out = frame[FEATURES].copy()
    out["sessions_customer_mean"] = _by_customer(frame)["sessions"].transform("mean")
    return out


def months_in_data(frame):
    out = frame[FEATURES].copy()
    out["months_seen"] = _by_customer(frame)["tenure"].transform("count")
    return out


@pytest.mark.parametrize("prepare", [past_only_pandas, past_only_numpy, lambda f: f])
def test_past_only_features_pass_the_probe(prepare):
    probe = future_probe(prepare, _panel().drop(columns=["churned"]), "snapshot_month", "prepare_features")
    assert probe["problem"] is None
    assert [c["cutoff"] for c in probe["cutoffs"]] == ["2023-08", "2024-04"]
    assert all(c["changed"] == {} and not c["missing_columns"] for c in probe["cutoffs"])


@pytest.mark.parametrize(
    ("prepare", "column"),
    [
        (next_month, "sessions_next"),
        (backward_fill, "sessions_filled"),
        (centred_window, "sessions_smooth"),
        (whole_history_mean, "sessions_customer_mean"),
        (months_in_data, "months_seen"),
    ],
)
def test_features_from_the_future_change_under_the_probe(prepare, column, drift_manifest):
    probe = future_probe(prepare, _panel().drop(columns=["churned"]), "snapshot_month", "prepare_features")
    first = probe["cutoffs"][0]
    assert list(first["changed"]) == [column]
    assert first["changed"][column] > 0
    outcome = _future_outcome(probe, drift_manifest)
    assert outcome.verdict is Verdict.FAIL
    expected = "With every training row after 2023-08 removed, `prepare_features` changed on rows dated"
    assert f"{expected} 2023-08 or earlier: `{column}` on" in outcome.message


def test_a_function_that_fails_on_a_shorter_history_warns(drift_manifest):
    def fragile(frame):
        if len(frame) < 1000:
            raise ValueError("needs the whole file")
        return frame[FEATURES]

    panel = _panel().drop(columns=["churned"])
    try:
        future_probe(fragile, panel, "snapshot_month", "prepare_features")
    except ValueError as error:
        probe = {"cutoffs": [], "problem": f"ValueError: {error}"}
    outcome = _future_outcome(probe, drift_manifest)
    assert outcome.verdict is Verdict.WARN
    assert "needs the whole file" in outcome.message


def _future_outcome(probe, manifest):
    from heldout.checks.temporal import check_no_future_features

    panel = _panel()
    ctx = CheckContext(
        manifest=manifest,
        trace=Trace.empty(),
        report=None,
        train_labels=panel["churned"].to_numpy(),
        holdout=HoldoutScores(None, np.zeros(1)),
        baselines={},
        train=panel,
        future_probe=probe,
    )
    return check_no_future_features(ctx, {})


# -- the month-by-month replay of the holdout -------------------------------------------------------------
def test_replay_gives_each_month_only_its_past():
    panel = _panel().drop(columns=["churned"])
    history = panel[panel["snapshot_month"] < "2024-10"]
    holdout = panel[panel["snapshot_month"] >= "2024-10"].reset_index(drop=True)
    honest = replay_features(past_only_pandas, history, holdout, "snapshot_month", "prepare_features")
    at_once = past_only_pandas(panel).iloc[len(history) :].reset_index(drop=True)
    pd.testing.assert_frame_equal(honest, at_once)  # a past-only function: replay changes nothing
    leaky = replay_features(next_month, history, holdout, "snapshot_month", "prepare_features")
    # Each month is the last one its call sees: the next month never exists.
    assert leaky["sessions_next"].isna().all()
    assert isinstance(replay_features(past_only_numpy, history, holdout, "snapshot_month", "p"), np.ndarray)


# -- the drift report against a planted truth -------------------------------------------------------------
TRUTH = pd.DataFrame(
    {
        "feature": ["sessions", "discount", "tickets", "fee", "tenure", "region"],
        "kind": ["covariate", "covariate", "concept", "covariate_derived", "stable", "stable"],
        "from_month": ["2024-04", "2024-07", "2024-10", "2024-07", "", ""],
        "effect": ["x0.65", "share 10 % -> 45 %", "coefficient 0.55 -> 0.05", "from discount", "", ""],
    }
)
COLUMNS = ["sessions", "discount", "tickets", "fee", "tenure", "region"]
PARAMS = {"month_tolerance": 1, "recommendations": ["retrain", "reweight", "alert"]}
RIGHT = [
    {"feature": "sessions", "kind": "covariate", "month": "2024-04", "method": "psi", "value": 0.41},
    {"feature": "discount", "kind": "covariate", "month": "2024-07", "method": "wasserstein", "value": 6.1},
    {"feature": "tickets", "kind": "concept", "month": "2024-10", "method": "coefficient", "value": -0.5},
]
GOOD_REPORT = {"multiple_testing": "none", "recommendation": "retrain on the months since 2024-10"}


def grade(rows, report=GOOD_REPORT):
    return grade_drift_report(rows, report, TRUTH, COLUMNS, PARAMS, 1500)


def test_a_right_report_passes():
    verdict, right, wrong, tally = grade(RIGHT)
    assert verdict is Verdict.PASS, wrong
    assert tally == {"planted": 3, "found": 3, "placed": 3, "false_alarms": 0, "problems": 0}
    assert right[:3] == [
        "`sessions`: covariate drift from 2024-04",
        "`discount`: covariate drift from 2024-07",
        "`tickets`: concept drift from 2024-10",
    ]


def test_a_derived_feature_and_a_month_off_by_one_still_pass():
    rows = [
        *RIGHT,
        {"feature": "fee", "kind": "covariate", "month": "2024-07", "method": "psi", "value": 0.3},
    ]
    rows[0] = {**rows[0], "month": "2024-05"}
    assert grade(rows)[0] is Verdict.PASS


def test_corrected_p_values_pass_and_raw_ones_warn():
    tested = [{**row, "method": "ks", "value": 1e-9} if row["kind"] == "covariate" else row for row in RIGHT]
    assert grade(tested, {**GOOD_REPORT, "multiple_testing": "holm"})[0] is Verdict.PASS
    verdict, _, wrong, _ = grade(tested)
    assert verdict is Verdict.WARN
    assert any("raw p-values: on 1,500 rows a month" in w for w in wrong)


@pytest.mark.parametrize(
    ("rows", "report", "expected"),
    [
        (RIGHT[:2], GOOD_REPORT, "`tickets` is missing: it has a concept drift"),
        ([{**RIGHT[0], "month": "2023-11"}, *RIGHT[1:]], GOOD_REPORT, "you placed the change in 2023-11"),
        (
            [RIGHT[0], RIGHT[1], {**RIGHT[2], "kind": "covariate"}],
            GOOD_REPORT,
            "as a concept drift, not a covariate",
        ),
        (
            [
                *RIGHT,
                {"feature": "tenure", "kind": "covariate", "month": "2024-01", "method": "psi", "value": 0.3},
            ],
            GOOD_REPORT,
            "`tenure` is reported as drifting, but it is stable",
        ),
        (RIGHT, {**GOOD_REPORT, "recommendation": "reweight"}, "reweighting corrects a covariate shift"),
        (RIGHT, {**GOOD_REPORT, "recommendation": "nothing"}, "is none of retrain, reweight, alert"),
    ],
    ids=[
        "missed_concept",
        "wrong_month",
        "wrong_kind",
        "false_alarm",
        "reweight_for_concept",
        "no_recommendation",
    ],
)
def test_partly_right_reports_warn(rows, report, expected):
    verdict, _, wrong, _ = grade(rows, report)
    assert verdict is Verdict.WARN
    assert any(expected in w for w in wrong), wrong


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], "`sessions` is missing"),
        (
            [
                {"feature": "tenure", "kind": "covariate", "month": "2024-04", "method": "psi", "value": 0.3},
                {"feature": "region", "kind": "covariate", "month": "2024-04", "method": "psi", "value": 0.3},
            ],
            "`tenure` is reported as drifting, but it is stable",
        ),
        (
            [
                RIGHT[0],
                {"feature": "colour", "kind": "covariate", "month": "2024-04", "method": "psi", "value": 1},
            ],
            "`colour` is not a column of the data",
        ),
    ],
    ids=["empty", "only_stable_features", "one_right_one_invented"],
)
def test_wrong_reports_fail(rows, expected):
    verdict, _, wrong, _ = grade(rows)
    assert verdict is Verdict.FAIL
    assert any(expected in w for w in wrong), wrong


def test_the_candidate_summary_counts_without_naming_features_or_months():
    from heldout.checks.drift import candidate_summary

    rows = [{**RIGHT[0], "month": "2023-11"}, RIGHT[1], {**RIGHT[0], "feature": "tenure"}]
    verdict, _, _, tally = grade(rows, {**GOOD_REPORT, "recommendation": "reweight"})
    assert verdict is Verdict.WARN
    text = candidate_summary(tally)
    assert text == (
        "In your drift report you found 2 of the 3 drifting features, placed 1 of them in the right month "
        "with the right kind of drift, flagged 1 feature that did not drift, with 2 other problems in "
        "method, recommendation or form."
    )
    assert not any(name in text for name in ("sessions", "discount", "tickets", "tenure", "2024", "2023"))


def test_a_derived_feature_is_neither_required_nor_a_false_alarm_in_precision():
    stable = [
        {"feature": name, "kind": "covariate", "month": "2024-04", "method": "psi", "value": 0.3}
        for name in ("tenure", "region")
    ]
    derived = {"feature": "fee", "kind": "covariate", "month": "2024-07", "method": "psi", "value": 0.3}
    # 3 right, 2 false alarms: precision 0.6 with or without the derived feature.
    assert grade([*RIGHT, *stable])[0] is Verdict.WARN
    assert grade([*RIGHT, *stable, derived])[0] is Verdict.WARN


def test_a_feature_reported_twice_is_judged_by_the_row_that_agrees_with_the_truth():
    both = [RIGHT[0], RIGHT[1], {**RIGHT[2], "kind": "covariate", "method": "psi"}, RIGHT[2]]
    assert grade(both)[0] is Verdict.PASS
    assert grade([*both[:2], both[3], both[2]])[0] is Verdict.PASS


def test_method_names_in_the_candidates_words_are_recognised():
    worded = [
        {**RIGHT[0], "method": "Wasserstein (std units)"},
        {**RIGHT[1], "method": "KS statistic"},
        RIGHT[2],
    ]
    assert grade(worded)[0] is Verdict.PASS
    # Written without sight of the grader (issue 25): adversarial validation, an effect size by its AUC.
    domain = [{**RIGHT[0], "method": "domain_classifier_auc"}, {**RIGHT[1], "method": "Cramér's V"}, RIGHT[2]]
    assert grade(domain)[0] is Verdict.PASS
    verdict, _, wrong, _ = grade([{**RIGHT[0], "method": "vibes"}, *RIGHT[1:]])
    assert verdict is Verdict.WARN and any("does not know the method 'vibes'" in w for w in wrong)


def test_as_many_false_alarms_as_findings_is_a_wrong_report():
    noise = [
        {"feature": name, "kind": "covariate", "month": "2024-02", "method": "smd", "value": 0.04}
        for name in ("tenure", "region", "colour")
    ]
    verdict, _, wrong, tally = grade([*RIGHT, *noise])
    assert verdict is Verdict.FAIL
    assert tally["found"] == 3 and tally["false_alarms"] == 3
    assert "`colour` is not a column of the data" in wrong


# -- coverage: a train/test pair heldout could not follow warns, never passes ----------------------------
def lost(*arrays):
    """The same rows in another order, rebuilt from Python lists: the tracer can no longer tell which
    rows they are. A metric on them gives the same result."""
    order = np.random.default_rng(1).permutation(len(arrays[0]))
    rebuilt = tuple(np.array(np.asarray(a)[order].tolist()) for a in arrays)
    return rebuilt if len(rebuilt) > 1 else rebuilt[0]


def forward_model():
    df = pd.read_csv("train.csv")
    early = df["snapshot_month"] < "2024-07"
    model = LogisticRegression().fit(df.loc[early, FEATURES], df.loc[early, "churned"])
    return model, df.loc[~early, FEATURES], df.loc[~early, "churned"]


def test_a_forward_cut_off_followed_passes_with_its_count(judge):
    model, X_next, y_next = forward_model()
    average_precision_score(y_next, model.predict_proba(X_next)[:, 1])
    check = judge()["temporal_validation"]
    assert check.verdict is Verdict.PASS, check.message
    assert (check.coverage.judged, check.coverage.not_followed) == (1, 0)


def test_an_evaluation_on_untraced_rows_warns_temporal_validation(judge):
    model, X_next, y_next = forward_model()
    proba = model.predict_proba(X_next)[:, 1]
    average_precision_score(y_next, proba)
    average_precision_score(*lost(y_next, proba))
    check = judge()["temporal_validation"]
    assert check.verdict is Verdict.WARN, check.message
    assert (
        "heldout could not tell which rows 1 of your splits or evaluations learnt from or scored (line "
        in (check.message)
    )
    assert (check.coverage.judged, check.coverage.not_followed) == (1, 1)


def test_no_evaluation_followed_warns_temporal_validation(judge):
    model, X_next, y_next = forward_model()
    average_precision_score(*lost(y_next, model.predict_proba(X_next)[:, 1]))
    check = judge()["temporal_validation"]
    assert check.verdict is Verdict.WARN, check.message
    assert (check.coverage.judged, check.coverage.not_followed) == (0, 1)


# -- the reported estimate: the mean of the latest folds of a forward split ---------------------------------
@pytest.fixture
def judge_selection(tracer, root, panel_csv):
    """judge_selection(estimate) -> (reported metric events, no_selection_on_final_rows result)."""
    from heldout.checks import CHECKS
    from heldout.manifest import load_manifest

    manifest = load_manifest(root / "exercises" / "drift" / "exercise.toml", CHECKS)
    manifest = dataclasses.replace(
        manifest, checks=tuple(s for s in manifest.checks if s.id == "no_selection_on_final_rows")
    )

    def run(estimate: float):
        tracer.enabled = False
        train = pd.read_csv(panel_csv)
        ctx = CheckContext(
            manifest=manifest,
            trace=Trace(tracer.recorder.to_json()),
            report={"estimate": estimate},
            train_labels=train["churned"].to_numpy(),
            holdout=HoldoutScores(np.zeros(1), np.zeros(1)),
            baselines={"prior": 0.05},
            train=train,
        )
        (result,) = run_checks(ctx)
        tracer.enabled = True
        return ctx.analysis.reported_events, result

    return run


def test_the_mean_of_the_latest_forward_folds_is_found_and_passes_selection(judge_selection):
    X, y = load()
    scores = {
        name: cross_val_score(model, X, y, cv=TimeSeriesSplit(5), scoring="average_precision")
        for name, model in {
            "logistic": make_pipeline(StandardScaler(), LogisticRegression()),
            "boosting": HistGradientBoostingClassifier(max_iter=20),
        }.items()
    }
    best = max(scores, key=lambda name: scores[name][-3:].mean())
    reported, result = judge_selection(float(np.mean(scores[best][-3:])))
    assert len(reported) == 3
    assert result.verdict is Verdict.PASS and "mean over cross-validation folds" in result.message


def test_the_best_of_two_models_scored_on_the_last_months_fails_selection(judge_selection):
    df = pd.read_csv("train.csv")
    early = df["snapshot_month"] < "2024-07"
    found = {}
    for model in (LogisticRegression(), HistGradientBoostingClassifier(max_iter=20)):
        model.fit(df.loc[early, FEATURES], df.loc[early, "churned"])
        found[type(model).__name__] = average_precision_score(
            df.loc[~early, "churned"], model.predict_proba(df.loc[~early, FEATURES])[:, 1]
        )
    reported, result = judge_selection(max(found.values()))
    assert len(reported) == 1
    assert result.verdict is Verdict.FAIL and "2 different models were scored" in result.message


def test_a_cross_validated_mean_is_found_among_interleaved_training_scores(judge_selection):
    from sklearn.model_selection import cross_validate

    X, y = load()
    scores = cross_validate(
        LogisticRegression(),
        X,
        y,
        cv=TimeSeriesSplit(4),
        scoring="average_precision",
        return_train_score=True,
    )
    reported, result = judge_selection(float(scores["test_score"].mean()))
    assert len(reported) == 4  # the test folds, not a single fold, nor a training score
    assert result.verdict is Verdict.PASS and "mean over cross-validation folds" in result.message


def test_the_best_score_of_a_large_search_reported_as_the_estimate_warns(judge_selection):
    X, y = load()
    grid = {"C": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0]}
    search = GridSearchCV(LogisticRegression(), grid, cv=TimeSeriesSplit(3), scoring="average_precision")
    reported, result = judge_selection(float(search.fit(X, y).best_score_))
    assert len(reported) == 3
    assert result.verdict is Verdict.WARN
    assert "the best of 12 settings that GridSearchCV (line " in result.message
    assert "cross_val_score(search, X, y)" in result.message


def test_the_best_score_of_a_handful_of_settings_passes_saying_so(judge_selection):
    X, y = load()
    search = GridSearchCV(
        LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, cv=TimeSeriesSplit(4), scoring="average_precision"
    ).fit(X, y)
    reported, result = judge_selection(float(search.best_score_))
    assert len(reported) == 4
    assert result.verdict is Verdict.PASS and "the best of 3 settings GridSearchCV" in result.message


def test_the_mean_of_the_latest_months_of_a_walk_forward_loop_over_two_models_is_found(judge_selection):
    df = pd.read_csv("train.csv")
    scores = {"plain": [], "weighted": []}
    for month in ("2024-07", "2024-08", "2024-09", "2024-10", "2024-11"):
        past, now = df["snapshot_month"] < month, df["snapshot_month"] == month
        for name in scores:  # two models scored in turn, month after month, at one call site
            weights = (
                None if name == "plain" else np.where(df.loc[past, "snapshot_month"] >= "2024-01", 2.0, 1.0)
            )
            model = LogisticRegression().fit(
                df.loc[past, FEATURES], df.loc[past, "churned"], sample_weight=weights
            )
            scores[name].append(
                average_precision_score(
                    df.loc[now, "churned"], model.predict_proba(df.loc[now, FEATURES])[:, 1]
                )
            )
    reported, result = judge_selection(float(np.mean(scores["weighted"][-3:])))
    assert len(reported) == 3
    assert result.verdict is Verdict.PASS


def test_a_nested_cross_validation_of_the_search_passes(judge_selection):
    X, y = load()
    search = GridSearchCV(
        LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, cv=TimeSeriesSplit(3), scoring="average_precision"
    )
    outer = cross_val_score(search, X, y, cv=TimeSeriesSplit(4), scoring="average_precision")
    reported, result = judge_selection(float(outer.mean()))
    assert len(reported) == 4
    assert result.verdict is Verdict.PASS
