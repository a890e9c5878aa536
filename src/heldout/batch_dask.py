"""Batch grading on Dask workers: one task per submission, every promise of heldout.batch kept.

dask.distributed is the engine. The client submits one task per submission and writes each result
atomically the moment its task finishes (heldout.batch's own writing, so resuming, one result per
submission and summary.csv work as on one machine). A worker that dies mid-grade has its task
rescheduled by the scheduler on another worker (``distributed.scheduler.allowed-failures`` times); a
task that kills its worker more often than that becomes that submission's ``sandbox_error`` result. A
future completes once, and the client writes once per future: no submission gets two results.

Workers grade exactly as ``heldout grade`` does, in their own sandbox, with the project (exercises,
datasets and hidden labels) they find themselves (``HELDOUT_HOME``, or an installed checkout): hidden
labels never travel in a task, and a task carries only the notebook's path and checksum, so the
submissions must be at the same path on every worker (a shared read-only folder). Before anything is
submitted every worker is checked: the scenarios' hidden labels present, and bubblewrap working
unless ``--isolation none`` was asked for. A worker that fails the check stops the batch with an
error naming it, rather than grading without the labels or without the sandbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from heldout.errors import HeldoutError, SandboxError

if TYPE_CHECKING:
    from heldout.batch import BatchEntry

# heldout.batch is imported where it is used: it loads the checks (scikit-learn, seconds), which the
# check every worker runs before the first task does not need.

__all__ = ["GradeOptions", "check_worker", "dask_client", "grade_batch_dask", "grade_on_worker"]

_INSTALL_HINT = "Dask grading needs dask.distributed: python3 -m pip install 'heldout[distributed]'"


@dataclass(frozen=True)
class GradeOptions:
    """What every task needs besides its notebook (small: it travels with each task)."""

    scenario: str | None = None
    isolation: str | None = None  # None: bubblewrap, required on workers; "none": unisolated, asked for
    keys: str | None = None


def _declared_scenarios(paths: list[Path], options: GradeOptions) -> set[str]:
    if options.scenario is not None:
        return {options.scenario}
    found = set()
    for path in paths:
        try:
            declared = json.loads(path.read_text(encoding="utf-8"))["metadata"]["heldout"]["scenario"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # the grade itself reports what is wrong with this notebook
        if isinstance(declared, str):
            found.add(declared)
    return found


def check_worker(scenarios: list[str], isolation: str | None) -> str:
    """Raise HeldoutError unless this process can grade ``scenarios`` as asked; returns its project root.

    Runs on each worker: the hidden labels must be here (they never travel), and the sandbox must start
    unless the batch asked for ``--isolation none``.
    """
    # Not heldout.grading, which imports scikit-learn: the check runs on every worker before any grade.
    from heldout.execute.sandbox import isolation_tier
    from heldout.manifest import load_manifest
    from heldout.paths import project_root

    root = project_root()
    for scenario in scenarios:
        path = root / "exercises" / scenario / "exercise.toml"
        if "/" in scenario or not path.is_file():
            continue  # an unknown scenario declared by a notebook is that notebook's result
        manifest = load_manifest(path)
        labels = root / "datasets" / manifest.dataset.name / "hidden" / manifest.dataset.holdout_labels
        if not labels.is_file():
            raise HeldoutError(
                f"no hidden labels for scenario {scenario} at {labels}: give this worker the project with "
                "its datasets (HELDOUT_HOME on a shared read-only path)"
            )
    if isolation != "none" and isolation_tier() != "bubblewrap":
        raise HeldoutError(
            "bubblewrap cannot start here, and a worker never grades unisolated unless the batch asks "
            "for it (--isolation none)"
        )
    return str(root)


def grade_on_worker(path: str, sha256: str | None, options: GradeOptions) -> dict[str, Any]:
    """One task: grade the notebook at ``path`` on this worker; returns its JSON result."""
    from heldout.batch import graded_data
    from heldout.grading import grade

    notebook = Path(path)

    def grade_one(_path: Path):
        scenarios = [options.scenario] if options.scenario else _declared_scenarios([notebook], options)
        check_worker(sorted(scenarios), options.isolation)
        try:
            seen = hashlib.sha256(notebook.read_bytes()).hexdigest()
        except OSError as error:
            raise HeldoutError(
                f"this worker cannot read the submission ({error}): share the folder"
            ) from None
        if seen != sha256:
            raise HeldoutError("this worker sees a different file at that path than the client did")
        isolation = "bubblewrap" if options.isolation is None else options.isolation
        keys = None if options.keys is None else Path(options.keys)
        return grade(notebook, scenario=options.scenario, isolation=isolation, keys=keys)

    data = graded_data(notebook, grade_one)
    error = data.get("error")
    if error and error.get("kind") == "sandbox_error":
        error["message"] = f"on worker {_worker_name()}: {error['message']}"
    return data


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "(not a Dask worker)"


@contextlib.contextmanager
def dask_client(scheduler: str | None, local_workers: int | None) -> Iterator[Any]:
    """A client of the scheduler at ``scheduler``, or of a LocalCluster of ``local_workers`` processes."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise HeldoutError(_INSTALL_HINT) from None
    if scheduler is not None:
        try:
            client = Client(scheduler)  # waits distributed.comm.timeouts.connect (Dask's config)
        except (OSError, TimeoutError) as error:
            raise HeldoutError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        with client:
            yield client
        return
    workers = max(1, local_workers or 1)
    # Each worker's kernels get their share of the cores (see heldout.cli's --jobs).
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
    # One grade per worker at a time, as --jobs's pool: Dask's default saturation (1.1) rounds up to a
    # second grade queued on each one-thread worker, which can sit behind a long grade while another
    # worker is idle at the batch's tail. The scheduler reads this when it starts (here, in-process).
    with (
        dask.config.set({"distributed.scheduler.worker-saturation": 1.0}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _check_workers(client: Any, scenarios: list[str], isolation: str | None) -> None:
    try:
        client.wait_for_workers(1, timeout=60)
    except TimeoutError:
        raise SandboxError("the Dask cluster has had no worker for 60 s") from None
    answers = client.run(check_worker, scenarios, isolation, on_error="return")
    if not answers:
        raise SandboxError("the Dask cluster has no workers")
    failed = {address: answer for address, answer in answers.items() if isinstance(answer, BaseException)}
    if failed:
        lines = "\n".join(f"  {address}: {answer}" for address, answer in sorted(failed.items()))
        raise SandboxError(f"{len(failed)} of {len(answers)} Dask workers cannot grade this batch:\n{lines}")


def _task_key(name: str, sha256: str | None) -> str:
    return f"heldout-grade-{name}-{(sha256 or 'unreadable')[:12]}"


def _failure_data(path: Path, error: BaseException) -> dict[str, Any]:
    from heldout.batch import harness_error

    kind = type(error).__name__
    if kind == "KilledWorker":
        message = (
            "the Dask workers grading this submission died every time it was tried (KilledWorker: "
            f"{error}); heldout's or the machine's failure, graded again on the next run"
        )
    else:
        message = f"the Dask task failed: {kind}: {error}"
    return harness_error(path, message).to_json()


def _show_bar(client: Any, futures: list[Any]) -> threading.Thread:
    from distributed.diagnostics.progressbar import TextProgressBar

    thread = threading.Thread(
        target=TextProgressBar, args=(futures,), kwargs={"scheduler": client.scheduler.address}, daemon=True
    )
    thread.start()
    return thread


def grade_batch_dask(
    folder: Path,
    out: Path,
    client: Any,
    options: GradeOptions,
    progress: TextIO | None = None,
    task: Callable[[str, str | None, GradeOptions], dict[str, Any]] = grade_on_worker,
    on_result: Callable[[Path, str, dict[str, Any]], None] | None = None,
    bar: bool = False,
) -> list[BatchEntry]:
    """Grade every notebook below ``folder`` into ``out`` on ``client``'s workers; one entry each.

    ``bar`` draws Dask's progress bar on stdout instead of a line per result on ``progress``.
    ``on_result`` runs in the client after each result is written (the reports of ``--reports``).
    """
    from distributed import as_completed

    from heldout.batch import _sha256, plan_batch

    progress = progress or sys.stderr
    plan = plan_batch(folder, out, progress)
    if not plan.pending:
        return plan.finish()
    paths = [path for path, _name in plan.pending]
    _check_workers(client, sorted(_declared_scenarios(paths, options)), options.isolation)
    started = time.monotonic()
    by_key: dict[str, tuple[Path, str]] = {}
    futures = []
    for path, name in plan.pending:
        sha256 = _sha256(path)
        key = _task_key(name, sha256)
        by_key[key] = (path, name)
        futures.append(client.submit(task, str(path.resolve()), sha256, options, key=key, pure=False))
    shown = _show_bar(client, futures) if bar else None
    for future in as_completed(futures):
        path, name = by_key[future.key]
        try:
            data = future.result()
        except Exception as error:  # KilledWorker, a cancelled task: still this submission's result
            data = _failure_data(path, error)
        plan.record(path, name, data, time.monotonic() - started, None if bar else progress)
        if on_result is not None:
            try:
                on_result(path, name, data)
            except Exception as error:  # the reports are extras: the result itself is written
                progress.write(f"{name}: its reports could not be written: {type(error).__name__}: {error}\n")
        future.release()
    if shown is not None:
        shown.join(timeout=5)
    return plan.finish()
