"""The runner's side of the trace channel: read every frame the kernel sends, then judge the stream.

The kernel can add frames to the channel (any of its code can write to its end) but cannot take back
what was sent, and cannot read it. So the trace is assembled here, from what the tracer sent as the
notebook ran, and the stream itself is evidence: heldout's own kernel code sends frames numbered
0, 1, 2 ... and only in a fixed order (one ``cell`` frame after each of the notebook's cells, one
``finish`` when the grader's step begins, one ``result`` at its end). Frames written by the
notebook break that order, and the tracer reports being switched off or uninstalled when it is.
Every such finding is tampering: a verdict built on a trace the notebook shaped cannot stand.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from heldout.trace.record import TraceAssembler

__all__ = ["StreamReader", "TraceStream", "judge_stream"]


class StreamReader(threading.Thread):
    """Drains the runner's end of the channel into frames, keeping at most ``cap`` bytes of them."""

    def __init__(self, sock: socket.socket, cap: int) -> None:
        super().__init__(daemon=True)
        self.sock = sock
        self.cap = cap
        self.frames: list[dict[str, Any]] = []
        self.size = 0
        self.overflow = False
        self.garbled = 0
        self.result_seen = threading.Event()
        self.start()

    def run(self) -> None:
        pending = b""
        with self.sock:
            while chunk := self._receive():
                self.size += len(chunk)
                if self.size > self.cap:
                    self.overflow = True
                    self.result_seen.set()
                    continue  # keep draining so the kernel never blocks on a full socket
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self._take(line)
        if pending.strip():
            self._take(pending)
        self.result_seen.set()

    def _receive(self) -> bytes:
        try:
            return self.sock.recv(1 << 20)
        except OSError:
            return b""

    def _take(self, line: bytes) -> None:
        try:
            frame = json.loads(line)
        except ValueError:
            self.garbled += 1
            return
        if not isinstance(frame, dict):
            self.garbled += 1
            return
        self.frames.append(frame)
        if frame.get("kind") == "result":
            self.result_seen.set()


@dataclass
class TraceStream:
    """What the stream says: the trace, the grader step's result (None if it never came), and tampering."""

    trace: dict[str, Any]
    result: dict[str, Any] | None
    tampered: list[str] = field(default_factory=list)


def judge_stream(reader: StreamReader, code_cells: int, finished: bool) -> TraceStream:
    """Assemble and judge the frames of a run that executed ``code_cells`` of the notebook's cells and,
    when ``finished``, the grader's step after them."""
    assembler = TraceAssembler()
    tampered: list[str] = []
    result: dict[str, Any] | None = None
    cells_seen = 0
    stage = "cells"  # then "finish", then "result"
    if reader.overflow:
        return TraceStream(trace={}, result=None, tampered=[f"its trace was larger than {reader.cap} bytes"])
    if reader.garbled:
        tampered.append(f"{reader.garbled} unreadable frames were written to heldout's trace channel")
    for expected_seq, frame in enumerate(reader.frames):
        kind = frame.get("kind")
        if frame.get("seq") != expected_seq:
            tampered.append("frames not sent by heldout were written to its trace channel")
            break
        where = f"cell {cells_seen + 1}" if stage == "cells" else "the grader's step after the last cell"
        if kind == "cell":
            if stage == "cells":
                cells_seen += 1
            elif stage == "finish":  # the grader's step ended, and no result came before its end
                tampered.append("heldout's result never arrived from the kernel")
            found = frame.get("tampered")
            if found:
                what = ", ".join(str(item) for item in found[:5]) if isinstance(found, list) else str(found)
                tampered.append(f"after cell {cells_seen}: {what}"[:500])
        elif kind == "switch":
            if stage == "cells" and not frame.get("on"):
                tampered.append(f"the tracer was switched off during {where}")
        elif kind == "uninstall":
            if stage == "cells":
                tampered.append(f"the tracer was uninstalled during {where}")
        elif kind == "finish":
            if stage != "cells":
                tampered.append("the grader's step after the last cell began twice")
            elif cells_seen != code_cells:
                tampered.append(
                    f"heldout's check after each cell reported {cells_seen} of the {code_cells} cells "
                    "that ran"
                )
            stage = "finish"
            assembler.close()
        elif kind == "result":
            if stage != "finish" or result is not None:
                tampered.append("a result was written to heldout's trace channel before the grader's step")
            elif isinstance(frame.get("result"), dict):
                result = frame["result"]
                stage = "result"
            else:
                tampered.append("the grader step's result is malformed")
        elif kind in ("event", "update", "rowset", "array"):
            if stage == "result":
                tampered.append("trace frames were written after the grader's result")
            assembler.take(frame)
        else:
            tampered.append(f"a frame of unknown kind {str(kind)[:40]!r} was written to the trace channel")
    tampered.extend(assembler.problems[:3])
    if finished and result is None and not tampered:
        tampered.append("heldout's result never arrived from the kernel")
    return TraceStream(trace=assembler.to_json(), result=result, tampered=list(dict.fromkeys(tampered)))
