"""The retrieval (RAG) checks, both ways, in-process: ir_measures evaluations run under the tracer on a
small hand-built set of judgements, and hidden-query facts built by hand and scored by the grader's own
evaluation. tests/test_submissions.py runs the same checks end to end on notebooks.
"""

from __future__ import annotations

import dataclasses

import ir_measures
import pandas as pd
import pytest
from ir_measures import MRR, P, R, nDCG

from heldout.checks import CHECKS, CheckContext, HoldoutScores, Verdict
from heldout.grading import load_scenario
from heldout.retrieval.evaluation import evaluate_retrieval
from heldout.trace.latency import REFERENCE_CALIBRATION_SECONDS
from heldout.trace.model import Trace
from heldout.trace.retrieval import retrieval_probes

# Twelve development queries, two per passage family; d00/d01 are siblings (one source passage), d02 is
# about py312-a-00, a near-copy of d00's passage in another version (one group in the truth).
GOLD = {
    "d00": "py313-a-00",
    "d01": "py313-a-00",
    "d02": "py312-a-00",
    "d03": "py313-b-00",
    "d04": "py313-b-00",
    "d05": "py313-c-00",
    "d06": "py313-c-00",
    "d07": "py313-d-00",
    "d08": "py313-d-00",
    "d09": "py313-e-00",
    "d10": "py313-e-00",
    "d11": "py313-f-00",
}
PASSAGES = sorted(set(GOLD.values()) | {"py313-a-01", "py313-b-01", "py313-c-01", "py313-z-00"})
TRAIN = pd.DataFrame(
    [{"query_id": q, "query": q, "passage_id": p, "relevance": 2} for q, p in GOLD.items()]
    + [{"query_id": q, "query": q, "passage_id": p[:-1] + "1", "relevance": 1} for q, p in GOLD.items()]
)
TRUTH = pd.DataFrame(
    {
        "passage_id": PASSAGES,
        "group": ["py313-a-00" if p in ("py312-a-00", "py313-a-00") else p for p in PASSAGES],
    }
)


@pytest.fixture(scope="module")
def manifest(root):
    return load_scenario("rag_retrieval", root)


def qrels(queries, graded=True) -> list:
    rows = TRAIN[TRAIN.query_id.isin(queries)]
    return [
        ir_measures.Qrel(q, p, int(r) if graded else 1)
        for q, p, r in zip(rows.query_id, rows.passage_id, rows.relevance, strict=True)
    ]


def run(queries, shift=0) -> dict:
    """A ranking per query: its gold passage at rank ``shift``, then the others (a distinct run per shift)."""
    out = {}
    for q in queries:
        order = [p for p in PASSAGES if p != GOLD[q]]
        order.insert(min(shift, len(order)), GOLD[q])
        out[q] = {p: float(len(order) - i) for i, p in enumerate(order)}
    return out


def judge(manifest, tracer, report, retrieval=None, train=TRAIN) -> dict:
    ctx = CheckContext(
        manifest=manifest,
        trace=Trace(tracer.recorder.to_json()),
        report=report,
        train_labels=train["relevance"].to_numpy(),
        holdout=HoldoutScores(None, train["relevance"].to_numpy()),
        baselines={},
        train=train,
        truth=TRUTH,
        retrieval=retrieval,
    )
    return {
        check_id: CHECKS[check_id].function(ctx, manifest.check(check_id).params) for check_id in CHECKS_OF
    }


CHECKS_OF = ("no_tuning_on_final_queries", "tuning_queries_apart", "graded_metric_at_k")
TUNE = ["d03", "d04", "d05", "d06"]
FINAL = ["d07", "d08", "d09", "d10", "d11"]


# -- tuning on the final queries --------------------------------------------------------------------------
def test_settings_tuned_on_other_queries_then_scored_once_pass(manifest, tracer):
    for shift in range(4):
        ir_measures.calc_aggregate([nDCG @ 10], qrels(TUNE), run(TUNE, shift))
    final = ir_measures.calc_aggregate([nDCG @ 10, R @ 10], qrels(FINAL), run(FINAL, 0))
    ir_measures.calc_aggregate([nDCG @ 10], qrels(FINAL), run(FINAL, 2))  # a baseline beside it
    out = judge(manifest, tracer, {"estimate": final[nDCG @ 10]})
    assert out["no_tuning_on_final_queries"].verdict == Verdict.PASS, out[
        "no_tuning_on_final_queries"
    ].message
    assert "2 different ranking(s)" in out["no_tuning_on_final_queries"].message


def test_a_grid_scored_on_the_final_queries_fails_naming_its_lines(manifest, tracer):
    scores = {
        shift: ir_measures.calc_aggregate([nDCG @ 10], qrels(FINAL), run(FINAL, shift)) for shift in range(5)
    }
    best = max(scores.values(), key=lambda s: s[nDCG @ 10])
    out = judge(manifest, tracer, {"estimate": best[nDCG @ 10]})
    outcome = out["no_tuning_on_final_queries"]
    assert outcome.verdict == Verdict.FAIL
    assert "5 different rankings were scored on some of those queries" in outcome.message
    assert "line " in outcome.message and outcome.findings[0].line is not None


def test_a_small_grid_on_the_final_queries_then_the_winner_scored_again_fails(manifest, tracer):
    scores = {
        shift: ir_measures.calc_aggregate([nDCG @ 10], qrels(FINAL), run(FINAL, shift))[nDCG @ 10]
        for shift in range(2)
    }
    best = min(scores, key=lambda shift: -scores[shift])
    final = ir_measures.calc_aggregate([nDCG @ 10, R @ 10], qrels(FINAL), run(FINAL, best))
    outcome = judge(manifest, tracer, {"estimate": final[nDCG @ 10]})["no_tuning_on_final_queries"]
    assert outcome.verdict == Verdict.FAIL
    assert (
        "had already been scored on them" in outcome.message
        and "it was chosen among rankings" in outcome.message
    )


def test_one_ranking_scored_twice_in_a_row_and_baselines_first_pass(manifest, tracer):
    ir_measures.calc_aggregate([nDCG @ 10], qrels(FINAL), run(FINAL, 3))  # a baseline
    ir_measures.calc_aggregate([R @ 10], qrels(FINAL), run(FINAL, 0))
    final = ir_measures.calc_aggregate([nDCG @ 10], qrels(FINAL), run(FINAL, 0))
    outcome = judge(manifest, tracer, {"estimate": final[nDCG @ 10]})["no_tuning_on_final_queries"]
    assert outcome.verdict == Verdict.PASS, outcome.message


def test_tuning_on_all_queries_then_reporting_a_part_of_them_fails(manifest, tracer):
    everything = TUNE + FINAL
    for shift in range(4):
        ir_measures.calc_aggregate([nDCG @ 10], qrels(everything), run(everything, shift))
    final = ir_measures.calc_aggregate([nDCG @ 10], qrels(FINAL), run(FINAL, 0))
    out = judge(manifest, tracer, {"estimate": final[nDCG @ 10]})
    assert out["no_tuning_on_final_queries"].verdict == Verdict.FAIL


def test_without_an_ir_measures_evaluation_every_trace_check_warns(manifest, tracer):
    out = judge(manifest, tracer, {"estimate": 0.8})
    for check_id in CHECKS_OF:
        assert out[check_id].verdict == Verdict.WARN
        assert "saw no retrieval evaluation made with ir_measures" in out[check_id].message


# -- tuning and evaluation queries apart ------------------------------------------------------------------
def test_sibling_queries_on_both_sides_fail(manifest, tracer):
    tune, final = ["d00", "d03", "d05", "d07"], ["d01", "d09", "d11"]  # d00 and d01 share a passage
    ir_measures.calc_aggregate([nDCG @ 10], qrels(tune), run(tune, 1))
    result = ir_measures.calc_aggregate([nDCG @ 10], qrels(final), run(final))
    outcome = judge(manifest, tracer, {"estimate": result[nDCG @ 10]})["tuning_queries_apart"]
    assert outcome.verdict == Verdict.FAIL
    assert "1 of the final queries (33%, e.g. d01) share a highly relevant passage" in outcome.message


def test_a_near_copy_in_another_version_counts_as_shared(manifest, tracer):
    tune, final = ["d02", "d03", "d05"], ["d00", "d09", "d11"]  # py312-a-00 is a near-copy of py313-a-00
    ir_measures.calc_aggregate([nDCG @ 10], qrels(tune), run(tune, 1))
    result = ir_measures.calc_aggregate([nDCG @ 10], qrels(final), run(final))
    outcome = judge(manifest, tracer, {"estimate": result[nDCG @ 10]})["tuning_queries_apart"]
    assert outcome.verdict == Verdict.FAIL


def test_queries_split_by_passage_family_pass(manifest, tracer):
    ir_measures.calc_aggregate([nDCG @ 10], qrels(TUNE), run(TUNE, 1))
    result = ir_measures.calc_aggregate([nDCG @ 10], qrels(FINAL), run(FINAL))
    out = judge(manifest, tracer, {"estimate": result[nDCG @ 10]})
    assert out["tuning_queries_apart"].verdict == Verdict.PASS, out["tuning_queries_apart"].message


def test_a_small_share_of_shared_queries_warns(manifest, tracer):
    final = [q for q in GOLD if q not in ("d00",)]  # d01 shares with d00, 1 of 11 final: 9 % > 5 % fails
    ir_measures.calc_aggregate([nDCG @ 10], qrels(["d00"]), run(["d00"], 1))
    result = ir_measures.calc_aggregate([nDCG @ 10], qrels(final), run(final))
    params = {**manifest.check("tuning_queries_apart").params, "max_shared_share": 0.2}
    ctx = CheckContext(
        manifest=manifest,
        trace=Trace(tracer.recorder.to_json()),
        report={"estimate": result[nDCG @ 10]},
        train_labels=TRAIN["relevance"].to_numpy(),
        holdout=HoldoutScores(None, TRAIN["relevance"].to_numpy()),
        baselines={},
        train=TRAIN,
        truth=TRUTH,
    )
    assert CHECKS["tuning_queries_apart"].function(ctx, params).verdict == Verdict.WARN


# -- the metric -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("measures", "graded", "verdict", "words"),
    [
        ([nDCG @ 10, R @ 10], True, Verdict.PASS, "nDCG at the product's k=10"),
        ([nDCG @ 10], False, Verdict.WARN, "judgements with one relevance level"),
        ([R @ 10], True, Verdict.WARN, "recall@10 counts the relevant passages"),
        ([nDCG @ 100], True, Verdict.WARN, "not at the product's k=10"),
        ([P @ 1], True, Verdict.FAIL, "it looks at the first hit only"),
        ([MRR], True, Verdict.FAIL, "it looks at the first hit only"),
    ],
)
def test_the_final_metric_must_read_graded_relevance_at_k(manifest, tracer, measures, graded, verdict, words):
    result = ir_measures.calc_aggregate(measures, qrels(FINAL, graded), run(FINAL, 1))
    outcome = judge(manifest, tracer, {"estimate": result[measures[0]]})["graded_metric_at_k"]
    assert outcome.verdict == verdict, outcome.message
    assert words in outcome.message


def test_evaluations_with_dataframes_iterators_and_evaluators_are_all_followed(manifest, tracer):
    frame = pd.DataFrame(
        [(q, p, s) for q, docs in run(TUNE).items() for p, s in docs.items()],
        columns=["query_id", "doc_id", "score"],
    )
    qrel_frame = TRAIN[TRAIN.query_id.isin(TUNE)].rename(columns={"passage_id": "doc_id"})
    ir_measures.calc_aggregate([nDCG @ 10], qrel_frame[["query_id", "doc_id", "relevance"]], frame)
    evaluator = ir_measures.evaluator([nDCG @ 10], iter(qrels(FINAL)))
    per_query = [
        m.value
        for m in evaluator.iter_calc(
            iter([ir_measures.ScoredDoc(q, p, s) for q, d in run(FINAL).items() for p, s in d.items()])
        )
    ]
    events = list(Trace(tracer.recorder.to_json()).of_kind("ir_evaluation"))
    assert [sorted(e.get("queries")) for e in events] == [TUNE, FINAL]
    assert all(e.get("graded") for e in events)
    assert events[1].get("values")["nDCG@10"] == pytest.approx(sum(per_query) / len(per_query))


def test_nothing_is_recorded_while_the_tracer_is_off(tracer):
    tracer.enabled = False
    try:
        ir_measures.calc_aggregate([nDCG @ 10], qrels(FINAL), run(FINAL))
    finally:
        tracer.enabled = True
    assert not list(Trace(tracer.recorder.to_json()).of_kind("ir_evaluation"))


# -- the hidden queries -------------------------------------------------------------------------------------
TEXTS = {p: f"Passage {p} says something. The second sentence of {p}." for p in PASSAGES}
HIDDEN = {f"t{i}": {GOLD[f"d{i:02d}"]: 2, GOLD[f"d{i:02d}"][:-1] + "1": 1} for i in range(3, 9)}


def hidden_facts(
    rank_of_gold=0, cite=None, text=None, p50=3.0, p99=8.0, calibration=REFERENCE_CALIBRATION_SECONDS
):
    ranked, answers = {}, {}
    for query, docs in HIDDEN.items():
        gold = next(p for p, g in docs.items() if g == 2)
        order = [p for p in PASSAGES if p != gold]
        order.insert(rank_of_gold, gold)
        ranked[query] = order
        cited = cite(order) if cite else order[0]
        answers[query] = {
            "text": text if text is not None else f"The second sentence of {cited}.",
            "cited": [cited],
        }
    return {
        "queries": len(HIDDEN),
        "ranked": ranked,
        "at_k": {q: r[:10] for q, r in ranked.items()},
        "answers": answers,
        "errors": [],
        "n_errors": 0,
        "latency": {"calls": 60, "p50_ms": p50, "p99_ms": p99, "calibration_seconds": calibration},
    }


def hidden_outcome(manifest, check_id, facts, baseline_rank=3):
    baselines = {
        "bm25": hidden_facts(baseline_rank)["ranked"],
        "tfidf": hidden_facts(baseline_rank + 1)["ranked"],
    }
    evaluation = evaluate_retrieval(facts, HIDDEN, TEXTS, baselines, 10, 100)
    ctx = CheckContext(
        manifest=manifest,
        trace=Trace.empty(),
        report={},
        train_labels=TRAIN["relevance"].to_numpy(),
        holdout=HoldoutScores(None, TRAIN["relevance"].to_numpy()),
        baselines={},
        retrieval=evaluation,
    )
    return CHECKS[check_id].function(ctx, manifest.check(check_id).params)


def test_a_retriever_that_ranks_gold_first_beats_the_baselines(manifest):
    outcome = hidden_outcome(manifest, "retrieval_beats_baselines", hidden_facts(0))
    assert outcome.verdict == Verdict.PASS, outcome.message
    assert "On the 6 hidden queries your retriever has nDCG@10 " in outcome.message


def test_a_retriever_no_better_than_bm25_warns_and_a_worse_one_fails(manifest):
    assert hidden_outcome(manifest, "retrieval_beats_baselines", hidden_facts(3)).verdict == Verdict.WARN
    worse = hidden_outcome(manifest, "retrieval_beats_baselines", hidden_facts(9))
    assert worse.verdict == Verdict.FAIL and "not above the plain BM25 by 0.02" in worse.message


def test_grounded_answers_pass(manifest):
    outcome = hidden_outcome(manifest, "grounded_answers", hidden_facts(0))
    assert outcome.verdict == Verdict.PASS, outcome.message


def test_an_answer_citing_a_passage_it_did_not_retrieve_fails(manifest):
    outcome = hidden_outcome(manifest, "grounded_answers", hidden_facts(0, cite=lambda order: "py311-a-00"))
    assert outcome.verdict == Verdict.FAIL
    assert "not among the passages retrieved" in outcome.message


def test_an_answer_whose_text_is_in_no_cited_passage_fails(manifest):
    outcome = hidden_outcome(manifest, "grounded_answers", hidden_facts(0, text="In short, it depends."))
    assert outcome.verdict == Verdict.FAIL
    assert "is in none of the passages it cites" in outcome.message


def test_latency_within_budget_passes_over_it_warns_far_over_it_fails(manifest):
    assert hidden_outcome(manifest, "retrieval_latency", hidden_facts(p50=3, p99=8)).verdict == Verdict.PASS
    over = hidden_outcome(manifest, "retrieval_latency", hidden_facts(p50=30, p99=90))
    assert over.verdict == Verdict.WARN and "over budget" in over.message
    far = hidden_outcome(manifest, "retrieval_latency", hidden_facts(p50=150, p99=400))
    assert far.verdict == Verdict.FAIL and "more than 5 times over budget" in far.message


def test_a_slower_machine_gets_a_proportionally_larger_budget(manifest):
    slow = hidden_facts(p50=30, p99=90, calibration=2 * REFERENCE_CALIBRATION_SECONDS)
    outcome = hidden_outcome(manifest, "retrieval_latency", slow)
    assert outcome.verdict == Verdict.PASS and "2.0x that" in outcome.message


def test_a_missing_retriever_fails_the_hidden_checks_saying_so(manifest):
    outcome = hidden_outcome(manifest, "grounded_answers", {"missing": "retrieve"})
    assert outcome.verdict == Verdict.FAIL and "never defines `retrieve`" in outcome.message


def test_a_forged_record_fails_without_crashing(manifest):
    evaluation = evaluate_retrieval(hidden_facts(0), HIDDEN, TEXTS, {}, 10, 100)
    ctx = CheckContext(
        manifest=manifest,
        trace=Trace.empty(),
        report={},
        train_labels=TRAIN["relevance"].to_numpy(),
        holdout=HoldoutScores(None, TRAIN["relevance"].to_numpy()),
        baselines={},
        retrieval=dataclasses.replace(evaluation, latency={"calls": 3, "p50_ms": "fast"}),
    )
    outcome = CHECKS["retrieval_latency"].function(ctx, {})
    assert outcome.verdict == Verdict.FAIL and "malformed" in outcome.message


# -- the probe --------------------------------------------------------------------------------------------
def test_the_probe_records_wrong_shapes_and_errors_and_goes_on():
    def retrieve(query, k):
        if query == "boom":
            raise KeyError("boom")
        return "py313-a-00" if query == "text" else ["py313-a-00", "py313-b-00"][:k]

    def answer(query):
        return ("py313-a-00 says", "py313-a-00") if query == "pair" else ("Passage", ["py313-a-00"])

    facts = retrieval_probes(
        retrieve, answer, [("q1", "fine"), ("q2", "boom"), ("q3", "text"), ("q4", "pair")], 10, 100
    )
    assert facts["ranked"] == {"q1": ["py313-a-00", "py313-b-00"], "q4": ["py313-a-00", "py313-b-00"]}
    assert facts["at_k"]["q1"] == ["py313-a-00", "py313-b-00"]
    assert facts["n_errors"] == 2
    assert facts["errors"][0] == "q2: KeyError: 'boom'"
    assert "returned str, not a list of passage ids" in facts["errors"][1]
    assert facts["answers"]["q1"] == {"text": "Passage", "cited": ["py313-a-00"]}
    assert "not a list of passage ids" in facts["answers"]["q4"]["error"]
    assert facts["latency"]["calls"] == 3 and facts["asked"] == ["q1", "q2", "q3", "q4"]


@pytest.mark.parametrize(
    "facts",
    [{"ranked": "everything", "answers": {}}, {"ranked": {}, "answers": {"t3": ["text"]}}, {"latency": 3}],
)
def test_a_malformed_record_of_the_hidden_queries_never_crashes_the_grader(manifest, facts):
    outcome = hidden_outcome(manifest, "retrieval_beats_baselines", facts)
    assert outcome.verdict == Verdict.FAIL
