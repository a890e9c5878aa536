"""The trace format shared by the kernel (which writes it) and the grader (which reads it).

A trace is JSON: ``events`` (dicts, in the order they happened), ``rowsets`` (int64 arrays of harness row
ids, stored once each and referred to by key) and ``arrays`` (float arrays such as curve thresholds).
Arrays travel as base64 of zlib-compressed little-endian bytes, so a trace is plain data that the grader
can parse without unpickling anything the candidate's process produced.

In a graded run the recorder also sends each event, each later field of an event, and each interned
array down the trace channel (heldout.trace.channel) as it is made: the runner assembles the trace
from those frames, so what the candidate's code does to the recorder afterwards changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

import numpy as np

__all__ = [
    "SYNTHETIC",
    "TRACE_VERSION",
    "Recorder",
    "TraceAssembler",
    "decode_array",
    "encode_array",
    "source_row_ids",
]

TRACE_VERSION = 1
SYNTHETIC = -1  # a row made by a resampler (SMOTE and friends): it exists in no dataset file
_SOURCE_SHIFT = 32  # row id = (source number << 32) | position in that file


def source_row_ids(source_no: int, n_rows: int) -> np.ndarray:
    return (np.int64(source_no) << _SOURCE_SHIFT) + np.arange(n_rows, dtype=np.int64)


def encode_array(values: np.ndarray) -> dict[str, Any]:
    values = np.ascontiguousarray(values)
    dtype = values.dtype.newbyteorder("<")
    raw = values.astype(dtype, copy=False).tobytes()
    return {"dtype": dtype.str, "data": base64.b64encode(zlib.compress(raw, 1)).decode("ascii")}


def decode_array(blob: dict[str, Any], max_bytes: int = 512 * 1024 * 1024) -> np.ndarray:
    dtype = np.dtype(blob["dtype"])
    if dtype.kind not in "iuf":
        raise ValueError(f"unexpected array dtype {dtype}")
    decompressor = zlib.decompressobj()
    raw = decompressor.decompress(base64.b64decode(blob["data"]), max_bytes)
    if decompressor.unconsumed_tail:
        raise ValueError("array larger than allowed")
    return np.frombuffer(raw, dtype=dtype).copy()


class _Event(dict):
    """An event that reports the fields set on it later (a fit's outcome, a metric's value)."""

    __slots__ = ("_channel",)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._channel.send("update", id=self["id"], fields={key: value})

    def append_to(self, key: str, item: Any) -> None:
        """``event[key].append(item)``, reported: a change made inside a field's value is not seen."""
        super().__getitem__(key).append(item)
        self._channel.send("update", id=self["id"], append={key: item})


class Recorder:
    """Append-only event log with interned row sets (many fits see the very same rows)."""

    __slots__ = ("_channel", "arrays", "events", "rowsets")

    def __init__(self, channel: Any = None) -> None:
        from heldout.trace.channel import NullChannel

        self._channel = channel if channel is not None else NullChannel()
        self.events: list[dict[str, Any]] = []
        self.rowsets: dict[str, np.ndarray] = {}
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = _Event(id=len(self.events), kind=kind, **fields)
        event._channel = self._channel
        self.events.append(event)
        self._channel.send("event", event=event)
        return event

    def rowset(self, rows: np.ndarray) -> str:
        rows = np.asarray(rows, dtype=np.int64)
        key = hashlib.blake2b(rows.tobytes(), digest_size=10).hexdigest()
        if key not in self.rowsets:
            self.rowsets[key] = rows
            self._channel.send("rowset", key=key, blob=encode_array(rows))
        return key

    def array(self, values: np.ndarray) -> str:
        values = np.asarray(values, dtype=np.float64)
        key = hashlib.blake2b(values.tobytes(), digest_size=10).hexdigest()
        if key not in self.arrays:
            self.arrays[key] = values
            self._channel.send("array", key=key, blob=encode_array(values))
        return key

    def to_json(self, **extra: Any) -> dict[str, Any]:
        return {
            "version": TRACE_VERSION,
            "events": self.events,
            "rowsets": {key: encode_array(rows) for key, rows in self.rowsets.items()},
            "arrays": {key: encode_array(values) for key, values in self.arrays.items()},
            **extra,
        }


class TraceAssembler:
    """The runner's side: a trace built from the frames the recorder sent, in the JSON form of
    ``Recorder.to_json``. Events made after ``close()`` (the grader's own probes after the last cell)
    are not the candidate's, and are left out, as are fields set on them."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.rowsets: dict[str, Any] = {}
        self.arrays: dict[str, Any] = {}
        self.closed = False
        self.problems: list[str] = []

    def take(self, frame: dict[str, Any]) -> None:
        kind = frame.get("kind")
        if kind == "event":
            event = frame.get("event")
            if self.closed:
                return
            if not isinstance(event, dict) or event.get("id") != len(self.events):
                self.problems.append(f"trace event out of order (frame {frame.get('seq')})")
                return
            self.events.append(event)
        elif kind == "update":
            number, fields, appended = frame.get("id"), frame.get("fields"), frame.get("append")
            known = isinstance(number, int) and 0 <= number < len(self.events)
            if known and isinstance(fields, dict):
                self.events[number].update(fields)
            elif known and isinstance(appended, dict):
                for key, item in appended.items():
                    target = self.events[number].get(key)
                    if isinstance(target, list):
                        target.append(item)
                    else:
                        self.problems.append(
                            f"an append to a field that is not a list (frame {frame.get('seq')})"
                        )
            elif not self.closed:
                self.problems.append(f"an update of an unknown trace event (frame {frame.get('seq')})")
        elif kind in ("rowset", "array"):
            key, blob = frame.get("key"), frame.get("blob")
            if isinstance(key, str) and isinstance(blob, dict):
                (self.rowsets if kind == "rowset" else self.arrays).setdefault(key, blob)

    def close(self) -> None:
        self.closed = True

    def to_json(self) -> dict[str, Any]:
        return {
            "version": TRACE_VERSION,
            "events": self.events,
            "rowsets": self.rowsets,
            "arrays": self.arrays,
        }
