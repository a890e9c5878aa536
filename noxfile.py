"""Developer sessions: `nox -s tests`, `nox -s lint`, `nox -s grade` (grades every shipped solution)."""

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
ROOT = Path(__file__).parent


@nox.session
def tests(session: nox.Session) -> None:
    """The harness's own tests, including every flawed and correct submission."""
    session.install("-e", ".[dev]")
    session.run("pytest", "-n", "auto", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "src", "tests", "graders", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "graders", "noxfile.py")


@nox.session
def grade(session: nox.Session) -> None:
    """Grade every shipped reference solution; fails if any does not pass."""
    session.install("-e", ".")
    for solution in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        session.run("heldout", "grade", str(solution.relative_to(ROOT)))


@nox.session
def bench(session: nox.Session) -> None:
    """Figures and ratios of what grading costs (prints a table; see benchmarks/bench.py)."""
    session.install("-e", ".")
    session.run("python", "benchmarks/bench.py", *session.posargs)
