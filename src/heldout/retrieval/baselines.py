"""The harness's own retrievers, the yardsticks a candidate's retriever is compared with on the hidden
queries: a plain BM25 (bm25s, default k1 and b, words lower-cased) and a TF-IDF cosine ranking
(scikit-learn's TfidfVectorizer with its defaults). Neither is tuned: they say what an afternoon with
the library's defaults gives, not what a careful candidate can reach."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["RETRIEVAL_BASELINES", "baseline_runs", "tokenize"]

_TOKEN = re.compile(r"[a-z0-9_]+")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _bm25(passages: Sequence[str], queries: Sequence[str], depth: int) -> list[list[int]]:
    import bm25s

    index = bm25s.BM25()
    index.index([tokenize(p) for p in passages], show_progress=False)
    ranked = []
    for query in queries:
        scores = index.get_scores(tokenize(query))
        ranked.append(_top(np.asarray(scores, dtype=np.float64), depth))
    return ranked


def _tfidf(passages: Sequence[str], queries: Sequence[str], depth: int) -> list[list[int]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform(passages)
    scores = (vectorizer.transform(queries) @ matrix.T).toarray()
    return [_top(row, depth) for row in scores]


def _top(scores: np.ndarray, depth: int) -> list[int]:
    """Positions of the ``depth`` best scores, ties broken by position (the same ranking every run)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [int(i) for i in order[:depth]]


RETRIEVAL_BASELINES: dict[str, tuple[str, Callable[[Sequence[str], Sequence[str], int], list[list[int]]]]] = {
    "bm25": ("plain BM25", _bm25),
    "tfidf": ("TF-IDF cosine", _tfidf),
}


def baseline_runs(
    names: Sequence[str],
    passage_ids: Sequence[str],
    passages: Sequence[str],
    queries: Sequence[str],
    depth: int,
) -> dict[str, list[list[str]]]:
    """Each baseline's ranked passage ids for every query, best first."""
    return {
        name: [
            [passage_ids[i] for i in ranked]
            for ranked in RETRIEVAL_BASELINES[name][1](passages, queries, depth)
        ]
        for name in names
    }
