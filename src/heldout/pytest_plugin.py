"""pytest integration: ``pytest graders/ --submission PATH [--submission PATH ...]``.

Registered through the ``pytest11`` entry point, so it is active wherever heldout is installed. Each
grader file is a list of one-line tests, one per check; the notebook runs once per (submission,
scenario) per session and every test reads that one result. Candidate-facing failures carry the
check's message and no traceback; JUnit XML comes from pytest's own ``--junitxml``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from heldout.result import GradeResult

__all__ = ["Graded", "HeldoutWarning"]


class HeldoutWarning(UserWarning):
    """A check that warned: shown in pytest's warnings summary, not a failure."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("heldout", "heldout grading")
    group.addoption(
        "--submission",
        action="append",
        default=[],
        metavar="PATH",
        type=Path,
        help="a notebook to grade, or a folder of notebooks (repeatable)",
    )
    group.addoption(
        "--heldout-isolation",
        choices=["auto", "bubblewrap", "none"],
        default="auto",
        help="sandbox tier (default: bubblewrap when available)",
    )
    group.addoption(
        "--heldout-json",
        metavar="DIR",
        type=Path,
        default=None,
        help="write each submission's result JSON into DIR",
    )


def _submissions(config: pytest.Config) -> list[Path]:
    found: list[Path] = []
    for path in config.getoption("submission"):
        if path.is_dir():
            found.extend(sorted(path.glob("*.ipynb")))
        else:
            found.append(path)
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "submission" in metafunc.fixturenames:
        paths = _submissions(metafunc.config)
        metafunc.parametrize(
            "submission", paths or [None], ids=[p.name for p in paths] or ["none"], scope="session"
        )


@dataclass
class _Cache:
    results: dict[tuple[Path, str], GradeResult] = field(default_factory=dict)


_CACHE_KEY = pytest.StashKey[_Cache]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_CACHE_KEY] = _Cache()


@dataclass
class Graded:
    """One submission graded for one scenario; ``require(check_id)`` is a grader test's body."""

    result: GradeResult
    request: pytest.FixtureRequest

    def require(self, check_id: str) -> None:
        if self.result.error is not None:
            error = self.result.error
            pytest.fail(f"{error.kind}: {error.message}", pytrace=False)
        check = self.result.check(check_id)
        if check.findings:
            self.request.node.add_report_section(
                "call",
                "heldout findings",
                "\n".join(
                    (f"cell {f.cell}, line {f.line}: " if f.cell is not None else "") + f.text
                    for f in check.findings
                ),
            )
        if str(check.verdict) == "fail":
            pytest.fail(f"{check.title}: {check.message}", pytrace=False)
        if str(check.verdict) == "warn":
            warnings.warn(HeldoutWarning(f"{check.id}: {check.message}"), stacklevel=2)


@pytest.fixture(scope="session")
def heldout_grade(request: pytest.FixtureRequest):
    """Returns ``grade(submission, scenario) -> GradeResult``, cached for the session."""
    from heldout.errors import SubmissionError
    from heldout.grading import grade, read_submission

    cache = request.config.stash[_CACHE_KEY]
    isolation = request.config.getoption("heldout_isolation")
    json_dir = request.config.getoption("heldout_json")

    def run(path: Path, scenario: str) -> GradeResult:
        key = (path, scenario)
        if key not in cache.results:
            try:
                declared = read_submission(path).declared_scenario
            except SubmissionError:
                declared = None
            if declared is not None and declared != scenario:
                pytest.skip(f"{path.name} answers the '{declared}' scenario")
            result = grade(path, scenario=scenario, isolation=None if isolation == "auto" else isolation)
            cache.results[key] = result
            if json_dir is not None:
                result.write_json(json_dir / f"{path.stem}.{scenario}.json")
        return cache.results[key]

    return run


@pytest.fixture
def graded(request: pytest.FixtureRequest, submission: Path | None, heldout_grade):
    """Returns ``scenario -> Graded`` for the current submission."""
    if submission is None:
        pytest.skip("no submission to grade: pass --submission PATH")

    def for_scenario(scenario: str) -> Graded:
        return Graded(heldout_grade(submission, scenario), request)

    return for_scenario
