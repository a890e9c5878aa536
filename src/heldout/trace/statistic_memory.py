"""The results of recent statistics, so their later use can be linked back to them (``fillna(means)``).

Newest first, at most 256: a result is found by identity (a Series of means) or, for a number, by value
(a mean taken out of it). Kept indexed by identity and by value, because the conversions and arithmetic
that ask run thousands of times a cell, and a scan of every entry cost milliseconds each time; answers
are those a newest-first scan of the entries gives.
"""

from __future__ import annotations

import weakref
from collections import deque
from typing import Any

__all__ = ["StatisticMemory"]


class StatisticMemory:
    def __init__(self, size: int = 256) -> None:
        # (sequence number, weakref or None, number or None, event id, id of the object), oldest first
        self._entries: deque[tuple[int, weakref.ref | None, float | None, int, int]] = deque()
        self._size = size
        self._seq = 0
        self._by_id: dict[int, tuple[int, weakref.ref, int]] = {}  # the newest entry per object id
        self._by_number: dict[float, tuple[int, int]] = {}  # the newest entry per number

    def __len__(self) -> int:
        return len(self._entries)

    def add_number(self, value: float, event_id: int) -> None:
        self._add(None, value, event_id, 0)

    def add_object(self, obj: Any, event_id: int) -> None:
        """Raises TypeError for an object that takes no weak reference."""
        self._add(weakref.ref(obj), None, event_id, id(obj))

    def _add(self, ref: weakref.ref | None, number: float | None, event_id: int, key: int) -> None:
        if len(self._entries) >= self._size:
            seq, old_ref, old_number, _, old_key = self._entries.popleft()
            if old_ref is not None:
                if self._by_id.get(old_key, (None,))[0] == seq:
                    del self._by_id[old_key]
            elif old_number is not None and self._by_number.get(old_number, (None,))[0] == seq:
                del self._by_number[old_number]
        seq = self._seq
        self._seq += 1
        self._entries.append((seq, ref, number, event_id, key))
        if ref is not None:
            self._by_id[key] = (seq, ref, event_id)
        elif number is not None:
            self._by_number[number] = (seq, event_id)

    def find_object(self, value: Any) -> int | None:
        """The newest statistic whose result is ``value`` itself."""
        if value is None:
            # A dead referent reads as None: the scan this index stands for matched those, so do it.
            for _, ref, _, event_id, _ in reversed(self._entries):
                if ref is not None and ref() is None:
                    return event_id
            return None
        entry = self._by_id.get(id(value))
        if entry is not None and entry[1]() is value:
            return entry[2]
        return None

    def find_number(self, number: float) -> int | None:
        """The newest statistic whose result equals ``number``."""
        entry = self._by_number.get(number)
        return None if entry is None else entry[1]
