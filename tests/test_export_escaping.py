"""Every export neutralises what came from the submission, and still shows it as readable text.

A result is built the way the grader builds one, with a hostile string wherever a submission can put
text (its file name, the messages that quote its code and exceptions, its declared report), and written
through the real exporters. Each export is compared with the same result holding plain words instead:
the hostile text may add no HTML element, no link, no image, no code span, no emphasis.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from heldout.checks.base import CheckResult, Finding, Verdict
from heldout.report.content import Figure, ReportContent
from heldout.report.escape import md_cell, md_inline, md_text
from heldout.report.exports import write_exports
from heldout.report.gradescope import to_gradescope, validate_gradescope
from heldout.report.markdown import render_markdown
from heldout.result import GradeError, GradeResult

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> [link](javascript:alert(3)) "
    "![x](http://evil.example/p.png) `code` ``two`` &lt;b&gt; &amp; <https://evil.example/a> "
    "https://evil.example/b www.evil.example **bold** _it_ ~~gone~~ | cell | $x$ \\` \x1b[2J"
)
PLAIN = "plain words"
# Lines of a message that would open a Markdown block if nothing escaped them.
HOSTILE_LINES = "# heading\n- item\n1. numbered\n> quote\n    indented code\n```\nfenced\n```\n===\n---"
PLAIN_LINES = "\n".join(f"line {n}" for n in range(HOSTILE_LINES.count("\n") + 1))


def _result(text: str, lines: str) -> GradeResult:
    checks = [
        CheckResult(
            "no_fit_on_evaluated_rows",
            f"No fit on evaluated rows {text}",
            Verdict.FAIL,
            0.0,
            3,
            "data_hygiene",
            f"StandardScaler (cell 2, line 4) saw the column {text}.\n{lines}",
            (Finding(2, 4, f"scaler.fit({text})"),),
        ),
        CheckResult(
            "headline_metric",
            "Headline metric",
            Verdict.PASS,
            2.0,
            2,
            "evaluation",
            f"You reported {text} on the rare class.",
            (),
        ),
    ]
    result = GradeResult(
        f"returned/{text}.ipynb",
        "0" * 64,
        {"id": "imbalance", "version": "1", "title": "Imbalanced fraud"},
        "bubblewrap",
        checks=checks,
        error=GradeError("crashed", f"Cell 3 raised KeyError: {text!r}\n{lines}", cell=3),
        holdout={
            "metric": "average_precision",
            "score": 0.41,
            "baselines": {"logistic_regression": 0.30, f"dummy {text}": 0.01},
            "margin": 0.02,
            "reported_estimate": 0.52,
            "optimism_gap": 0.11,
            "prevalence": 0.01,
            "curves": {"model": {"recall": [0.0, 0.5, 1.0], "precision": [1.0, 0.4, 0.01]}},
            "histogram": {"edges": [0.0, 0.5, 1.0], "negative": [900, 10], "positive": [2, 8]},
        },
        report={"headline": text, "threshold": 0.5},
        followups=[f"Why did you drop {text}?"],
        lint={"findings": [], "disagreements": [f"no_fit_on_evaluated_rows: the lint saw {text}"]},
    )
    return result


def _exports(text: str, lines: str, folder: Path) -> dict[str, str]:
    folder.mkdir()
    result = _result(text, lines).to_json()
    write_exports(result, html=folder / "r.html", markdown=folder / "r.md", gradescope=folder / "g.json")
    return {p.name: p.read_text("utf-8") for p in folder.iterdir() if p.suffix in (".md", ".html", ".json")}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[dict[str, str], dict[str, str]]:
    base = tmp_path_factory.mktemp("exports")
    return _exports(HOSTILE, HOSTILE_LINES, base / "hostile"), _exports(PLAIN, PLAIN_LINES, base / "plain")


def _unescaped(markdown: str) -> list[str]:
    """Markdown syntax characters in ``markdown`` that no backslash escapes."""
    return re.findall(r"(?<!\\)[`\[\]<]", markdown)


def test_markdown_carries_no_html_link_image_or_code_from_the_submission(exported) -> None:
    hostile, plain = exported
    for name in ("r.md", "r.candidate.md"):
        text = hostile[name]
        assert "<script" not in text and "<img" not in text and "<https" not in text and "\x1b" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&amp;lt;b&amp;gt;" in text
        assert "\\[link\\](javascript:alert(3))" in text and "!\\[x\\](http\\://evil.example/p.png)" in text
        assert "\\`code\\`" in text and "\\*\\*bold\\*\\*" in text and "\\_it\\_" in text
        assert "www\\.evil.example" in text and "\\\\x1b\\[2J" in text  # the escape shown, not obeyed
        # Every unescaped bracket, backtick or angle bracket is heldout's own (its figures' image links).
        assert _unescaped(text) == _unescaped(plain[name])


def test_a_message_cannot_open_a_markdown_block(exported) -> None:
    lines = [line.rstrip() for line in exported[0]["r.md"].splitlines()]
    for escaped in (
        "\\# heading",
        "\\- item",
        "1\\. numbered",
        "&gt; quote",
        "indented code",
        "\\===",
        "\\---",
    ):
        assert escaped in lines, escaped
    assert "\\`\\`\\`" in lines  # a fence, escaped
    assert not [line for line in lines if line.startswith(("    ", ">", "```", "---", "==="))]


def test_rendered_markdown_adds_no_element_and_reads_as_the_original(exported) -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm", reason="cmarkgfm (in the dev extra) renders GitHub's Markdown")
    from cmarkgfm.cmark import Options

    def render(markdown: str) -> str:
        # UNSAFE: raw HTML passes through, as in the most permissive renderer a report may meet
        return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)

    hostile, plain = exported
    for name in ("r.md", "r.candidate.md"):
        page, twin = render(hostile[name]), render(plain[name])
        assert _tags(page) == _tags(twin)  # no element, link, image or code span from the submission
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
        readable = " ".join(HOSTILE.replace("\x1b", "\\x1b").split())
        assert readable in shown
    assert "# heading - item 1. numbered > quote indented code ``` fenced ``` === ---" in " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", render(hostile["r.md"]))).split()
    )


def test_the_html_report_adds_no_element(exported) -> None:
    hostile, plain = exported
    for name in ("r.html", "r.candidate.html"):
        assert _tags(hostile[name]) == _tags(plain[name])
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile[name]


def test_gradescope_output_is_declared_plain_text(exported) -> None:
    data = json.loads(exported[0]["g.json"])
    assert validate_gradescope(data) == []
    assert data["output_format"] == data["test_output_format"] == data["test_name_format"] == "text"
    assert all(t["output_format"] == "text" and t["name_format"] == "text" for t in data["tests"])
    texts = [data["output"]] + [t["output"] for t in data["tests"]] + [t["name"] for t in data["tests"]]
    assert not any("\x1b" in text for text in texts)
    readable = HOSTILE.replace("\x1b", "\\x1b")
    assert readable in data["tests"][0]["output"] and readable in data["tests"][0]["name"]
    assert repr(HOSTILE) in data["output"]


def test_gradescope_validation_refuses_an_unknown_format() -> None:
    data = to_gradescope(_result(PLAIN, PLAIN_LINES).to_json())
    data["output_format"] = "rich"
    data["tests"][0]["name_format"] = "markdown"
    assert validate_gradescope(data) == [
        "output_format is not one of text, simple_format, html, md, ansi",
        "tests[0].name_format is not one of text, simple_format, html, md, ansi",
    ]


def test_a_figure_file_name_cannot_close_its_image_link() -> None:
    content = ReportContent(title="t", audience="interviewer", status_line="s")
    content.figures.append(Figure("pr-curve", "Precision-recall", b"\x89PNG"))
    text = render_markdown(content, {"pr-curve": "x)![y](javascript:alert(1)) -pr-curve.png"})
    assert "![Precision-recall](x%29%21%5By%5D%28javascript%3Aalert%281%29%29%20-pr-curve.png)" in text


def test_the_escapes_keep_ordinary_text_as_it_was() -> None:
    ordinary = "SMOTE (cell 3, line 3) was fitted on 48,000 rows; average_precision 0.412 - see n_estimators."
    assert md_inline(ordinary) == ordinary
    assert md_cell("+0.110") == "+0.110" and md_inline("+0.110") == "\\+0.110"  # a list marker there
    assert (
        md_text("first line\n  second line\n\n\nnext paragraph")
        == "first line  \nsecond line\n\nnext paragraph"
    )


def _tags(page: str) -> list[str]:
    return re.findall(r"<(/?[A-Za-z][A-Za-z0-9]*)", page)
