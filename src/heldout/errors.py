"""Every error heldout raises on purpose, in one place.

    HeldoutError                      anything heldout reports to a person (exit code 2 or 3)
    ├── ManifestError                 an exercise.toml that does not say what it must (names the field)
    ├── SubmissionError               the file handed to the grader is not a gradable notebook
    ├── DatasetError                  a dataset is missing, or differs from its recorded checksum
    └── SandboxError                  the isolation layer could not start (never the candidate's fault)

A candidate's notebook that crashes, loops or lies is *not* an exception here: it is a result with a
status (see heldout.result), because one broken submission must never stop the grading of others.
"""

from __future__ import annotations

__all__ = ["DatasetError", "HeldoutError", "ManifestError", "SandboxError", "SubmissionError"]


class HeldoutError(Exception):
    """Base class: the message is written for a person and ends with what to do."""


class ManifestError(HeldoutError):
    def __init__(self, path: object, field: str, problem: str) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        super().__init__(f"{path}: field '{field}' {problem}")


class SubmissionError(HeldoutError):
    pass


class DatasetError(HeldoutError):
    pass


class SandboxError(HeldoutError):
    pass
