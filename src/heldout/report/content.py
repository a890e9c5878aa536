"""What a feedback report says, decided once for every output format (Markdown, HTML).

Two audiences read a result. The candidate gets what was right, what was wrong and why it matters,
located by cell and line, and nothing about the hidden holdout. The interviewer also gets the
hidden-holdout figures and plots, the optimism gap, red flags and the follow-up questions the
manifest chose for what this submission did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from heldout.levels import levels_text

__all__ = ["AUDIENCES", "Figure", "ReportContent", "build_content"]

AUDIENCES = ("candidate", "interviewer")
_HOLDOUT_CHECK = "holdout_beats_baselines"
_DRIFT_CHECK = "drift_report"
_LARGE_GAP = 0.10


@dataclass(frozen=True)
class Figure:
    name: str  # file stem for Markdown siblings
    title: str
    png: bytes


@dataclass
class ReportContent:
    title: str
    audience: str
    status_line: str
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    right: list[dict[str, Any]] = field(default_factory=list)
    wrong: list[dict[str, Any]] = field(default_factory=list)
    holdout: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    red_flags: list[str] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    lint_disagreements: list[str] = field(default_factory=list)


def _where(finding: dict[str, Any]) -> str:
    if finding.get("cell") is None:
        return ""
    return f"cell {finding['cell']}, line {finding['line']}"


def _parts(holdout: dict[str, Any], names: tuple[str, ...]) -> list[tuple[str, str]]:
    """ "hidden holdout average precision, public part (1,234 rows)": the parts' scores, where split."""
    rows = []
    for name in names:
        part = holdout.get(name)
        if isinstance(part, dict) and isinstance(part.get("score"), int | float):
            label = f"hidden holdout {holdout['metric']}, {name} part ({part['rows']:,} rows)"
            rows.append((label, f"{part['score']:.3f}"))
    return rows


def build_content(result: dict[str, Any], audience: str, with_figures: bool = True) -> ReportContent:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)} (got {audience!r})")
    scenario = (result.get("scenario") or {}).get("title", "heldout")
    submission = result["submission"]["path"]
    score = result["score"]
    content = ReportContent(
        title=f"{scenario}: {submission}",
        audience=audience,
        status_line=f"{result['status']} - {score['points']:g} of {score['max_points']} points",
    )
    reached = levels_text(result.get("levels"))
    if reached:
        content.status_line += f"; {reached}"
    if result.get("isolation") == "none":
        content.warnings.append("This submission ran without isolation (bubblewrap was unavailable).")
    if result.get("error"):
        error = result["error"]
        where = f" (cell {error['cell']})" if error.get("cell") else ""
        content.error = f"{error['kind']}{where}: {error['message']}"
    interviewer = audience == "interviewer"
    for check in result.get("checks", []):
        entry = {
            "id": check["id"],
            "title": check["title"],
            "verdict": check["verdict"],
            "points": f"{check['points']:g}/{check['max_points']}",
            "competency": check["competency"].replace("_", " "),
            "message": check["message"],
            "where": list(dict.fromkeys(w for w in (_where(f) for f in check.get("findings", [])) if w)),
        }
        if check["id"] == _HOLDOUT_CHECK and not interviewer:
            entry["message"] = "Your model was scored on the hidden holdout against simple baselines; " + (
                "it beat them by the required margin."
                if check["verdict"] == "pass"
                else "it did not beat them by the required margin."
            )
        if check["id"] == _DRIFT_CHECK and not interviewer:
            # The feature names and months are the answer key of a dataset other candidates get too.
            tallies = [f["tally"] for f in check.get("findings", []) if isinstance(f.get("tally"), dict)]
            if tallies:
                from heldout.checks.drift import candidate_summary

                entry["message"] = candidate_summary(tallies[0])
        (content.right if check["verdict"] == "pass" else content.wrong).append(entry)
    holdout = result.get("holdout") or {}
    if not interviewer:
        # The public part only: a score on the whole holdout, grade after grade, is something to tune to.
        if holdout.get("public"):
            content.holdout += _parts(holdout, ("public",))
            content.holdout.append(("the other rows", "scored for the interviewer only"))
        return content

    bundle = result.get("bundle")
    if isinstance(bundle, dict) and isinstance(bundle.get("grades"), int):
        # Many grades of one bundle is how a candidate tunes to the hidden holdout.
        content.holdout.append(
            (
                f"grades of bundle {bundle['id']}",
                f"{bundle['grades']} (of {bundle['submissions']} distinct notebooks), this one included",
            )
        )
    if holdout.get("score") is not None:
        content.holdout.append((f"hidden holdout {holdout['metric']}", f"{holdout['score']:.3f}"))
        content.holdout += _parts(holdout, ("public", "private"))
        if holdout.get("bayes_limit") is not None:
            content.holdout.append(
                (
                    "distance from the best possible (Bayes limit)",
                    f"{holdout['above_bayes_limit']:+.1%} (limit {holdout['bayes_limit']:.3f})",
                )
            )
        for name, value in (holdout.get("baselines") or {}).items():
            content.holdout.append((f"baseline: {name.replace('_', ' ')}", f"{value:.3f}"))
        if holdout.get("reported_estimate") is not None and holdout.get("optimism_gap") is not None:
            content.holdout.append(("candidate's own estimate", f"{holdout['reported_estimate']:.3f}"))
            content.holdout.append(("optimism gap (promised - delivered)", f"{holdout['optimism_gap']:+.3f}"))
        elif isinstance(holdout.get("incomparable_estimate"), int | float):
            metric = str(holdout.get("estimate_metric") or "a metric heldout could not trace")
            content.holdout.append(
                (
                    "candidate's own estimate",
                    f"{holdout['incomparable_estimate']:.3f} ({metric}: not comparable, no gap)",
                )
            )
        versus = holdout.get("versus_best_baseline")
        if versus:
            content.holdout.append(
                (
                    f"model - {versus['baseline'].replace('_', ' ')} (95 % bootstrap)",
                    f"{versus['low']:+.3f} to {versus['high']:+.3f}",
                )
            )
        if holdout.get("prevalence") is not None:
            content.holdout.append(("holdout prevalence", f"{holdout['prevalence']:.2%}"))
    content.red_flags = _red_flags(result)
    content.followups = list(result.get("followups", []))
    content.lint_disagreements = list((result.get("lint") or {}).get("disagreements", []))
    if with_figures and holdout.get("curves"):
        from heldout.report.figures import pr_curve_png, score_histogram_png

        content.figures.append(
            Figure("pr-curve", "Precision-recall on the hidden holdout", pr_curve_png(holdout))
        )
        threshold = (result.get("report") or {}).get("threshold")
        content.figures.append(
            Figure("scores", "Holdout scores by class", score_histogram_png(holdout, threshold))
        )
    retrieval = holdout.get("retrieval") or {}
    if retrieval:
        k = retrieval.get("k")
        scores = retrieval.get("scores") or {}
        for measure in (f"R@{k}", "MRR"):
            if measure in scores:
                content.holdout.append((f"hidden {measure}", f"{scores[measure]:.3f}"))
        content.holdout.append(
            ("ungrounded answers", f"{retrieval.get('ungrounded', 0)} of {retrieval.get('queries')}")
        )
    if with_figures and retrieval.get("recall_curve"):
        from heldout.report.figures import recall_curve_png

        content.figures.append(
            Figure(
                "recall-curve",
                "Recall@k on the hidden queries, against the baselines",
                recall_curve_png(retrieval),
            )
        )
    readout = holdout.get("readout") or {}
    if readout:
        for label, key in (
            ("A/A false-positive rate", "aa_false_positive_rate"),
            ("interval coverage of the true effects", "coverage"),
            ("planted mismatches found", "srm_found"),
        ):
            if isinstance(readout.get(key), int | float):
                content.holdout.append((label, f"{readout[key]:.0%}"))
        content.holdout.append(
            ("replicates read out", f"{readout.get('read')} of {readout.get('replicates')}")
        )
    if with_figures and (readout.get("aa_p_values") or readout.get("intervals")):
        from heldout.report.figures import readout_png

        content.figures.append(
            Figure(
                "replicates",
                "The readout on the hidden replicate experiments: p-values on the A/A ones, and each "
                "interval against the true effect",
                readout_png(readout),
            )
        )
    if with_figures and holdout.get("true_learning_curve") and holdout.get("training_rows"):
        from heldout.report.figures import learning_curve_png

        content.figures.append(
            Figure(
                "learning-curve",
                "The true learning curve, the Bayes limit and the candidate's model",
                learning_curve_png(holdout, int(holdout["training_rows"])),
            )
        )
    fairness = next((c for c in result.get("checks", []) if c["id"] == "fairness_constraint_holdout"), None)
    measured = next((f for f in (fairness or {}).get("findings", []) if f.get("groups")), None)
    if with_figures and measured:
        from heldout.report.figures import group_rates_png

        before = measured.get("unconstrained") or {}
        caption = (
            "Selection rate and true positive rate by group on the hidden holdout (95 % bootstrap), "
            "for the model the contract names, after any mitigation"
        )
        if before.get("groups"):
            caption += (
                f"; hatched, without mitigation: heldout's {before['baseline'].replace('_', ' ')} baseline "
                f"trained on the same record, decisions at 0.5 ({measured.get('metric', 'the metric')} "
                f"{before['value']:.3f}; the candidate's {measured['value']:.3f})"
            )
        content.figures.append(
            Figure("group-rates", caption, group_rates_png(measured["groups"], before.get("groups")))
        )
    drift = result.get("drift") or {}
    if with_figures and drift.get("features"):
        from heldout.report.figures import drift_timeline_png

        content.figures.append(
            Figure(
                "drift-timeline",
                "Drift timeline per feature: planted change (solid), the candidate's (dashed)",
                drift_timeline_png(drift),
            )
        )
    return content


def _red_flags(result: dict[str, Any]) -> list[str]:
    flags = []
    error = result.get("error") or {}
    if error.get("kind") == "tampered":
        flags.append("The notebook tampered with the grader's instrumentation.")
    for check in result.get("checks", []):
        if check["verdict"] == "fail" and check["competency"] == "data_hygiene":
            flags.append(f"Leakage: {check['title'].lower()} failed.")
    gap = (result.get("holdout") or {}).get("optimism_gap")
    if gap is not None and gap > _LARGE_GAP:
        flags.append(
            f"The candidate's estimate was {gap:.3f} above the hidden score: the estimate is not honest."
        )
    if result.get("isolation") == "none":
        flags.append("Graded without isolation: the notebook could have read files on the grading machine.")
    return flags
