"""Runs one notebook inside the sandbox and reports on the file descriptor it is given.

Started by heldout.execute.sandbox as ``python -m heldout.execute.runner JOB FD``. It executes the code cells
in a fresh IPython kernel (nbclient) with the tracer installed before the first cell, then asks the
kernel for the contract's artefacts, and writes one JSON record to that descriptor. The kernel never holds it
(jupyter_client closes inherited descriptors), so whatever the candidate's code prints cannot forge the
record; it can only fill its own capped stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from heldout.execute.safe_read import read_capped

_TRACEBACK_CHARS = 3000


class _CappedClient(NotebookClient):
    """Keeps at most ``output_bytes`` of outputs per cell: floods fill memory, not just stdout."""

    def __init__(self, *args: Any, output_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._output_bytes = output_bytes
        self._kept: dict[int, int] = {}
        self.truncated_cells: set[int] = set()

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        size = len(json.dumps(msg.get("content", {}), default=str))
        kept = self._kept.get(cell_index, 0)
        if kept + size > self._output_bytes:
            self.truncated_cells.add(cell_index)
            return None
        self._kept[cell_index] = kept + size
        return super().output(outs, msg, display_id, cell_index)


def run(job_path: Path) -> dict[str, Any]:
    job = json.loads(job_path.read_text(encoding="utf-8"))
    nb = nbformat.read(job["notebook"], as_version=4)
    start_line = f"import heldout.trace.kernel as _heldout; _heldout.start({str(job_path)!r})"
    client = _CappedClient(
        nb,
        timeout=job["cell_seconds"],
        kernel_name="python3",
        resources={"metadata": {"path": str(job_path.parent.parent)}},
        extra_arguments=[f"--IPKernelApp.exec_lines={start_line}", "--HistoryManager.enabled=False"],
        output_bytes=job["output_bytes"],
        startup_timeout=120,
    )
    record: dict[str, Any] = {"status": "completed", "cells": []}
    code_cell = 0
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            code_cell += 1
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
                }
            )
            if record["status"] != "completed":
                return record
        finish = nbformat.v4.new_code_cell(
            f"import heldout.trace.kernel as _heldout; _heldout.finish({str(job_path)!r})"
        )
        nb.cells.append(finish)
        try:
            client.execute_cell(finish, len(nb.cells) - 1)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            record.update(status="finish_failed", error={"value": _plain(str(error))[-_TRACEBACK_CHARS:]})
            return record
    raw = read_capped(Path(job["kernel_result"]), job["result_bytes"], job_path.parent.parent)
    record["kernel"] = json.loads(raw)
    return record


def _plain(text: str) -> str:
    """Drop terminal colour codes from IPython tracebacks."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def main() -> int:
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
