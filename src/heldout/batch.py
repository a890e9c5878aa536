"""Grading a folder of returned submissions: in parallel, resumable, one result per submission, always.

Every result is written atomically the moment its submission is graded, so an interrupted batch loses
nothing and a re-run grades only what has no result yet (or whose notebook changed since). A failure
while grading one submission, even one of heldout's own, becomes that submission's error result: the
number of results always equals the number of submissions.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from heldout.result import GradeError, GradeResult

__all__ = [
    "BatchEntry",
    "BatchPlan",
    "find_submissions",
    "grade_batch",
    "graded_data",
    "harness_error",
    "plan_batch",
    "result_name",
    "write_result",
]


@dataclass(frozen=True)
class BatchEntry:
    path: Path
    name: str  # the result's file stem: the submission's path below the batch folder
    status: str
    points: float
    max_points: int
    verdicts: dict[str, str]
    holdout_score: float | None
    error: str | None
    resumed: bool


def find_submissions(folder: Path) -> list[Path]:
    """Every notebook below ``folder`` (returned bundles are folders holding one), sorted."""
    return sorted(
        p for p in Path(folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()
    )


def result_name(folder: Path, path: Path) -> str:
    relative = path.relative_to(folder).with_suffix("")
    return "__".join(relative.parts)


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _already_graded(result_file: Path, path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if data.get("submission", {}).get("sha256") != _sha256(path):
        return None
    return data


def _entry(path: Path, name: str, data: dict[str, Any], resumed: bool) -> BatchEntry:
    error = data.get("error") or None
    return BatchEntry(
        path=path,
        name=name,
        status=data["status"],
        points=data["score"]["points"],
        max_points=data["score"]["max_points"],
        verdicts={c["id"]: c["verdict"] for c in data.get("checks", [])},
        holdout_score=(data.get("holdout") or {}).get("score"),
        error=None if error is None else f"{error['kind']}: {error['message']}",
        resumed=resumed,
    )


def harness_error(path: Path, message: str) -> GradeResult:
    """A result that says heldout, not the submission, failed."""
    return GradeResult(str(path), _sha256(path), None, None, error=GradeError("sandbox_error", message))


def graded_data(path: Path, grade_one: Callable[[Path], GradeResult]) -> dict[str, Any]:
    """``path`` graded into its JSON result; heldout's own failure becomes a ``sandbox_error`` result."""
    try:
        result = grade_one(path)
    except Exception as error:  # heldout's own fault must still leave this submission a result
        result = harness_error(path, f"{type(error).__name__}: {error}")
    try:
        data = result.to_json()
        json.dumps(data)
    except (TypeError, ValueError) as error:
        data = harness_error(path, f"the result could not be written: {error}").to_json()
    return data


def write_result(out: Path, path: Path, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Write ``data`` as ``name``.json atomically (a reader sees the old file or the new one); returns
    what was written, a ``sandbox_error`` result when ``data`` itself could not be."""
    target = out / f"{name}.json"
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except (TypeError, ValueError, OSError) as error:
        data = harness_error(path, f"the result could not be written: {error}").to_json()
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(target)
    return data


@dataclass
class BatchPlan:
    """A batch before grading: every submission, the results a previous run left, what is left to do."""

    folder: Path
    out: Path
    submissions: list[Path]
    entries: dict[Path, BatchEntry]
    pending: list[tuple[Path, str]]

    def record(
        self, path: Path, name: str, data: dict[str, Any], seconds: float, progress: TextIO | None
    ) -> BatchEntry:
        """Write one submission's result and count it (call from one thread at a time)."""
        data = write_result(self.out, path, name, data)
        entry = _entry(path, name, data, resumed=False)
        self.entries[path] = entry
        if progress is not None:
            progress.write(
                f"[{len(self.entries)}/{len(self.submissions)}] {name}: {entry.status} ({seconds:.0f} s)\n"
            )
            progress.flush()
        return entry

    def finish(self) -> list[BatchEntry]:
        ordered = [self.entries[path] for path in self.submissions]
        _write_summary(self.out / "summary.csv", ordered)
        return ordered


def plan_batch(folder: Path, out: Path, progress: TextIO | None = None) -> BatchPlan:
    """Find the submissions below ``folder`` and the results already in ``out`` (resuming)."""
    folder, out = Path(folder), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    submissions = find_submissions(folder)
    entries: dict[Path, BatchEntry] = {}
    pending = []
    for path in submissions:
        name = result_name(folder, path)
        done = _already_graded(out / f"{name}.json", path)
        if done is not None:
            entries[path] = _entry(path, name, done, resumed=True)
        else:
            pending.append((path, name))
    if entries and progress is not None:
        progress.write(f"resuming: {len(entries)} of {len(submissions)} already graded\n")
    return BatchPlan(folder, out, submissions, entries, pending)


def grade_batch(
    folder: Path,
    out: Path,
    jobs: int,
    grade_one: Callable[[Path], GradeResult],
    progress: TextIO | None = None,
) -> list[BatchEntry]:
    """Grade every notebook below ``folder`` into ``out``; returns one entry per submission."""
    progress = progress or sys.stderr
    plan = plan_batch(folder, out, progress)
    lock = threading.Lock()

    def run(path: Path, name: str) -> BatchEntry:
        started = time.monotonic()
        data = graded_data(path, grade_one)
        with lock:
            return plan.record(path, name, data, time.monotonic() - started, progress)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run, path, name) for path, name in plan.pending]
        for future in as_completed(futures):
            future.result()
    return plan.finish()


def _write_summary(path: Path, entries: list[BatchEntry]) -> None:
    checks = sorted({check for entry in entries for check in entry.verdicts})
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "status", "points", "max_points", "holdout_score", *checks, "error"])
        for e in entries:
            writer.writerow(
                [
                    e.name,
                    e.status,
                    e.points,
                    e.max_points,
                    "" if e.holdout_score is None else e.holdout_score,
                    *(e.verdicts.get(c, "") for c in checks),
                    e.error or "",
                ]
            )
    tmp.replace(path)


def render_summary(entries: list[BatchEntry], stream: TextIO) -> None:
    if not entries:
        stream.write("no notebooks found\n")
        return
    width = max(len(e.name) for e in entries)
    stream.write(f"{'submission':<{width}}  {'status':<7} {'points':>8}  holdout  note\n")
    for e in entries:
        holdout = "" if e.holdout_score is None else f"{e.holdout_score:.3f}"
        note = (e.error or "")[:60]
        stream.write(
            f"{e.name:<{width}}  {e.status:<7} {e.points:>4g}/{e.max_points:<3}  {holdout:>7}  {note}\n"
        )
    counts = {s: sum(e.status == s for e in entries) for s in ("passed", "failed", "error")}
    stream.write(
        f"{len(entries)} submissions: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['error']} could not be graded\n"
    )
