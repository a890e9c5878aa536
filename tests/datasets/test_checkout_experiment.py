"""The checkout experiment holds what its datasheet says was planted, and its replicates are what their
hidden truth says they are."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import stats

from heldout.datasets import checkout_experiment
from tests.conftest import ROOT

FOLDER = ROOT / "datasets" / "checkout_experiment"


@functools.cache
def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(FOLDER / "sessions.csv"),
        pd.read_csv(FOLDER / "replicates.csv.gz"),
        pd.read_csv(FOLDER / "hidden" / "holdout_labels.csv"),
        pd.read_csv(FOLDER / "hidden" / "experiment_truth.csv"),
    )


def planted(kind: str, name: str, detail: str | None = None) -> float:
    truth = tables()[3]
    rows = truth[(truth["kind"] == kind) & (truth["name"] == name)]
    if detail is not None:
        rows = rows[rows["detail"] == detail]
    return float(rows["value"].iloc[0])


def users_of(sessions: pd.DataFrame) -> pd.DataFrame:
    return sessions.groupby("user_id").agg(
        arm=("arm", "first"),
        arms=("arm", "nunique"),
        platform=("platform", "first"),
        sessions=("session_id", "size"),
        converted=("converted", "max"),
        latency=("latency_ms", "mean"),
        pre=("pre_conversions", "first"),
    )


def test_the_columns_are_the_datasheets():
    sessions = tables()[0]
    assert list(sessions.columns) == list(checkout_experiment.SESSION_COLUMNS)
    assert sessions["session_id"].is_unique and sessions["day"].between(0, 20).all()
    assert (sessions["day"] >= sessions["assigned_day"]).all()
    assert ((sessions["converted"] == 0) == (sessions["revenue"] == 0)).all()


def test_the_mismatch_is_confined_to_one_platform():
    users = users_of(tables()[0])
    counts = users.groupby(["platform", "arm"]).size().unstack()
    p = {platform: stats.chisquare(row.to_numpy()).pvalue for platform, row in counts.iterrows()}
    assert p["android"] < 1e-6 and p["web"] > 0.01 and p["ios"] > 0.01
    assert counts.loc["android", "control"] - counts.loc["android", "treatment"] > 0.8 * planted(
        "srm", "platform", "android"
    )


def test_users_in_both_arms_bots_and_the_latency_regression_are_there():
    users = users_of(tables()[0])
    assert (users["arms"] > 1).sum() == planted("both_arms", "user_id")
    assert (users["sessions"] >= 150).sum() == planted("bots", "user_id")
    by_arm = users.groupby("arm")["latency"].mean()
    assert by_arm["treatment"] > 1.04 * by_arm["control"]


def test_items_viewed_is_moved_by_the_treatment_and_the_pre_period_predicts_conversion():
    sessions = tables()[0]
    items = sessions.groupby("arm")["items_viewed"].mean()
    assert items["treatment"] - items["control"] > 0.4
    users = users_of(sessions)
    assert stats.spearmanr(users["pre"], users["converted"]).statistic > 0.15


def test_the_replicates_are_what_their_truth_says():
    _, replicates, truth, _ = tables()
    assert sorted(truth["replicate"]) == list(range(1, 81)) == sorted(replicates["replicate"].unique())
    assert truth["kind"].value_counts().to_dict() == {"aa": 60, "effect": 12, "srm": 8}
    assert (truth.loc[truth["kind"] != "effect", "effect"] == 0).all()
    assert set(truth["decision"]) == set(checkout_experiment.DECISIONS)
    for number, frame in replicates.groupby("replicate"):
        row = truth.set_index("replicate").loc[number]
        users = users_of(frame)
        android = users[users["platform"] == "android"]["arm"].value_counts()
        if row["kind"] == "srm":
            assert android["control"] > 1.5 * android["treatment"], number
            continue
        assert stats.chisquare(android.to_numpy()).pvalue > 1e-4, number
        latency = users.groupby("arm")["latency"].mean()
        assert abs(latency["treatment"] / latency["control"] - 1) < 0.05, number  # no latency regression


def test_a_known_effect_shows_in_the_user_conversion_of_its_replicates():
    _, replicates, truth, _ = tables()
    observed = []
    for number in truth.loc[truth["kind"] == "effect", "replicate"]:
        users = users_of(replicates[replicates["replicate"] == number])
        rates = users.groupby("arm")["converted"].mean()
        observed.append(rates["treatment"] - rates["control"])
    expected = truth.loc[truth["kind"] == "effect", "effect"].to_numpy()
    assert np.corrcoef(observed, expected)[0, 1] > 0.9
