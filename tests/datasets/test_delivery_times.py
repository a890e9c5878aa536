from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from heldout.datasets._generated import GeneratedDataset
from heldout.datasets.delivery_times import DEFAULT_SEED, ID_COLUMN, LABEL, generate
from tests.datasets.conftest import assert_dtypes, parts

SHIPPED = Path(__file__).resolve().parents[2] / "datasets" / "delivery_times"
COLUMNS = [
    "order_id",
    "order_time",
    "hour",
    "day_of_week",
    "order_type",
    "distance_km",
    "n_items",
    "restaurant_prep_minutes",
    "courier_experience_months",
    "traffic_index",
    "weather",
    "customer_rating_last_order",
    "app_version",
    "promo_code_used",
    "payment_method",
    "customer_tenure_days",
    "delivery_minutes",
]
STRINGS = ["order_time", "day_of_week", "order_type", "weather", "app_version", "payment_method"]
FLOATS = ["distance_km", "restaurant_prep_minutes", "traffic_index", "delivery_minutes"]
INTS = ["order_id", "hour", "n_items", "courier_experience_months", "customer_rating_last_order"]
INTS += ["promo_code_used", "customer_tenure_days"]
USELESS_NUMERIC = ["customer_rating_last_order", "promo_code_used", "customer_tenure_days"]
USELESS_STRINGS = ["app_version", "payment_method"]


@pytest.fixture(scope="module")
def data() -> GeneratedDataset:
    return generate(DEFAULT_SEED)


def _check_sizes_and_rates(d: GeneratedDataset) -> None:
    train, holdout, labels = parts(d)
    assert (len(train), len(holdout), len(labels)) == (24_000, 6_000, 6_000)
    for y in (train[LABEL], labels[LABEL]):
        assert 0.04 <= (y == 0).mean() <= 0.06
        assert 27 <= y.mean() <= 36


def test_interface(data: GeneratedDataset) -> None:
    assert (data.name, data.seed) == ("delivery_times", DEFAULT_SEED)
    assert (LABEL, ID_COLUMN, DEFAULT_SEED) == ("delivery_minutes", "order_id", 20261124)
    assert sorted(data.candidate_files) == ["holdout_features.csv", "train.csv"]
    assert list(data.hidden_files) == ["holdout_labels.csv"]


def test_other_seed_differs_with_same_shape(data: GeneratedDataset) -> None:
    other = generate(1)
    _check_sizes_and_rates(data)
    _check_sizes_and_rates(other)
    assert not parts(other)[0].equals(parts(data)[0])


def test_columns_and_dtypes(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    assert list(train.columns) == COLUMNS
    assert list(holdout.columns) == COLUMNS[:-1]
    assert_dtypes(train, STRINGS, FLOATS, INTS)
    assert train["order_time"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    stamps = pd.to_datetime(train["order_time"])
    assert (stamps.dt.hour == train["hour"]).all()
    assert (stamps.dt.strftime("%a") == train["day_of_week"]).all()
    assert set(train["weather"]) == {"clear", "rain", "snow", "wind"}
    assert train["traffic_index"].dropna().between(0, 1).all()
    assert 0.02 <= train["traffic_index"].isna().mean() <= 0.04
    delivery = train["order_type"] == "delivery"
    assert 0.02 <= train.loc[delivery, "courier_experience_months"].isna().mean() <= 0.04
    # Pickup and locker orders have no ride, hence no distance and no courier.
    assert (train.loc[~delivery, "distance_km"] == 0).all()
    assert (train.loc[delivery, "distance_km"] > 0).all()
    assert train.loc[~delivery, "courier_experience_months"].isna().all()


def test_order_types_and_zero_targets(data: GeneratedDataset) -> None:
    train = parts(data)[0]
    shares = train["order_type"].value_counts(normalize=True)
    assert 0.91 <= shares["delivery"] <= 0.95
    assert 0.04 <= shares["pickup"] <= 0.06
    assert 0.01 <= shares["locker"] <= 0.03
    y, kind = train[LABEL], train["order_type"]
    # Zero targets exist, and they are exactly the pickups: the trap for percentage errors.
    assert ((y == 0) == (kind == "pickup")).all()
    assert y[kind == "locker"].between(0.2, 1.5).all()
    assert (y[kind == "delivery"] >= 3).all()
    assert (y >= 0).all() and y.max() <= 240


def test_heavy_right_tail(data: GeneratedDataset) -> None:
    y = parts(data)[0].query("order_type == 'delivery'")[LABEL]
    assert y.mean() > y.median()
    assert 0.005 <= (y > 90).mean() <= 0.02
    assert y.quantile(0.999) > 2 * y.quantile(0.9)


def test_useless_features_carry_no_signal(data: GeneratedDataset) -> None:
    train = parts(data)[0]
    y = train[LABEL]
    for col in USELESS_NUMERIC:
        x = train[col].astype(float)
        seen = x.notna()
        # Spearman correlation; its standard error under no signal is about 1/sqrt(24,000) = 0.0065.
        assert abs(x[seen].rank().corr(y[seen].rank())) < 0.03, col
    for col in USELESS_STRINGS:
        groups = y.groupby(train[col])
        between = (groups.count() * (groups.mean() - y.mean()) ** 2).sum()
        assert between / ((y - y.mean()) ** 2).sum() < 0.001, col  # share of variance explained
    # The useful columns do carry signal, so the test above would notice a leak.
    assert train["distance_km"].rank().corr(y.rank()) > 0.3


def test_holdout_is_later_than_train(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    for frame in (train, holdout):
        assert frame["order_time"].is_monotonic_increasing
        assert frame[ID_COLUMN].is_monotonic_increasing
    assert holdout["order_time"].min() > train["order_time"].max()
    assert train["order_time"].min() >= "2026-01-01 00:00:00"
    assert holdout["order_time"].max() < "2026-07-01 00:00:00"
    assert train[ID_COLUMN].tolist() == list(range(1, 24_001))
    assert holdout[ID_COLUMN].tolist() == list(range(24_001, 30_001))


def test_label_only_in_the_hidden_file(data: GeneratedDataset, tmp_path: Path) -> None:
    _, holdout, labels = parts(data)
    assert LABEL not in holdout.columns
    assert list(labels.columns) == [LABEL]
    assert len(labels) == len(holdout)
    written = data.write(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in written if LABEL in p.read_text()] == [
        "hidden/holdout_labels.csv",
        "train.csv",
    ]


def test_linear_regression_beats_the_mean(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    x = train.drop(columns=LABEL)
    numeric = make_column_selector(dtype_include="number")
    model = make_pipeline(
        make_column_transformer((make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)),
        LinearRegression(),
    ).fit(x, train[LABEL])
    y = labels[LABEL].to_numpy()
    mean_mae = np.abs(y - train[LABEL].mean()).mean()
    linear_mae = np.abs(y - model.predict(holdout[x.columns])).mean()
    assert 10 <= mean_mae <= 14
    assert 0.2 <= 1 - linear_mae / mean_mae <= 0.35
