from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.api import types as pdt
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from heldout.datasets import payments as m
from heldout.datasets._generated import GeneratedDataset
from tests.datasets.conftest import assert_dtypes, parts

EVENT_COLUMNS = [
    "payment_id",
    "user_id",
    "event_time",
    "ingested_at",
    "amount",
    "merchant_category",
    "country",
    "device_type",
    "channel",
]
COLUMNS = [*EVENT_COLUMNS, "label_time", "is_fraud"]
STRINGS = ["payment_id", "user_id", "event_time", "ingested_at", "merchant_category", "country"]
STRINGS += ["device_type", "channel"]
EXTRACT = pd.Timestamp("2026-07-01")
MATURE = EXTRACT - pd.Timedelta(days=45)  # older payments have a final label at the extract
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
FILES = [
    "hidden/holdout_labels.csv",
    "hidden/train_truth.csv",
    "holdout_features.csv",
    "train.csv",
]


@pytest.fixture(scope="module")
def data() -> GeneratedDataset:
    return m.generate(m.DEFAULT_SEED)


@pytest.fixture(scope="module")
def log(data: GeneratedDataset) -> pd.DataFrame:
    """Train and holdout events as one log in event order, with the final truth and parsed times."""
    train, holdout, labels = parts(data)
    truth = data.hidden_files["train_truth.csv"].set_index("payment_id")["is_fraud_final"]
    frame = pd.concat(
        [
            train.assign(final=truth.loc[train["payment_id"]].to_numpy(), part="train"),
            holdout.assign(final=labels[m.LABEL].to_numpy(), part="holdout"),
        ],
        ignore_index=True,
    )
    frame["t"] = pd.to_datetime(frame["event_time"])
    frame["ti"] = pd.to_datetime(frame["ingested_at"])
    return frame.sort_values(["t", "payment_id"], ignore_index=True)


def _user_window_count(user: np.ndarray, sec: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Number of the same user's other payments at offsets in [lo, hi) seconds from each payment
    (lo = -3600, hi = 0: the previous hour; lo = 1, hi = 3601: the next hour)."""
    key = user.astype(np.int64) * 10**9 + sec  # sec < 10**9, so keys never mix users
    order = np.argsort(key, kind="stable")
    ks = key[order]
    out = np.empty(len(sec), np.int64)
    counts = np.searchsorted(ks, ks + hi, side="left") - np.searchsorted(ks, ks + lo, side="left")
    out[order] = counts - ((lo <= 0) & (hi > 0))  # not the payment itself
    return out


@pytest.fixture(scope="module")
def past(log: pd.DataFrame) -> pd.DataFrame:
    """Past-only features computed from the whole log by event time (and a whole-log one)."""
    user = log["user_id"].str[2:].astype(int).to_numpy()
    sec = ((log["t"] - pd.Timestamp("2026-01-01")).dt.total_seconds()).astype(np.int64).to_numpy()
    out = pd.DataFrame(index=log.index)
    out["n_1h"] = _user_window_count(user, sec, -3_600, 0)
    out["n_24h"] = _user_window_count(user, sec, -86_400, 0)
    out["next_1h"] = _user_window_count(user, sec, 1, 3_601)  # the future: not available at serving
    log_amount = np.log(log["amount"])
    by_user = log_amount.groupby(log["user_id"])
    earlier = by_user.cumcount()
    mean_before = (by_user.cumsum() - log_amount) / earlier.where(earlier > 0)
    out["amount_vs_usual"] = log_amount - mean_before
    out["new_country"] = (log.groupby(["user_id", "country"]).cumcount() == 0).astype(int)
    new_device = log.groupby(["user_id", "device_type"], dropna=False).cumcount() == 0
    out["new_device"] = new_device.astype(float).where(log["device_type"].notna())
    out["hour"] = log["t"].dt.hour
    categories = sorted(log.loc[log["part"] == "train", "merchant_category"].unique())
    known = log["merchant_category"].where(log["merchant_category"].isin(categories))
    out["category"] = pd.Categorical(known, categories=categories)
    return out


def test_interface(data: GeneratedDataset) -> None:
    assert (data.name, data.seed, m.DEFAULT_SEED) == ("payments", 20261201, 20261201)
    assert (m.LABEL, m.ID_COLUMN, m.TIME_COLUMN) == ("is_fraud", "payment_id", "event_time")
    assert list(m.EVENT_COLUMNS) == EVENT_COLUMNS
    assert sorted(data.candidate_files) == ["holdout_features.csv", "train.csv"]
    assert sorted(data.hidden_files) == ["holdout_labels.csv", "train_truth.csv"]


def test_same_seed_same_bytes_other_seed_differs(data: GeneratedDataset, tmp_path: Path) -> None:
    first = data.write(tmp_path / "a")
    second = m.generate(m.DEFAULT_SEED).write(tmp_path / "b")
    assert [p.relative_to(tmp_path / "a").as_posix() for p in first] == FILES
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    other = m.generate(1)
    assert not parts(other)[0].equals(parts(data)[0])
    assert 60_000 <= len(parts(other)[0]) <= 90_000


def test_columns_and_dtypes(data: GeneratedDataset, tmp_path: Path) -> None:
    train, holdout, labels = parts(data)
    assert list(train.columns) == COLUMNS
    assert list(holdout.columns) == EVENT_COLUMNS
    assert list(labels.columns) == [m.LABEL]
    assert_dtypes(train, [*STRINGS, "label_time"], ["amount"], [m.LABEL])
    assert_dtypes(holdout, STRINGS, ["amount"], [])
    assert pdt.is_integer_dtype(labels[m.LABEL]) and set(labels[m.LABEL]) == {0, 1}
    assert train["payment_id"].str.fullmatch(r"pay_\d{7}").all()
    assert train["user_id"].str.fullmatch(r"u_\d{5}").all()
    for col in ("event_time", "ingested_at"):
        assert train[col].str.fullmatch(STAMP).all() and holdout[col].str.fullmatch(STAMP).all()
    assert train["label_time"].dropna().str.fullmatch(STAMP).all()
    assert (train["amount"] > 0).all() and (train["amount"].round(2) == train["amount"]).all()
    assert train["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert set(train["device_type"].dropna()) == {"ios", "android", "web", "other"}
    assert set(train["channel"]) == {"app", "web"}
    # Only device_type and the labels have missing values, written as empty cells.
    assert train.columns[train.isna().any()].tolist() == ["device_type", "label_time", m.LABEL]
    assert holdout.columns[holdout.isna().any()].tolist() == ["device_type"]
    data.write(tmp_path)
    # low_memory=False: the last quarter of the rows (by ingestion) has no label_time, and pandas' chunked
    # reader would warn about mixed types; the column reads as strings with NaN either way.
    read = pd.read_csv(tmp_path / "train.csv", low_memory=False)
    assert pdt.is_string_dtype(read["label_time"])
    assert pdt.is_float_dtype(read[m.LABEL]) and read[m.LABEL].isna().any()
    assert set(read[m.LABEL].dropna()) == {0.0, 1.0}
    assert read["label_time"].isna().sum() == read[m.LABEL].isna().sum()
    # The label is written as 0, 1 or an empty cell (not 0.0 / 1.0).
    lines = (tmp_path / "train.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert {line.rsplit(",", 1)[1] for line in lines} == {"", "0", "1"}


def test_sizes_and_periods(data: GeneratedDataset, log: pd.DataFrame) -> None:
    train, holdout, labels = parts(data)
    assert 60_000 <= len(train) <= 90_000
    assert 10_000 <= len(holdout) <= 15_000
    assert len(labels) == len(holdout)
    assert 2_500 <= log["user_id"].nunique() <= 3_000
    in_train = log["part"] == "train"
    assert log.loc[in_train, "t"].between("2026-01-01", EXTRACT, inclusive="left").all()
    assert log.loc[~in_train, "t"].between(EXTRACT, "2026-08-01", inclusive="left").all()
    # The extract holds what the platform had received by 2026-07-01 00:00.
    assert (log.loc[in_train, "ti"] < EXTRACT).all()
    # Payment ids number the payments in event order, across both files.
    ids = log["payment_id"].str[4:].astype(int).to_numpy()
    assert (np.diff(ids) > 0).all()
    assert not log.duplicated("payment_id").any()


def test_rows_sorted_by_ingestion_then_id(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    for frame in (train, holdout):
        key = list(zip(frame["ingested_at"], frame["payment_id"], strict=True))
        assert key == sorted(key)
        # ... which is not the event order.
        assert not frame["event_time"].is_monotonic_increasing


def test_ingestion_delays(log: pd.DataFrame) -> None:
    delay = (log["ti"] - log["t"]).dt.total_seconds()
    assert (delay >= 1).all()  # never before the event
    assert delay.median() < 60
    late = delay >= 3_600
    assert 0.02 <= late.mean() <= 0.04
    assert delay.max() <= 48 * 3_600
    assert (delay[~late] <= 600).all()
    # Late events come from apps queueing offline more than from the web.
    assert late[log["channel"] == "app"].mean() > 2 * late[log["channel"] == "web"].mean()


def test_labels_known_only_by_the_extract(data: GeneratedDataset, log: pd.DataFrame) -> None:
    train = parts(data)[0]
    event = pd.to_datetime(train["event_time"])
    label_time = pd.to_datetime(train["label_time"])
    known = train[m.LABEL].notna()
    assert (known == label_time.notna()).all()
    assert (label_time[known] < EXTRACT).all()
    # Everything older than the 45-day chargeback window has its final label; unknowns are recent.
    assert known[event < MATURE].all()
    assert (event[~known] >= MATURE).all()
    delay_days = (label_time - event).dt.total_seconds() / 86_400
    fraud = train[m.LABEL] == 1
    assert delay_days[fraud].between(5, 45, inclusive="left").all()
    assert 15 <= delay_days[fraud].median() <= 25
    assert (delay_days[known & ~fraud] == 45).all()
    # The label-delay trap: in the last 45 days only chargebacks are known, so every known label is fraud.
    recent = event >= MATURE
    assert 0.2 <= recent.mean() <= 0.3
    assert (train.loc[recent & known, m.LABEL] == 1).all()
    assert train.loc[recent, m.LABEL].isna().mean() > 0.95
    # ... while the truth among recent payments is the usual low rate, and many of their frauds are unknown.
    recent_truth = log.loc[(log["part"] == "train") & (log["t"] >= MATURE), "final"]
    assert recent_truth.mean() < 0.05
    assert (train.loc[recent, m.LABEL] == 1).sum() < 0.7 * recent_truth.sum()


def test_train_truth(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    truth = data.hidden_files["train_truth.csv"]
    assert list(truth.columns) == [
        "payment_id",
        "is_fraud_final",
        "label_time_final",
        "in_extract",
        "fraud_episode",
        "fraud_kind",
    ]
    assert truth["payment_id"].is_monotonic_increasing
    # Every training payment, including the few ingested after the extract.
    assert set(train["payment_id"]) <= set(truth["payment_id"])
    assert set(truth.loc[truth["in_extract"] == 1, "payment_id"]) == set(train["payment_id"])
    assert (truth["in_extract"] == 0).sum() < 0.001 * len(truth)
    # It agrees with every label known at the extract.
    joined = train.merge(truth, on="payment_id")
    known = joined[m.LABEL].notna()
    assert (joined.loc[known, m.LABEL] == joined.loc[known, "is_fraud_final"]).all()
    assert (joined.loc[known, "label_time"] == joined.loc[known, "label_time_final"]).all()
    assert (joined.loc[~known, "label_time_final"] >= "2026-07-01").all()
    # Fraud rates, episodes and kinds.
    assert 0.015 <= truth["is_fraud_final"].mean() <= 0.025
    assert 0.015 <= labels[m.LABEL].mean() <= 0.035
    fraud = truth["is_fraud_final"] == 1
    assert (truth["fraud_episode"].notna() == fraud).all()
    assert (truth["fraud_kind"].notna() == fraud).all()
    assert set(truth.loc[fraud, "fraud_kind"]) == set(m.EPISODE_KINDS)
    takeover = truth.loc[truth["fraud_kind"] == "account_takeover", "payment_id"]
    first_takeover = train.loc[train["payment_id"].isin(takeover), "event_time"].min()
    assert first_takeover >= "2026-05-11"
    assert len(holdout) > 0


def test_new_categories_only_in_holdout(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    assert train["merchant_category"].nunique() == 25
    new = set(holdout["merchant_category"]) - set(train["merchant_category"])
    assert new == set(m.NEW_CATEGORIES)
    assert 0.02 <= holdout["merchant_category"].isin(new).mean() <= 0.08


def test_missing_device_type(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    assert 0.015 <= train["device_type"].isna().mean() <= 0.025
    assert 0.03 <= holdout["device_type"].isna().mean() <= 0.05


def test_fraud_comes_in_bursts(log: pd.DataFrame, data: GeneratedDataset) -> None:
    truth = data.hidden_files["train_truth.csv"]
    fraud = truth[truth["is_fraud_final"] == 1].merge(log[["payment_id", "user_id", "t"]], on="payment_id")
    episodes = fraud.groupby("fraud_episode")
    assert (episodes["user_id"].nunique() == 1).all()
    span_hours = (episodes["t"].max() - episodes["t"].min()).dt.total_seconds() / 3_600
    assert span_hours.max() < 12
    size = episodes.size()
    assert 3 <= size.mean() <= 6 and (size >= 3).mean() > 0.5
    # A fraud payment mostly has another fraud payment of the same user within two hours.
    key = fraud.sort_values(["user_id", "t"])
    gap = key.groupby("user_id")["t"].diff().dt.total_seconds()
    next_gap = key.groupby("user_id")["t"].diff(-1).dt.total_seconds().abs()
    assert ((gap < 7_200) | (next_gap < 7_200)).mean() > 0.8


def test_past_only_signal_exists(log: pd.DataFrame, past: pd.DataFrame) -> None:
    rate = log["final"].mean()
    assert log.loc[past["n_1h"] >= 3, "final"].mean() > 8 * rate
    assert log.loc[past["n_1h"] >= 1, "final"].mean() > 2 * rate
    assert log.loc[past["new_device"] == 1, "final"].mean() > 1.5 * rate
    assert log.loc[past["amount_vs_usual"] > 1, "final"].mean() > 2 * rate
    assert log.loc[past["hour"] < 6, "final"].mean() > 4 * rate
    # The future is more telling still: a third of the frauds have nothing in their past hour (the first
    # payment of a burst), but most of those have payments in their next hour, which only the whole log shows.
    fraud = log["final"] == 1
    unseen = fraud & (past["n_1h"] == 0)
    assert 0.2 <= unseen.sum() / fraud.sum() <= 0.5
    assert (past.loc[unseen, "next_1h"] >= 1).mean() > 0.6
    assert log.loc[(past["n_1h"] == 0) & (past["next_1h"] >= 2), "final"].mean() > 4 * rate


def test_honest_model_beats_the_amount_baseline(log: pd.DataFrame, past: pd.DataFrame) -> None:
    """Gradient boosting on past-only features, trained on matured labels, against a logistic
    regression on `amount` (the only numeric column of the event log)."""
    matured = ((log["part"] == "train") & (log["t"] < MATURE)).to_numpy()
    hold = (log["part"] == "holdout").to_numpy()
    y, y_hold = log.loc[matured, m.LABEL].astype(int), log.loc[hold, "final"]
    baseline = LogisticRegression(max_iter=1000).fit(log.loc[matured, ["amount"]], y)
    baseline_ap = average_precision_score(y_hold, baseline.predict_proba(log.loc[hold, ["amount"]])[:, 1])
    features = past.drop(columns="next_1h").assign(log_amount=np.log(log["amount"]))
    hgb = HistGradientBoostingClassifier(random_state=0, categorical_features="from_dtype")
    hgb.fit(features[matured], y)
    hgb_ap = average_precision_score(y_hold, hgb.predict_proba(features[hold])[:, 1])
    assert baseline_ap < 0.1
    assert hgb_ap > 0.3 and hgb_ap > 2 * baseline_ap
