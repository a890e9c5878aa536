"""Per-run control groups: a process cap, a total-memory cap and a CPU quota that rlimits cannot give.

RLIMIT_NPROC counts processes per user and does not apply to root, so a fork bomb in one sandbox would
starve every other run on the machine; RLIMIT_AS caps each process, not the run. Where heldout may
create control groups (root with cgroup v1 ``pids`` and ``memory`` hierarchies, or a delegated cgroup
v2 tree), every run gets its own group, and the group is emptied and removed afterwards. Elsewhere runs
fall back to rlimits alone, and ``available()`` says so.

The CPU quota (where the ``cpu`` controller can be used; optional) keeps one run to its share of the
machine: a fork bomb or a busy loop in one submission must not slow the submissions graded next to it,
whose own time limits keep running. Graded kernels run one thread, so a quota of one CPU costs a correct
notebook nothing.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

__all__ = ["RunGroup", "available"]

_V1 = Path("/sys/fs/cgroup")
_V2_CANDIDATES = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))


def _v1_roots() -> dict[str, Path] | None:
    roots = {c: _V1 / c for c in ("pids", "memory")}
    if all((r / "cgroup.procs").is_file() and os.access(r, os.W_OK) for r in roots.values()):
        return roots
    return None


def _v1_cpu_root() -> Path | None:
    root = _V1 / "cpu"
    if (root / "cpu.cfs_quota_us").is_file() and os.access(root, os.W_OK):
        return root
    return None


def _v2_root() -> Path | None:
    for root in _V2_CANDIDATES:
        controllers = root / "cgroup.controllers"
        if controllers.is_file() and os.access(root, os.W_OK):
            available = controllers.read_text().split()
            if {"pids", "memory"} <= set(available):
                return root
    return None


def available() -> str:
    """``v1``, ``v2`` or ``none``: how this machine can contain a run."""
    if _v1_roots() is not None:
        return "v1"
    if _v2_root() is not None:
        return "v2"
    return "none"


_PERIOD_US = 100_000


def _quota(cpus: float) -> int:
    return max(1_000, int(cpus * _PERIOD_US))


class RunGroup:
    """One run's control group(s). Create, ``enter()`` from the child, ``close()`` when done."""

    cpu_quota: int | None = None  # microseconds of CPU per 100 ms period, when a quota was set

    def __init__(self, max_processes: int, max_memory_bytes: int, max_cpus: float | None = None) -> None:
        self.name = f"heldout-{uuid.uuid4().hex[:12]}"
        self.paths: list[Path] = []
        kind = available()
        _remove_abandoned()
        try:
            if kind == "v1":
                roots = _v1_roots() or {}
                pids, memory = roots["pids"] / self.name, roots["memory"] / self.name
                pids.mkdir()
                self.paths.append(pids)
                (pids / "pids.max").write_text(str(max_processes))
                memory.mkdir()
                self.paths.append(memory)
                (memory / "memory.limit_in_bytes").write_text(str(max_memory_bytes))
                if max_cpus is not None:
                    self._v1_cpu_quota(max_cpus)
            elif kind == "v2":
                root = _v2_root()
                assert root is not None
                subtree = root / "cgroup.subtree_control"
                with_cpu = max_cpus is not None and "cpu" in (root / "cgroup.controllers").read_text().split()
                if subtree.is_file():
                    subtree.write_text("+pids +memory" + (" +cpu" if with_cpu else ""))
                group = root / self.name
                group.mkdir()
                self.paths.append(group)
                (group / "pids.max").write_text(str(max_processes))
                (group / "memory.max").write_text(str(max_memory_bytes))
                if with_cpu and max_cpus is not None:
                    self.cpu_quota = _quota(max_cpus)
                    (group / "cpu.max").write_text(f"{self.cpu_quota} {_PERIOD_US}")
        except OSError:
            self.close()
            self.paths = []
        self.kind = kind if self.paths else "none"

    def _v1_cpu_quota(self, cpus: float) -> None:
        root = _v1_cpu_root()
        if root is None:
            return  # the quota is a courtesy to neighbours; pids and memory are what contain the run
        try:
            group = root / self.name
            group.mkdir()
            self.paths.append(group)
            (group / "cpu.cfs_period_us").write_text(str(_PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(_quota(cpus)))
            self.cpu_quota = _quota(cpus)
        except OSError:
            pass

    def enter(self) -> None:
        """Move the calling process into the group (runs in the child, before exec)."""
        for path in self.paths:
            (path / "cgroup.procs").write_text(str(os.getpid()))

    def close(self, timeout: float = 15.0) -> None:
        """Kill what is left in the group and remove it.

        Removal is retried until it succeeds: hundreds of processes of a fork bomb take seconds to exit
        after SIGKILL, and a single early ``rmdir`` (EBUSY) left the group behind for good.
        """
        deadline = time.monotonic() + timeout
        for path in self.paths:
            while True:
                try:
                    pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
                except OSError:
                    break  # already gone
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)


def _remove_abandoned() -> None:
    """Groups left by a grader that was killed mid-run. Only empty ones older than ten minutes go: a
    concurrent run's group is never touched, whether it holds processes or is about to."""
    roots = list((_v1_roots() or {}).values())
    cpu = _v1_cpu_root()
    if cpu is not None and _v1_roots() is not None:
        roots.append(cpu)
    v2 = _v2_root()
    if v2 is not None:
        roots.append(v2)
    for root in roots:
        for group in root.glob("heldout-*"):
            try:
                stale = group.stat().st_mtime < time.time() - 600
                if stale and not (group / "cgroup.procs").read_text().strip():
                    group.rmdir()
            except OSError:
                pass
