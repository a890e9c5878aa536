"""The hidden queries' rankings and answers scored on the grader's side, with ir_measures.

The kernel sends what the candidate's ``retrieve`` and ``answer`` returned (heldout.trace.retrieval);
here they meet the hidden judgements, the corpus and the harness's baselines, none of which ever
entered the sandbox (the corpus did, but the grader reads its own copy). Every figure is computed by
ir_measures (pytrec_eval underneath), never by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "RECALL_CUTOFFS",
    "RetrievalEvaluation",
    "evaluate_retrieval",
    "measures_at",
    "qrels_of",
    "score_run",
]

RECALL_CUTOFFS = (1, 3, 5, 10, 20, 50, 100)
_SPACE = re.compile(r"\s+")


def measures_at(k: int, depth: int) -> dict[str, Any]:
    """The measures reported, by the name heldout shows them under."""
    import ir_measures

    named = {f"nDCG@{k}": ir_measures.nDCG @ k, f"R@{k}": ir_measures.R @ k, "MRR": ir_measures.RR}
    for cutoff in RECALL_CUTOFFS:
        if cutoff <= depth:
            named.setdefault(f"R@{cutoff}", ir_measures.R @ cutoff)
    return named


def qrels_of(
    judgements: pd.DataFrame, query_id: str, passage_id: str, relevance: str
) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for query, passage, grade in zip(
        judgements[query_id].astype(str),
        judgements[passage_id].astype(str),
        judgements[relevance],
        strict=True,
    ):
        qrels.setdefault(query, {})[passage] = int(grade)
    return qrels


def score_run(
    rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]], k: int, depth: int
) -> tuple[dict[str, float], dict[str, float]]:
    """(mean of each measure over every judged query, nDCG@k per query). A query the run does not rank
    counts as 0 (ir_measures' default), so a retriever that fails on a query is not excused from it."""
    import ir_measures

    run = {
        query: {passage: float(len(ranked) - rank) for rank, passage in enumerate(dict.fromkeys(ranked))}
        for query, ranked in rankings.items()
        if query in qrels
    }
    named = measures_at(k, depth)
    means = {name: 0.0 for name in named}
    per_query = {query: 0.0 for query in qrels}
    by_measure = {str(m): name for name, m in named.items()}
    for metric in ir_measures.iter_calc(list(named.values()), dict(qrels), run):
        name = by_measure[str(metric.measure)]
        means[name] += float(metric.value)
        if name == f"nDCG@{k}":
            per_query[metric.query_id] = float(metric.value)
    return {name: total / max(1, len(qrels)) for name, total in means.items()}, per_query


@dataclass(frozen=True)
class RetrievalEvaluation:
    """What the checks and the report read about the hidden queries."""

    k: int
    depth: int
    queries: int
    answered: int  # queries whose retrieve and answer calls both returned
    scores: dict[str, float]  # the candidate's measures
    baselines: dict[str, dict[str, float]]  # baseline name -> measures
    per_query: dict[str, float]  # the candidate's nDCG@k per query
    baseline_per_query: dict[str, dict[str, float]]
    ungrounded: list[dict[str, Any]] = field(default_factory=list)  # answers that fail groundedness
    n_ungrounded: int = 0
    supported: int = 0  # answers whose text lies in a highly relevant passage
    errors: list[str] = field(default_factory=list)
    n_errors: int = 0
    latency: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None  # why there is nothing to score (a missing function, a broken probe)


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _groundedness(
    answers: Mapping[str, Any], at_k: Mapping[str, Sequence[str]], texts: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Each answer that is not grounded, with why: its text must be non-empty and lie (whitespace aside)
    in one of the passages it cites, every one of which the same query's retrieval at k returned."""
    failing = []
    for query, entry in sorted(answers.items()):
        if not isinstance(entry, Mapping):
            failing.append({"query_id": query, "why": "its record is not an answer"})
            continue
        if "error" in entry:
            failing.append({"query_id": query, "why": f"answer raised {entry['error']}"})
            continue
        text, cited = _normal(str(entry.get("text", ""))), [str(c) for c in entry.get("cited", [])]
        retrieved = set(at_k.get(query, []))
        outside = [c for c in cited if c not in retrieved]
        if not text:
            failing.append({"query_id": query, "why": "the answer is empty"})
        elif not cited:
            failing.append({"query_id": query, "why": "the answer cites no passage"})
        elif outside:
            failing.append(
                {
                    "query_id": query,
                    "why": f"it cites {', '.join(outside[:3])}, not among the passages retrieved",
                }
            )
        elif not any(text in _normal(texts.get(c, "")) for c in cited):
            failing.append(
                {"query_id": query, "why": f"its text {text[:60]!r} is in none of the passages it cites"}
            )
    return failing


def evaluate_retrieval(
    facts: Mapping[str, Any] | None,
    qrels: Mapping[str, Mapping[str, int]],
    texts: Mapping[str, str],
    baseline_rankings: Mapping[str, Mapping[str, Sequence[str]]],
    k: int,
    depth: int,
) -> RetrievalEvaluation:
    """The hidden queries scored. ``facts`` come from the candidate's process: a record that is not
    what the kernel writes (only tampering makes one) is a problem to report, never a crashed grader."""
    try:
        return _evaluate(facts, qrels, texts, baseline_rankings, k, depth)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
        malformed = {"problem": f"the run's record of the retrieval is malformed ({type(error).__name__})"}
        return _evaluate(malformed, qrels, texts, baseline_rankings, k, depth)


def _evaluate(
    facts: Mapping[str, Any] | None,
    qrels: Mapping[str, Mapping[str, int]],
    texts: Mapping[str, str],
    baseline_rankings: Mapping[str, Mapping[str, Sequence[str]]],
    k: int,
    depth: int,
) -> RetrievalEvaluation:
    baselines, baseline_per_query = {}, {}
    for name, rankings in baseline_rankings.items():
        baselines[name], baseline_per_query[name] = score_run(rankings, qrels, k, depth)
    empty = {name: 0.0 for name in measures_at(k, depth)}
    facts = facts if isinstance(facts, Mapping) else {"problem": "the kernel sent no retrieval facts"}
    if facts.get("missing") or facts.get("problem"):
        problem = (
            f"the notebook never defines `{facts['missing']}`"
            if facts.get("missing")
            else str(facts["problem"])
        )
        return RetrievalEvaluation(
            k, depth, len(qrels), 0, empty, baselines, {}, baseline_per_query, problem=problem
        )
    if facts.get("latency", {}).get("stopped_after") and isinstance(facts.get("asked"), list):
        # The replay stopped early (a very slow retriever): score every system on the queries asked only.
        asked = {str(q) for q in facts["asked"]}
        qrels = {q: docs for q, docs in qrels.items() if q in asked}
        for name, rankings in baseline_rankings.items():
            baselines[name], baseline_per_query[name] = score_run(rankings, qrels, k, depth)
    ranked = {str(q): [str(p) for p in ids] for q, ids in dict(facts.get("ranked") or {}).items()}
    at_k = {str(q): [str(p) for p in ids] for q, ids in dict(facts.get("at_k") or {}).items()}
    answers = dict(facts.get("answers") or {})
    scores, per_query = score_run(ranked, qrels, k, depth)
    failing = _groundedness(answers, at_k, texts)
    failing += [
        {"query_id": q, "why": "retrieve raised, so nothing was answered"} for q in qrels if q not in answers
    ]
    supported = sum(
        1
        for query, entry in answers.items()
        if isinstance(entry, Mapping)
        and "error" not in entry
        and any(
            _normal(str(entry.get("text", "")))
            and _normal(str(entry.get("text", ""))) in _normal(texts.get(p, ""))
            for p, grade in qrels.get(query, {}).items()
            if grade >= 2
        )
    )
    return RetrievalEvaluation(
        k=k,
        depth=depth,
        queries=len(qrels),
        answered=sum(1 for e in answers.values() if isinstance(e, Mapping) and "error" not in e),
        scores=scores,
        baselines=baselines,
        per_query=per_query,
        baseline_per_query=baseline_per_query,
        ungrounded=failing[:8],
        n_ungrounded=len(failing),
        supported=supported,
        errors=[str(e) for e in facts.get("errors") or []][:8],
        n_errors=int(facts.get("n_errors") or 0),
        latency=dict(facts.get("latency") or {}),
    )


def recall_curve(scores: Mapping[str, float]) -> list[tuple[int, float]]:
    return [(c, float(scores[f"R@{c}"])) for c in RECALL_CUTOFFS if f"R@{c}" in scores]


def mean_or_nan(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")
