"""A run's control group caps its CPU, so a busy submission cannot slow the ones graded beside it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from heldout.execute.cgroups import RunGroup

SPIN = (
    "import os, time\n"
    "end = time.monotonic() + 1.0\n"
    "while time.monotonic() < end:\n"
    "    pass\n"
    "t = os.times()\n"
    "print(t.user + t.system)\n"
)


def cpu_seconds_of_one_busy_second(group: RunGroup) -> float:
    run = subprocess.run(
        [sys.executable, "-c", SPIN], preexec_fn=group.enter, capture_output=True, text=True, check=True
    )
    return float(run.stdout)


def test_a_tenth_of_a_cpu_holds_a_busy_loop_to_a_tenth_of_the_time():
    limited = RunGroup(16, 512 * 1024**2, 0.1)
    try:
        if limited.cpu_quota is None:
            pytest.skip("no writable cpu controller here: runs are contained by pids and memory only")
        assert limited.cpu_quota == 10_000
        assert cpu_seconds_of_one_busy_second(limited) < 0.25
    finally:
        limited.close()
    # The same loop without a quota gets about a full second (well above the bound even on a busy machine).
    unlimited = RunGroup(16, 512 * 1024**2, None)
    try:
        assert cpu_seconds_of_one_busy_second(unlimited) > 0.4
    finally:
        unlimited.close()
    assert not any(path.exists() for path in limited.paths + unlimited.paths)
