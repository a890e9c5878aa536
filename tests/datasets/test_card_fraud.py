from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from heldout.datasets._generated import GeneratedDataset
from heldout.datasets.card_fraud import DEFAULT_SEED, ID_COLUMN, LABEL, generate
from tests.datasets.conftest import assert_dtypes, parts

COLUMNS = [
    "transaction_id",
    "timestamp",
    "customer_id",
    "amount",
    "merchant_category",
    "channel",
    "card_present",
    "country_mismatch",
    "distance_from_home_km",
    "account_age_days",
    "customer_avg_amount_30d",
    "n_tx_last_24h",
    "declines_last_7d",
    "new_device",
    "is_fraud",
]
STRINGS = ["transaction_id", "timestamp", "customer_id", "merchant_category", "channel"]
FLOATS = ["amount", "distance_from_home_km", "customer_avg_amount_30d"]
INTS = ["card_present", "country_mismatch", "account_age_days", "n_tx_last_24h"]
INTS += ["declines_last_7d", "new_device", "is_fraud"]
NUMERIC = FLOATS + INTS[:-1]


@pytest.fixture(scope="module")
def data() -> GeneratedDataset:
    return generate(DEFAULT_SEED)


def _check_sizes_and_prevalence(d: GeneratedDataset) -> None:
    train, holdout, labels = parts(d)
    assert (len(train), len(holdout), len(labels)) == (48_000, 12_000, 12_000)
    assert 0.008 <= train[LABEL].mean() <= 0.015
    assert 0.008 <= labels[LABEL].mean() <= 0.015


def test_interface(data: GeneratedDataset) -> None:
    assert (data.name, data.seed) == ("card_fraud", DEFAULT_SEED)
    assert (LABEL, ID_COLUMN, DEFAULT_SEED) == ("is_fraud", "transaction_id", 20261124)
    assert sorted(data.candidate_files) == ["holdout_features.csv", "train.csv"]
    assert list(data.hidden_files) == ["holdout_labels.csv"]


def test_other_seed_differs_with_same_shape(data: GeneratedDataset) -> None:
    other = generate(1)
    _check_sizes_and_prevalence(data)
    _check_sizes_and_prevalence(other)
    assert not parts(other)[0].equals(parts(data)[0])


def test_columns_and_dtypes(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    assert list(train.columns) == COLUMNS
    assert list(holdout.columns) == COLUMNS[:-1]
    assert LABEL not in holdout.columns
    assert list(labels.columns) == ["row", ID_COLUMN, LABEL]
    assert_dtypes(train, STRINGS, FLOATS, INTS)
    assert train[ID_COLUMN].str.fullmatch(r"tx_\d{7}").all()
    assert train["customer_id"].str.fullmatch(r"c_\d{5}").all()
    assert train["timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert (train["amount"] > 0).all()
    assert set(train["channel"]) == {"pos", "online", "atm"}
    assert (train.loc[train["channel"] == "online", "card_present"] == 0).all()
    assert train.loc[train["channel"] != "online", "card_present"].mean() > 0.9
    assert 0.02 <= train["distance_from_home_km"].isna().mean() <= 0.04
    assert 0.01 <= train["account_age_days"].isna().mean() <= 0.02


def test_missing_written_as_empty(data: GeneratedDataset, tmp_path: Path) -> None:
    data.write(tmp_path)
    back = pd.read_csv(tmp_path / "train.csv")
    assert list(back.columns) == COLUMNS
    assert (
        back["account_age_days"].isna().sum()
        == data.candidate_files["train.csv"]["account_age_days"].isna().sum()
    )
    assert ",," in (tmp_path / "train.csv").read_text()


def test_duplicates_are_exact_and_adjacent(data: GeneratedDataset) -> None:
    for frame in parts(data)[:2]:
        dup = frame.duplicated(keep="first").to_numpy()
        assert 0.002 * len(frame) <= dup.sum() <= 0.007 * len(frame)
        idx = np.flatnonzero(dup)
        assert frame.iloc[idx].reset_index(drop=True).equals(frame.iloc[idx - 1].reset_index(drop=True))
        # An id repeats only as the retry right after its original.
        same_as_prev = (frame[ID_COLUMN] == frame[ID_COLUMN].shift()).to_numpy()
        assert (same_as_prev == dup).all()
        assert frame[ID_COLUMN].nunique() == len(frame) - dup.sum()


def test_holdout_is_later_than_train(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    for frame in (train, holdout):
        assert frame["timestamp"].is_monotonic_increasing
    assert holdout["timestamp"].min() > train["timestamp"].max()
    assert train["timestamp"].min() >= "2026-01-01 00:00:00"
    assert set(train[ID_COLUMN]).isdisjoint(holdout[ID_COLUMN])


def test_hidden_labels_line_up(data: GeneratedDataset) -> None:
    _, holdout, labels = parts(data)
    assert labels["row"].tolist() == list(range(len(holdout)))
    assert labels[ID_COLUMN].tolist() == holdout[ID_COLUMN].tolist()
    assert set(labels[LABEL].unique()) == {0, 1}


def test_logistic_regression_beats_prevalence(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    x_train = train[NUMERIC].astype(float)
    median = x_train.median()
    model = LogisticRegression(max_iter=2000).fit(x_train.fillna(median), train[LABEL])
    scores = model.predict_proba(holdout[NUMERIC].astype(float).fillna(median))[:, 1]
    y = labels[LABEL].to_numpy()
    assert average_precision_score(y, scores) > 3 * y.mean()
