"""The reactor_yield dataset keeps the promises its datasheet makes: an exact Bayes limit, groups of
near-copies, units far apart, interactions a linear model misses, and a truth the grader can use."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from heldout.datasets.reactor_yield import (
    DEFAULT_SEED,
    FEATURES,
    GROUPS,
    LABEL,
    NOISE_SD,
    expected_yield,
    generate,
)
from tests.datasets.conftest import parts

SHIPPED = Path(__file__).resolve().parents[2] / "datasets" / "reactor_yield"


@pytest.fixture(scope="module")
def dataset():
    return generate(DEFAULT_SEED, label_secret=11)


def test_sizes_columns_and_no_missing_values(dataset):
    train, holdout, labels = parts(dataset)
    assert (len(train), len(holdout), len(labels)) == (1_000, 2_000, 2_000)
    assert list(train.columns) == ["batch_id", *FEATURES, LABEL]
    assert list(holdout.columns) == ["batch_id", *FEATURES]
    assert not train.isna().any().any() and not holdout.isna().any().any()


def test_the_bayes_limit_is_the_noise_of_the_written_columns(dataset):
    _, holdout, labels = parts(dataset)
    residual = labels[LABEL].to_numpy() - expected_yield(holdout)
    assert np.sqrt(np.mean(residual**2)) == pytest.approx(NOISE_SD, rel=0.05)
    assert abs(residual.mean()) < 0.15


def test_readings_of_one_quantity_are_near_copies_and_units_are_far_apart(dataset):
    train, _, _ = parts(dataset)
    for columns in GROUPS.values():
        if len(columns) > 1:
            correlation = train[list(columns)].corr().to_numpy()
            assert correlation[np.triu_indices(len(columns), 1)].min() > 0.93, columns
    spreads = train[list(FEATURES)].std()
    assert spreads.max() / spreads.min() > 1e7


def test_a_linear_model_is_bias_limited_far_above_the_limit(dataset):
    train, holdout, labels = parts(dataset)
    linear = LinearRegression().fit(train[list(FEATURES)], train[LABEL])
    rmse = np.sqrt(np.mean((labels[LABEL] - linear.predict(holdout[list(FEATURES)])) ** 2))
    assert rmse > 2 * NOISE_SD


def test_the_truth_names_every_column_the_limit_and_a_falling_curve(dataset):
    truth = dataset.hidden_files["capacity_truth.csv"]
    features = truth[truth["kind"] == "feature"]
    assert sorted(features["name"]) == sorted(FEATURES)
    assert set(features.loc[features["value"] == 0, "detail"]) == {"noise"}
    bayes = truth[truth["kind"] == "bayes"].set_index("name")["value"]
    assert bayes["rmse"] == NOISE_SD and 0.9 < bayes["r2"] < 0.95
    test = truth[truth["kind"] == "curve_test"]["value"].to_numpy()
    assert np.all(np.diff(test) < 0) and test[-1] > NOISE_SD
    assert "hidden/capacity_truth.csv" not in dataset.secret_files  # the seed determines it


def test_the_shipped_truth_is_the_generators(dataset):
    shipped = pd.read_csv(SHIPPED / "hidden" / "capacity_truth.csv", keep_default_na=False)
    fresh = dataset.hidden_files["capacity_truth.csv"]
    assert list(shipped["name"]) == list(fresh["name"].astype(str))
    np.testing.assert_allclose(shipped["value"].astype(float), fresh["value"].astype(float))
