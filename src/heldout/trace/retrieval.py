"""The candidate's retriever and answerer called on the hidden queries, the way the product calls them.

Runs inside the kernel after the last cell, black-box like the serving probes (heldout.trace.serving):
only the functions the contract names are used, ``retrieve(query, k) -> passage ids`` and
``answer(query) -> (text, cited passage ids)``. Each hidden query is retrieved once, at the grader's
depth (for recall further down; its first k are what the product shows), timed in CPU time with
heldout.trace.latency, then answered. A retriever so slow that the replay would use more than its CPU
allowance is stopped at a fixed checkpoint (as the serving replay is), and only the queries asked so
far are scored. The facts go back as plain JSON; the grader's side scores them
against the hidden judgements. A call that raises or returns the wrong shape is recorded and never
stops the others.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from typing import Any

from heldout.trace.latency import ReplayClock

__all__ = ["retrieval_probes"]

_MAX_ERRORS = 8
_MAX_ID_CHARS = 200
_MAX_ANSWER_CHARS = 5000


def retrieval_probes(
    retrieve: Callable[..., Any],
    answer: Callable[..., Any],
    queries: Sequence[tuple[str, str]],
    k: int,
    depth: int,
    names: tuple[str, str] = ("retrieve", "answer"),
) -> dict[str, Any]:
    """``queries`` are (query id, text). Returns the rankings (at depth, and their first k), the
    answers, the errors, the queries asked and the latency of the calls."""
    clock = ReplayClock(len(queries))
    at_k: dict[str, list[str]] = {}
    ranked: dict[str, list[str]] = {}
    answers: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    n_errors = 0
    stopped: int | None = None
    for position, (query_id, text) in enumerate(queries):
        if clock.should_stop(position):
            stopped = position
            break
        try:
            top = clock.timed(retrieve, text, depth)
            ranked[query_id] = _ids(top, depth, f"{names[0]}(query, {depth})")
            at_k[query_id] = ranked[query_id][:k]
        except Exception as error:  # the candidate's function may raise anything: a finding
            n_errors += 1
            if len(errors) < _MAX_ERRORS:
                errors.append(f"{query_id}: {_one_line(error)}")
            continue
        try:
            answers[query_id] = _answer(answer(text), names[1])
        except Exception as error:
            answers[query_id] = {"error": _one_line(error)}
    return {
        "queries": len(queries),
        "asked": sorted(query_id for query_id, _ in queries[: len(queries) if stopped is None else stopped]),
        "at_k": at_k,
        "ranked": ranked,
        "answers": answers,
        "errors": errors,
        "n_errors": n_errors,
        "latency": clock.summary(stopped),
    }


def _ids(value: Any, limit: int, call: str) -> list[str]:
    """The ranking as passage ids (strings), checked: a list of at most ``limit`` ids."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{call} returned {type(value).__name__}, not a list of passage ids")
    ids = [str(item)[:_MAX_ID_CHARS] for item in list(value)[: limit + 1]]
    if len(ids) > limit:
        raise ValueError(f"{call} returned more than {limit} passage ids")
    return ids


def _answer(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name}(query) returned {type(value).__name__}, not a (text, passage ids) pair")
    text, cited = value
    if not isinstance(text, str):
        raise TypeError(f"{name}(query) returned a {type(text).__name__} as its text, not a str")
    return {"text": text[:_MAX_ANSWER_CHARS], "cited": _ids(cited, 100, f"{name}(query)")}


def _one_line(error: BaseException) -> str:
    lines = f"{type(error).__name__}: {error}".strip().splitlines()
    return lines[0][:300] if lines else type(error).__name__


def short_traceback() -> str:
    return traceback.format_exc()[-2000:]
