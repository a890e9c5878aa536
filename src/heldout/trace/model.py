"""The trace read back on the grader's side, with the questions checks ask of it.

The trace is untrusted data from the candidate's process: it is parsed, never executed or unpickled, and
a malformed trace raises ``TraceFormatError`` (the grader reports that as tampering or a harness fault).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from heldout.trace.record import TRACE_VERSION, decode_array

__all__ = ["Event", "Trace", "TraceFormatError"]


class TraceFormatError(ValueError):
    pass


@dataclass(frozen=True)
class Event:
    id: int
    kind: str  # load | fit | transform | predict | split | metric | cv
    parent: int | None
    cell: int | None
    line: int | None
    data: dict[str, Any] = field(repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def name(self) -> str:
        """What a candidate would call it: the estimator class, metric or splitter name."""
        if self.kind == "cv":
            return str(self.data.get("function"))
        if self.kind == "metric":
            if self.data.get("recomputed"):
                return f"the {self.data.get('metric')} you computed by hand"
            if self.data.get("via") == "score_method":
                return f"{self.data.get('estimator')}.score"
            return str(self.data.get("metric"))
        for key in ("estimator", "splitter", "function", "file"):
            if self.data.get(key):
                return str(self.data[key])
        return self.kind

    @property
    def site(self) -> str:
        if self.cell is None:
            return "outside the notebook's cells" if self.line is None else f"line {self.line}"
        return f"cell {self.cell}, line {self.line}"


class Trace:
    def __init__(self, raw: dict[str, Any]) -> None:
        if not isinstance(raw, dict) or raw.get("version") != TRACE_VERSION:
            raise TraceFormatError("the trace has no recognised version")
        try:
            self.events = [
                Event(int(e["id"]), str(e["kind"]), e.get("parent"), e.get("cell"), e.get("line"), e)
                for e in raw["events"]
            ]
            self._rowsets_raw = dict(raw.get("rowsets", {}))
            self._arrays_raw = dict(raw.get("arrays", {}))
        except (KeyError, TypeError, ValueError) as error:
            raise TraceFormatError(f"malformed trace: {error}") from error
        for position, event in enumerate(self.events):
            if event.id != position:
                raise TraceFormatError("trace events are out of order")
        self._rowsets: dict[str, np.ndarray] = {}
        self._row_sets: dict[str, frozenset[int]] = {}  # many events share a row set: build each once

    def with_events(self, raw_events: Iterable[dict[str, Any]]) -> Trace:
        """This trace with ``raw_events`` after its last (the grader's own findings, numbered on)."""
        return Trace(
            {
                "version": TRACE_VERSION,
                "events": [event.data for event in self.events] + list(raw_events),
                "rowsets": self._rowsets_raw,
                "arrays": self._arrays_raw,
            }
        )

    @classmethod
    def empty(cls) -> Trace:
        return cls({"version": TRACE_VERSION, "events": []})

    # -- rows ---------------------------------------------------------------------------------------
    def rows(self, key: str | None) -> np.ndarray | None:
        if key is None:
            return None
        if key not in self._rowsets:
            if key not in self._rowsets_raw:
                raise TraceFormatError(f"the trace refers to a row set it does not hold ({key})")
            self._rowsets[key] = decode_array(self._rowsets_raw[key]).astype(np.int64)
        return self._rowsets[key]

    def array(self, key: str | None) -> np.ndarray | None:
        if key is None or key not in self._arrays_raw:
            return None
        return decode_array(self._arrays_raw[key])

    def row_set(self, event: Event, key: str = "rows") -> frozenset[int] | None:
        rowset_key = event.get(key)
        if rowset_key is None:
            return None
        cached = self._row_sets.get(rowset_key)
        if cached is None:
            rows = self.rows(rowset_key)
            cached = self._row_sets[rowset_key] = frozenset(rows[rows >= 0].tolist())
        return cached

    # -- structure ----------------------------------------------------------------------------------
    def __getitem__(self, event_id: int) -> Event:
        return self.events[event_id]

    def of_kind(self, *kinds: str) -> Iterator[Event]:
        return (event for event in self.events if event.kind in kinds)

    @cached_property
    def _children(self) -> dict[int, list[int]]:
        children: dict[int, list[int]] = {}
        for event in self.events:
            if event.parent is not None:
                children.setdefault(event.parent, []).append(event.id)
        return children

    def children(self, event_id: int) -> list[Event]:
        return [self.events[child] for child in self._children.get(event_id, [])]

    def descendants(self, event_id: int) -> Iterator[Event]:
        pending = list(self._children.get(event_id, []))
        while pending:
            child = pending.pop()
            yield self.events[child]
            pending.extend(self._children.get(child, []))

    def ancestors(self, event: Event) -> Iterator[Event]:
        parent = event.parent
        while parent is not None and 0 <= parent < len(self.events):
            yield self.events[parent]
            parent = self.events[parent].parent

    def describe(self, event: Event) -> str:
        """A metric as the candidate wrote it: inside cross_val_score or a search, name that call."""
        if event.kind == "metric" and event.parent is not None:
            parent = self.events[event.parent]
            if parent.kind == "cv":
                return f"{parent.name} ({event.name})"
            if parent.kind == "fit" and parent.get("role") == "search":
                return f"{parent.name} cross-validation ({event.name})"
        return event.name

    def is_internal(self, event: Event) -> bool:
        """Made by a library on the candidate's behalf inside a fit (a search's folds), not typed."""
        return any(a.kind == "fit" for a in self.ancestors(event))

    # -- lineage ------------------------------------------------------------------------------------
    def upstream_fits(self, metric: Event) -> list[Event]:
        """Every fit whose result could have shaped the predictions this metric scored.

        Out-of-fold predictions (cross_val_predict) are traced through their inputs only: each of their
        rows was predicted by a fold model that did not see it.
        """
        start: list[int] = []
        if metric.get("fit_event") is not None:
            start.append(metric.get("fit_event"))
        start.extend(metric.get("inputs") or [])
        if metric.get("pred_producer") is not None:
            start.append(metric.get("pred_producer"))
        elif metric.get("via") == "function":
            inferred = self.latest_prediction_on(metric)
            if inferred is not None:
                start.append(inferred.id)
        return self._closure(start, metric.id)

    def latest_prediction_on(self, metric: Event) -> Event | None:
        rows = metric.get("rows")
        for event in reversed(self.events[: metric.id]):
            if event.kind == "predict" and event.get("rows") == rows and rows is not None:
                return event
        return None

    def _closure(self, start: Iterable[int], before: int) -> list[Event]:
        seen: set[int] = set()
        fits: dict[int, Event] = {}
        pending = [i for i in start if isinstance(i, int) and 0 <= i < before]
        while pending:
            event_id = pending.pop()
            if event_id in seen:
                continue
            seen.add(event_id)
            event = self.events[event_id]
            if event.kind == "fit":
                fits[event.id] = event
                for child in self.descendants(event.id):
                    if child.kind == "fit":
                        fits[child.id] = child
                    pending.extend(child.get("inputs") or [])
            if event.kind in ("transform", "predict") and event.get("fit_event") is not None:
                pending.append(event.get("fit_event"))
            pending.extend(i for i in event.get("inputs") or [] if isinstance(i, int) and i < before)
        return [fits[i] for i in sorted(fits)]

    def lineage_events(self, event_ids: Iterable[int], before: int) -> list[Event]:
        """Every event an object's producers go back through (used for resampled evaluation rows)."""
        seen: set[int] = set()
        pending = [i for i in event_ids if isinstance(i, int) and 0 <= i < before]
        found = []
        while pending:
            event_id = pending.pop()
            if event_id in seen:
                continue
            seen.add(event_id)
            event = self.events[event_id]
            found.append(event)
            pending.extend(i for i in event.get("inputs") or [] if isinstance(i, int) and i < before)
        return sorted(found, key=lambda e: e.id)
