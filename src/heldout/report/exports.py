"""Every file a grade can be exported to, from its JSON result: reports for both audiences, Gradescope.

``OUT.html`` (or ``.md``) is the interviewer's report and ``OUT.candidate.html`` the candidate's, so
one option gives a hiring team both without a second run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heldout.report.gradescope import write_gradescope
from heldout.report.html import write_html
from heldout.report.markdown import write_markdown

__all__ = ["candidate_path", "write_exports"]


def candidate_path(out: Path) -> Path:
    out = Path(out)
    return out.with_name(f"{out.stem}.candidate{out.suffix}")


def write_exports(
    result: dict[str, Any],
    html: Path | None = None,
    markdown: Path | None = None,
    gradescope: Path | None = None,
) -> list[Path]:
    written: list[Path] = []
    if html is not None:
        written += write_html(result, "interviewer", html)
        written += write_html(result, "candidate", candidate_path(html))
    if markdown is not None:
        written += write_markdown(result, "interviewer", markdown)
        written += write_markdown(result, "candidate", candidate_path(markdown))
    if gradescope is not None:
        written += write_gradescope(result, gradescope)
    return written
