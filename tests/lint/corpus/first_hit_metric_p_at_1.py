# expect: first_hit_metric:error@21
import ir_measures
import pandas as pd
from ir_measures import P
from rank_bm25 import BM25Okapi

passages = pd.read_csv("passages.csv")
queries = pd.read_csv("queries.csv")
judgements = pd.read_csv("judgements.csv")
index = BM25Okapi([text.lower().split() for text in passages["text"]])


def run(query_ids, texts):
    for query_id, text in zip(query_ids, texts, strict=True):
        scores = index.get_scores(text.lower().split())
        for passage_id, score in zip(passages["passage_id"], scores, strict=True):
            yield ir_measures.ScoredDoc(str(query_id), str(passage_id), float(score))


qrels = [ir_measures.Qrel(str(q), str(p), int(r)) for q, p, r in judgements.itertuples(index=False)]
scores = ir_measures.calc_aggregate([P @ 1], qrels, run(queries["query_id"], queries["text"]))
