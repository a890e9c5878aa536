"""Helpers shared by the dataset tests."""

from __future__ import annotations

import pandas as pd
from pandas.api import types as pdt

from heldout.datasets._generated import GeneratedDataset


def parts(d: GeneratedDataset) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(train, holdout features, hidden holdout labels) of a generated dataset."""
    return (
        d.candidate_files["train.csv"],
        d.candidate_files["holdout_features.csv"],
        d.hidden_files["holdout_labels.csv"],
    )


def assert_dtypes(frame: pd.DataFrame, strings: list[str], floats: list[str], ints: list[str]) -> None:
    for col in strings:
        assert pdt.is_string_dtype(frame[col]), col
    for col in floats:
        assert pdt.is_float_dtype(frame[col]), col
    for col in ints:
        assert pdt.is_integer_dtype(frame[col]), col
