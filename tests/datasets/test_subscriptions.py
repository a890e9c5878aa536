from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.api import types as pdt
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from heldout.datasets import subscriptions as m
from heldout.datasets._generated import GeneratedDataset
from tests.datasets.conftest import assert_dtypes, parts

COLUMNS = [
    "customer_id",
    "snapshot_month",
    "tenure_months",
    "plan",
    "monthly_fee",
    "discount_pct",
    "sessions_per_week",
    "support_tickets",
    "payment_failures",
    "region",
    "age",
    "autopay",
    "churned",
]
STRINGS = ["customer_id", "snapshot_month", "plan", "region"]
FLOATS = ["monthly_fee", "discount_pct", "sessions_per_week"]
INTS = ["tenure_months", "support_tickets", "payment_failures", "age", "autopay", "churned"]
TRAIN_MONTHS = [f"{y}-{mo:02d}" for y in (2023, 2024) for mo in range(1, 13)]
HOLDOUT_MONTHS = ["2025-01", "2025-02", "2025-03"]
LIST_PRICE = {"basic": 7.99, "standard": 12.99, "premium": 18.99}
# (feature, first month of the planted change, smallest PSI from then on) for the features that move.
SHIFTED = [
    ("sessions_per_week", "2024-04", 0.25),
    ("discount_pct", "2024-07", 0.25),
    ("monthly_fee", "2024-07", 0.2),
]
STABLE = ["tenure_months", "plan", "support_tickets", "payment_failures", "region", "age", "autopay"]


@pytest.fixture(scope="module")
def data() -> GeneratedDataset:
    return m.generate(m.DEFAULT_SEED)


@pytest.fixture(scope="module")
def panel(data: GeneratedDataset) -> pd.DataFrame:
    """Train and holdout (with its hidden labels) as one panel, in file order."""
    train, holdout, labels = parts(data)
    return pd.concat([train, holdout.assign(churned=labels[m.LABEL].to_numpy())], ignore_index=True)


def _psi(reference: pd.Series, current: pd.Series) -> float:
    """PSI over 10 quantile bins of the reference (category shares for strings)."""
    if pdt.is_string_dtype(reference):
        cats = sorted(set(reference) | set(current))
        ref = reference.value_counts(normalize=True).reindex(cats, fill_value=0).to_numpy()
        cur = current.value_counts(normalize=True).reindex(cats, fill_value=0).to_numpy()
    else:
        edges = np.unique(np.quantile(reference, np.linspace(0.1, 0.9, 9)))
        ref = np.bincount(np.searchsorted(edges, reference), minlength=len(edges) + 1) / len(reference)
        cur = np.bincount(np.searchsorted(edges, current), minlength=len(edges) + 1) / len(current)
    ref, cur = np.clip(ref, 1e-4, None), np.clip(cur, 1e-4, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def _monthly_psi(panel: pd.DataFrame, feature: str) -> pd.Series:
    """PSI of each month against all of 2023."""
    reference = panel.loc[panel[m.TIME_COLUMN] < "2024-01", feature]
    return panel.groupby(m.TIME_COLUMN)[feature].apply(lambda month: _psi(reference, month))


def _baseline() -> Pipeline:
    """The harness's logistic regression: numeric columns, median imputer, scaler."""
    numeric = make_column_transformer(
        (
            make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
            make_column_selector(dtype_include="number"),
        )
    )
    return make_pipeline(numeric, LogisticRegression(max_iter=1000))


def test_interface(data: GeneratedDataset) -> None:
    assert (data.name, data.seed, m.DEFAULT_SEED) == ("subscriptions", 20261130, 20261130)
    assert (m.LABEL, m.ID_COLUMN, m.TIME_COLUMN) == ("churned", "customer_id", "snapshot_month")
    assert sorted(data.candidate_files) == ["holdout_features.csv", "train.csv"]
    assert sorted(data.hidden_files) == ["drift_truth.csv", "holdout_labels.csv"]
    assert list(m.FEATURES) == COLUMNS[2:-1]


def test_same_seed_same_bytes_other_seed_differs(data: GeneratedDataset, tmp_path: Path) -> None:
    first = data.write(tmp_path / "a")
    second = m.generate(m.DEFAULT_SEED).write(tmp_path / "b")
    assert [p.relative_to(tmp_path / "a").as_posix() for p in first] == [
        "hidden/drift_truth.csv",
        "hidden/holdout_labels.csv",
        "holdout_features.csv",
        "train.csv",
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    other = m.generate(1)
    assert not parts(other)[0].equals(parts(data)[0])
    assert 34_000 <= len(parts(other)[0]) <= 38_000


def test_columns_and_dtypes(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    assert list(train.columns) == COLUMNS
    assert list(holdout.columns) == COLUMNS[:-1]
    assert list(labels.columns) == [m.LABEL]
    assert_dtypes(train, STRINGS, FLOATS, INTS)
    assert_dtypes(holdout, STRINGS, FLOATS, INTS[:-1])
    assert pdt.is_integer_dtype(labels[m.LABEL])
    assert not train.isna().any().any() and not holdout.isna().any().any()
    assert train[m.ID_COLUMN].str.fullmatch(r"c_\d{5}").all()
    assert set(train["plan"]) == set(LIST_PRICE)
    assert set(train["region"]) == {"north", "south", "east", "west", "central"}
    assert set(train["discount_pct"]) == {0.0, 10.0, 20.0, 30.0}
    assert set(train["autopay"]) == {0, 1} and set(train[m.LABEL]) == {0, 1}
    assert train["age"].between(18, 80).all()
    assert (train["sessions_per_week"] >= 0).all()
    assert (train["sessions_per_week"].round(1) == train["sessions_per_week"]).all()
    assert (train[["support_tickets", "payment_failures", "tenure_months"]] >= 0).all().all()
    fee = (train["plan"].map(LIST_PRICE) * (1 - train["discount_pct"] / 100)).round(2)
    assert np.allclose(train["monthly_fee"], fee)


def test_sizes_and_months(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    assert 34_000 <= len(train) <= 38_000
    assert 4_000 <= len(holdout) <= 5_000
    assert len(labels) == len(holdout)
    assert labels.index.tolist() == list(range(len(holdout)))
    # The holdout months are only in the holdout files.
    assert sorted(train[m.TIME_COLUMN].unique()) == TRAIN_MONTHS
    assert sorted(holdout[m.TIME_COLUMN].unique()) == HOLDOUT_MONTHS


def test_rows_sorted_by_month_then_customer(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    for frame in (train, holdout):
        key = list(zip(frame[m.TIME_COLUMN], frame[m.ID_COLUMN], strict=True))
        assert key == sorted(key)
        assert not frame.duplicated([m.TIME_COLUMN, m.ID_COLUMN]).any()


@pytest.fixture(scope="module")
def world_panel() -> pd.DataFrame:
    """The panel with the holdout labels of the seed's world (the draw that decided who stays)."""
    train, holdout, labels = parts(m.generate(m.DEFAULT_SEED, legacy_labels=True))
    return pd.concat([train, holdout.assign(churned=labels[m.LABEL].to_numpy())], ignore_index=True)


def test_each_customer_is_a_run_of_consecutive_months_ended_by_churn(world_panel: pd.DataFrame) -> None:
    panel = world_panel
    rows = panel.sort_values([m.ID_COLUMN, m.TIME_COLUMN], kind="stable")
    month = pd.PeriodIndex(rows[m.TIME_COLUMN], freq="M").asi8
    same = (rows[m.ID_COLUMN] == rows[m.ID_COLUMN].shift()).to_numpy()
    assert (np.diff(month)[same[1:]] == 1).all()
    assert (np.diff(rows["tenure_months"].to_numpy())[same[1:]] == 1).all()
    # churned = 1 exactly on a customer's last row, unless that row is the last month of the data.
    last = ~np.r_[same[1:], False]
    churned = rows[m.LABEL].to_numpy() == 1
    assert not churned[~last].any()
    assert churned[last & (rows[m.TIME_COLUMN] != HOLDOUT_MONTHS[-1]).to_numpy()].all()
    # A customer's last training row is 0 when they carry on into the holdout.
    train = rows[rows[m.TIME_COLUMN] <= TRAIN_MONTHS[-1]]
    last_train = train.groupby(m.ID_COLUMN).tail(1)
    in_holdout = panel.loc[panel[m.TIME_COLUMN] >= HOLDOUT_MONTHS[0], m.ID_COLUMN]
    continuing = last_train[m.ID_COLUMN].isin(in_holdout)
    assert (last_train.loc[continuing, m.LABEL] == 0).all()
    assert (last_train.loc[~continuing, m.LABEL] == 1).all()
    # Sign-ups after the first month start at tenure 0; traits are fixed per customer.
    first = rows.groupby(m.ID_COLUMN).head(1)
    assert (first.loc[first[m.TIME_COLUMN] > TRAIN_MONTHS[0], "tenure_months"] == 0).all()
    assert (rows.groupby(m.ID_COLUMN)[["plan", "region", "age", "autopay"]].nunique() == 1).all().all()
    # Customers are numbered in order of sign-up.
    signup = month[rows.groupby(m.ID_COLUMN).cumcount().to_numpy() == 0] - first["tenure_months"].to_numpy()
    assert (np.diff(signup) >= 0).all()


def test_hidden_labels_are_a_fresh_draw_not_who_stays(panel: pd.DataFrame, world_panel: pd.DataFrame) -> None:
    # Presence next month is the world's draw; the hidden label is another draw from the same
    # probability, so some subscribers with a later snapshot are labelled as cancelled (and the other
    # way round), at about the churn rate.
    hold = (panel[m.TIME_COLUMN] >= HOLDOUT_MONTHS[0]).to_numpy()
    hidden, world = panel.loc[hold, m.LABEL].to_numpy(), world_panel.loc[hold, m.LABEL].to_numpy()
    assert 0.3 * hidden.mean() < (hidden != world).mean() < 3 * hidden.mean()


def test_churn_rate_and_active_count(panel: pd.DataFrame) -> None:
    assert 0.04 <= panel[m.LABEL].mean() <= 0.05
    by_month = panel.groupby(m.TIME_COLUMN)[m.LABEL]
    assert by_month.mean().between(0.025, 0.08).all()
    assert by_month.size().between(1_350, 1_650).all()
    holdout = panel[panel[m.TIME_COLUMN] >= HOLDOUT_MONTHS[0]]
    assert 0.03 <= holdout[m.LABEL].mean() <= 0.06


def test_drift_truth(data: GeneratedDataset) -> None:
    truth = data.hidden_files["drift_truth.csv"]
    assert list(truth.columns) == ["feature", "kind", "from_month", "effect"]
    assert sorted(truth["feature"]) == sorted(COLUMNS[2:-1])
    rows = {r.feature: (r.kind, r.from_month) for r in truth.itertuples()}
    assert rows["sessions_per_week"] == ("covariate", "2024-04")
    assert rows["discount_pct"] == ("covariate", "2024-07")
    assert rows["monthly_fee"] == ("covariate_derived", "2024-07")
    assert rows["support_tickets"] == ("concept", "2024-10")
    stable = truth[truth["kind"] == "stable"]
    assert sorted(stable["feature"]) == sorted(set(STABLE) - {"support_tickets"})
    assert (stable["from_month"] == "").all() and (stable["effect"] == "").all()
    assert (truth.loc[truth["kind"] != "stable", "effect"] != "").all()


def test_shifted_features_move_in_their_month(panel: pd.DataFrame) -> None:
    for feature, month, large in SHIFTED:
        psi = _monthly_psi(panel, feature)
        assert (psi[psi.index < month] < 0.05).all(), feature
        assert (psi[psi.index >= month] > large).all(), feature
    sessions = panel.groupby(m.TIME_COLUMN)["sessions_per_week"].median()
    before = sessions[sessions.index < "2024-04"].median()
    after = sessions[sessions.index >= "2024-04"].median()
    assert 3.5 <= before <= 4.5
    assert 0.55 <= after / before <= 0.75
    discounted = (panel["discount_pct"] > 0).groupby(panel[m.TIME_COLUMN]).mean()
    assert discounted[discounted.index < "2024-07"].between(0.06, 0.14).all()
    assert discounted[discounted.index >= "2024-07"].between(0.38, 0.52).all()


def test_stable_features_do_not_move(panel: pd.DataFrame) -> None:
    for feature in STABLE:
        assert (_monthly_psi(panel, feature) < 0.05).all(), feature


def test_support_tickets_concept_drift(panel: pd.DataFrame) -> None:
    # Same distribution of tickets before and after 2024-10 ...
    before = panel[panel[m.TIME_COLUMN] < "2024-10"]
    after = panel[panel[m.TIME_COLUMN] >= "2024-10"]
    assert 0.25 <= before["support_tickets"].mean() <= 0.35
    assert abs(after["support_tickets"].mean() / before["support_tickets"].mean() - 1) < 0.1
    assert _psi(before["support_tickets"], after["support_tickets"]) < 0.02

    # ... but a ticket means much less for churn afterwards.
    def ticket_coefficient(frame: pd.DataFrame) -> float:
        X = pd.DataFrame(
            {
                "tickets": frame["support_tickets"],
                "log_sessions": np.log1p(frame["sessions_per_week"]),
                "log_tenure": np.log1p(np.minimum(frame["tenure_months"], 24)),
                "first_month": (frame["tenure_months"] == 0).astype(int),
                "failures": frame["payment_failures"],
                "autopay": frame["autopay"],
                "discount": frame["discount_pct"],
            }
        )
        return float(LogisticRegression(max_iter=2000).fit(X, frame[m.LABEL]).coef_[0][0])

    early, late = ticket_coefficient(before), ticket_coefficient(after)
    assert 0.4 <= early <= 0.7
    assert late < 0.25
    assert early - late > 0.3


def test_models_beat_baseline_and_recent_training_helps(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    X, y, y_hold = train.drop(columns=m.LABEL), train[m.LABEL], labels[m.LABEL]
    prior = y_hold.mean()
    baseline = average_precision_score(y_hold, _baseline().fit(X, y).predict_proba(holdout)[:, 1])
    recent = (train[m.TIME_COLUMN] >= "2024-10").to_numpy()
    retrained = _baseline().fit(X[recent], y[recent])
    recent_ap = average_precision_score(y_hold, retrained.predict_proba(holdout)[:, 1])
    assert baseline > 2 * prior
    assert recent_ap > baseline + 0.02
    # Gradient boosting on the raw features (categories included) beats the baseline clearly.
    raw = [c for c in X.columns if c not in (m.ID_COLUMN, m.TIME_COLUMN)]

    def features(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[raw].copy()
        for col in ("plan", "region"):
            out[col] = pd.Categorical(out[col], categories=sorted(train[col].unique()))
        return out

    hgb = HistGradientBoostingClassifier(random_state=0, categorical_features="from_dtype")
    hgb_ap = average_precision_score(y_hold, hgb.fit(features(X), y).predict_proba(features(holdout))[:, 1])
    assert hgb_ap > baseline + 0.05
