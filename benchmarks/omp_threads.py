"""Why graded kernels run one OpenMP thread: times a HistGradientBoosting fit on the delivery-times data
with 1 and with every core, alone and while one busy process holds a core. Prints figures and ratios.

Run: `python benchmarks/omp_threads.py`. It never fails on a figure; it exits non-zero only when it
cannot measure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIT = f"""
import time, pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
t = pd.read_csv({str(ROOT / "datasets" / "delivery_times" / "train.csv")!r})
X = t[["hour", "distance_km", "n_items", "restaurant_prep_minutes", "traffic_index"]]
start = time.perf_counter()
for _ in range(3):
    model = HistGradientBoostingRegressor(loss="absolute_error", max_iter=100, random_state=0)
    model.fit(X, t.delivery_minutes)
print(time.perf_counter() - start)
"""


def seconds(threads: int, policy: str | None) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    env.pop("OMP_WAIT_POLICY", None)
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", FIT], env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(runs)


def main() -> int:
    cores = os.cpu_count() or 1
    rows = []
    for label, busy in (("alone", False), ("one core busy", True)):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            one = seconds(1, None)
            many = seconds(cores, None)
            passive = seconds(cores, "PASSIVE")
        finally:
            if hog is not None:
                hog.kill()
        rows.append((label, one, many, passive))
    print(f"{'machine state':<16}{'1 thread':>10}{f'{cores} threads':>12}{'passive':>10}{'ratio':>8}")
    for label, one, many, passive in rows:
        print(f"{label:<16}{one:>9.2f}s{many:>11.2f}s{passive:>9.2f}s{many / one:>7.2f}x")
    print("ratio = every core / one thread (above 1: the extra threads cost time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
