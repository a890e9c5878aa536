"""The kernel's side of the trace channel: every trace record leaves the kernel as it happens.

The runner (outside the kernel) makes a Unix socket pair and hands one end to the kernel it starts;
the kernel writes newline-delimited JSON frames to it and never reads. What has been sent cannot be
taken back: deleting the recorder's events, replacing the recorder or rewriting a result file after
the fact changes nothing the runner holds. A socket, unlike a pipe, cannot be reopened for reading
through ``/proc/self/fd``, so the candidate's code cannot drain the channel either; what it can still
do is write frames of its own, and the runner's reader (heldout.execute.trace_stream) judges those:
a second ``finish``, frames out of sequence, or anything after the result is tampering.

Frame kinds: ``event`` (a new trace event), ``update`` (fields set on an event after it was made),
``rowset`` and ``array`` (interned arrays, sent once when first made), ``switch`` (the tracer turned
on or off), ``tamper`` (the sentinel saw heldout's code or hooks changed), ``finish`` (the grader's
step after the last cell began) and ``result`` (that step's findings).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

__all__ = ["Channel", "NullChannel"]


class Channel:
    """Writes frames to a descriptor, in order, from any thread."""

    __slots__ = ("_fd", "_lock", "_seq", "broken")

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._seq = 0
        self.broken = False

    def send(self, kind: str, **payload: Any) -> None:
        with self._lock:
            frame = {"seq": self._seq, "kind": kind, **payload}
            self._seq += 1
            data = (json.dumps(frame, allow_nan=False, default=str) + "\n").encode("utf-8")
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(self._fd, view) :]
            except OSError:
                # The runner is gone or the candidate closed the descriptor: the runner sees the
                # missing frames as a broken channel, so nothing more can be said here.
                self.broken = True


class NullChannel:
    """For a tracer outside the grader (live mode, the in-process tests): frames go nowhere."""

    __slots__ = ()
    broken = False

    def send(self, kind: str, **payload: Any) -> None:
        return None
