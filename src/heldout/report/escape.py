"""Text from a submission, made inert for each export format.

Check messages quote the candidate's code, column names, exception text and declared report strings,
and a report's title holds the submission's file name: all of it is the candidate's to choose. HTML
reports use ``html.escape``; this module does the same for Markdown (any renderer: CommonMark,
GitHub's, Python-Markdown) and for the plain text of Gradescope's ``"text"`` format.

Markdown is escaped where it would act, not everywhere, so the file stays readable as text:
``& < >`` become entities (no HTML, no ``<autolink>``), ``\\ ` [ ] * ~ | $`` are backslash-escaped
(no link, image, code span, emphasis, table cell or math), ``_`` only where it could start or end
emphasis, a line's first character where it would open a block (heading, list, quote), and
``://`` and ``www.`` where GitHub would turn a bare address into a link.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["md_cell", "md_inline", "md_link_target", "md_text", "visible_controls"]

# C0 and C1 controls except tab and newline: in a terminal they move the cursor, retitle the window or
# clear the screen; in a browser they are invisible.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ALWAYS = re.compile(r"[\\`\[\]*~|$]")
_LOOSE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_BLOCK_START = re.compile(r"^([#=+-]|\d+(?=[.)]))")
_BARE_LINK = re.compile(r"(?i)(?<=[a-z0-9])://|\bwww\.")


def visible_controls(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``), tabs and newlines kept."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def _escape_line(line: str, *, at_block_start: bool = True) -> str:
    line = visible_controls(line).strip()  # leading spaces would make an indented code block
    line = _ALWAYS.sub(lambda m: "\\" + m.group(), line)
    line = "".join(_ENTITIES.get(char, char) for char in line)
    line = _LOOSE_UNDERSCORE.sub(r"\\_", line)
    line = _BARE_LINK.sub(lambda m: "\\://" if m.group() == "://" else m.group()[:3] + "\\.", line)
    match = _BLOCK_START.match(line) if at_block_start else None
    if match is not None:
        start = match.group()
        # a heading or list marker is escaped by its punctuation; "12." by the dot after the digits
        line = "\\" + line if not start.isdigit() else start + "\\" + line[len(start) :]
    return line


def md_inline(text: str) -> str:
    """``text`` as one line of literal Markdown: for headings, list items and table cells."""
    return _escape_line(" ".join(str(text).split()))


def md_cell(text: str) -> str:
    """``text`` as a table cell: as ``md_inline``, but a leading ``+`` or ``-`` opens no block there."""
    return _escape_line(" ".join(str(text).split()), at_block_start=False)


def md_text(text: str) -> str:
    """``text`` as literal Markdown paragraphs: its lines kept (as hard breaks), blank lines as breaks."""
    paragraphs = re.split(r"\n\s*\n", str(text).replace("\r\n", "\n").replace("\r", "\n"))
    escaped = ["  \n".join(_escape_line(line) for line in p.split("\n") if line.strip()) for p in paragraphs]
    return "\n\n".join(p for p in escaped if p)


def md_link_target(path: str) -> str:
    """A relative file name as a link destination: percent-encoded, so it cannot close the link or
    name a scheme (``javascript:``)."""
    return quote(path, safe="")
