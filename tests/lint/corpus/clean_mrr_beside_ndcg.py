# expect: none
import ir_measures
from ir_measures import MRR, R, nDCG


def evaluate(qrels, run):
    # MRR as a secondary figure: nDCG@10 reads the grades and the order of the ten passages shown
    return ir_measures.calc_aggregate([nDCG @ 10, R @ 10, MRR], qrels, run)


def first_hit_rate(qrels, run):
    return ir_measures.calc_aggregate(["P@1"], qrels, run)
