"""The trace format shared by the kernel (which writes it) and the grader (which reads it).

A trace is JSON: ``events`` (dicts, in the order they happened), ``rowsets`` (int64 arrays of harness row
ids, stored once each and referred to by key) and ``arrays`` (float arrays such as curve thresholds).
Arrays travel as base64 of zlib-compressed little-endian bytes, so a trace is plain data that the grader
can parse without unpickling anything the candidate's process produced.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

import numpy as np

__all__ = ["SYNTHETIC", "TRACE_VERSION", "Recorder", "decode_array", "encode_array", "source_row_ids"]

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


class Recorder:
    """Append-only event log with interned row sets (many fits see the very same rows)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.rowsets: dict[str, np.ndarray] = {}
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"id": len(self.events), "kind": kind, **fields}
        self.events.append(event)
        return event

    def rowset(self, rows: np.ndarray) -> str:
        rows = np.asarray(rows, dtype=np.int64)
        key = hashlib.blake2b(rows.tobytes(), digest_size=10).hexdigest()
        self.rowsets.setdefault(key, rows)
        return key

    def array(self, values: np.ndarray) -> str:
        values = np.asarray(values, dtype=np.float64)
        key = hashlib.blake2b(values.tobytes(), digest_size=10).hexdigest()
        self.arrays.setdefault(key, values)
        return key

    def to_json(self, **extra: Any) -> dict[str, Any]:
        return {
            "version": TRACE_VERSION,
            "events": self.events,
            "rowsets": {key: encode_array(rows) for key, rows in self.rowsets.items()},
            "arrays": {key: encode_array(values) for key, values in self.arrays.items()},
            **extra,
        }
