from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.api import types as pdt
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from heldout.datasets import readmissions as m
from heldout.datasets._generated import GeneratedDataset
from tests.datasets.conftest import assert_dtypes, parts

COLUMNS = [
    "admission_id",
    "patient_id",
    "record_number",
    "admission_date",
    "discharge_date",
    "age",
    "sex",
    "insurance",
    "admission_type",
    "primary_diagnosis_code",
    "length_of_stay",
    "n_prior_admissions_12m",
    "n_comorbidities",
    "n_medications",
    "n_procedures",
    "bmi",
    "hemoglobin",
    "sodium",
    "creatinine",
    "hba1c",
    "discharge_disposition",
    "followup_calls_30d",
    "billing_status",
    "readmitted_30d",
]
STRINGS = ["admission_id", "patient_id", "admission_date", "discharge_date", "sex", "insurance"]
STRINGS += ["admission_type", "primary_diagnosis_code", "discharge_disposition", "billing_status"]
FLOATS = ["bmi", "hemoglobin", "creatinine", "hba1c"]
INTS = ["record_number", "age", "length_of_stay", "n_prior_admissions_12m", "n_comorbidities"]
INTS += ["n_medications", "n_procedures", "sodium", "followup_calls_30d", "readmitted_30d"]
HONEST_NUMERIC = ["age", "length_of_stay", "n_prior_admissions_12m", "n_comorbidities", "n_medications"]
HONEST_NUMERIC += ["n_procedures", "bmi", "hemoglobin", "sodium", "creatinine", "hba1c"]
FILES = ["hidden/holdout_labels.csv", "holdout_features.csv", "train.csv"]


@pytest.fixture(scope="module")
def data() -> GeneratedDataset:
    return m.generate(m.DEFAULT_SEED)


def _check_shape(d: GeneratedDataset) -> None:
    train, holdout, labels = parts(d)
    unique = train.drop_duplicates()
    assert 13_500 <= len(unique) + len(holdout) <= 16_500
    assert unique[m.ENTITY_COLUMN].nunique() == 4_000
    assert holdout[m.ENTITY_COLUMN].nunique() == 1_000
    assert len(labels) == len(holdout)
    for y in (train[m.LABEL], labels[m.LABEL]):
        assert 0.12 <= y.mean() <= 0.18


def _lr() -> Pipeline:
    imputer, scaler = SimpleImputer(strategy="median"), StandardScaler()
    return make_pipeline(imputer, scaler, LogisticRegression(max_iter=2000))


def test_interface(data: GeneratedDataset) -> None:
    assert (data.name, data.seed, m.DEFAULT_SEED) == ("readmissions", 20261124, 20261124)
    assert (m.LABEL, m.ID_COLUMN, m.ENTITY_COLUMN, m.TIME_COLUMN) == (
        "readmitted_30d",
        "admission_id",
        "patient_id",
        "discharge_date",
    )
    assert sorted(data.candidate_files) == ["holdout_features.csv", "train.csv"]
    assert list(data.hidden_files) == ["holdout_labels.csv"]
    named = m.POST_OUTCOME_COLUMNS + m.OUTCOME_ENCODING_COLUMNS + m.LEGITIMATE_STRONG
    named += m.HIGH_CARDINALITY_COLUMNS + m.MISSING_COLUMNS
    assert set(named) <= set(COLUMNS[:-1])
    assert set(m.LEGITIMATE_STRONG).isdisjoint(m.POST_OUTCOME_COLUMNS + m.OUTCOME_ENCODING_COLUMNS)


def test_other_seed_differs_with_same_shape(data: GeneratedDataset) -> None:
    other = m.generate(1)
    _check_shape(data)
    _check_shape(other)
    assert not parts(other)[0].equals(parts(data)[0])


def test_columns_and_dtypes(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    assert list(train.columns) == COLUMNS
    assert list(holdout.columns) == COLUMNS[:-1]
    assert_dtypes(train, STRINGS, FLOATS, INTS)
    assert train[m.ID_COLUMN].str.fullmatch(r"adm_\d{6}").all()
    assert train[m.ENTITY_COLUMN].str.fullmatch(r"p_\d{5}").all()
    for col in ("admission_date", m.TIME_COLUMN):
        assert train[col].str.fullmatch(r"202[56]-\d\d-\d\d").all()
    assert train["primary_diagnosis_code"].str.fullmatch(r"[A-Z]\d\d\.\d").all()
    assert set(train[m.LABEL]) == {0, 1}


def test_rows_in_time_order_and_stays_consistent(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    for frame in (train, holdout):
        key = list(zip(frame[m.TIME_COLUMN], frame[m.ID_COLUMN], strict=True))
        assert key == sorted(key)
        admit = pd.to_datetime(frame["admission_date"])
        discharge = pd.to_datetime(frame[m.TIME_COLUMN])
        assert ((discharge - admit).dt.days == frame["length_of_stay"]).all()
        assert discharge.min() >= pd.Timestamp("2025-01-01")
        assert discharge.max() <= pd.Timestamp("2026-12-31")


def test_no_listed_admission_within_30_days_of_a_discharge(data: GeneratedDataset) -> None:
    # Otherwise the label could be read off the patient's next row.
    train, holdout, _ = parts(data)
    rows = pd.concat([train.drop_duplicates(), holdout]).sort_values([m.ENTITY_COLUMN, "admission_date"])
    previous = pd.to_datetime(rows.groupby(m.ENTITY_COLUMN)[m.TIME_COLUMN].shift())
    gap = (pd.to_datetime(rows["admission_date"]) - previous).dt.days.dropna()
    assert gap.min() > 30
    counts = rows.groupby(m.ENTITY_COLUMN).size()
    assert counts.min() == 1 and counts.max() == 8


def test_holdout_patients_are_unseen(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    assert set(train[m.ENTITY_COLUMN]).isdisjoint(holdout[m.ENTITY_COLUMN])
    assert set(train[m.ID_COLUMN]).isdisjoint(holdout[m.ID_COLUMN])
    assert holdout[m.ID_COLUMN].is_unique


def test_same_patient_rows_are_correlated(data: GeneratedDataset) -> None:
    # Hidden frailty: a row's label goes with the labels of the patient's other rows.
    train = parts(data)[0].drop_duplicates()
    group = train.groupby(m.ENTITY_COLUMN)[m.LABEL]
    others = (group.transform("sum") - train[m.LABEL]) / (group.transform("size") - 1)
    several = group.transform("size") > 1
    assert np.corrcoef(train.loc[several, m.LABEL], others[several])[0, 1] > 0.1


def test_train_has_exact_duplicates_holdout_none(data: GeneratedDataset) -> None:
    train, holdout, _ = parts(data)
    dup = train.duplicated(keep=False)
    assert 0.005 * len(train) <= train.duplicated().sum() <= 0.015 * len(train)
    assert train.loc[dup, m.ID_COLUMN].value_counts().eq(2).all()
    assert train[m.ID_COLUMN].duplicated().sum() == train.duplicated().sum()
    assert not holdout.duplicated().any()


def test_post_outcome_columns_leak_in_train_only(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    y = train[m.LABEL]
    assert roc_auc_score(y, train["followup_calls_30d"]) > 0.85
    review = train["billing_status"] == "readmission_review"
    assert review[y == 1].mean() > 0.8 and review[y == 0].mean() < 0.05
    # At discharge nothing has happened yet.
    assert (holdout["followup_calls_30d"] == 0).all()
    assert (holdout["billing_status"] == "open").all()
    assert labels[m.LABEL].nunique() == 2


def test_record_number_encodes_the_label_in_train_only(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    review_series = train["record_number"] >= 500_000
    assert (review_series == (train[m.LABEL] == 1)).mean() > 0.98
    assert roc_auc_score(train[m.LABEL], train["record_number"]) > 0.95
    assert (holdout["record_number"] < 500_000).all()
    assert abs(roc_auc_score(labels[m.LABEL], holdout["record_number"]) - 0.5) < 0.05


def test_diagnosis_codes_are_many_and_often_rare(data: GeneratedDataset) -> None:
    train = parts(data)[0]
    counts = train["primary_diagnosis_code"].value_counts()
    assert len(counts) >= 300
    assert (counts < 5).sum() >= 60
    assert counts.iloc[0] / len(train) < 0.1


def test_lab_values_missing_not_completely_at_random(data: GeneratedDataset, tmp_path: Path) -> None:
    train, holdout, _ = parts(data)
    for frame in (train, holdout):
        for col in m.MISSING_COLUMNS:
            assert 0.05 <= frame[col].isna().mean() <= 0.25, col
    other = [c for c in COLUMNS if c not in m.MISSING_COLUMNS]
    assert not train[other].isna().any().any()
    elective = train["admission_type"] == "elective"
    assert train.loc[elective, "hba1c"].isna().mean() > 2 * train.loc[~elective, "hba1c"].isna().mean()
    data.write(tmp_path)
    back = pd.read_csv(tmp_path / "train.csv")
    assert back["hba1c"].isna().sum() == train["hba1c"].isna().sum()


def test_label_only_in_hidden_file(data: GeneratedDataset) -> None:
    _, holdout, labels = parts(data)
    assert m.LABEL not in holdout.columns
    assert list(labels.columns) == [m.LABEL]
    assert pdt.is_integer_dtype(labels[m.LABEL])
    assert labels.index.tolist() == list(range(len(holdout)))


def test_honest_model_works_and_leaky_one_only_validates(data: GeneratedDataset) -> None:
    train, holdout, labels = parts(data)
    y, y_hold = train[m.LABEL].to_numpy(), labels[m.LABEL].to_numpy()
    honest = _lr().fit(train[HONEST_NUMERIC], y)
    honest_auc = roc_auc_score(y_hold, honest.predict_proba(holdout[HONEST_NUMERIC])[:, 1])
    assert 0.68 <= honest_auc <= 0.78

    leaky = [*HONEST_NUMERIC, "followup_calls_30d", "record_number"]
    fit, val = train_test_split(np.arange(len(train)), test_size=0.25, random_state=0, stratify=y)
    model = _lr().fit(train.iloc[fit][leaky], y[fit])
    val_auc = roc_auc_score(y[val], model.predict_proba(train.iloc[val][leaky])[:, 1])
    hold_auc = roc_auc_score(y_hold, _lr().fit(train[leaky], y).predict_proba(holdout[leaky])[:, 1])
    assert val_auc > 0.95
    assert val_auc - hold_auc > 0.15
