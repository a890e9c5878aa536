"""Writes five of the flawed notebooks of this folder from the reference solution, one mistake each.

Run from the project root: python3 tests/submissions/rag_retrieval/make_notebooks.py
(the other notebooks here were written by hand).
"""

import copy

import nbformat

SOLUTION = nbformat.read("solutions/rag_retrieval/solution.ipynb", 4)
OUT = "tests/submissions/rag_retrieval/flawed/"


def variant(name: str, title: str, edits: list[tuple[int, str, str]]) -> None:
    notebook = copy.deepcopy(SOLUTION)
    notebook.cells[0].source = title
    for cell, old, new in edits:
        source = notebook.cells[cell].source
        assert old in source, (name, cell, old)
        notebook.cells[cell].source = source.replace(old, new)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(notebook, OUT + name + ".ipynb")


variant(
    "index_rebuilt_per_call",
    "# Python docs assistant: BM25 with neighbours, re-ranked by a TF-IDF fitted fresh for every question\n\n"
    "The reference approach, but `retrieve` rebuilds the BM25 index and fits a character 3-5-gram TF-IDF on "
    "every call (so it always reflects the passages as they are), and re-ranks the top 100 by both.",
    [
        (1, "import re\n", "import re\n\nfrom sklearn.feature_extraction.text import TfidfVectorizer\n"),
        (
            6,
            "def retrieve(query, k):\n    return retriever.top(query, k)",
            """def retrieve(query, k):
    fresh = Retriever(k1=1.2, b=0.75, share=share)  # the index and the vectorizer, built on each call
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5))  # identifiers split oddly
    matrix = vectorizer.fit_transform(passages["text"])
    scores = fresh.scores(query)
    top = np.argsort(-scores, kind="stable")[:100]
    tfidf = (matrix[top] @ vectorizer.transform([query]).T).toarray().ravel()
    combined = scores[top] / max(scores[top].max(), 1e-9) + tfidf / max(tfidf.max(), 1e-9)
    order = top[np.argsort(-combined, kind="stable")]
    return [str(ids[i]) for i in order[:k]]""",
        ),
    ],
)

variant(
    "mrr_reported",
    "# Python docs assistant: BM25 with neighbours, judged by MRR\n\n"
    "The reference approach; the estimate reported is the mean reciprocal rank of the first hit.",
    [
        (
            6,
            'report = {"estimate": float(final[nDCG @ 10]), "metric": "nDCG@10"}',
            'report = {"estimate": float(final[MRR]), "metric": "MRR"}',
        )
    ],
)

variant(
    "title_words_only",
    "# Python docs assistant: BM25 over the first words of each passage\n\n"
    "Each passage is indexed by its first 8 words only (where the topic is usually named): a small index.",
    [
        (
            2,
            'corpus_tokens = [tokenize(text) for text in passages["text"]]',
            'corpus_tokens = [tokenize(text)[:8] for text in passages["text"]]',
        )
    ],
)

variant(
    "answer_paraphrased",
    "# Python docs assistant: BM25 with neighbours, answers in my own words\n\n"
    "The reference retriever; the answer turns the best sentence into a short summary (its first eight "
    "words and the query terms it contains) and cites its passage.",
    [
        (
            6,
            "    return best[1], [best[2]]",
            '    matched = ", ".join(sorted(words & set(tokenize(best[1]))))\n'
            '    summary = " ".join(best[1].split()[:8]) + " ... (" + matched + ")"\n'
            "    return summary, [best[2]]",
        )
    ],
)

variant(
    "share_chosen_on_all_queries",
    "# Python docs assistant: BM25 with neighbours, tuned on every development query\n\n"
    "The neighbour share is chosen by nDCG@10 over all development queries, then scored on the others.",
    [
        (
            4,
            "    results[share] = ir_measures.calc_aggregate("
            "[nDCG @ 10], tune_qrels, run_for(retriever, tune_q))[nDCG @ 10]",
            """    results[share] = ir_measures.calc_aggregate(
        [nDCG @ 10], tune_qrels + eval_qrels, run_for(retriever, list(tune_q) + list(eval_q))
    )[nDCG @ 10]""",
        )
    ],
)
