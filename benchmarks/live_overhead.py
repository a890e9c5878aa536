"""What live mode (``%load_ext heldout``) adds to each cell of the shipped starter and reference notebooks.

Each notebook runs cell by cell in a fresh kernel, without and with the extension, alternating which goes
first, for several rounds. Both runs start with one untimed preamble cell that imports the same modules
(``import heldout.live`` without, ``%load_ext heldout`` with), so the import cell is not credited to
either side; the preamble's difference is reported apart as the one-off cost of loading. Per cell, the
added time is the "with" wall clock minus the "without" one in the same round (tracing inside the cell,
the checks after it, and the display), pooled over cells and rounds for the percentiles. The checks'
own time, measured inside the kernel, is printed too: it has none of the noise of a long cell.

    python3 benchmarks/live_overhead.py [--rounds 5]

Prints a table and the p50/p95 per cell against the 50 ms target. Exits 1 only if it could not measure
(no kernel, a cell raised); a slow result is a figure to read, not a failure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

from heldout.grading import list_scenarios
from heldout.paths import project_root

TARGET_MS = 50.0
SESSION_TIMES = (
    "import json; from heldout.live import current_session; "
    "print(json.dumps(current_session().check_seconds))"
)


def run_once(notebook: Path, folder: Path, live: bool) -> tuple[list[float], float, list[float]]:
    """(seconds per code cell, preamble seconds, in-kernel check seconds per cell) for one fresh kernel."""
    nb = nbformat.read(notebook, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    preamble = nbformat.v4.new_code_cell("%load_ext heldout" if live else "import heldout.live")
    probe = nbformat.v4.new_code_cell(SESSION_TIMES)
    run_nb = nbformat.v4.new_notebook(metadata=nb.metadata, cells=[preamble, *code, probe])
    client = NotebookClient(
        run_nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(folder)}}
    )
    cell_seconds = []
    with client.setup_kernel():
        started = time.perf_counter()
        client.execute_cell(preamble, 0)
        preamble_seconds = time.perf_counter() - started
        for index, cell in enumerate(code, start=1):
            started = time.perf_counter()
            client.execute_cell(cell, index)
            cell_seconds.append(time.perf_counter() - started)
        checks: list[float] = []
        if live:
            client.execute_cell(probe, len(code) + 1)
            text = "".join(o.get("text", "") for o in probe.outputs if o.output_type == "stream")
            checks = json.loads(text.strip().splitlines()[-1])
    return cell_seconds, preamble_seconds, checks[1 : len(code) + 1]  # [0]: the preamble's own


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs of each notebook in each mode")
    args = parser.parse_args(argv)
    root = project_root()
    pooled: list[float] = []
    pooled_checks: list[float] = []
    loads: list[float] = []
    for manifest in list_scenarios(root):
        notebooks = [manifest.starter, root / "solutions" / manifest.id / "solution.ipynb"]
        dataset = root / "datasets" / manifest.dataset.name
        with tempfile.TemporaryDirectory(prefix="heldout-bench-") as scratch:
            folder = Path(scratch)
            for name in manifest.dataset.candidate_files:
                shutil.copy(dataset / name, folder / name)
            for notebook in notebooks:
                if not notebook.is_file():
                    continue
                off: list[list[float]] = []
                on: list[list[float]] = []
                for round_no in range(args.rounds):
                    for live in (False, True) if round_no % 2 == 0 else (True, False):
                        cells, preamble, checks = run_once(notebook, folder, live)
                        (on if live else off).append(cells)
                        if live:
                            loads.append(preamble)
                            pooled_checks.extend(checks)
                        else:
                            loads.append(-preamble)
                added = [[(a - b) * 1000 for a, b in zip(x, y, strict=True)] for x, y in zip(on, off, strict=True)]
                pooled.extend(value for run in added for value in run)
                print(f"\n{manifest.id}: {notebook.relative_to(root)} ({args.rounds} rounds)")
                print(f"  {'cell':>4}  {'without ms':>10}  {'with ms':>9}  {'added ms (median)':>17}")
                for i in range(len(off[0])):
                    without = statistics.median(run[i] for run in off) * 1000
                    with_ = statistics.median(run[i] for run in on) * 1000
                    extra = statistics.median(run[i] for run in added)
                    print(f"  {i + 1:>4}  {without:>10.1f}  {with_:>9.1f}  {extra:>17.1f}")
    if not pooled:
        print("live_overhead: nothing measured (no scenario with a starter or solution)", file=sys.stderr)
        return 1
    p50, p95 = percentile(pooled, 50), percentile(pooled, 95)
    c50, c95 = percentile([s * 1000 for s in pooled_checks], 50), percentile([s * 1000 for s in pooled_checks], 95)
    load_ms = sum(loads) / (len(loads) / 2) * 1000
    print(f"\nadded per cell (wall clock, {len(pooled)} cell runs): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"  p95 / target {TARGET_MS:.0f} ms = {p95 / TARGET_MS:.2f}")
    print(f"checks after each cell (inside the kernel): p50 {c50:.1f} ms, p95 {c95:.1f} ms")
    print(f"one-off cost of %load_ext heldout (installing the tracer): {load_ms:.0f} ms")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # a kernel that will not start, a cell that raised: nothing measured
        print(f"live_overhead: could not measure: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
