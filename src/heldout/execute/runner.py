"""Runs one notebook inside the sandbox and reports on the file descriptor it is given.

Started by heldout.execute.sandbox as ``python -m heldout.execute.runner JOB FD``. It executes the code cells
in a fresh IPython kernel (nbclient) with the tracer installed before the first cell, then asks the
kernel for the contract's artefacts, and writes one JSON record to that descriptor. The trace and the
kernel's result come back over a socket pair whose one end only the kernel holds
(heldout.execute.trace_stream judges what arrived), never through a file. The kernel never holds it
(jupyter_client closes inherited descriptors), and the runner makes itself undumpable so that no other
process of the sandbox can reopen it through ``/proc/<runner>/fd`` (or read the runner's memory): whatever
the candidate's code prints cannot forge the record; it can only fill its own capped stdout. Output
the kernel sends is bounded before it is decoded (oversized messages, messages queued), so an output
flood cannot take the runner's memory.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import Session
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets import default

from heldout.execute.output_text import output_text
from heldout.execute.trace_stream import StreamReader, judge_stream

_TRACEBACK_CHARS = 3000
_IOPUB_QUEUE = 16  # output messages waiting to be read; the kernel drops the rest
_kept_bytes = 16 * 1024 * 1024  # above this an output message is never kept: set from the job
# Messages whose content can be dropped unread, and what stands in for it.
_STUBS: dict[str, dict[str, Any]] = {
    "stream": {"name": "stdout", "text": ""},
    "display_data": {"data": {}, "metadata": {}, "transient": {}},
    "update_display_data": {"data": {}, "metadata": {}, "transient": {}},
    "execute_result": {"data": {}, "metadata": {}, "execution_count": None},
    "error": {"ename": "", "evalue": "", "traceback": []},
    "execute_input": {"code": "", "execution_count": None},
}


class _BoundedSession(Session):
    """Drops oversized output messages before decoding them.

    nbclient decodes every message before the per-cell cap can drop it: a notebook printing a few
    hundred MB took the runner past its memory limit (it died in the JSON decoder, and the record was
    lost). Output larger than the cap is replaced by an empty stand-in marked ``heldout_dropped``.
    """

    def deserialize(self, msg_list: Any, content: bool = True, copy: bool = True) -> dict[str, Any]:
        if not content or len(msg_list) < 5 or len(msg_list[4]) <= _kept_bytes:
            return super().deserialize(msg_list, content=content, copy=copy)
        message = super().deserialize(msg_list, content=False, copy=copy)
        stub = _STUBS.get(message["msg_type"])
        if stub is None:  # a reply the client needs: decode it after all
            message["content"] = self.unpack(message["content"])
        else:
            message["heldout_dropped"] = len(message["content"])
            message["content"] = json.loads(json.dumps(stub))
        return message


class _BoundedKernelClient(AsyncKernelClient):
    def connect_iopub(self, identity: bytes | None = None) -> zmq.Socket:
        """A short receive queue: what the kernel sends faster than the runner reads, it drops."""
        self.context.setsockopt(zmq.RCVHWM, _IOPUB_QUEUE)
        try:
            return super().connect_iopub(identity)
        finally:
            self.context.setsockopt(zmq.RCVHWM, 1000)


class _BoundedKernelManager(AsyncKernelManager):
    @default("client_factory")
    def _bounded_client_factory(self) -> type:
        return _BoundedKernelClient

    def _session_default(self) -> Session:
        return _BoundedSession(parent=self)


class _CappedClient(NotebookClient):
    """Keeps at most ``output_bytes`` of outputs per cell: floods fill memory, not just stdout."""

    def __init__(self, *args: Any, output_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._output_bytes = output_bytes
        self._kept: dict[int, int] = {}
        self.truncated_cells: set[int] = set()

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        if msg.get("heldout_dropped"):
            self.truncated_cells.add(cell_index)
            return None
        size = len(json.dumps(msg.get("content", {}), default=str))
        kept = self._kept.get(cell_index, 0)
        if kept + size > self._output_bytes:
            self.truncated_cells.add(cell_index)
            return None
        self._kept[cell_index] = kept + size
        return super().output(outs, msg, display_id, cell_index)


def run(job_path: Path) -> dict[str, Any]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        reader = StreamReader(ours, json.loads(job_path.read_text(encoding="utf-8"))["result_bytes"])
        record, code_cells = _execute(job_path, theirs)
    finally:
        theirs.close()
    finished = record["status"] == "completed"
    # The result frame was written before the last cell's reply; a child that still holds the kernel's
    # end must not keep the runner waiting for the end of the stream.
    reader.result_seen.wait(timeout=30 if finished else 5)
    stream = judge_stream(reader, code_cells, finished)
    if finished and stream.result is not None:
        kernel = stream.result
        kernel["trace"] = stream.trace
        kernel["tampered"] = list(kernel.get("tampered") or []) + stream.tampered
        record["kernel"] = kernel
    elif finished:
        record.update(status="result_unreadable", error={"value": "; ".join(stream.tampered)[:500]})
    return record


def _execute(job_path: Path, channel: socket.socket) -> tuple[dict[str, Any], int]:
    """Run every code cell, then the grader's step; the record and how many code cells ran."""
    global _kept_bytes
    job = json.loads(job_path.read_text(encoding="utf-8"))
    nb = nbformat.read(job["notebook"], as_version=4)
    _kept_bytes = job["output_bytes"] + 1024 * 1024
    start_line = (
        f"import heldout.trace.kernel as _heldout; _heldout.start({str(job_path)!r}, {channel.fileno()})"
    )
    client = _CappedClient(
        nb,
        timeout=job["cell_seconds"],
        kernel_name="python3",
        resources={"metadata": {"path": str(job_path.parent.parent)}},
        extra_arguments=[f"--IPKernelApp.exec_lines={start_line}", "--HistoryManager.enabled=False"],
        output_bytes=job["output_bytes"],
        startup_timeout=120,
        kernel_manager_class=_BoundedKernelManager,
    )
    record: dict[str, Any] = {"status": "completed", "cells": []}
    code_cell = 0
    with client.setup_kernel(pass_fds=(channel.fileno(),)):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            code_cell += 1
            if not cell.source.strip():
                # nbclient skips empty cells, which would shift IPython's execution counts (the cell
                # numbers the tracer reports) away from the notebook's code-cell numbers.
                cell.source = "pass"
            started = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                record.update(status="timeout", cell=code_cell)
            except DeadKernelError:
                record.update(status="kernel_died", cell=code_cell)
            except CellExecutionError as error:
                record.update(
                    status="crashed",
                    cell=code_cell,
                    error={
                        "name": error.ename,
                        "value": str(error.evalue)[:500],
                        "traceback": _plain(str(error))[-_TRACEBACK_CHARS:],
                    },
                )
            record["cells"].append(
                {
                    "cell": code_cell,
                    "seconds": time.perf_counter() - started,
                    "truncated": index in client.truncated_cells,
                    "outputs": output_text(cell.get("outputs", [])),
                }
            )
            if record["status"] != "completed":
                return record, code_cell
        finish = nbformat.v4.new_code_cell(
            f"import heldout.trace.kernel as _heldout; _heldout.finish({str(job_path)!r})"
        )
        nb.cells.append(finish)
        # The scoring step runs the candidate's model and prepare function: it can hang or end the kernel
        # like any cell. It never raises by itself, so an exception means the notebook interfered.
        try:
            client.execute_cell(finish, len(nb.cells) - 1)
        except CellTimeoutError:
            record.update(status="timeout", stage="scoring")
            return record, code_cell
        except DeadKernelError:
            record.update(status="kernel_died", stage="scoring")
            return record, code_cell
        except CellExecutionError as error:
            record.update(
                status="finish_failed",
                stage="scoring",
                error={
                    "name": error.ename,
                    "value": str(error.evalue)[:500],
                    "traceback": _plain(str(error))[-_TRACEBACK_CHARS:],
                },
            )
            return record, code_cell
    return record, code_cell


def _plain(text: str) -> str:
    """Drop terminal colour codes from IPython tracebacks."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _undumpable() -> None:
    """Keep the sandbox's other processes (same user) out of ``/proc/<runner>/fd`` and ``/proc/<runner>/mem``.

    Otherwise the kernel can reopen the record descriptor named on this command line, write a record of
    its own and kill the runner before it writes the real one.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):  # not Linux
        pass


def main() -> int:
    _undumpable()
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        print("usage: python -m heldout.execute.runner JOB FD (started by heldout grade)", file=sys.stderr)
        return 2
    try:
        out = os.fdopen(int(sys.argv[2]), "w", encoding="utf-8")
    except OSError:
        print(f"heldout runner: file descriptor {sys.argv[2]} is not open", file=sys.stderr)
        return 2
    try:
        record = run(Path(sys.argv[1]))
    except Exception as error:  # a record must always come out, even when nbclient itself fails
        import traceback

        record = {
            "status": "runner_error",
            "error": {
                "value": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc()[-_TRACEBACK_CHARS:],
            },
        }
    with out:
        json.dump(record, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
