"""Hostile and broken submissions each get their expected verdict, and leave the machine as they found it.

The notebooks and their verdicts live in tests/submissions/adversarial/ (expected.toml documents the keys).
All selected cases are graded once, a few at a time, by a module fixture; each test then checks one
verdict. Cases that need bubblewrap or control groups are skipped, with the reason, where those are
missing: without them the attack would really reach the host (a fork bomb with no process cap, a
network probe with a network).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from heldout.batch import grade_batch
from heldout.execute import cgroups
from heldout.execute.sandbox import Limits, isolation_tier
from heldout.grading import grade
from heldout.result import GradeResult

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "tests" / "submissions" / "adversarial"
CASES: dict[str, dict[str, Any]] = tomllib.loads((CASES_DIR / "expected.toml").read_text("utf-8"))["cases"]
LIMITS = Limits(
    wall_seconds=60,
    cell_seconds=10,
    memory_bytes=2 * 1024**3,
    output_bytes=64 * 1024,
    disk_bytes=768 * 1024**2,
)
# Correct submissions need their real time (the reference solution runs a search for about a minute).
GENEROUS = Limits(wall_seconds=400, cell_seconds=240, memory_bytes=4 * 1024**3, output_bytes=1024 * 1024)
JOBS = int(os.environ.get("HELDOUT_TEST_JOBS", "2"))
CANARY = ("HELDOUT_CANARY_SECRET", "canary-7f3a")  # environment_secrets.ipynb looks for it
# The heaviest cases go first and last, so that they never run at the same time.
ORDER = {"fork_bomb.ipynb": -1, "memory_bomb_in_children.ipynb": 1}


def _as_list(value: Any) -> list:
    return [] if value is None else list(value) if isinstance(value, list) else [value]


def _missing(spec: dict[str, Any]) -> str | None:
    """Why this case cannot run here (its attack would reach the host), or None."""
    need = spec.get("requires")
    if need == "bubblewrap" and isolation_tier() != "bubblewrap":
        return "needs the bubblewrap sandbox (isolation tier here: none); unisolated, this attack is real"
    if need == "cgroups" and cgroups.available() == "none":
        return (
            "needs per-run control groups (none available here): without them there is no process/memory cap"
        )
    return None


def _params() -> list:
    params = []
    for name, spec in CASES.items():
        marks = []
        if (reason := _missing(spec)) is not None:
            marks.append(pytest.mark.skip(reason=reason))
        if "known_gap" in spec:
            marks.append(pytest.mark.xfail(reason=f"known gap: {spec['known_gap']}", strict=True))
        params.append(pytest.param(name, marks=marks, id=Path(name).stem))
    return params


@dataclass
class Graded:
    results: dict[str, GradeResult | BaseException] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    leftovers: list[str] = field(default_factory=list)


def _snapshot() -> dict[str, str]:
    """sha256 of the files a submission must never change: datasets, solutions, and the host's hostname."""
    # The grading parent (trusted) caches baseline scores beside the dataset, and a parallel test
    # worker may be writing that cache while this module grades: it is not the submission's doing.
    files = [
        p
        for folder in ("datasets", "solutions")
        for p in sorted((ROOT / folder).rglob("*"))
        if p.is_file() and not p.name.startswith(".baselines-")
    ]
    files.append(Path("/etc/hostname"))
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def _command_lines() -> list[str]:
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                pass
    return lines


def _grade_timed(path: Path, limits: Limits) -> tuple[GradeResult | BaseException, float]:
    started = time.monotonic()
    try:
        result: GradeResult | BaseException = grade(path, limits=limits)
    except Exception as error:  # kept: a case may expect heldout to raise (a known gap)
        result = error
    return result, time.monotonic() - started


@pytest.fixture(scope="module")
def graded(request) -> Graded:
    """Grades every selected, runnable case once, ``JOBS`` at a time."""
    selected = {
        item.callspec.params["name"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_adversarial_verdict" and hasattr(item, "callspec")
    }
    names = sorted((n for n in selected if _missing(CASES[n]) is None), key=lambda n: (ORDER.get(n, 0), n))
    out = Graded(before=_snapshot())
    previous = os.environ.get(CANARY[0])
    os.environ[CANARY[0]] = CANARY[1]
    try:
        with ThreadPoolExecutor(max_workers=JOBS) as pool:
            for name, (result, seconds) in zip(
                names, pool.map(lambda n: _grade_timed(CASES_DIR / n, LIMITS), names), strict=True
            ):
                out.results[name], out.seconds[name] = result, seconds
    finally:
        if previous is None:
            os.environ.pop(CANARY[0], None)
        else:
            os.environ[CANARY[0]] = previous
    out.after = _snapshot()
    out.leftovers = _command_lines()
    return out


def _observed(result: GradeResult | BaseException) -> tuple[str, str]:
    if isinstance(result, BaseException):
        return f"raised {type(result).__name__}", str(result)
    if result.error is not None:
        return result.error.kind, result.error.message
    return result.status, ""


def _check(name: str, result: GradeResult | BaseException, spec: dict[str, Any]) -> None:
    observed, message = _observed(result)
    allowed = _as_list(spec.get("error")) + _as_list(spec.get("status"))
    assert observed in allowed, f"{name}: expected {allowed}, got {observed}: {message}"
    assert isinstance(result, GradeResult)
    if result.error is not None and spec.get("message") is not None:
        fragments = _as_list(spec["message"])
        assert any(f in message for f in fragments), f"{name}: none of {fragments} in {message!r}"
    if spec.get("message_excludes"):
        assert spec["message_excludes"] not in message, f"{name}: {message!r}"
    if spec.get("fails"):
        failed = {check.id for check in result.checks if str(check.verdict) == "fail"}
        assert set(spec["fails"]) <= failed, f"{name}: {spec['fails']} should fail; failed: {sorted(failed)}"
    if spec.get("warns"):
        warned = {check.id: check.message for check in result.checks if str(check.verdict) == "warn"}
        assert set(spec["warns"]) <= set(warned), (
            f"{name}: {spec['warns']} should warn; warned: {sorted(warned)}"
        )
        if spec.get("check_message"):
            said = " ".join(warned[check_id] for check_id in spec["warns"])
            assert spec["check_message"] in said, f"{name}: {spec['check_message']!r} not in {said!r}"
    if "max_holdout" in spec:
        score = (result.holdout or {}).get("score")
        assert score is None or score <= spec["max_holdout"], f"{name}: holdout score {score}"
    if spec.get("requires") == "bubblewrap":
        assert result.isolation == "bubblewrap"


@pytest.mark.parametrize("name", _params())
def test_adversarial_verdict(name: str, graded: Graded) -> None:
    spec = CASES[name]
    result = graded.results[name]
    observed, message = _observed(result)
    print(f"{name}: {observed} in {graded.seconds[name]:.1f} s {message[:200]!r}")
    _check(name, result, spec)
    if spec.get("leftover"):
        survivors = [line for line in graded.leftovers if spec["leftover"] in line]
        assert not survivors, f"{name}: processes outlived the run: {survivors}"


def test_every_adversarial_notebook_is_listed() -> None:
    on_disk = {p.name for p in CASES_DIR.glob("*.ipynb")}
    assert on_disk == set(CASES), (sorted(on_disk - set(CASES)), sorted(set(CASES) - on_disk))


def test_the_destructive_cases_changed_nothing_outside_the_sandbox(graded: Graded) -> None:
    if not graded.results:
        pytest.skip("no adversarial case was graded in this session")
    changed = sorted(
        k for k in graded.before.keys() | graded.after.keys() if graded.before.get(k) != graded.after.get(k)
    )
    assert not changed, changed
    assert graded.before, "nothing was hashed"


def _batch_cases() -> list[str]:
    return sorted(
        n
        for n, spec in CASES.items()
        if spec.get("batch") and _missing(spec) is None and "known_gap" not in spec
    )


def test_a_batch_mixing_hostile_and_correct_submissions(tmp_path: Path) -> None:
    folder, out = tmp_path / "returned", tmp_path / "results"
    folder.mkdir()
    hostile = _batch_cases()
    for name in hostile:
        shutil.copy(CASES_DIR / name, folder / name)
    correct = {
        "correct_solution": ROOT / "solutions" / "imbalance" / "solution.ipynb",
        "correct_validation_split": ROOT
        / "tests"
        / "submissions"
        / "imbalance"
        / "correct"
        / "validation_split_threshold.ipynb",
    }
    for stem, source in correct.items():
        shutil.copy(source, folder / f"{stem}.ipynb")

    def grade_one(path: Path) -> GradeResult:
        return grade(path, limits=GENEROUS if path.stem in correct else LIMITS)

    entries = grade_batch(folder, out, jobs=2, grade_one=grade_one)

    stems = sorted([Path(n).stem for n in hostile] + list(correct))
    assert sorted(e.name for e in entries) == stems
    assert sorted(p.stem for p in out.glob("*.json")) == stems  # exactly one result per submission
    assert not list(out.glob(".*.tmp"))
    assert len((out / "summary.csv").read_text("utf-8").splitlines()) == len(stems) + 1
    records = {p.stem: json.loads(p.read_text("utf-8")) for p in out.glob("*.json")}
    for name in hostile:
        record = records[Path(name).stem]
        error = record.get("error") or {}
        observed = error.get("kind") or record["status"]
        spec = CASES[name]
        allowed = _as_list(spec.get("error")) + _as_list(spec.get("status"))
        assert observed in allowed, f"{name}: expected {allowed}, got {observed}: {error.get('message')}"
        if error and spec.get("message") is not None:
            assert any(f in error["message"] for f in _as_list(spec["message"])), (name, error["message"])
    for stem in correct:
        assert records[stem]["status"] == "passed", (
            stem,
            records[stem].get("error"),
            records[stem]["checks"],
        )
