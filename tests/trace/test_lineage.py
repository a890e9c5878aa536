"""Row identity: what the tracer concludes about which file rows an object holds."""

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split


def rows_of(tracer, obj):
    lineage = tracer.lineage.resolve(obj)
    return None if lineage is None else lineage.rows.tolist()


def test_loaded_frame_rows_are_file_positions(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    assert rows_of(tracer, df) == list(range(len(df)))
    load = tracer.recorder.events[0]
    assert load["kind"] == "load" and load["file"] == "train.csv" and load["n_rows"] == 800


def test_column_selections_and_row_subsets_keep_their_rows(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    X = df.drop(columns=["is_fraud"])
    y = df["is_fraud"]
    subset = df[df["a"] > 0]
    assert rows_of(tracer, X) == list(range(800))
    assert rows_of(tracer, y) == list(range(800))
    assert rows_of(tracer, subset) == subset.index.tolist()


def test_renumbered_index_is_not_mistaken_for_file_rows(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    shuffled = df.sample(frac=1.0, random_state=0)
    renumbered = pd.DataFrame(shuffled.to_dict("list"))  # same values, fresh 0..n-1 index
    assert rows_of(tracer, renumbered) is None


def test_reset_index_keeps_identity(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    _, test = train_test_split(df, test_size=0.25, random_state=0)
    expected = test.index.tolist()
    renumbered = test.reset_index(drop=True)
    assert rows_of(tracer, renumbered) == expected


def test_numpy_fold_selections_are_traced_through_the_split_indices(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    X = df[["a", "b", "c", "d"]].to_numpy()
    y = df["is_fraud"].to_numpy()
    for train_idx, test_idx in StratifiedKFold(3).split(X, y):
        assert rows_of(tracer, X[train_idx]) == train_idx.tolist()
        assert rows_of(tracer, y[test_idx]) == test_idx.tolist()


def test_exact_duplicate_rows_keep_separate_identities(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    assert df.iloc[780:].reset_index(drop=True).equals(df.iloc[:20].reset_index(drop=True))
    tail = df.iloc[780:]
    assert rows_of(tracer, tail) == list(range(780, 800))
    head = df.iloc[:20]
    assert rows_of(tracer, head) == list(range(20))


def test_column_of_a_prediction_is_traced_to_its_rows(tracer, fraud_csv):
    from sklearn.linear_model import LogisticRegression

    df = pd.read_csv("train.csv")
    X_train, X_test, y_train, _ = train_test_split(df[["a", "b"]], df["is_fraud"], random_state=0)
    proba = LogisticRegression().fit(X_train, y_train).predict_proba(X_test)
    assert rows_of(tracer, proba[:, 1]) == X_test.index.tolist()


def test_unrelated_arrays_are_unknown(tracer, fraud_csv):
    pd.read_csv("train.csv")
    assert rows_of(tracer, np.arange(800.0)) is None
