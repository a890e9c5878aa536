"""Running the runner in isolation, with limits, and reading back its record.

Two tiers, chosen once per process:

- ``bubblewrap``: every namespace unshared (no network), a new session (no terminal injection), a cleared
  environment, the system and the Python installation read-only, and a private size-capped tmpfs as the
  working folder holding only the submission and the candidate's files. Nothing else of the host is
  mounted: not the repository, not the hidden labels, not the solutions, not heldout's dataset
  generators (which rebuild the hidden labels from a seed). Everything else is read-only too (the
  sandbox's own root, ``/dev``, ``/proc/sys``), and a grader running as root starts the sandbox with
  no capabilities and no way to make a user namespace that would give them back: bubblewrap keeps all
  of root's capabilities by default, enough to remount the read-only system (and heldout's own
  source) read-write, or to write the host's ``/proc/sys``.
- ``none``: a plain subprocess with the same limits and working-folder layout, used only where bubblewrap
  cannot start. Results say so in their first line.

In both tiers the parent enforces the wall clock (killing the process group), caps what it reads from
stdout, stderr and the record descriptor, and never follows a link the submission could have planted.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from heldout.errors import SandboxError
from heldout.execute.cgroups import RunGroup

__all__ = ["Limits", "SandboxRun", "isolation_tier", "run_in_sandbox"]

SANDBOX_ROOT = "/sandbox"
_PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "TZ")
_STREAM_CAP = 64 * 1024


@dataclass(frozen=True)
class Limits:
    wall_seconds: float
    cell_seconds: float
    memory_bytes: int
    output_bytes: int  # notebook outputs kept per cell
    record_bytes: int = 256 * 1024 * 1024
    file_bytes: int = 1024 * 1024 * 1024
    disk_bytes: int = 2 * 1024 * 1024 * 1024
    open_files: int = 1024
    processes: int = 512
    cpus: float = 1.0  # CPU quota of the whole run, where control groups allow it


@dataclass
class SandboxRun:
    isolation: str
    record: bytes | None
    exit_code: int | None
    timed_out: bool
    seconds: float
    stdout_tail: str = ""
    stderr_tail: str = ""
    record_truncated: bool = False
    notes: list[str] = field(default_factory=list)


@functools.cache
def isolation_tier() -> str:
    """``bubblewrap`` when a trial sandbox starts here, else ``none``."""
    if os.environ.get("HELDOUT_ISOLATION") == "none":
        return "none"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "none"
    return "bubblewrap" if _trial(bwrap, *_hardening()) else "none"


def _trial(bwrap: str, *extra: str) -> bool:
    trial = subprocess.run(
        [
            bwrap,
            *extra,
            *_system_binds(),
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--",
            sys.executable,
            "-c",
            "pass",
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return trial.returncode == 0


@functools.cache
def _hardening() -> tuple[str, ...]:
    """bubblewrap flags that leave the sandbox's root powerless, as far as this bubblewrap allows.

    Started by root, bubblewrap keeps every capability inside the sandbox (its user namespace maps root
    to the host's root), so the candidate's code could remount the read-only binds read-write. Drop them
    all, and forbid nested user namespaces (bubblewrap >= 0.8), which would hand them back.
    """
    bwrap = shutil.which("bwrap")
    drop = ("--cap-drop", "ALL") if os.geteuid() == 0 else ()
    if bwrap is not None and _trial(bwrap, *drop, "--unshare-user", "--disable-userns"):
        return (*drop, "--unshare-user", "--disable-userns")
    return drop


def run_in_sandbox(host_workdir: Path, limits: Limits, isolation: str | None = None) -> SandboxRun:
    """Run the runner on ``host_workdir`` (prepared by heldout.execute.workdir)."""
    isolation = isolation or isolation_tier()
    read_end, write_end = os.pipe()
    inner_root = SANDBOX_ROOT if isolation == "bubblewrap" else str(host_workdir)
    runner = [
        sys.executable,
        "-m",
        "heldout.execute.runner",
        f"{inner_root}/.heldout/job.json",
        str(write_end),
    ]
    env = _environment(inner_root)
    if isolation == "bubblewrap":
        command = [shutil.which("bwrap") or "bwrap", *_bwrap_args(host_workdir, env, limits), "--", *runner]
        cwd, popen_env = "/", {"PATH": "/usr/bin:/bin"}
    else:
        command, cwd, popen_env = runner, str(host_workdir), env
    started = time.monotonic()
    group = RunGroup(limits.processes, limits.memory_bytes, limits.cpus)
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=popen_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(write_end,),
            start_new_session=True,
            preexec_fn=functools.partial(_enter_limits, limits, group),
        )
    except (OSError, subprocess.SubprocessError) as error:
        os.close(read_end)
        os.close(write_end)
        group.close()
        raise SandboxError(f"could not start the {isolation} sandbox: {error}") from error
    os.close(write_end)
    record_reader = _CappedReader(os.fdopen(read_end, "rb"), limits.record_bytes)
    stdout_reader = _CappedReader(process.stdout, _STREAM_CAP)
    stderr_reader = _CappedReader(process.stderr, _STREAM_CAP)
    timed_out = False
    try:
        process.wait(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(process)
    finally:
        _kill_group(process)  # stray children (a forked daemon) must not outlive the run
        group.close()
    for reader in (record_reader, stdout_reader, stderr_reader):
        reader.join()
    return SandboxRun(
        isolation=isolation,
        record=None if record_reader.truncated else record_reader.data,
        exit_code=process.returncode,
        timed_out=timed_out,
        seconds=time.monotonic() - started,
        stdout_tail=stdout_reader.data.decode("utf-8", "replace")[-4000:],
        stderr_tail=stderr_reader.data.decode("utf-8", "replace")[-4000:],
        record_truncated=record_reader.truncated,
        notes=[]
        if group.kind != "none"
        else ["no control group available: processes and total memory are capped per process only"],
    )


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class _CappedReader(threading.Thread):
    """Drains a pipe so the child never blocks on it, keeping at most ``cap`` bytes."""

    def __init__(self, stream: IO[bytes] | None, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.cap = cap
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False
        self.start()

    def run(self) -> None:
        if self.stream is None:
            return
        with self.stream:
            while (
                chunk := self.stream.read1(1 << 16)
                if hasattr(self.stream, "read1")
                else self.stream.read(1 << 16)
            ):
                if self.size + len(chunk) > self.cap:
                    self.truncated = True
                    continue
                self.chunks.append(chunk)
                self.size += len(chunk)

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


def _enter_limits(limits: Limits, group: RunGroup) -> None:
    group.enter()
    _apply_limits(limits)


def _apply_limits(limits: Limits) -> None:
    cpu = int(limits.wall_seconds * 2) + 10
    for limit, value in (
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_CORE, 0),
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(limit, (value, value))


def _environment(root: str) -> dict[str, str]:
    env = {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
        "HOME": f"{root}/.heldout/home",
        "TMPDIR": f"{root}/.heldout/tmp",
        "JUPYTER_RUNTIME_DIR": f"{root}/.heldout/runtime",
        "JUPYTER_DATA_DIR": f"{root}/.heldout/jupyter",
        "IPYTHONDIR": f"{root}/.heldout/ipython",
        "MPLCONFIGDIR": f"{root}/.heldout/mpl",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        # One OpenMP thread unless the grader's environment says otherwise: on 2 cores a second thread
        # gained nothing on the scenarios' models, and while another process held a core the spinning
        # threads made a HistGradientBoosting fit 7x slower (benchmarks/omp_threads.py measures it).
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
        "LANG": "C.UTF-8",
    }
    for name in _PASSED_ENV:
        if name in os.environ and name != "LANG":
            env[name] = os.environ[name]
    pythonpath = _heldout_import_root()
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return env


def _heldout_import_root() -> str | None:
    """The folder that holds the ``heldout`` package, when it is not inside the Python prefix."""
    import heldout

    root = str(Path(heldout.__file__).resolve().parent.parent)
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)}
    return None if any(root.startswith(p + os.sep) for p in prefixes) else root


def _system_binds() -> list[str]:
    args: list[str] = []
    for path in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32"):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/alternatives"):
        args += ["--ro-bind-try", path, path]
    seen: set[str] = set()
    for prefix in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))):
        real = os.path.realpath(prefix)
        if real not in seen and not real.startswith(("/usr/", "/bin", "/lib")):
            seen.add(real)
            args += ["--ro-bind", real, real]
            if prefix != real:
                args += ["--symlink", real, prefix]
    root = _heldout_import_root()
    if root is not None:
        # Only the package folder: never the repository around it (solutions, hidden labels).
        package = os.path.join(root, "heldout")
        args += ["--ro-bind", package, package]
    generators = _generators_folder()
    if generators is not None:
        # The generators are deterministic: with the default seed they rebuild the hidden labels exactly.
        args += ["--tmpfs", generators, "--remount-ro", generators]
    args += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys"]
    args += ["--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger"]
    args += ["--dev", "/dev", "--size", str(64 * 1024 * 1024), "--tmpfs", "/dev/shm"]
    return args


def _generators_folder() -> str | None:
    import heldout

    folder = Path(heldout.__file__).resolve().parent / "datasets"
    return str(folder) if folder.is_dir() else None


def _bwrap_args(host_workdir: Path, env: dict[str, str], limits: Limits) -> list[str]:
    args = [
        *_hardening(),
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--hostname",
        "heldout",
        # /tmp first: a Python environment living under /tmp (a venv) is bound on top of it, not
        # hidden by it.
        "--size",
        str(64 * 1024 * 1024),
        "--tmpfs",
        "/tmp",
        *_system_binds(),
        "--size",
        str(limits.disk_bytes),
        "--tmpfs",
        SANDBOX_ROOT,
    ]
    for entry in sorted(host_workdir.rglob("*")):
        relative = entry.relative_to(host_workdir)
        target = f"{SANDBOX_ROOT}/{relative.as_posix()}"
        if entry.is_symlink():
            continue
        if entry.is_dir():
            args += ["--dir", target]
        elif entry.is_file():
            args += ["--ro-bind", str(entry), target]
    for name, value in env.items():
        args += ["--setenv", name, value]
    args += ["--chdir", SANDBOX_ROOT]
    # Last, once every mount point exists: the sandbox's own root and /dev are unbounded tmpfs (memory),
    # so nothing may be written there; /sandbox, /tmp and /dev/shm stay writable, each with its size cap.
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    return args


def new_host_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="heldout-"))
