"""What the capacity scenario's notebooks cost the suite: each one graded by `heldout grade`, as
tests/test_submissions.py does, with the wall time and the CPU time of the grader and everything it ran.
The kernel runs unisolated here (`--isolation none`) so that its CPU time is counted: a sandboxed
kernel's is not reported back to this process. On 2 cores the suite's cost is about the CPU total
divided by two; wall time depends on what else the machine runs.

    PYTHONPATH=$PWD/src python3 benchmarks/capacity_notebooks.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def notebooks() -> list[Path]:
    folder = ROOT / "tests" / "submissions" / "capacity"
    return [ROOT / "solutions" / "capacity" / "solution.ipynb", *sorted(folder.glob("*/*.ipynb"))]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    total_wall = total_cpu = 0.0
    for path in notebooks():
        cpu, start = children_cpu(), time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "heldout", "grade", str(path), "--isolation", "none"],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        wall, used = time.perf_counter() - start, children_cpu() - cpu
        total_wall, total_cpu = total_wall + wall, total_cpu + used
        print(f"{path.relative_to(ROOT)}: wall {wall:5.1f} s, cpu {used:5.1f} s")
    count = len(notebooks())
    print(f"{count} notebooks: wall {total_wall:.1f} s, cpu {total_cpu:.1f} s")
    print(f"about {total_cpu / 2:.0f} s of the suite's wall time on 2 cores")


if __name__ == "__main__":
    main()
