"""Checks of an experiment readout: what the candidate's analysis function did on hidden replicate
experiments whose truth only the grader knows, and what its readout of the real experiment says.

The evidence is behaviour, not code: ``analyze`` is called on every replicate and on altered copies of a
few (heldout.trace.readout), so a readout in any style (scipy, statsmodels, a bootstrap, a Bayesian
posterior) is judged by the same relations, and nothing the notebook prints or patches changes them.

- ``randomisation_unit``: one more session without a conversion for users with few sessions changes
  no user's primary metric; a readout per unit of randomisation keeps its effect, one over sessions
  does not.
- ``no_peeking``: where the readout declared a difference, it must see the last days (a readout that
  stopped at an early look gives the same effect without them), unless its error rate on the A/A
  replicates shows that its stopping rule holds.
- ``srm_handled``: the sample-ratio mismatch planted in the experiment and in some replicates is found,
  no false alarm is raised on the others, and a mismatched experiment is investigated, not decided on
  its effect.
- ``preregistered_metric``: the readout reports the metric the prompt pre-registered, the same one on
  every replicate (a readout that reports whichever metric came out best changes it).
- ``segment_claims_corrected``: on A/A replicates, claims that a segment differs are as rare as the level
  promises (claims from many uncorrected tests are not).
- ``guardrails_reported``: the guardrails that regressed in the experiment are named.
- ``pre_period_adjustment``: the effect does not move when columns the treatment itself moves are
  shuffled within each arm (adjusting for them is adjusting for an outcome).
- ``readout_on_replicates``: decisions against the harness's plain readout, interval coverage of the true
  effects, and the A/A false-positive rate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register
from heldout.holdout_metrics import baseline_label
from heldout.readout.evaluation import ReadoutEvaluation, metric_key

__all__ = [
    "check_guardrails_reported",
    "check_no_peeking",
    "check_pre_period_adjustment",
    "check_preregistered_metric",
    "check_randomisation_unit",
    "check_readout_on_replicates",
    "check_segment_claims_corrected",
    "check_srm_handled",
]


def _tolerant(check: Callable[[CheckContext, Mapping[str, Any]], Outcome]) -> Callable:
    """Facts from the candidate's process may be malformed only through tampering: a failed check,
    never a crashed grader."""

    @functools.wraps(check)
    def guarded(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
        try:
            return check(ctx, params)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
            return Outcome(
                Verdict.FAIL,
                f"The run's record of the readouts is malformed ({type(error).__name__}), which only code "
                "that tampers with heldout produces.",
            )

    return guarded


def _evaluation(ctx: CheckContext, check_id: str) -> tuple[ReadoutEvaluation, Outcome | None]:
    evaluation: ReadoutEvaluation | None = ctx.readout
    name = ctx.manifest.contract.analyze
    hint = hint_pointer(ctx, check_id)
    if evaluation is None:
        return ReadoutEvaluation(0, 0.05), Outcome(
            Verdict.WARN,
            "heldout has no readouts of the replicate experiments to judge (`heldout grade` has).",
        )
    if evaluation.problem:
        return evaluation, Outcome(
            Verdict.FAIL,
            f"heldout could not read out the replicate experiments with `{name}`: {evaluation.problem}. "
            f"{hint}",
        )
    return evaluation, None


def _share(count: int, total: int) -> str:
    return f"{count} of {total} ({count / total:.0%})" if total else "0 of 0"


def _unseeded(evaluation: ReadoutEvaluation, name: str) -> str | None:
    changed, compared = evaluation.probe_changes("again")
    if changed:
        return (
            f"`{name}` gave a different effect on the same replicate twice ({changed} of {compared}), so "
            "heldout cannot compare it with altered copies; seed the randomness your readout uses"
        )
    return None


def _stopped(evaluation: ReadoutEvaluation) -> str:
    if evaluation.stopped_after is None:
        return ""
    return (
        f" (`analyze` was so slow that only {evaluation.read} of the {evaluation.replicates} replicates were "
        "read out, and the altered copies not at all)"
    )


def session_tests(ctx: CheckContext) -> list[Finding]:
    """The tests run in the notebook's cells that compared more observations than the experiment has
    units among the rows they read ("ttest_ind in cell 5 compared 41,220 rows of 12,874 users"), from
    the trace of its statistical tests (heldout.trace.libraries.hypothesis_tests)."""
    spec, train = ctx.manifest.experiment, ctx.train
    if spec is None or train is None or spec.unit not in train:
        return []
    unit = spec.unit.removesuffix("_id")
    everyone = int(train[spec.unit].nunique())
    found = []
    for event in ctx.trace.of_kind("stat_test"):
        rows, observations = ctx.trace.rows(event.get("rows")), event.get("n_rows")
        if not isinstance(observations, int) or event.cell is None:
            continue
        where = f"{event.get('test')} in cell {event.cell}" + (f", line {event.line}," if event.line else "")
        if rows is not None:
            positions = rows[(rows >= 0) & (rows < len(train))]
            units = int(train[spec.unit].iloc[positions].nunique())
            text = f"{where} compared {observations:,} rows of {units:,} {unit}s"
        else:
            # Rows not followed (arithmetic, masks on arrays): more observations than the experiment
            # has units at all cannot be one per unit, whatever they were.
            units = everyone
            text = f"{where} compared {observations:,} observations, more than the {units:,} {unit}s"
            text += " in the whole experiment"
        if 0 < units < observations:
            found.append(
                Finding(event.cell, event.line, text, {"observations": observations, "units": units})
            )
    return found


def _primary_names(spec: Any) -> set[str]:
    return {metric_key(n) for n in (*spec.primary_names, spec.primary)}


def _tests_text(findings: list[Finding]) -> str:
    return ("; ".join(f.text for f in findings[:3]) + ".") if findings else ""


def _aa_false_positives(evaluation: ReadoutEvaluation) -> tuple[int, int]:
    aa = evaluation.of_kind("aa")
    return sum(row["declared"] for row in aa), len(aa)


@register("randomisation_unit", "The readout compares units of randomisation, not sessions")
@_tolerant
def check_randomisation_unit(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    spec, name = ctx.manifest.experiment, ctx.manifest.contract.analyze
    unit = spec.unit.removesuffix("_id")
    hint = hint_pointer(ctx, "randomisation_unit")
    traced = session_tests(ctx)
    why = (
        f"{unit.capitalize()}s were randomised, and one {unit}'s sessions go together (a keen {unit} has "
        "many, and converts in many), so a test over sessions understates the variance"
    )
    fix = f"Aggregate to one row per `{spec.unit}` first, then compare {unit}s. {hint}"
    if ctx.readout is None or ctx.readout.problem:  # live, or no readouts: the trace is all there is
        if traced:
            return Outcome(Verdict.FAIL, f"{_tests_text(traced)} {why}. {fix}", tuple(traced))
        if ctx.readout is None:
            return Outcome(Verdict.WARN, f"No test of the notebook compared more rows than {unit}s so far.")
        return _evaluation(ctx, "randomisation_unit")[1]
    evaluation = ctx.readout
    unseeded = _unseeded(evaluation, name)
    # Added sessions change every metric but the primary (sessions per user, say), so the relation is
    # read only where the readout and its probe both report the primary.
    changed, compared = evaluation.probe_changes("sessions", _primary_names(spec))
    if unseeded or not compared:
        reason = unseeded or f"heldout could not compare any readout of `{name}`{_stopped(evaluation)}"
        if not unseeded and evaluation.probe_changes("sessions")[1]:
            reason = (
                f"heldout could not compare any readout of `{name}` of the primary metric with sessions "
                "added: it reported another metric (see preregistered_metric)"
            )
        if traced:
            return Outcome(Verdict.FAIL, f"{_tests_text(traced)} {why}. {fix}", tuple(traced))
        return Outcome(Verdict.WARN, f"{reason}. {hint}")
    altered = (
        f"heldout added one session without a conversion to every {unit} with at most two sessions: no "
        f"{unit}'s `{spec.primary}` changed"
    )
    if not changed:
        if traced:
            return Outcome(
                Verdict.WARN,
                (
                    f"Your `{name}` compares {unit}s (on {compared} replicates, {altered}, and neither did "
                    "its "
                    f"effect), but a test in the notebook did not: {_tests_text(traced)} {why}. {hint}"
                ),
                tuple(traced),
            )
        return Outcome(
            Verdict.PASS,
            f"On {compared} replicates, {altered}, and neither did your effect: the readout compares "
            f"{unit}s, the unit that was randomised.",
        )
    moved, _ = evaluation.probe_changes("shuffled")
    if moved and not traced:
        columns = ", ".join(f"`{c}`" for c in spec.post_assignment)
        return Outcome(
            Verdict.WARN,
            (
                f"On {changed} of {compared} replicates, {altered}, yet your effect did; but the readout "
                f"also reads {columns} (see pre_period_adjustment), which added sessions change too, so "
                f"heldout cannot tell whether it counts sessions. {hint}"
            ),
        )
    fp, aa = _aa_false_positives(evaluation)
    in_cells = f" In the notebook, {_tests_text(traced)}" if traced else ""
    return Outcome(
        Verdict.FAIL,
        (
            f"On {changed} of {compared} replicates, {altered}, yet your effect changed: the readout treats "
            f"sessions as independent units.{in_cells} {why}: on the A/A replicates (no effect at all) "
            f"your readout declared a difference in {_share(fp, aa)}, against {evaluation.alpha:.0%} "
            f"promised. {fix}"
        ),
        tuple(traced) or (Finding(None, None, "effect changed with sessions added", {"changed": changed}),),
    )


@register(
    "no_peeking", "No peeking: the readout waits for the end, or its stopping rule holds", needs="final"
)
@_tolerant
def check_no_peeking(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    evaluation, problem = _evaluation(ctx, "no_peeking")
    if problem is not None:
        return problem
    spec, name = ctx.manifest.experiment, ctx.manifest.contract.analyze
    hint = hint_pointer(ctx, "no_peeking")
    unseeded = _unseeded(evaluation, name)
    if unseeded:
        return Outcome(Verdict.WARN, f"{unseeded}. {hint}")
    changed, compared = evaluation.probe_changes("early")
    same = compared - changed
    fp, aa = _aa_false_positives(evaluation)
    max_fpr = float(params.get("max_aa_false_positive_rate", 0.12))
    if not compared:
        return Outcome(
            Verdict.PASS,
            f"Your readout declared a difference on none of the replicates: no early look to judge "
            f"(A/A false positives: {_share(fp, aa)}).",
        )
    if same < int(params.get("min_early_stops", 2)):
        return Outcome(
            Verdict.PASS,
            (
                f"Where your readout declared a difference ({compared} replicates), its effect changed when "
                f"heldout removed the last third of the days: it reads the experiment to its end."
            ),
        )
    stops = (
        f"On {same} of the {compared} replicates where your readout declared a difference, it gave exactly "
        f"the same effect after heldout removed the last third of the {spec.day}s: it had stopped at an "
        "earlier look"
    )
    if aa and fp / aa <= max_fpr:
        return Outcome(
            Verdict.PASS,
            f"{stops}, and on the A/A replicates it declared a difference in {_share(fp, aa)}: a stopping "
            "rule "
            "that holds its error rate.",
        )
    return Outcome(
        Verdict.FAIL,
        (
            f"{stops}. Looking every {spec.day} and stopping at the first p < {evaluation.alpha:g} gives "
            "chance "
            f"many tries: on the A/A replicates (no effect at all) your readout declared a difference in "
            f"{_share(fp, aa)}, against {evaluation.alpha:.0%} promised. Fix the length in advance and test "
            f"once at the end, or use a sequential method whose boundaries account for the looks. {hint}"
        ),
        (Finding(None, None, "stopped early", {"same": same, "declared": compared, "aa_false": fp}),),
    )


def _planted(ctx: CheckContext, kind: str) -> list[str]:
    truth = ctx.truth
    if truth is None or "kind" not in truth:
        return []
    rows = truth[(truth["kind"] == kind) & (truth["value"].astype(float) > 0)]
    return [str(name) for name in rows["name"]]


@register("srm_handled", "A sample-ratio mismatch is found where it exists, and investigated", needs="hidden")
@_tolerant
def check_srm_handled(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    evaluation, problem = _evaluation(ctx, "srm_handled")
    if problem is not None:
        return problem
    hint = hint_pointer(ctx, "srm_handled")
    report = ctx.readout_report or {}
    planted = bool(_planted(ctx, "srm"))
    srm = evaluation.of_kind("srm")
    clean = [row for row in evaluation.rows if not row["true_srm"] and not row.get("error")]
    found = sum(row["srm"] for row in srm)
    false_alarms = sum(row["srm"] for row in clean)
    flagged = [row for row in srm if row["srm"]]
    through = sum(row["decision"] != "investigate" for row in flagged)
    min_recall = float(params.get("min_recall", 0.75))
    max_false = float(params.get("max_false_alarm_rate", 0.1))
    facts = (
        f"On the replicates, your readout flagged a mismatch in {_share(found, len(srm))} of those with one "
        f"planted and in {_share(false_alarms, len(clean))} of the others"
    )
    problems = []
    if planted and not report.get("srm"):
        problems.append(
            "your readout of the experiment itself says there is no sample-ratio mismatch, but its users are "
            "not split as they were randomised (look at the split within each platform, not only overall)"
        )
    if srm and found < min_recall * len(srm):
        problems.append(f"it missed {len(srm) - found} of the {len(srm)} planted mismatches")
    if clean and false_alarms > max_false * len(clean):
        problems.append(f"it raised {false_alarms} false alarms on replicates split as randomised")
    if through:
        problems.append(
            f"where it found one, it still decided on the effect ({through} of {len(flagged)} not "
            "'investigate'): an experiment whose arms lost users unevenly compares different populations, "
            "so its effect cannot be trusted, whichever way it points"
        )
    changed, compared = evaluation.probe_changes("early")
    if len(problems) == 1 and planted and not report.get("srm") and compared - changed >= 2:
        # The replicates show the test works and is acted on, and that the readout stops at early looks:
        # on fewer days the experiment's mismatch is weaker. That is no_peeking's mistake, judged there.
        return Outcome(
            Verdict.WARN,
            f"{facts}, and decided to investigate wherever it found one. Still, {problems[0]}. Your "
            "readout stops at early looks (see no_peeking), so it may have read too few days to see it. "
            f"{hint}",
        )
    if problems:
        return Outcome(
            Verdict.FAIL,
            f"{facts}; "
            + "; ".join(problems)
            + ". Test the counts of units per arm against the planned split "
            f"(a chi-square test at a strict level), overall and per segment, and do not ship a mismatched "
            f"experiment: decide 'investigate' and find the cause first. {hint}",
            (Finding(None, None, "sample-ratio mismatch", {"found": found, "false_alarms": false_alarms}),),
        )
    return Outcome(
        Verdict.PASS,
        f"{facts}, and decided to investigate wherever it found one; your readout of the experiment flags "
        "its mismatch."
        if planted
        else f"{facts}, and decided to investigate wherever it found one.",
    )


@register("preregistered_metric", "The readout reports the pre-registered primary metric", needs="final")
@_tolerant
def check_preregistered_metric(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    evaluation, problem = _evaluation(ctx, "preregistered_metric")
    if problem is not None:
        return problem
    spec = ctx.manifest.experiment
    hint = hint_pointer(ctx, "preregistered_metric")
    accepted = _primary_names(spec)
    report = ctx.readout_report or {}
    named = str(report.get("metric", ""))
    metrics = {str(row.get("metric", "")) for row in evaluation.rows if not row.get("error")}
    wanted = f"'{spec.primary_names[0]}'"
    if len(metrics) > 1:
        shown = ", ".join(f"'{m}'" for m in sorted(metrics)[:5])
        return Outcome(
            Verdict.FAIL,
            (
                f"Over the replicate experiments your readout reported {len(metrics)} different metrics "
                f"({shown}): whichever came out best. The prompt pre-registered {wanted}; testing many "
                f"metrics and reporting the winner makes a false positive many times likelier than "
                f"{evaluation.alpha:.0%}. Report the pre-registered metric, and the others as secondary. "
                f"{hint}"
            ),
        )
    if named == "" and metrics:
        named = next(iter(metrics))
    unaccepted = [m for m in (named, *metrics) if metric_key(m) not in accepted]
    if unaccepted:
        named = unaccepted[0]
        return Outcome(
            Verdict.FAIL,
            (
                f"Your readout reports '{named}' as its metric; the prompt pre-registered {wanted} (the "
                f"share of {spec.unit.removesuffix('_id')}s with `{spec.primary}`). The decision rests on "
                "the "
                f"primary metric chosen before the test, not on another one. {hint}"
            ),
        )
    return Outcome(
        Verdict.PASS, f"Your readout reports the pre-registered metric ('{named}') on every replicate."
    )


@register("segment_claims_corrected", "Segment claims are corrected for multiple testing", needs="hidden")
@_tolerant
def check_segment_claims_corrected(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    evaluation, problem = _evaluation(ctx, "segment_claims_corrected")
    if problem is not None:
        return problem
    hint = hint_pointer(ctx, "segment_claims_corrected")
    aa = evaluation.of_kind("aa")
    claimed = sum(row["segments"] > 0 for row in aa)
    limit = float(params.get("max_aa_claim_rate", 0.1))
    facts = "On the A/A replicates (no effect anywhere), your readout claimed a segment differs in "
    facts += _share(claimed, len(aa))
    if aa and claimed > limit * len(aa):
        spec = ctx.manifest.experiment
        segments = ", ".join(f"`{s}`" for s in spec.segments)
        if evaluation.probe_changes("shuffled")[0]:
            # An adjustment for a column the treatment moves biases every comparison of the arms, so
            # segments claim differences however well they are corrected: one mistake, judged once.
            columns = ", ".join(f"`{c}`" for c in spec.post_assignment)
            return Outcome(
                Verdict.WARN,
                (
                    f"{facts}; but the readout also adjusts for {columns} (see pre_period_adjustment), "
                    "which the treatment moves even where it has no effect on the outcome, so every "
                    "comparison of the arms is biased, segments included: heldout cannot tell whether "
                    f"the segment claims are corrected. {hint}"
                ),
            )
        return Outcome(
            Verdict.FAIL,
            (
                f"{facts}. Testing every segment ({segments}) at {evaluation.alpha:g} gives chance a try in "
                "each: "
                "with ten segments a false claim is likelier than not. Correct the segment p-values for the "
                "number tested (Holm, Benjamini-Hochberg), or report the segments as exploratory and claim "
                f"none. {hint}"
            ),
            (Finding(None, None, "segment claims on A/A", {"claimed": claimed, "aa": len(aa)}),),
        )
    return Outcome(Verdict.PASS, f"{facts}: as rare as the level promises.")


@register("guardrails_reported", "The guardrails that regressed are reported", needs="hidden")
@_tolerant
def check_guardrails_reported(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    _, problem = _evaluation(ctx, "guardrails_reported")
    if problem is not None:
        return problem
    spec = ctx.manifest.experiment
    hint = hint_pointer(ctx, "guardrails_reported")
    report = ctx.readout_report
    if report is None:
        return Outcome(
            Verdict.FAIL,
            f"heldout found no readout of the experiment (`{ctx.manifest.contract.report}`). {hint}",
        )
    regressed = [g for g in _planted(ctx, "guardrail") if g in spec.guardrails]
    named = [metric_key(str(g)) for g in report.get("guardrails") or []]

    def mentioned(guardrail: str) -> bool:
        words = metric_key(guardrail).split()
        stem = words[0] if words else guardrail
        return any(stem in text or metric_key(guardrail) in text for text in named)

    found = [g for g in regressed if mentioned(g)]
    false = [g for g in spec.guardrails if g not in regressed and mentioned(g)]
    listed = ", ".join(f"`{g}`" for g in spec.guardrails)
    if len(found) < len(regressed):
        return Outcome(
            Verdict.FAIL,
            (
                f"Your readout names {len(found)} of the {len(regressed)} pre-registered guardrails "
                f"({listed}) "
                "that regressed in this experiment. A lift in the primary metric is shipped only if the "
                f"guardrails hold: test each one per {spec.unit} and name those that moved the wrong way. "
                f"{hint}"
            ),
            (Finding(None, None, "guardrails", {"found": len(found), "regressed": len(regressed)}),),
        )
    if false:
        return Outcome(
            Verdict.WARN,
            "Your readout names the guardrails that regressed, and also "
            f"{', '.join(f'`{g}`' for g in false)}, "
            f"which did not. {hint}",
        )
    return Outcome(
        Verdict.PASS, f"Your readout names the guardrails that regressed ({len(found)} of {listed})."
    )


@register("pre_period_adjustment", "Variance reduction uses pre-period data only", needs="final")
@_tolerant
def check_pre_period_adjustment(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    evaluation, problem = _evaluation(ctx, "pre_period_adjustment")
    if problem is not None:
        return problem
    spec, name = ctx.manifest.experiment, ctx.manifest.contract.analyze
    hint = hint_pointer(ctx, "pre_period_adjustment")
    unseeded = _unseeded(evaluation, name)
    if unseeded:
        return Outcome(Verdict.WARN, f"{unseeded}. {hint}")
    changed, compared = evaluation.probe_changes("shuffled")
    columns = ", ".join(f"`{c}`" for c in spec.post_assignment)
    if not compared:
        return Outcome(
            Verdict.WARN, f"heldout could not compare any readout of `{name}`{_stopped(evaluation)}."
        )
    if changed:
        pre = ", ".join(f"`{c}`" for c in spec.pre_period)
        return Outcome(
            Verdict.FAIL,
            (
                f"On {changed} of {compared} replicates your effect moved when heldout shuffled {columns} "
                "among "
                "the sessions of each arm, which leaves every arm's outcomes as they were: the readout "
                "adjusts "
                "for it. The treatment itself moves it, so adjusting for it removes part of the effect you "
                f"are measuring (a bad control). Adjust only for what was fixed before assignment ({pre}). "
                f"{hint}"
            ),
            (Finding(None, None, "post-assignment adjustment", {"changed": changed, "compared": compared}),),
        )
    return Outcome(
        Verdict.PASS,
        f"On {compared} replicates your effect did not move when {columns} was shuffled within each arm: "
        "the readout does not adjust for what the treatment moves.",
    )


@register(
    "readout_on_replicates", "Decisions and intervals hold on hidden replicate experiments", needs="hidden"
)
@_tolerant
def check_readout_on_replicates(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    evaluation, problem = _evaluation(ctx, "readout_on_replicates")
    if problem is not None:
        return problem
    hint = hint_pointer(ctx, "readout_on_replicates")
    margin = ctx.manifest.holdout.margin
    accuracy = evaluation.accuracy or 0.0
    best, best_accuracy = max(evaluation.baseline_accuracy.items(), key=lambda item: item[1])
    intervals = [row for row in evaluation.rows if not row["true_srm"] and not row.get("error")]
    covered = sum(row["covered"] for row in intervals)
    coverage = covered / len(intervals) if intervals else 0.0
    fp, aa = _aa_false_positives(evaluation)
    min_coverage = float(params.get("min_coverage", 0.85))
    facts = (
        f"On {evaluation.read} hidden replicate experiments your readout decided right in {accuracy:.0%} "
        f"({baseline_label(best)}: {best_accuracy:.0%}); its interval held the true effect in "
        f"{_share(covered, len(intervals))}; on the A/A ones it declared a difference in {_share(fp, aa)}"
    )
    if evaluation.n_errors:
        first = evaluation.errors[0] if evaluation.errors else "no message"
        facts += f"; `{ctx.manifest.contract.analyze}` failed on {evaluation.n_errors} calls ({first})"
    facts += _stopped(evaluation)
    good = (
        accuracy >= best_accuracy + margin and coverage >= min_coverage and evaluation.stopped_after is None
    )
    if good:
        return Outcome(Verdict.PASS, f"{facts}.")
    bad = accuracy < best_accuracy - margin or coverage < min_coverage - 0.15
    return Outcome(
        Verdict.FAIL if bad else Verdict.WARN,
        (
            f"{facts}. A {1 - evaluation.alpha:.0%} interval should hold the true effect about "
            f"{1 - evaluation.alpha:.0%} of the time, and the decisions should beat a readout that ignores "
            f"everything but the primary metric. {hint}"
        ),
        (Finding(None, None, "replicates", {"accuracy": accuracy, "coverage": coverage, "aa_false": fp}),),
    )
