"""Reports, exports, scorecards and the panel view say the right things, for the right audience."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from heldout.compare import comparison_table, load_results
from heldout.errors import HeldoutError
from heldout.report.exports import write_exports
from heldout.report.gradescope import to_gradescope, validate_gradescope
from heldout.scorecard import build_scorecard, load_rubric

pytestmark = pytest.mark.slow

FLAWED = Path(__file__).parent / "submissions" / "imbalance" / "flawed"
SOLUTION = Path(__file__).parent.parent / "solutions" / "imbalance" / "solution.ipynb"


@pytest.fixture(scope="module")
def smote(graded_result):
    return graded_result(FLAWED / "smote_before_split.ipynb").to_json()


@pytest.fixture(scope="module")
def solution(graded_result):
    return graded_result(SOLUTION).to_json()


def test_both_audiences_get_a_markdown_report(smote, tmp_path):
    write_exports(smote, markdown=tmp_path / "r.md")
    interviewer = (tmp_path / "r.md").read_text()
    candidate = (tmp_path / "r.candidate.md").read_text()
    for text in (interviewer, candidate):
        assert "## What to fix" in text and "Resampling only inside training folds" in text
        assert "SMOTE (cell 3, line 3) was fitted on 48,000 rows" in text
    holdout = smote["holdout"]
    assert f"| hidden holdout average_precision | {holdout['score']:.3f} |" in interviewer
    assert f"| optimism gap (promised - delivered) | {holdout['optimism_gap']:+.3f} |" in interviewer
    assert "![Precision-recall on the hidden holdout](r-pr-curve.png)" in interviewer
    assert (tmp_path / "r-pr-curve.png").read_bytes().startswith(b"\x89PNG")
    assert "## Red flags" in interviewer and "above the hidden score" in interviewer
    assert "What exactly do the synthetic rows carry across" in interviewer  # its follow-up question
    # The candidate sees the public part's score, never the whole holdout's or the private part's.
    public, private = holdout["public"], holdout["private"]
    assert (
        f"| hidden holdout average_precision, public part ({public['rows']:,} rows) | {public['score']:.3f} |"
        in (candidate)
    )
    assert f"| hidden holdout average_precision, private part ({private['rows']:,} rows) |" in interviewer
    assert f"{holdout['score']:.3f}" not in candidate and "private part" not in candidate
    assert "Follow-up" not in candidate and "Red flags" not in candidate


def test_the_solution_report_has_no_red_flags_and_the_general_questions(solution, tmp_path):
    write_exports(solution, markdown=tmp_path / "s.md")
    text = (tmp_path / "s.md").read_text()
    assert "## What to fix" not in text and "Red flags" not in text
    assert "missed fraud costs 20 times" in text


def test_gradescope_results_validate(smote, solution):
    for result in (smote, solution):
        data = to_gradescope(result)
        assert validate_gradescope(data) == []
        assert data["score"] == result["score"]["points"]
        assert sum(t["max_score"] for t in data["tests"]) == result["score"]["max_points"]
    failed = [t for t in to_gradescope(smote)["tests"] if t["status"] == "failed"]
    assert [t["name"].split(":")[0] for t in failed] == ["resampling_inside_training"]
    hidden = [t for t in to_gradescope(smote)["tests"] if t["visibility"] != "visible"]
    assert [t["name"].split(":")[0] for t in hidden] == ["holdout_beats_baselines"]


def test_gradescope_validation_catches_a_bad_file():
    problems = validate_gradescope(
        {
            "score": "ten",
            "tests": [{"name": "x", "score": 3, "max_score": 2, "output": "", "visibility": "sometimes"}],
        }
    )
    assert "score must be a number" in problems
    assert "tests[0].score exceeds max_score" in problems
    assert any("visibility" in p for p in problems)


def test_scorecard_merges_the_rubric_at_the_candidates_level(smote, solution, manifest, tmp_path):
    rubric = tmp_path / "ada.toml"
    rubric.write_text(
        'candidate = "Ada"\nlevel = "mid"\n[scores.communication]\nscore = 3\nnotes = "clear"\n'
        "[scores.trade_offs]\nscore = 3\n[scores.production_sense]\nscore = 2\n"
    )
    strong = build_scorecard(solution, load_rubric(rubric), manifest)
    assert strong.meets_bar and strong.competencies["communication"]["manual"] == 3
    assert strong.competencies["data_hygiene"]["automated"] == 4
    weak = build_scorecard(smote, load_rubric(rubric), manifest)
    assert not weak.meets_bar
    assert weak.competencies["data_hygiene"]["automated_points"] == 15
    assert weak.reasons == ["data hygiene: resampling only inside training folds failed"]
    assert "| communication |" in weak.to_markdown() and "clear" in weak.to_markdown()


def test_a_bad_rubric_names_the_field(tmp_path):
    rubric = tmp_path / "bad.toml"
    rubric.write_text('candidate = "Ada"\nlevel = "mid"\n[scores.communication]\nscore = 7\n')
    with pytest.raises(HeldoutError, match=r"scores\.communication\.score' must be 1, 2, 3 or 4"):
        load_rubric(rubric)


def test_compare_puts_candidates_side_by_side_and_refuses_mixed_versions(smote, solution, tmp_path):
    (tmp_path / "ada.json").write_text(json.dumps(solution))
    (tmp_path / "bob.json").write_text(json.dumps(smote))
    header, rows = comparison_table(load_results([tmp_path / "ada.json", tmp_path / "bob.json"]))
    assert header == ["", "ada", "bob"]
    table = {row[0]: row[1:] for row in rows}
    assert table["resampling_inside_training"] == ["pass", "fail"]
    assert table["competency: data_hygiene"] == ["30/30", "15/30"]
    other = dict(smote, scenario=dict(smote["scenario"], version="2.0.0"))
    (tmp_path / "old.json").write_text(json.dumps(other))
    with pytest.raises(HeldoutError, match="different scenarios or versions"):
        load_results([tmp_path / "ada.json", tmp_path / "old.json"])


CHECK_IMAGES = """<script>
window.addEventListener('load', () => {
  const images = [...document.images];
  const shown = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.title = 'IMAGES ' + shown + '/' + images.length;
});
</script></body>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_html_report_loads_in_a_real_browser_and_shows_its_plots(smote, tmp_path):
    write_exports(smote, html=tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    (tmp_path / "probe.html").write_text(html.replace("</body>", CHECK_IMAGES))
    run = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            (tmp_path / "probe.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert re.search(r"<title>IMAGES 2/2</title>", run.stdout), run.stdout[:500]
    assert "Uncaught" not in run.stderr and "Failed to load resource" not in run.stderr


def test_the_drift_timeline_shows_planted_and_reported_changes_to_the_interviewer_only(
    graded_result, tmp_path
):
    result = graded_result(Path(__file__).parent.parent / "solutions" / "drift" / "solution.ipynb").to_json()
    drift = {entry["feature"]: entry for entry in result["drift"]["features"]}
    assert result["drift"]["months"][0] == "2023-01" and result["drift"]["months"][-1] == "2024-12"
    assert (drift["sessions_per_week"]["planted"], drift["sessions_per_week"]["reported"]) == ("2024-04",) * 2
    assert drift["support_tickets"]["measure"] == "correlation with the label"
    assert len(drift["sessions_per_week"]["series"]) == 24
    write_exports(result, markdown=tmp_path / "d.md")
    interviewer = (tmp_path / "d.md").read_text()
    candidate = (tmp_path / "d.candidate.md").read_text()
    assert "(d-drift-timeline.png)" in interviewer
    assert (tmp_path / "d-drift-timeline.png").read_bytes().startswith(b"\x89PNG")
    assert "drift-timeline" not in candidate and "planted" not in candidate
    # The drift report's grade names features and months for the interviewer; the candidate gets counts.
    # Backticks are escaped: the message quotes the candidate's drift report, which could close a code span.
    assert "\\`sessions_per_week\\`: covariate drift from 2024-04" in interviewer
    assert "In your drift report you found 3 of the 3 drifting features, placed 3 of them" in candidate
    assert "sessions_per_week" not in candidate and "2024-10" not in candidate


def test_the_recall_curve_and_hidden_query_figures_go_to_the_interviewer_only(graded_result, tmp_path):
    solution = Path(__file__).parent.parent / "solutions" / "rag_retrieval" / "solution.ipynb"
    result = graded_result(solution).to_json()
    retrieval = result["holdout"]["retrieval"]
    assert [k for k, _ in retrieval["recall_curve"]["model"]] == [1, 3, 5, 10, 20, 50, 100]
    assert set(retrieval["recall_curve"]) == {"model", "bm25", "tfidf"} and retrieval["ungrounded"] == 0
    assert result["holdout"]["optimism_gap"] is not None  # the estimate is nDCG@10, so it is compared
    write_exports(result, markdown=tmp_path / "r.md")
    interviewer = (tmp_path / "r.md").read_text()
    candidate = (tmp_path / "r.candidate.md").read_text()
    assert "(r-recall-curve.png)" in interviewer and "hidden R@10" in interviewer
    assert (tmp_path / "r-recall-curve.png").read_bytes().startswith(b"\x89PNG")
    assert "recall-curve" not in candidate and "hidden R@10" not in candidate


def test_the_group_rates_figure_goes_to_the_interviewer_only(graded_result, tmp_path):
    solution = Path(__file__).parent.parent / "solutions" / "responsible" / "solution.ipynb"
    result = graded_result(solution).to_json()
    (check,) = [c for c in result["checks"] if c["id"] == "fairness_constraint_holdout"]
    (table,) = [f["groups"] for f in check["findings"] if f.get("groups")]
    assert [row["group"] for row in table] == ["A", "B", "C", "D"]
    for row in table:
        for key in ("selection_rate", "true_positive_rate"):
            assert row[f"{key}_low"] <= row[key] <= row[f"{key}_high"], row
    small = next(row for row in table if row["group"] == "D")
    large = next(row for row in table if row["group"] == "A")
    width = {r["group"]: r["true_positive_rate_high"] - r["true_positive_rate_low"] for r in (small, large)}
    assert width["D"] > width["A"]  # the small group's rate says less, and the plot shows it
    # "Before": a model trained on the same record without mitigation (the manifest's scoring baseline),
    # measured the same way, drawn beside the candidate's.
    (before,) = [f["unconstrained"] for f in check["findings"] if f.get("unconstrained")]
    assert before["baseline"] == "logistic_regression" and 0 <= before["value"] <= 1
    assert [row["group"] for row in before["groups"]] == ["A", "B", "C", "D"]
    assert before["groups"] != table
    write_exports(result, markdown=tmp_path / "f.md")
    interviewer = (tmp_path / "f.md").read_text()
    candidate = (tmp_path / "f.candidate.md").read_text()
    assert "(f-group-rates.png)" in interviewer
    assert "hatched, without mitigation: heldout's logistic regression baseline" in interviewer
    assert (tmp_path / "f-group-rates.png").read_bytes().startswith(b"\x89PNG")
    assert "group-rates" not in candidate


def test_the_replicate_readouts_go_to_the_interviewer_only(graded_result, tmp_path):
    solution = Path(__file__).parent.parent / "solutions" / "experimentation" / "solution.ipynb"
    result = graded_result(solution).to_json()
    readout = result["holdout"]["readout"]
    assert readout["read"] == readout["replicates"] == 80 and len(readout["aa_p_values"]) == 60
    assert len(readout["intervals"]) == 72  # the replicates without a planted mismatch
    assert readout["coverage"] >= 0.85 and readout["aa_false_positive_rate"] <= 0.12
    write_exports(result, markdown=tmp_path / "e.md")
    interviewer = (tmp_path / "e.md").read_text()
    candidate = (tmp_path / "e.candidate.md").read_text()
    assert "(e-replicates.png)" in interviewer and "A/A false-positive rate" in interviewer
    assert (tmp_path / "e-replicates.png").read_bytes().startswith(b"\x89PNG")
    assert "replicates.png" not in candidate and "A/A false-positive rate" not in candidate


def test_the_candidates_own_learning_curve_is_drawn_over_the_true_one(graded_result, tmp_path):
    solution = Path(__file__).parent.parent / "solutions" / "capacity" / "solution.ipynb"
    result = graded_result(solution).to_json()
    own = result["holdout"]["candidate_curve"]
    # learning_curve at 25-100 % of the 800 rows of each of 5 training folds, plus cross-validation at 800
    assert [point["rows"] for point in own] == [200, 400, 600, 800]
    assert own[0]["error"] > own[-1]["error"] > result["holdout"]["bayes_limit"]
    write_exports(result, markdown=tmp_path / "c.md")
    assert "(c-learning-curve.png)" in (tmp_path / "c.md").read_text()
    assert "learning-curve" not in (tmp_path / "c.candidate.md").read_text()


def test_no_final_model_means_no_candidate_curve():
    from heldout.checks.capacity import candidate_curve

    class Context:  # only what candidate_curve reads before it gives up
        model_fit = None

    assert candidate_curve(Context()) == []  # type: ignore[arg-type]
