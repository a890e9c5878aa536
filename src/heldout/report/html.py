"""The feedback report as one self-contained HTML page: inline CSS, figures as data URIs, no script,
nothing fetched from the network."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

from heldout.report.content import ReportContent, build_content

__all__ = ["render_html", "write_html"]

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.status{font-weight:600}.warn-box{background:#fff4d6;padding:.5rem 1rem;border-left:4px solid #e0a800}
.error{background:#fde8e8;padding:.5rem 1rem;border-left:4px solid #c62828}
.check{margin:1rem 0;padding:.5rem 1rem;border-left:4px solid #999}
.check.fail{border-color:#c62828}.check.warn{border-color:#e0a800}.check.pass{border-color:#2e7d32}
.verdict{font-weight:700;margin-right:.5rem}.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse}td,th{padding:.25rem .75rem;border-bottom:1px solid #eee;text-align:left}
figure{margin:1rem 0}img{max-width:100%}
"""


def _check(entry: dict[str, Any]) -> str:
    where = "; ".join(entry["where"][:3])
    where_html = f' <span class="meta">({escape(where)})</span>' if where else ""
    return (
        f'<div class="check {entry["verdict"]}"><span class="verdict">{entry["verdict"].upper()}</span>'
        f"<strong>{escape(entry['title'])}</strong>{where_html}"
        f'<div class="meta">{escape(entry["competency"])}, {escape(entry["points"])} points</div>'
        f"<p>{escape(entry['message'])}</p></div>"
    )


def render_html(content: ReportContent) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(content.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(content.title)}</h1>",
        f'<p class="status">{escape(content.status_line)} ({escape(content.audience)} report)</p>',
    ]
    parts += [f'<p class="warn-box">{escape(w)}</p>' for w in content.warnings]
    if content.error:
        parts.append(f'<h2>Could not be graded to the end</h2><p class="error">{escape(content.error)}</p>')
    if content.wrong:
        parts.append("<h2>What to fix</h2>")
        parts += [_check(entry) for entry in content.wrong]
    if content.right:
        parts.append("<h2>What was right</h2>")
        parts += [_check(entry) for entry in content.right]
    if content.holdout:
        rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in content.holdout)
        parts.append(f"<h2>Hidden holdout</h2><table><tr><th>figure</th><th>value</th></tr>{rows}</table>")
    for figure in content.figures:
        data = base64.b64encode(figure.png).decode("ascii")
        parts.append(
            f'<figure><img alt="{escape(figure.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(figure.title)}</figcaption></figure>"
        )
    if content.red_flags:
        parts.append(
            "<h2>Red flags</h2><ul>" + "".join(f"<li>{escape(f)}</li>" for f in content.red_flags) + "</ul>"
        )
    if content.lint_disagreements:
        parts.append(
            "<h2>Static lint and the run disagree</h2><ul>"
            + "".join(f"<li>{escape(d)}</li>" for d in content.lint_disagreements)
            + "</ul>"
        )
    if content.followups:
        parts.append(
            "<h2>Follow-up questions</h2><ol>"
            + "".join(f"<li>{escape(q)}</li>" for q in content.followups)
            + "</ol>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_html(result: dict[str, Any], audience: str, out: Path) -> list[Path]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(build_content(result, audience)), encoding="utf-8")
    return [out]
