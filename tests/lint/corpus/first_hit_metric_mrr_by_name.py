# expect: first_hit_metric:error@10
import ir_measures

MEASURES = [ir_measures.MRR, ir_measures.RR @ 10]


def evaluate(qrels, run):
    # the reciprocal rank of the first relevant passage, at two cut-offs: both read the first hit only
    per_measure = {}
    evaluator = ir_measures.evaluator(MEASURES, qrels)
    per_measure.update(evaluator.calc_aggregate(run))
    return per_measure
