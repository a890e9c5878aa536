"""The feedback report as Markdown; figures are written as PNG files beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heldout.report.content import ReportContent, build_content

__all__ = ["render_markdown", "write_markdown"]

_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def render_markdown(content: ReportContent, figure_files: dict[str, str] | None = None) -> str:
    lines = [f"# {content.title}", "", f"**{content.status_line}** ({content.audience} report)", ""]
    for warning in content.warnings:
        lines += [f"> **Warning:** {warning}", ""]
    if content.error:
        lines += ["## Could not be graded to the end", "", content.error, ""]
    if content.wrong:
        lines += ["## What to fix", ""]
        for entry in content.wrong:
            where = f" ({'; '.join(entry['where'][:3])})" if entry["where"] else ""
            lines += [
                f"### {_MARK[entry['verdict']]} {entry['title']}{where}",
                "",
                f"*{entry['competency']}, {entry['points']} points*",
                "",
                entry["message"],
                "",
            ]
    if content.right:
        lines += ["## What was right", ""]
        lines += [f"- **{e['title']}** ({e['points']}): {e['message']}" for e in content.right]
        lines.append("")
    if content.holdout:
        lines += ["## Hidden holdout", "", "| figure | value |", "|---|---|"]
        lines += [f"| {label} | {value} |" for label, value in content.holdout]
        lines.append("")
    for figure in content.figures:
        if figure_files and figure.name in figure_files:
            lines += [f"![{figure.title}]({figure_files[figure.name]})", ""]
    if content.red_flags:
        lines += ["## Red flags", ""] + [f"- {flag}" for flag in content.red_flags] + [""]
    if content.lint_disagreements:
        lines += ["## Static lint and the run disagree", ""] + [f"- {d}" for d in content.lint_disagreements]
        lines.append("")
    if content.followups:
        lines += ["## Follow-up questions", ""] + [f"1. {q}" for q in content.followups] + [""]
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
