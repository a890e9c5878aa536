"""Passages of Python's own documentation topics in three versions, with queries whose relevant passages
are known by construction, for an exercise about evaluating retrieval for a RAG system.

Two stages, because the source text depends on the machine and the dataset must not.

1. **Corpus (shipped).** ``extract`` reads ``pydoc_data/topics.py`` of CPython 3.11, 3.12 and 3.13 (the
   text ``help("assert")`` shows: 79 topics each) and chunks every topic deterministically: paragraphs
   split on blank lines, sentences on a full stop followed by a capital, sentences gathered until a
   passage holds at least ``MIN_WORDS`` words (a paragraph never spans two passages unless it alone is
   longer than ``MAX_WORDS``, then it is cut at word boundaries). The result is ``passages.csv``, written
   once by a developer (``python3 -m heldout.datasets.pydoc_passages extract PATH...``) and shipped:
   another machine has other Python versions installed, so nothing regenerates it; ``heldout datasets
   check`` proves it by its checksum.
2. **Queries and judgements (regenerated from the corpus and the seed).** Near-duplicate groups join
   passages of the same topic in different versions whose word 3-shingles overlap (Jaccard >= 0.5):
   most topics changed little between versions, so most passages have one or two near-copies, some
   identical, some with a sentence added or a chunk boundary moved. The seed picks source passages; from
   each, two sentences of at least ``MIN_SENTENCE_WORDS`` content words become two *sibling* queries of
   five content words each (kept in their order, drawn by the seed). A passage is **highly relevant**
   (2) to a query when it holds the query's sentence verbatim, as one of its sentences (the source
   passage and its copies in the other versions), **partly relevant** (1) when it is a near-duplicate
   of a highly relevant passage without the sentence, or the source passage's neighbour in its topic
   and version. Source passages are split between the development queries (``train.csv``, with their
   judgements) and the hidden test queries (``holdout_features.csv`` the text only;
   ``hidden/holdout_labels.csv`` the judgements) by topic, so no test query shares a topic (and so a
   near-duplicate group) with a development query.

``hidden/near_duplicates.csv`` maps each passage to its group, for the check that tuning and evaluation
queries share no gold passage nor a near-copy of one. Nothing here is drawn from a label secret: the
judgements follow from the corpus and the seed (see the datasheet for what that means for bundles).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset

__all__ = ["DEFAULT_SEED", "build_corpus", "chunk_topic", "extract", "generate", "near_duplicate_groups"]

DEFAULT_SEED = 20261203
LABEL = "relevance"
VERSIONS = ("3.11", "3.12", "3.13")
MIN_WORDS, MAX_WORDS = 60, 160
MIN_SENTENCE_WORDS = 7
QUERY_WORDS = 5
NEAR_DUPLICATE_JACCARD = 0.5
NEAR_POSITIONS = 10  # how far apart in their topics two versions' copies of a passage are looked for
N_DEV_SOURCES, N_TEST_SOURCES = 130, 90  # two queries each
CORPUS_FILE = "passages.csv"

# A fixed list, not a library's: the dataset must not move when a library updates its own.
STOPWORDS = frozenset(
    """
    a about above after again against all also an and any are as at be because been before being below
    between both but by can could did do does doing down during each either else for from further had
    has have having here how if in into is it its itself just may might more most must no nor not now of
    off on once one only or other our out over own same shall should so some such than that the their
    them then there these they this those through to too under until up very was we were what when where
    whether which while who whom why will with would you your
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")


# -- stage 1: the corpus ---------------------------------------------------------------------------------
def read_topics(path: Path) -> dict[str, str]:
    """The ``topics`` dict of a ``pydoc_data/topics.py`` file, read without importing it."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "topics" for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                return {str(k): str(v) for k, v in value.items()}
    raise ValueError(f"{path} defines no `topics` dict")


def _words(text: str) -> list[str]:
    return text.split()


def chunk_topic(text: str) -> list[str]:
    """The topic's passages: whole sentences gathered to at least MIN_WORDS words, paragraph-aligned."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    pieces: list[str] = []
    for paragraph in paragraphs:
        words = _words(paragraph)
        if len(words) <= MAX_WORDS:
            pieces.append(paragraph)
            continue
        sentence_run: list[str] = []
        for sentence in _SENTENCE_END.split(paragraph):
            sentence_words = _words(sentence)
            if len(sentence_words) > MAX_WORDS:  # code listings, grammar: cut at word boundaries
                pieces.extend(" ".join(sentence_run) for _ in [0] if sentence_run)
                sentence_run = []
                pieces.extend(
                    " ".join(sentence_words[i : i + MAX_WORDS])
                    for i in range(0, len(sentence_words), MAX_WORDS)
                )
                continue
            if len(_words(" ".join(sentence_run))) + len(sentence_words) > MAX_WORDS and sentence_run:
                pieces.append(" ".join(sentence_run))
                sentence_run = []
            sentence_run.append(sentence)
        if sentence_run:
            pieces.append(" ".join(sentence_run))
    passages: list[str] = []
    current: list[str] = []
    for piece in pieces:
        current.append(piece)
        if len(_words(" ".join(current))) >= MIN_WORDS:
            passages.append(" ".join(current))
            current = []
    if current:
        if passages and len(_words(" ".join(current))) < MIN_WORDS // 2:
            passages[-1] = passages[-1] + " " + " ".join(current)
        else:
            passages.append(" ".join(current))
    return passages


def build_corpus(topics_by_version: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """One row per passage: ``passage_id`` (version, topic, position), version, topic, position, text."""
    rows = []
    for version in sorted(topics_by_version):
        topics = topics_by_version[version]
        for topic in sorted(topics):
            for position, text in enumerate(chunk_topic(topics[topic])):
                slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")
                rows.append(
                    {
                        "passage_id": f"py{version.replace('.', '')}-{slug}-{position:02d}",
                        "version": version,
                        "topic": topic,
                        "position": position,
                        "text": text,
                    }
                )
    frame = pd.DataFrame(rows)
    if frame["passage_id"].duplicated().any():
        raise ValueError("two topics give the same passage id")
    return frame


def extract(topic_files: Iterable[Path], out: Path) -> Path:
    """Write ``passages.csv`` from the ``pydoc_data/topics.py`` files of the Python versions given (the
    version is read from the path: ``.../python3.12/pydoc_data/topics.py``)."""
    by_version: dict[str, dict[str, str]] = {}
    for path in topic_files:
        match = re.search(r"python(3\.\d+)", str(path))
        if match is None:
            raise ValueError(f"{path}: the path does not say which Python version it is (.../python3.X/...)")
        by_version[match.group(1)] = read_topics(Path(path))
    if sorted(by_version) != list(VERSIONS):
        raise ValueError(
            f"need the topics of Python {', '.join(VERSIONS)} (got {', '.join(sorted(by_version))})"
        )
    corpus = build_corpus(by_version)
    corpus.to_csv(out, index=False, lineterminator="\n", encoding="utf-8")
    return Path(out)


# -- stage 2: queries and judgements ------------------------------------------------------------------------
def _shingles(text: str) -> set[tuple[str, ...]]:
    tokens = [t.lower() for t in _WORD.findall(text)]
    return {tuple(tokens[i : i + 3]) for i in range(max(1, len(tokens) - 2))}


def near_duplicate_groups(corpus: pd.DataFrame) -> pd.Series:
    """A group label per passage: passages of one topic in different versions with word 3-shingle
    Jaccard >= NEAR_DUPLICATE_JACCARD are joined (transitively)."""
    parent = list(range(len(corpus)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    shingles = [_shingles(t) for t in corpus["text"]]
    version, position = corpus["version"].tolist(), corpus["position"].tolist()
    for _, rows in corpus.groupby("topic", sort=True).indices.items():
        for a_pos, a in enumerate(rows):
            for b in rows[a_pos + 1 :]:
                # A version moves a passage by a few places at most (a paragraph added or cut).
                if version[a] == version[b] or abs(position[a] - position[b]) > NEAR_POSITIONS:
                    continue
                union = len(shingles[a] | shingles[b])
                if union and len(shingles[a] & shingles[b]) / union >= NEAR_DUPLICATE_JACCARD:
                    parent[root(int(b))] = root(int(a))
    roots = [root(i) for i in range(len(corpus))]
    first_id = {}
    for i, r in enumerate(roots):
        first_id.setdefault(r, corpus["passage_id"].iat[i])
    return pd.Series([first_id[r] for r in roots], index=corpus.index, name="group")


def _content_words(sentence: str) -> list[str]:
    return [w for w in _WORD.findall(sentence) if w.lower() not in STOPWORDS and len(w) > 2]


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _queries_of(
    source: int,
    holders: Mapping[str, list[int]],
    sentences: list[list[str]],
    topics: list[str],
    rng: np.random.Generator,
) -> list[tuple[str, str]]:
    """Two (sentence, query) pairs from passage ``source``, or none if it has too few long sentences."""
    unique = []
    for sentence in dict.fromkeys(sentences[source]):
        found = holders[sentence]
        # A sentence that recurs ("Changed in version 3.x"), or that two topics share, is about no one
        # passage: at most once per version, and in the source's topic only.
        if (
            len(_content_words(sentence)) >= MIN_SENTENCE_WORDS
            and len(found) <= len(VERSIONS)
            and all(topics[i] == topics[source] for i in found)
        ):
            unique.append(sentence)
    if len(unique) < 2:
        return []
    picked = rng.choice(len(unique), size=2, replace=False)
    out = []
    for index in sorted(int(i) for i in picked):
        sentence = unique[index]
        words = _content_words(sentence)
        keep = np.sort(rng.choice(len(words), size=QUERY_WORDS, replace=False))
        out.append((sentence, " ".join(words[i] for i in keep)))
    return out


def _judgements(
    sentence: str,
    source: int,
    holders: Mapping[str, list[int]],
    place: tuple[list[str], list[str], list[int]],
    group_of: list[str],
    members: Mapping[str, list[int]],
    at: Mapping[tuple[str, str, int], int],
) -> dict[int, int]:
    high = set(holders[sentence]) | {source}
    grades = {int(i): 2 for i in high}
    partly: set[int] = set()
    for i in high:
        partly.update(members[group_of[i]])
    topics, versions, positions = place
    for step in (-1, 1):
        neighbour = at.get((versions[source], topics[source], positions[source] + step))
        if neighbour is not None:
            partly.add(neighbour)
    for i in partly:
        grades.setdefault(int(i), 1)
    return grades


def load_corpus(folder: Path | None = None) -> pd.DataFrame:
    if folder is None:
        from heldout.paths import project_root

        folder = project_root() / "datasets" / "pydoc_passages"
    return pd.read_csv(Path(folder) / CORPUS_FILE, dtype={"version": str}, keep_default_na=False)


def generate(
    seed: int = DEFAULT_SEED, label_secret: int | None = None, *, legacy_labels: bool = False
) -> GeneratedDataset:
    """The dataset for ``seed``. ``label_secret`` and ``legacy_labels`` are accepted for the generators'
    common signature; judgements follow from the corpus and the seed alone."""
    del label_secret, legacy_labels
    corpus = load_corpus()
    groups = near_duplicate_groups(corpus)
    members = {
        g: list(rows) for g, rows in pd.Series(corpus.index).groupby(groups.to_numpy()).agg(list).items()
    }
    group_of = groups.tolist()
    place = (corpus["topic"].tolist(), corpus["version"].tolist(), corpus["position"].tolist())
    at = {(v, t, p): i for i, (t, v, p) in enumerate(zip(*place, strict=True))}
    # Every passage's sentences, and which passages hold each sentence (a sentence is a unit: two
    # passages hold the same sentence when their chunking cut it out whole in both).
    sentences = [_sentences(text) for text in corpus["text"]]
    holders: dict[str, list[int]] = {}
    for i, passage_sentences in enumerate(sentences):
        for sentence in dict.fromkeys(passage_sentences):
            holders.setdefault(sentence, []).append(i)
    rng = np.random.default_rng(seed)
    topics = np.array(sorted(corpus["topic"].unique()))
    rng.shuffle(topics)
    # Test topics first until they hold enough sources; the rest are the candidate's.
    source_version = corpus.index[corpus["version"] == VERSIONS[-1]]
    order = rng.permutation(source_version)
    tables: dict[str, list[dict[str, object]]] = {"dev": [], "test": []}
    wanted = {"dev": N_DEV_SOURCES, "test": N_TEST_SOURCES}
    test_topics = set(topics[: len(topics) * 2 // 5])
    used: set[str] = set()
    for source in order:
        side = "test" if place[0][source] in test_topics else "dev"
        if len(tables[side]) >= 2 * wanted[side]:
            continue
        pairs = _queries_of(int(source), holders, sentences, place[0], rng)
        if not pairs or any(q in used for _, q in pairs):
            continue
        for sentence, query in pairs:
            used.add(query)
            tables[side].append(
                {
                    "query": query,
                    "grades": _judgements(sentence, int(source), holders, place, group_of, members, at),
                }
            )
    ids = corpus["passage_id"]
    frames = {}
    for side, prefix in (("dev", "d"), ("test", "t")):
        rows = []
        for number, entry in enumerate(tables[side]):
            query_id = f"{prefix}{number:03d}"
            for passage, grade in sorted(entry["grades"].items(), key=lambda kv: (-kv[1], ids.iat[kv[0]])):  # type: ignore[union-attr]
                rows.append(
                    {
                        "query_id": query_id,
                        "query": entry["query"],
                        "passage_id": ids.iat[passage],
                        LABEL: grade,
                    }
                )
        frames[side] = pd.DataFrame(rows)
    test = frames["test"]
    return GeneratedDataset(
        name="pydoc_passages",
        seed=seed,
        candidate_files={
            CORPUS_FILE: corpus,
            "train.csv": frames["dev"],
            "holdout_features.csv": test[["query_id", "query"]].drop_duplicates("query_id"),
        },
        hidden_files={
            "holdout_labels.csv": test[["query_id", "passage_id", LABEL]],
            "near_duplicates.csv": pd.DataFrame({"passage_id": ids, "group": groups}),
        },
        secret_files=(),
        shipped_files=(CORPUS_FILE,),
    )


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "extract":
        print(
            "usage: python3 -m heldout.datasets.pydoc_passages extract OUT.csv TOPICS.py...", file=sys.stderr
        )
        return 2
    print(extract([Path(p) for p in argv[2:]], Path(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
