"""The trace channel end to end in one process: the tracer's frames over a real socket pair, and the
runner's judgement of streams that heldout sent and streams the notebook shaped."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import numpy as np
import pytest

from heldout.execute.trace_stream import StreamReader, judge_stream
from heldout.trace.channel import Channel
from heldout.trace.record import Recorder


def _frames(*frames: dict) -> SimpleNamespace:
    """A reader that got these frames, numbered as heldout's channel numbers them."""
    numbered = [{"seq": i, **frame} for i, frame in enumerate(frames)]
    return SimpleNamespace(frames=numbered, overflow=False, garbled=0, cap=1 << 20)


def _event(number: int, kind: str = "fit") -> dict:
    return {"kind": "event", "event": {"id": number, "kind": kind}}


HONEST = (
    _event(0),
    {"kind": "cell", "tampered": []},
    _event(1, "metric"),
    {"kind": "update", "id": 1, "fields": {"value": 0.5}},
    {"kind": "cell", "tampered": []},
    {"kind": "finish"},
    {"kind": "switch", "on": False},
    _event(2, "predict"),  # the grader's own probe after the last cell
    {"kind": "result", "result": {"errors": {}, "tampered": []}},
    {"kind": "cell", "tampered": []},  # the grader's step is a cell too
)


def test_an_honest_stream_gives_the_trace_of_the_cells_only() -> None:
    stream = judge_stream(_frames(*HONEST), code_cells=2, finished=True)
    assert stream.tampered == []
    assert stream.result == {"errors": {}, "tampered": []}
    assert [e["kind"] for e in stream.trace["events"]] == ["fit", "metric"]
    assert stream.trace["events"][1]["value"] == 0.5


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (
            (HONEST[0], {"kind": "switch", "on": False}, *HONEST[1:]),
            "the tracer was switched off during cell 1",
        ),
        (
            (HONEST[0], HONEST[1], {"kind": "uninstall"}, *HONEST[2:]),
            "the tracer was uninstalled during cell 2",
        ),
        (
            (HONEST[0], {"kind": "cell", "tampered": ["StandardScaler.fit"]}, *HONEST[2:]),
            "after cell 1: StandardScaler.fit",
        ),
        ((*HONEST[:4], *HONEST[5:]), "reported 1 of the 2 cells that ran"),
        ((*HONEST[:5], {"kind": "finish"}, *HONEST[5:]), "began twice"),
        ((*HONEST[:2], {"kind": "result", "result": {}}, *HONEST[2:]), "before the grader's step"),
        ((*HONEST[:8], *HONEST[9:]), "heldout's result never arrived"),
        ((*HONEST[:9], _event(3)), "trace frames were written after the grader's result"),
        ((*HONEST, {"kind": "shell"}), "a frame of unknown kind 'shell'"),
    ],
    ids=[
        "switched-off",
        "uninstalled",
        "patch-replaced",
        "cell-check-removed",
        "second-finish",
        "early-result",
        "no-result",
        "after-result",
        "unknown-kind",
    ],
)
def test_a_stream_the_notebook_shaped_is_tampering(frames: tuple, message: str) -> None:
    stream = judge_stream(_frames(*frames), code_cells=2, finished=True)
    assert any(message in found for found in stream.tampered), stream.tampered


def test_frames_out_of_sequence_are_not_heldouts() -> None:
    reader = _frames(*HONEST)
    reader.frames.insert(
        3, {"seq": 1, "kind": "result", "result": {}}
    )  # a forged frame, numbered as it could
    stream = judge_stream(reader, code_cells=2, finished=True)
    assert stream.tampered == ["frames not sent by heldout were written to its trace channel"]


def test_unreadable_frames_and_a_flood_are_reported() -> None:
    reader = _frames(*HONEST)
    reader.garbled = 2
    assert "2 unreadable frames" in judge_stream(reader, 2, True).tampered[0]
    reader.overflow = True
    flooded = judge_stream(reader, 2, True)
    assert flooded.result is None and "larger than" in flooded.tampered[0]


def test_the_recorder_sends_every_event_field_and_array_over_a_real_socket() -> None:
    ours, theirs = socket.socketpair()
    reader = StreamReader(ours, cap=1 << 24)
    channel = Channel(theirs.fileno())
    recorder = Recorder(channel)
    event = recorder.add("fit", rows=recorder.rowset(np.arange(5)))
    event["n_out"] = 5
    recorder.events.clear()  # what the notebook does to the recorder afterwards changes nothing sent
    recorder.rowsets.clear()
    channel.send("cell", tampered=[])
    channel.send("finish")
    channel.send("result", result={"errors": {}})
    theirs.close()
    reader.join(timeout=10)
    stream = judge_stream(reader, code_cells=1, finished=True)
    assert stream.tampered == []
    assert stream.trace["events"] == [{"id": 0, "kind": "fit", "rows": event["rows"], "n_out": 5}]
    assert list(stream.trace["rowsets"]) == [event["rows"]]


def test_a_closed_channel_breaks_quietly_and_the_runner_says_the_result_never_came() -> None:
    ours, theirs = socket.socketpair()
    reader = StreamReader(ours, cap=1 << 20)
    channel = Channel(theirs.fileno())
    channel.send("cell", tampered=[])
    theirs.close()  # the notebook closed heldout's descriptor
    channel.send("finish")
    assert channel.broken
    reader.join(timeout=10)
    assert judge_stream(reader, 1, True).tampered == ["heldout's result never arrived from the kernel"]


def test_the_streamed_trace_is_the_recorders_own_for_a_whole_workflow(fraud_csv):
    """Every field the tracer fills in after making an event (split folds, metric values, a search's
    choice, resampled rows) reaches the runner: a change made inside a field would be lost."""
    import json

    import pandas as pd
    import sklearn.metrics as metrics
    import sklearn.model_selection as ms
    from imblearn.over_sampling import SMOTE
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from heldout.trace.hooks import Tracer
    from heldout.trace.record import TraceAssembler
    from heldout.trace.sites import SiteFinder

    ours, theirs = socket.socketpair()
    reader = StreamReader(ours, cap=1 << 26)
    tracer = Tracer(
        {"train.csv": 0},
        SiteFinder(cell_of=lambda _name: None, script_files=frozenset({__file__})),
        channel=Channel(theirs.fileno()),
    ).install()
    try:
        df = pd.read_csv("train.csv")
        X = df[["a", "b", "c", "d"]].fillna(df[["a", "b"]].mean())
        y = df["is_fraud"]
        X_tr, X_te, y_tr, y_te = ms.train_test_split(X, y, stratify=y, random_state=0)
        pipe = make_pipeline(StandardScaler(), LogisticRegression())
        ms.cross_val_score(pipe, X_tr, y_tr, cv=ms.StratifiedKFold(3), scoring="average_precision")
        search = ms.GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=3).fit(X_tr, y_tr)
        X_res, y_res = SMOTE(random_state=0).fit_resample(X_tr, y_tr)
        model = LogisticRegression().fit(X_res, y_res)
        metrics.average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
        metrics.precision_recall_curve(y_te, search.predict_proba(X_te)[:, 1])
    finally:
        tracer.uninstall()
    expected = json.loads(json.dumps(tracer.recorder.to_json(), default=str))
    theirs.close()
    reader.join(timeout=30)
    assembler = TraceAssembler()
    for frame in reader.frames:
        assembler.take(frame)
    streamed = assembler.to_json()
    assert assembler.problems == []
    assert any(e["kind"] == "split" and e["folds"] for e in streamed["events"])
    assert streamed["events"] == expected["events"]
    assert streamed["rowsets"] == expected["rowsets"] and streamed["arrays"] == expected["arrays"]
