"""A failure of heldout's own bookkeeping is heldout's: the candidate's call runs as it would without
heldout, the trace says where the tracer failed, and the candidate's own exceptions pass unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import LabelEncoder, StandardScaler


def _errors(tracer) -> list[dict]:
    return [e for e in tracer.recorder.events if e["kind"] == "tracer_error"]


def test_a_hook_that_fails_leaves_the_call_to_run_as_plain_python(tracer, fraud_csv, monkeypatch):
    frame = pd.read_csv("train.csv")
    expected = StandardScaler().fit(frame[["a", "b"]].to_numpy()).mean_

    def broken(*args, **kwargs):
        raise RuntimeError("heldout bug")

    monkeypatch.setattr(tracer.lineage, "resolve", broken)
    scaler = StandardScaler().fit(frame[["a", "b"]])
    assert np.allclose(scaler.mean_, expected)
    assert scaler.transform(frame[["a", "b"]]).shape == (800, 2)
    moved = frame.assign(c=frame["a"] * 2)  # a pandas hook fails the same way
    assert moved["c"].tolist() == (frame["a"] * 2).tolist()
    errors = _errors(tracer)
    assert errors and all(e["error"] == "RuntimeError: heldout bug" for e in errors)
    assert {e["function"] for e in errors} >= {"StandardScaler.fit", "DataFrame.assign"}


def test_the_candidates_own_exception_is_still_theirs(tracer, fraud_csv, monkeypatch):
    with pytest.raises(ValueError, match="could not convert string to float"):
        StandardScaler().fit(pd.DataFrame({"a": ["x", "y"]}))
    assert _errors(tracer) == []


def test_an_exception_after_the_call_returns_its_result(tracer, fraud_csv, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("heldout bug after the call")

    monkeypatch.setattr(tracer, "_resampled_rows", broken)
    monkeypatch.setattr(tracer.lineage, "register", broken)
    X = pd.read_csv("train.csv")[["a", "b"]]
    out = StandardScaler().fit_transform(X)
    assert out.shape == (800, 2) and abs(float(out.mean())) < 1e-9
    assert [e["error"] for e in _errors(tracer)][:1] == ["RuntimeError: heldout bug after the call"]


def test_a_label_encoder_fitted_on_a_string_series_runs_and_is_traced(tracer, fraud_csv):
    frame = pd.read_csv("train.csv")
    encoder = LabelEncoder().fit(frame["kind"])
    assert list(encoder.classes_) == ["x", "y", "z"]
    assert encoder.transform(frame["kind"]).shape == (800,)
    assert _errors(tracer) == []
    assert any(e["kind"] == "fit" and e["estimator"] == "LabelEncoder" for e in tracer.recorder.events)


def test_the_grade_says_where_heldout_failed_as_heldouts_fault(tracer, fraud_csv, monkeypatch):
    from heldout.grading import _tracer_errors
    from heldout.trace.model import Trace

    def broken(*args, **kwargs):
        raise RuntimeError("heldout bug")

    monkeypatch.setattr(tracer.lineage, "resolve", broken)
    StandardScaler().fit(pd.read_csv("train.csv")[["a", "b"]])
    tracer.enabled = False
    notes = _tracer_errors(Trace(tracer.recorder.to_json()))
    fit = [note for note in notes if note.startswith("heldout's tracer failed on StandardScaler.fit (line ")]
    assert len(fit) == 1, notes
    assert "RuntimeError: heldout bug" in fit[0] and "ran as it would without heldout" in fit[0]
