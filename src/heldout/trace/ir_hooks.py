"""Tracing of retrieval evaluations made with ir_measures, the way scikit-learn's metrics are traced.

An IR evaluation names its queries by id, so which queries it saw is simply the set of query ids in the
judgements (qrels) it was given: no row lineage is needed. Every run scored goes through
``Evaluator.iter_calc`` (``calc_aggregate``, ``calc``, ``iter_calc`` and the module-level shortcuts
all do), and every evaluator is made by ``Provider.evaluator``; those two are wrapped. Each evaluation
becomes an ``ir_evaluation`` event with its cell and line, the measures, the query ids, whether the
judgements were graded (more than one positive level), a digest of the run (two evaluations of the same
ranking have the same digest: scoring one system with two measures is not comparing two systems), and,
once the results are consumed, each measure's mean.

ir_measures' own nested calls (its fallback provider makes an evaluator per sub-provider) are not
recorded: only evaluators made from outside ir_measures carry the facts an evaluation is recorded with,
and nothing is recorded while the tracer is off (heldout's own work after the last cell).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from typing import Any

from heldout.trace.hookset import HookSet

__all__ = ["HOOKS", "install_ir_hooks"]

_MAX_QUERIES = 20_000
_FACTS = "_heldout_qrels"


def install_ir_hooks(tracer: Any) -> None:
    """Wrap ir_measures' evaluator factory and its evaluation, if ir_measures is installed."""
    try:
        from ir_measures.providers import base
    except ImportError:
        return
    making: list[bool] = []  # an evaluator being made: the ones it makes inside are ir_measures' own

    original_evaluator = base.Provider.evaluator
    original_iter_calc = base.Evaluator.iter_calc

    def evaluator(self: Any, measures: Any, qrels: Any) -> Any:
        if not tracer.enabled or making:
            return original_evaluator(self, measures, qrels)
        try:
            qrels, facts = _qrels_facts(qrels)
        except Exception:  # an input heldout cannot read: the call runs as it would without heldout
            facts = None
        making.append(True)
        try:
            made = original_evaluator(self, measures, qrels)
        finally:
            making.pop()
        if facts is not None:
            try:
                setattr(made, _FACTS, facts)
            except Exception:
                pass
        return made

    def iter_calc(self: Any, run: Any) -> Iterator[Any]:
        facts = getattr(self, _FACTS, None)
        if not tracer.enabled or facts is None:
            return original_iter_calc(self, run)
        try:
            run, digest, n_run = _run_facts(run)
            cell, line = tracer.sites.find(sys._getframe(1))
            event = tracer.recorder.add(
                "ir_evaluation",
                parent=None,
                cell=cell,
                line=line,
                measures=sorted(str(m) for m in self.measures),
                queries=facts["queries"],
                graded=facts["graded"],
                run_digest=digest,
                run_queries=n_run,
            )
        except Exception:
            return original_iter_calc(self, run)
        return _averaging(original_iter_calc(self, run), event)

    tracer.patch(base.Provider, "evaluator", evaluator)
    tracer.patch(base.Evaluator, "iter_calc", iter_calc)
    import ir_measures

    # `ir_measures.evaluator` is a method bound at import time, so it would bypass the class's patch.
    tracer.patch(ir_measures, "evaluator", ir_measures.DefaultPipeline.evaluator)


def _averaging(metrics: Iterator[Any], event: Any) -> Iterator[Any]:
    """Pass the per-query results on, and record each measure's mean once they have all been read."""
    sums: dict[str, list[float]] = {}
    for metric in metrics:
        try:
            entry = sums.setdefault(str(metric.measure), [0.0, 0.0])
            entry[0] += float(metric.value)
            entry[1] += 1
        except Exception:
            pass
        yield metric
    event["values"] = {name: total / count for name, (total, count) in sums.items() if count}


def _qrels_facts(qrels: Any) -> tuple[Any, dict[str, Any]]:
    """(the qrels to pass on, their query ids and whether they grade relevance). An iterator is read
    into a list first, so that ir_measures still gets every judgement."""
    import pandas as pd

    if isinstance(qrels, dict):
        ids = sorted(str(q) for q in qrels)
        levels = {v for docs in qrels.values() if isinstance(docs, dict) for v in docs.values()}
    elif isinstance(qrels, pd.DataFrame):
        ids = sorted({str(q) for q in qrels["query_id"]})
        levels = set(qrels["relevance"].tolist())
    else:
        qrels = list(qrels)
        ids = sorted({str(q.query_id) for q in qrels})
        levels = {q.relevance for q in qrels}
    positive = {float(v) for v in levels if float(v) > 0}
    return qrels, {"queries": ids[:_MAX_QUERIES], "graded": len(positive) > 1}


def _run_facts(run: Any) -> tuple[Any, str, int]:
    """(the run to pass on, a digest of its rankings, how many queries it ranks)."""
    import pandas as pd

    digest = hashlib.blake2b(digest_size=10)
    if isinstance(run, dict):
        items = sorted(
            (str(q), sorted((str(d), float(s)) for d, s in docs.items())) for q, docs in run.items()
        )
        digest.update(repr(items).encode())
        return run, digest.hexdigest(), len(items)
    if isinstance(run, pd.DataFrame):
        frame = run[["query_id", "doc_id", "score"]].astype({"query_id": str, "doc_id": str, "score": float})
        digest.update(frame.sort_values(["query_id", "doc_id"]).to_csv(index=False).encode())
        return run, digest.hexdigest(), int(frame["query_id"].nunique())
    run = list(run)
    items = sorted((str(r.query_id), str(r.doc_id), float(r.score)) for r in run)
    digest.update(repr(items).encode())
    return run, digest.hexdigest(), len({q for q, _, _ in items})


# Installed when the candidate first imports ir_measures, never at heldout's initiative.
HOOKS = HookSet("ir_measures evaluations", "ir_measures", install_ir_hooks, eager=False)
