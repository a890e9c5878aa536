"""Timing the serving path with a measure that the machine's load does not move.

Wall-clock time of a call grows with everything else the machine runs: on two cores shared by a test
suite's workers, or by a batch grading beside it, a 6 ms serving call took over 100 ms and a correct
notebook was told it was over its latency budget. So each call is timed in **CPU time of the kernel's
process** (``time.process_time``: what the call itself computed, in every thread of the process), which
waiting for a core does not add to. What load can still move is the speed of the core itself (a shared
cache, a slower machine): a small fixed **calibration workload**, timed the same way several times
before and after the replay, says how fast this machine ran compared with the machine the budgets were
set on, and the checks scale the budget by that factor (never tighter than written, at most
``MAX_SPEED_FACTOR`` looser).

Garbage collection is the other noise: a full collection scans every object the kernel holds (the
notebook's frames, the tracer's records) and took 70 to 80 ms of CPU inside whichever serving call its
allocation counter happened to trip in, on a path whose calls take 10 ms. Its cost depends on the
heap, not on the call, so automatic collection is paused while a call is timed and runs, if it is due,
between calls, untimed.

The replay of a slow serving path stops early, and where it stops must not depend on timing noise
either: the decision is taken only at fixed checkpoints, from the CPU time the calls have used so far.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "MAX_SPEED_FACTOR",
    "REFERENCE_CALIBRATION_SECONDS",
    "ReplayClock",
    "calibration_seconds",
    "speed_factor",
]

# The calibration workload's median CPU time on the project's reference machine (2-core CI machine,
# 2026-12-03, Python 3.11, NumPy 2.4, pandas 2.3): the budgets in the manifests are in its milliseconds.
REFERENCE_CALIBRATION_SECONDS = 0.0035
MAX_SPEED_FACTOR = 3.0
_CALIBRATION_REPEATS = 7
WARMUP_CALLS = 5  # the first calls fill caches and import lazily: not the path's steady latency
_CHECKPOINTS = (10, 25, 50, 100, 200)
REPLAY_CPU_SECONDS = 10.0  # projected CPU of the whole replay above which it stops at a checkpoint


def _calibration_workload(rounds: int = 4) -> float:
    """About what a serving call does, a few times: a small frame, a per-entity aggregate, a product."""
    import pandas as pd

    rng = np.random.default_rng(0)
    total = 0.0
    for _ in range(rounds):
        frame = pd.DataFrame(
            {
                "user": rng.integers(0, 20, 400),
                "amount": rng.gamma(2.0, 30.0, 400),
                "hour": rng.integers(0, 24, 400),
            }
        )
        stats = frame.groupby("user")["amount"].agg(["mean", "max", "count"])
        recent = frame[frame["hour"] >= 12].sort_values("amount").tail(50)
        total += float((stats.to_numpy() @ rng.normal(size=(3, 3))).sum() + recent["amount"].sum())
    return total


def calibration_seconds(repeats: int = _CALIBRATION_REPEATS) -> list[float]:
    """The workload's CPU time, ``repeats`` times. The checks take the median, as they take the
    serving calls' median: both are slowed alike by whatever slows this core (a busy sibling, a
    shared cache), which the best of the repeats would hide."""
    _calibration_workload()  # the first run imports and allocates
    times = []
    for _ in range(repeats):
        begin = time.thread_time()
        _calibration_workload()
        times.append(time.thread_time() - begin)
    return times


def speed_factor(measured: Any) -> float:
    """How many times slower than the reference machine this one ran the calibration, clamped.

    ``measured`` comes from the candidate's process, so anything that is not a plausible number
    counts as the reference speed: a forged factor cannot loosen the budget beyond the clamp.
    """
    try:
        value = float(measured)
    except (TypeError, ValueError):
        return 1.0
    if not np.isfinite(value) or value <= 0:
        return 1.0
    return float(min(MAX_SPEED_FACTOR, max(1.0, value / REFERENCE_CALIBRATION_SECONDS)))


class ReplayClock:
    """Times each serving call in CPU seconds and says, at fixed checkpoints only, when to stop."""

    def __init__(self, planned_calls: int) -> None:
        self.planned_calls = planned_calls
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.calibration = calibration_seconds()

    def timed(self, call: Callable[..., Any], *args: Any) -> Any:
        """``call(*args)``, its CPU and wall time kept when it returns (a call that raises is not timed)."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            cpu, wall = time.process_time(), time.perf_counter()
            result = call(*args)
            self.cpu.append(time.process_time() - cpu)
            self.wall.append(time.perf_counter() - wall)
            return result
        finally:
            if collecting:
                gc.enable()

    def should_stop(self, calls_made: int) -> bool:
        """Whether the replay has shown enough of a path this slow: decided at checkpoints only, on a
        budget that a slower (or busier) machine gets proportionally more of."""
        if calls_made not in _CHECKPOINTS or not self.cpu:
            return False
        projected = sum(self.cpu) / len(self.cpu) * self.planned_calls
        return projected > REPLAY_CPU_SECONDS * speed_factor(float(np.median(self.calibration)))

    def summary(self, stopped_after: int | None) -> dict[str, Any]:
        self.calibration += calibration_seconds()
        cpu = np.asarray(self.cpu[WARMUP_CALLS:] or self.cpu) * 1000.0
        wall = np.asarray(self.wall[WARMUP_CALLS:] or self.wall) * 1000.0
        if not len(cpu):
            return {"calls": 0}
        return {
            "calls": len(cpu),
            "clock": "cpu",
            "p50_ms": float(np.percentile(cpu, 50)),
            "p99_ms": float(np.percentile(cpu, 99)),
            "max_ms": float(cpu.max()),
            "wall_p50_ms": float(np.percentile(wall, 50)),
            "calibration_seconds": float(np.median(self.calibration)),
            "stopped_after": stopped_after,
        }
