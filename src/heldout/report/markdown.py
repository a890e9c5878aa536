"""The feedback report as Markdown; figures are written as PNG files beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heldout.report.content import ReportContent, build_content
from heldout.report.escape import md_cell, md_inline, md_link_target, md_text

__all__ = ["render_markdown", "write_markdown"]

_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def render_markdown(content: ReportContent, figure_files: dict[str, str] | None = None) -> str:
    # Every string below may carry the submission's text (its file name, code, columns, exceptions):
    # each goes through md_inline, md_cell or md_text, as html.py puts each through html.escape.
    lines = [
        f"# {md_inline(content.title)}",
        "",
        f"**{md_inline(content.status_line)}** ({md_inline(content.audience)} report)",
        "",
    ]
    for warning in content.warnings:
        lines += [f"> **Warning:** {md_inline(warning)}", ""]
    if content.error:
        lines += ["## Could not be graded to the end", "", md_text(content.error), ""]
    if content.wrong:
        lines += ["## What to fix", ""]
        for entry in content.wrong:
            where = f" ({md_inline('; '.join(entry['where'][:3]))})" if entry["where"] else ""
            lines += [
                f"### {_MARK[entry['verdict']]} {md_inline(entry['title'])}{where}",
                "",
                f"*{md_inline(entry['competency'])}, {md_inline(entry['points'])} points*",
                "",
                md_text(entry["message"]),
                "",
            ]
    if content.right:
        lines += ["## What was right", ""]
        lines += [
            f"- **{md_inline(e['title'])}** ({md_inline(e['points'])}): {md_inline(e['message'])}"
            for e in content.right
        ]
        lines.append("")
    if content.holdout:
        lines += ["## Hidden holdout", "", "| figure | value |", "|---|---|"]
        lines += [f"| {md_cell(label)} | {md_cell(value)} |" for label, value in content.holdout]
        lines.append("")
    for figure in content.figures:
        if figure_files and figure.name in figure_files:
            lines += [f"![{md_inline(figure.title)}]({md_link_target(figure_files[figure.name])})", ""]
    if content.red_flags:
        lines += ["## Red flags", ""] + [f"- {md_inline(flag)}" for flag in content.red_flags] + [""]
    if content.lint_disagreements:
        lines += ["## Static lint and the run disagree", ""]
        lines += [f"- {md_inline(d)}" for d in content.lint_disagreements] + [""]
    if content.followups:
        lines += ["## Follow-up questions", ""] + [f"1. {md_inline(q)}" for q in content.followups] + [""]
    return "\n".join(lines)


def write_markdown(result: dict[str, Any], audience: str, out: Path) -> list[Path]:
    """Write ``out`` and its figures (``<stem>-<figure>.png``); returns every path written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    content = build_content(result, audience)
    written = []
    files = {}
    for figure in content.figures:
        path = out.with_name(f"{out.stem}-{figure.name}.png")
        path.write_bytes(figure.png)
        files[figure.name] = path.name
        written.append(path)
    out.write_text(render_markdown(content, files), encoding="utf-8")
    return [out, *written]
