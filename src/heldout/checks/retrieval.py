"""Checks of a retrieval (RAG) submission: how its queries were used, what it measured, and what its
retriever and answerer did on the hidden queries.

Three read the trace's ``ir_evaluation`` events (heldout.trace.ir_hooks), which name the queries every
evaluation scored: the candidate's **final evaluation** is the one whose value is the reported estimate
(else the last one), and its queries are the final queries.

- ``no_tuning_on_final_queries``: how many different rankings were scored on any final query. The chosen
  system and a baseline or two are a comparison; more is a choice made on those queries.
- ``tuning_queries_apart``: the queries of every other evaluation (tuning) must not share a highly
  relevant passage, or a near-duplicate of one (the dataset's hidden groups), with the final queries:
  sibling queries of one passage, or its copies in another version, make a tuned setting look better
  than it is.
- ``graded_metric_at_k``: the final evaluation uses a measure that reads graded relevance at the
  product's k (nDCG@k), or at least recall@k.

Three read the hidden-query facts (heldout.retrieval.evaluation): the scores against the baselines,
groundedness of the answers, and latency (CPU time, heldout.trace.latency) against the manifest's budget.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register
from heldout.holdout_metrics import baseline_label
from heldout.trace.latency import speed_factor
from heldout.trace.model import Event

__all__ = [
    "check_graded_metric_at_k",
    "check_grounded_answers",
    "check_no_tuning_on_final_queries",
    "check_retrieval_beats_baselines",
    "check_retrieval_latency",
    "check_tuning_queries_apart",
    "final_evaluation",
]

_ESTIMATE_TOLERANCE = 1e-6
_MAX_SITES = 5
_CUTOFF = re.compile(r"@(\d+)$")


def _tolerant(check: Callable[[CheckContext, Mapping[str, Any]], Outcome]) -> Callable:
    """Facts that come from the candidate's process may be malformed only through tampering: a failed
    check, never a crashed grader."""

    @functools.wraps(check)
    def guarded(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
        try:
            return check(ctx, params)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
            return Outcome(
                Verdict.FAIL,
                f"The run's record of the retrieval is malformed ({type(error).__name__}), which only code "
                "that tampers with heldout produces.",
            )

    return guarded


def _site(event: Event) -> str:
    return f"cell {event.cell}, line {event.line}" if event.cell else f"line {event.line}"


def _sites(events: list[Event]) -> str:
    places = list(dict.fromkeys(_site(e) for e in events))
    more = f" and {len(places) - _MAX_SITES} more" if len(places) > _MAX_SITES else ""
    return "; ".join(places[:_MAX_SITES]) + more


def _evaluations(ctx: CheckContext) -> list[Event]:
    return [e for e in ctx.trace.of_kind("ir_evaluation") if isinstance(e.get("queries"), list)]


def final_evaluation(ctx: CheckContext) -> tuple[Event | None, str]:
    """The evaluation the reported estimate came from, and how heldout knows which one it is."""
    events = _evaluations(ctx)
    if not events:
        return None, ""
    estimate = (ctx.report or {}).get("estimate")
    if isinstance(estimate, (int, float)):
        for event in reversed(events):
            values = event.get("values") or {}
            if any(abs(float(v) - float(estimate)) <= _ESTIMATE_TOLERANCE for v in values.values()):
                return event, "its value is your reported estimate"
    return events[-1], "it is your last evaluation (none has your reported estimate as its value)"


def _measures_valued(event: Event, estimate: Any) -> list[str]:
    """The measures of an evaluation whose value is ``estimate`` (none when it is not a number)."""
    if not isinstance(estimate, (int, float)) or isinstance(estimate, bool):
        return []
    values = event.get("values") or {}
    return [str(m) for m, v in values.items() if abs(float(v) - float(estimate)) <= _ESTIMATE_TOLERANCE]


def _no_evaluation(ctx: CheckContext, check_id: str) -> Outcome:
    return Outcome(
        Verdict.WARN,
        (
            "heldout saw no retrieval evaluation made with ir_measures, so it cannot tell which queries "
            "you tuned and evaluated on. Score your rankings with ir_measures (calc_aggregate, iter_calc "
            f"or an evaluator) so that the grader can follow them. {hint_pointer(ctx, check_id)}"
        ),
    )


# -- tuning ---------------------------------------------------------------------------------------------
@register("no_tuning_on_final_queries", "No tuning or selection on the final queries", needs="report")
@_tolerant
def check_no_tuning_on_final_queries(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "no_tuning_on_final_queries")
    final, why = final_evaluation(ctx)
    if final is None:
        return _no_evaluation(ctx, "no_tuning_on_final_queries")
    final_queries = set(final.get("queries"))
    touching = [e for e in _evaluations(ctx) if final_queries & set(e.get("queries"))]
    rankings = list(dict.fromkeys(e.get("run_digest") for e in touching))
    allowed = int(params.get("max_rankings", 3))
    where = f"your final evaluation ({_site(final)}; {why}) scored {len(final_queries):,} queries"
    chosen_there = _chosen_among_others(touching, final)
    if len(rankings) <= allowed and not chosen_there:
        return Outcome(
            Verdict.PASS,
            f"{where}; {len(rankings)} different ranking(s) were scored on them (at most {allowed}: the "
            "chosen system and its baselines), and the chosen one only at the end.",
        )
    others = [e for e in touching if e is not final]
    if chosen_there:
        found = (
            f"{where}, and the ranking it scored had already been scored on them ({_site(chosen_there[0])}) "
            f"before {len(chosen_there[1])} other ranking(s) were ({_sites(chosen_there[1])}): it was "
            "chosen among rankings compared on those very queries"
        )
    else:
        found = (
            f"{where}, and {len(rankings)} different rankings were scored on some of those queries "
            f"({_sites(others)})"
        )
    return Outcome(
        Verdict.FAIL,
        (
            f"{found}. Choosing a chunking, k1, b or k among settings scored on the queries of your final "
            "estimate fits the choice to them, so the estimate is optimistic. Tune on one part of the "
            "development queries and score the chosen setting once (with a baseline) on another. "
            f"{hint}"
        ),
        tuple(Finding(e.cell, e.line, "scored on final queries") for e in others[:_MAX_SITES]),
    )


def _chosen_among_others(touching: list[Event], final: Event) -> tuple[Event, list[Event]] | None:
    """(where the final ranking was first scored on final queries, the other rankings scored on them
    between then and the final evaluation), if there were any: a ranking scored, compared with others
    on the same queries, then reported, was chosen there. Scoring one ranking with two measures in a
    row, or baselines before the chosen system, is not that."""
    digest = final.get("run_digest")
    first = next((e for e in touching if e.get("run_digest") == digest and e.id < final.id), None)
    if first is None:
        return None
    between = [e for e in touching if first.id < e.id < final.id and e.get("run_digest") != digest]
    return (first, between) if between else None


def _gold_groups(ctx: CheckContext, queries: set[str], params: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each query's highly relevant passages (from the development judgements), as near-duplicate groups."""
    train, truth = ctx.train, ctx.truth
    query_col = str(params.get("query_id", "query_id"))
    passage_col = str(params.get("passage_id", "passage_id"))
    label = ctx.manifest.dataset.label
    high = int(params.get("high", 2))
    if train is None:
        return {}
    group_of: dict[str, str] = {}
    if truth is not None and "group" in truth:
        group_of = dict(zip(truth[passage_col].astype(str), truth["group"].astype(str), strict=True))
    rows = train[train[query_col].astype(str).isin(queries) & (train[label] >= high)]
    out: dict[str, set[str]] = {}
    for query, passage in zip(rows[query_col].astype(str), rows[passage_col].astype(str), strict=True):
        out.setdefault(query, set()).add(group_of.get(passage, passage))
    return out


@register("tuning_queries_apart", "Tuning and evaluation queries share no relevant passages", needs="hidden")
@_tolerant
def check_tuning_queries_apart(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "tuning_queries_apart")
    final, _ = final_evaluation(ctx)
    if final is None:
        return _no_evaluation(ctx, "tuning_queries_apart")
    final_queries = set(final.get("queries"))
    tuning = [e for e in _evaluations(ctx) if not final_queries & set(e.get("queries"))]
    if not tuning:
        return Outcome(
            Verdict.PASS,
            f"No evaluation besides those on your final queries ({_site(final)}): nothing was tuned on "
            "other queries that could share their passages.",
        )
    tuning_queries = set().union(*(set(e.get("queries")) for e in tuning))
    groups = _gold_groups(ctx, final_queries | tuning_queries, params)
    tuned_on = set().union(*(groups.get(q, set()) for q in tuning_queries))
    shared = sorted(q for q in final_queries if groups.get(q, set()) & tuned_on)
    share = len(shared) / max(1, len(final_queries))
    limit = float(params.get("max_shared_share", 0.05))
    where = (
        f"your tuning evaluations ({_sites(tuning)}) scored {len(tuning_queries):,} queries and your "
        f"final evaluation ({_site(final)}) {len(final_queries):,}"
    )
    if not shared:
        return Outcome(
            Verdict.PASS,
            f"{where}; none of the final queries shares a relevant passage or a near-duplicate of one "
            "with a tuning query.",
        )
    verdict = Verdict.FAIL if share > limit else Verdict.WARN
    return Outcome(
        verdict,
        (
            f"{where}; {len(shared)} of the final queries ({share:.0%}, e.g. {', '.join(shared[:3])}) "
            "share a "
            "highly relevant passage, or a near-duplicate of one in another Python version, with a tuning "
            "query. Settings tuned to find those passages find them again at evaluation, so the estimate "
            "is optimistic. Split the development queries by the passages they are about (for instance "
            f"GroupShuffleSplit with the topic as the group), not query by query. {hint}"
        ),
        (
            Finding(
                final.cell, final.line, "final queries sharing passages with tuning", {"shared": len(shared)}
            ),
        ),
    )


# -- the metric -------------------------------------------------------------------------------------------
def _cutoff(measure: str) -> int | None:
    match = _CUTOFF.search(measure)
    return int(match.group(1)) if match else None


@register("graded_metric_at_k", "A metric fit for graded relevance at the product's k", needs="report")
@_tolerant
def check_graded_metric_at_k(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "graded_metric_at_k")
    final, why = final_evaluation(ctx)
    if final is None:
        return _no_evaluation(ctx, "graded_metric_at_k")
    k = ctx.manifest.retrieval.k if ctx.manifest.retrieval else int(params.get("k", 10))
    measures = [str(m) for m in final.get("measures") or []]
    # Judged by the measure whose value is the reported estimate: nDCG@10 computed beside an MRR that is
    # reported is not the metric the decision rests on.
    reported = _measures_valued(final, (ctx.report or {}).get("estimate"))
    names = ", ".join(measures) or "no measure"
    where = f"your final evaluation ({_site(final)}; {why}) measured {names}"
    if reported and len(reported) < len(measures):
        measures = reported
        where = (
            f"your reported estimate is the {', '.join(reported)} of your final evaluation ({_site(final)})"
        )
    graded = [m for m in measures if m.lower().startswith("ndcg") and _cutoff(m) == k]
    recall = [m for m in measures if m.split("@")[0] in ("R", "Recall") and _cutoff(m) == k]
    if graded and final.get("graded"):
        return Outcome(Verdict.PASS, f"{where}, with graded judgements: nDCG at the product's k={k}.")
    if graded:
        return Outcome(
            Verdict.WARN,
            (
                f"{where}, but on judgements with one relevance level: nDCG then cannot tell a highly "
                "relevant passage from a partly relevant one. Pass the graded judgements (relevance 1 and "
                f"2) as they are. {hint}"
            ),
            (Finding(final.cell, final.line, "binary judgements"),),
        )
    if recall:
        return Outcome(
            Verdict.WARN,
            (
                f"{where}: recall@{k} counts the relevant passages in the top {k} but not their grade or "
                f"order. The product shows {k} passages of graded relevance: report nDCG@{k} too. {hint}"
            ),
            (Finding(final.cell, final.line, "recall only"),),
        )
    off_k = [m for m in measures if m.lower().startswith("ndcg") or m.split("@")[0] in ("R", "Recall")]
    if off_k:
        return Outcome(
            Verdict.WARN,
            (
                f"{where}: not at the product's k={k}, which is how many passages the answer is built "
                f"from. Measure nDCG@{k}. {hint}"
            ),
            (Finding(final.cell, final.line, "other k"),),
        )
    return Outcome(
        Verdict.FAIL,
        (
            f"{where}: it looks at the first hit only (or not at rank), and ignores the partly relevant "
            f"passages and everything the product shows after rank 1 of {k}. Use nDCG@{k} (graded "
            f"relevance, rank-aware) with recall@{k} beside it. {hint}"
        ),
        (Finding(final.cell, final.line, names),),
    )


# -- the hidden queries -------------------------------------------------------------------------------------
def _evaluation(ctx: CheckContext, check_id: str) -> tuple[Any, Outcome | None]:
    evaluation = ctx.retrieval
    if evaluation is None:
        return None, Outcome(
            Verdict.WARN, f"heldout has no hidden-query results to judge. {hint_pointer(ctx, check_id)}"
        )
    if evaluation.problem:
        return None, Outcome(
            Verdict.FAIL,
            f"heldout could not run your retriever on the hidden queries: {evaluation.problem[-600:]} "
            f"{hint_pointer(ctx, check_id)}",
        )
    return evaluation, None


@register("retrieval_beats_baselines", "Hidden-query retrieval beats the baselines", needs="hidden")
@_tolerant
def check_retrieval_beats_baselines(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "retrieval_beats_baselines")
    evaluation, problem = _evaluation(ctx, "retrieval_beats_baselines")
    if problem is not None:
        return problem
    name = f"nDCG@{evaluation.k}"
    score = evaluation.scores[name]
    margin = ctx.manifest.holdout.margin
    best, best_score = max(((b, s[name]) for b, s in evaluation.baselines.items()), key=lambda item: item[1])
    parts = ", ".join(f"{baseline_label(b)} {s[name]:.3f}" for b, s in evaluation.baselines.items())
    measured = (
        f"On the {evaluation.queries} hidden queries your retriever has {name} {score:.3f}, "
        f"recall@{evaluation.k} {evaluation.scores[f'R@{evaluation.k}']:.3f}, "
        f"MRR {evaluation.scores['MRR']:.3f} (baselines: {parts})"
    )
    if evaluation.n_errors:
        measured += f"; `{ctx.manifest.contract.retrieve}` raised on {evaluation.n_errors} of them (scored 0)"
    if score >= best_score + margin:
        return Outcome(
            Verdict.PASS, f"{measured}: above the {baseline_label(best)} by at least {margin:.2f}."
        )
    verdict = Verdict.WARN if score >= best_score - margin else Verdict.FAIL
    return Outcome(
        verdict,
        (
            f"{measured}: not above the {baseline_label(best)} by {margin:.2f}. Passages are cut from "
            "longer topics: the passages next to a hit are often partly relevant, and a query's words "
            f"may sit in a neighbour. Tune on development queries only. {hint}"
        ),
        (Finding(None, None, measured, {"score": score, "baseline": best_score}),),
    )


@register("grounded_answers", "Answers are grounded in the passages they cite and retrieved", needs="hidden")
@_tolerant
def check_grounded_answers(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "grounded_answers")
    evaluation, problem = _evaluation(ctx, "grounded_answers")
    if problem is not None:
        return problem
    answer, retrieve = ctx.manifest.contract.answer, ctx.manifest.contract.retrieve
    n, bad = evaluation.queries, evaluation.n_ungrounded
    if not bad:
        return Outcome(
            Verdict.PASS,
            f"All {n} answers of `{answer}` on the hidden queries lie in a passage they cite, and every "
            f"cited passage was among the {evaluation.k} that `{retrieve}` returned ({evaluation.supported} "
            "of them lie in a highly relevant passage).",
        )
    share = bad / max(1, n)
    examples = "; ".join(f"{u['query_id']}: {u['why']}" for u in evaluation.ungrounded[:3])
    verdict = Verdict.FAIL if share > float(params.get("max_ungrounded_share", 0.01)) else Verdict.WARN
    return Outcome(
        verdict,
        (
            f"{bad} of the {n} answers of `{answer}` on the hidden queries are not grounded ({examples}). "
            f"An extractive answer must quote a passage it cites, and cite only passages that "
            f"`{retrieve}(query, {evaluation.k})` returned: otherwise the user is shown a source the "
            f"system did not use, or a claim no source supports. {hint}"
        ),
        (Finding(None, None, "ungrounded answers", {"ungrounded": bad}),),
    )


@register("retrieval_latency", "Retrieval fits the latency budget", needs="final")
@_tolerant
def check_retrieval_latency(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "retrieval_latency")
    evaluation, problem = _evaluation(ctx, "retrieval_latency")
    if problem is not None:
        return problem
    retrieve = ctx.manifest.contract.retrieve
    facts = evaluation.latency
    if not facts.get("calls"):
        return Outcome(Verdict.WARN, f"heldout could not time `{retrieve}`: no call returned. {hint}")
    budget = ctx.manifest.retrieval
    p50_budget, p99_budget = budget.latency_p50_ms, budget.latency_p99_ms
    p50, p99 = float(facts["p50_ms"]), float(facts["p99_ms"])
    speed = speed_factor(facts.get("calibration_seconds"))
    measured = (
        f"`{retrieve}(query, {evaluation.depth})` used p50 {p50:.1f} ms and p99 {p99:.1f} ms of CPU time "
        f"over {int(facts['calls'])} calls"
    )
    if facts.get("stopped_after"):
        measured += f" (heldout stopped after {int(facts['stopped_after'])} queries)"
    budget_text = f"the budget is p50 {p50_budget:g} ms, p99 {p99_budget:g} ms"
    if speed > 1.0:
        budget_text += (
            f", here {speed:.1f}x that, as this machine ran heldout's calibration {speed:.1f}x slower"
        )
        p50_budget, p99_budget = p50_budget * speed, p99_budget * speed
    factor = float(params.get("fail_factor", 5.0))
    if p99 > factor * p99_budget or p50 > factor * p50_budget:
        verdict, advice = Verdict.FAIL, f"more than {factor:g} times over budget"
    elif p99 > p99_budget or p50 > p50_budget:
        verdict, advice = Verdict.WARN, "over budget"
    else:
        return Outcome(Verdict.PASS, f"{measured}; {budget_text}.")
    return Outcome(
        verdict,
        (
            f"{measured}: {advice} ({budget_text}). CPU time is what the call itself computed, so other "
            "work on the grading machine does not count against you. Build the index once, outside "
            f"`{retrieve}`, and score the query against it. {hint}"
        ),
        (Finding(None, None, measured, {"p50_ms": p50, "p99_ms": p99, "speed_factor": speed}),),
    )
