"""The pydoc passages dataset: deterministic chunking, near-duplicate groups across versions, and the
judgements and the dev/test split as the datasheet describes them (read from the shipped files)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from heldout.datasets import pydoc_passages
from tests.conftest import ROOT

SHIPPED = ROOT / "datasets" / "pydoc_passages"
# Twelve paragraphs of four sentences, each sentence with words of its own (so passages differ).
TOPIC = "\n\n".join(
    " ".join(f"Sentence {p}{s} says w{p}{s}a w{p}{s}b w{p}{s}c several w{p}{s}d here." for s in range(4))
    for p in range(12)
)


def test_chunking_keeps_sentences_whole_and_passages_between_the_bounds():
    passages = pydoc_passages.chunk_topic(TOPIC)
    assert passages == pydoc_passages.chunk_topic(TOPIC)
    assert " ".join(passages) == " ".join(TOPIC.split())
    assert all(pydoc_passages.MIN_WORDS <= len(p.split()) <= 2 * pydoc_passages.MAX_WORDS for p in passages)
    assert all(p.endswith(".") for p in passages)


def test_a_long_listing_is_cut_at_word_boundaries():
    listing = " ".join(f"token{i}" for i in range(400))
    passages = pydoc_passages.chunk_topic(listing)
    assert [len(p.split()) for p in passages] == [160, 160, 80]


def test_near_copies_across_versions_share_a_group_and_one_version_never_joins_itself():
    text = pydoc_passages.chunk_topic(TOPIC)
    edited = [t.replace("several", "many", 1) if i == 0 else t for i, t in enumerate(text)]
    corpus = pydoc_passages.build_corpus({"3.11": {"t": TOPIC}, "3.12": {"t": "\n\n".join(edited)}})
    groups = pydoc_passages.near_duplicate_groups(corpus)
    by_id = dict(zip(corpus.passage_id, groups, strict=True))
    assert by_id["py311-t-00"] == by_id["py312-t-00"]
    assert by_id["py311-t-00"] != by_id["py311-t-01"]


def test_extract_reads_topics_files_without_importing_them(tmp_path: Path):
    files = []
    for version in pydoc_passages.VERSIONS:
        folder = tmp_path / f"python{version}" / "pydoc_data"
        folder.mkdir(parents=True)
        (folder / "topics.py").write_text(
            f"# generated\ntopics = {{'assert': {TOPIC!r}}}\n", encoding="utf-8"
        )
        files.append(folder / "topics.py")
    out = pydoc_passages.extract(files, tmp_path / "passages.csv")
    corpus = pd.read_csv(out, dtype={"version": str})
    assert sorted(corpus.version.unique()) == list(pydoc_passages.VERSIONS)
    with pytest.raises(ValueError, match="need the topics of Python"):
        pydoc_passages.extract(files[:2], tmp_path / "two.csv")


@pytest.fixture(scope="module")
def shipped():
    return (
        pd.read_csv(SHIPPED / "passages.csv", dtype={"version": str}, keep_default_na=False),
        pd.read_csv(SHIPPED / "train.csv"),
        pd.read_csv(SHIPPED / "holdout_features.csv"),
        pd.read_csv(SHIPPED / "hidden" / "holdout_labels.csv"),
    )


def test_every_query_has_a_highly_relevant_passage_holding_its_words(shipped):
    corpus, train, test_queries, test_labels = shipped
    text = dict(zip(corpus.passage_id, corpus.text, strict=True))
    for judged in (train, test_labels.merge(test_queries, on="query_id")):
        gold = judged[judged.relevance == 2]
        assert set(gold.query_id) == set(judged.query_id)
        for query, passage in zip(gold["query"], gold.passage_id, strict=True):
            assert all(word in text[passage] for word in query.split())
    assert train.query_id.nunique() == 260 and test_queries.query_id.nunique() == 180
    assert set(train.relevance) == {1, 2}


def test_no_test_query_shares_a_topic_with_a_development_query(shipped):
    corpus, train, _, test_labels = shipped
    topic = dict(zip(corpus.passage_id, corpus.topic, strict=True))
    assert not {topic[p] for p in train.passage_id} & {topic[p] for p in test_labels.passage_id}


def test_development_queries_come_in_sibling_pairs_sharing_a_passage(shipped):
    _, train, _, _ = shipped
    gold = train[train.relevance == 2].groupby("query_id").passage_id.apply(frozenset)
    pairs = [(a, b) for a, b in zip(gold.index[::2], gold.index[1::2], strict=True)]
    assert all(gold[a] & gold[b] for a, b in pairs)


def test_check_says_the_corpus_is_shipped_and_refuses_a_changed_one(capsys, tmp_path: Path):
    from heldout import datasets
    from heldout.cli import main
    from heldout.errors import DatasetError

    assert main(["datasets", "check", "pydoc_passages"]) == 0
    out = capsys.readouterr().out
    assert "passages.csv is shipped (built once from text that differs between machines)" in out
    folder = tmp_path / "pydoc_passages"
    folder.mkdir()
    for path in SHIPPED.rglob("*"):
        if path.is_file():
            (folder / path.relative_to(SHIPPED)).parent.mkdir(parents=True, exist_ok=True)
            (folder / path.relative_to(SHIPPED)).write_bytes(path.read_bytes())
    corpus = folder / "passages.csv"
    corpus.write_bytes(corpus.read_bytes().replace(b"assert", b"assure", 1))
    with pytest.raises(DatasetError, match="differs from its checksum"):
        datasets.check("pydoc_passages", folder)
