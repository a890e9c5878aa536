"""What scikit-learn, imbalanced-learn and the boosting libraries' calls do.

Estimators are constructed with their role (transformer, selector, sampler, model, pipeline, search),
fitted on data (a fit event records the rows and the history of what they saw), and give transformed
data, resampled data or predictions that remember the fit behind them. Splits cut rows; cross-validation,
searches, ``.score`` and metric functions on predictions are evaluations of the rows they score.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import replace

from heldout.lint.calls import (
    CallBase,
    describe,
    is_const,
    loops_of,
    number,
)
from heldout.lint.catalog import CURVE_METRICS, ClassInfo, is_metric
from heldout.lint.events import FutureUse, SplitEvent
from heldout.lint.values import (
    EMPTY,
    Const,
    Container,
    Data,
    Estimator,
    Overlap,
    PredInfo,
    Score,
    SplitPairs,
    Splitter,
    Thresholds,
    Unknown,
    Value,
    rows_overlap,
    with_step,
)

__all__ = ["LearnerCalls"]

_PREDICT = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function", "score_samples"})
_CROSS_VALIDATION = frozenset(
    {
        "cross_val_score",
        "cross_validate",
        "cross_val_predict",
        "learning_curve",
        "validation_curve",
        "permutation_test_score",
    }
)
_ONE_SHOT_SCALERS = frozenset(
    {"scale", "minmax_scale", "maxabs_scale", "robust_scale", "quantile_transform", "power_transform"}
)


class LearnerCalls(CallBase):
    """The machine-learning half of ``Library``."""

    def _estimator_attribute(self, estimator: Estimator, attr: str) -> Value:
        if attr == "best_estimator_":
            return estimator  # refit by the search on the rows it was fitted on
        if attr in ("best_score_", "cv_results_"):
            return Score(events=estimator.search_events, loops=estimator.loops)
        if attr in ("estimator", "estimator_") and estimator.inner is not None:
            return estimator.inner
        return Unknown(loops=estimator.loops)

    def _construct(
        self, name: str, info: ClassInfo, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        loops = loops_of(*args, *kwargs.values())
        estimator = Estimator(
            cls=name,
            role=info.role,
            known=info.known,
            classifier=info.classifier,
            stateless=info.stateless,
            loops=loops,
        )
        if info.role == "pipeline":
            steps = self._arg(args, kwargs, 0, "steps")
            pairs = steps.items if isinstance(steps, Container) else []
            self._compose(
                estimator, [p.items[-1] if isinstance(p, Container) and p.items else p for p in pairs]
            )
        elif name in ("ColumnTransformer", "FeatureUnion"):
            parts = self._arg(args, kwargs, 0, "transformers", "transformer_list")
            pairs = parts.items if isinstance(parts, Container) else []
            inner = [p.items[1] if isinstance(p, Container) and len(p.items) > 1 else p for p in pairs]
            self._combine_transformers(estimator, [*inner, kwargs.get("remainder", Const(value="drop"))])
            if name == "ColumnTransformer":
                estimator.columns = _named_columns(
                    (p.items[1], p.items[2]) for p in pairs if isinstance(p, Container) and len(p.items) > 2
                )
        inner_estimator = self._arg(args, kwargs, 0, "estimator", "base_estimator")
        if isinstance(inner_estimator, Estimator) and info.role in ("search", "model"):
            estimator.inner = inner_estimator
            if estimator.classifier is None:
                estimator.classifier = inner_estimator.classifier
        estimator.cv = kwargs.get("cv")
        if info.role == "sampler":
            self._evidence(node, False, f"{name} resamples the classes")
        self._rarity(kwargs, node)
        return estimator

    def _compose(self, pipeline: Estimator, steps: list[Value]) -> None:
        estimators = [s for s in steps if isinstance(s, Estimator)]
        pipeline.steps = estimators
        unknown_steps = [
            s for s in steps if not isinstance(s, Estimator) and not is_const(s, None, "passthrough")
        ]
        pipeline.known = not unknown_steps and all(s.known for s in estimators)
        pipeline.stateless = all(s.stateless for s in estimators)
        if estimators:
            pipeline.classifier = estimators[-1].classifier

    def _combine_transformers(self, combined: Estimator, parts: list[Value]) -> None:
        estimators = [p for p in parts if isinstance(p, Estimator)]
        others = [p for p in parts if not isinstance(p, Estimator)]
        combined.steps = estimators
        combined.known = all(e.known for e in estimators) and all(
            is_const(o, "drop", "passthrough") for o in others
        )
        combined.stateless = all(e.stateless for e in estimators)

    def _rarity(self, kwargs: dict[str, Value], node: ast.AST) -> None:
        weights = kwargs.get("class_weight")
        if is_const(weights, "balanced", "balanced_subsample"):
            self._evidence(node, False, 'class_weight="balanced"')
        elif isinstance(weights, Container) and weights.kind == "dict":
            numbers = [n for n in (number(i) for i in weights.items) if n is not None and n > 0]
            if len(numbers) >= 2 and max(numbers) > min(numbers):
                ratio = max(numbers) / min(numbers)
                self._evidence(node, ratio >= 10, f"class weights {ratio:g}:1")
        if "scale_pos_weight" in kwargs:
            ratio = number(kwargs["scale_pos_weight"])
            self._evidence(node, ratio is not None and ratio >= 10, "scale_pos_weight")
        if is_const(kwargs.get("is_unbalance"), True) or "auto_class_weights" in kwargs:
            self._evidence(node, False, "class weights")

    def _sklearn_function(
        self, qualname: str, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        if name in _CROSS_VALIDATION:
            return self._cross_validation(name, args, kwargs, node)
        if is_metric(qualname):
            return self._metric(name, args, kwargs, node)
        if name == "train_test_split":
            return self._train_test_split(args, kwargs, node)
        if name == "make_pipeline":
            pipeline = Estimator(cls="Pipeline", role="pipeline", loops=loops_of(*args))
            self._compose(pipeline, list(args))
            return pipeline
        if name in ("make_column_transformer", "make_union"):
            combined = Estimator(
                cls="ColumnTransformer" if "column" in name else "FeatureUnion", role="transformer"
            )
            parts = [a.items[0] if isinstance(a, Container) and a.items else a for a in args]
            self._combine_transformers(combined, [*parts, kwargs.get("remainder", Const(value="drop"))])
            if name == "make_column_transformer":
                combined.columns = _named_columns(
                    (a.items[0], a.items[1]) for a in args if isinstance(a, Container) and len(a.items) > 1
                )
            return combined
        if name == "clone":
            first = args[0] if args else Unknown()
            if isinstance(first, Estimator):
                return replace(first, fit=None, name=None, local_name=False, search_events=EMPTY)
            return Unknown()
        if name == "resample":
            return self._resample_function(args, kwargs, node)
        if name == "shuffle":
            return args[0] if len(args) == 1 else Container(kind="tuple", items=list(args))
        if name in ("compute_class_weight", "compute_sample_weight"):
            self._evidence(node, False, name)
        if name in _ONE_SHOT_SCALERS:
            data = self._arg(args, kwargs, 0, "X")
            if isinstance(data, Data):
                event = self._fit_event("transformer", name, data, node, self._arg_node(node, 0, "X"))
                return data.derived(lineage=data.lineage | {event.id}, loops=data.loops)
        if qualname.startswith("sklearn.datasets."):
            return self._dataset(name, kwargs, node)
        if name in ("make_scorer", "get_scorer", "check_scoring"):
            return Unknown()
        return self._generic(args, kwargs)

    def _dataset(self, name: str, kwargs: dict[str, Value], node: ast.Call) -> Value:
        rows = frozenset({(f"dataset:{name}:{describe(node)}",)})
        if name == "make_classification":
            weights = kwargs.get("weights")
            if isinstance(weights, Container):
                shares = [n for n in (number(i) for i in weights.items) if n is not None]
                if len(shares) == 1:
                    shares.append(1 - shares[0])
                if shares and min(shares) <= 0.1:
                    self._evidence(node, True, f"make_classification(weights={shares})")
        if name.startswith("make_") or is_const(kwargs.get("return_X_y"), True):
            return Container(kind="tuple", items=[Data(rows=rows), Data(rows=rows)])
        return Data(rows=rows)

    def _train_test_split(self, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        key = self.flow.next_id()
        stratify = kwargs.get("stratify")
        ordered = is_const(kwargs.get("shuffle"), False)
        stratified = stratify is not None and not is_const(stratify, None)
        source = next((a for a in args if isinstance(a, Data)), Unknown())
        split = SplitEvent(
            key,
            key,
            self._site(node),
            "train_test_split",
            self._name_of(source, self._arg_node(node, 0)),
            stratified=None if ordered else stratified,
        )
        if not self.flow.serving:
            self.record.splits[key] = split
            if split.stratified is False:
                split.conditional = self.flow.conditional > 0
                self.record.unstratified.append(split)
        parts: list[Value] = []
        for array in args:
            for side in (0, 1):
                if isinstance(array, Data):
                    parts.append(array.derived(rows=with_step(array.rows, (key, side)), loops=array.loops))
                else:
                    parts.append(Unknown(loops=array.loops))
        return Container(kind="tuple", items=parts)

    def _cv_split(self, cv: Value | None, node: ast.AST, source: Value, source_node: ast.AST) -> None:
        """A cross-validation splitter the author chose: unstratified folds are recorded."""
        if isinstance(cv, Splitter) and not cv.stratified and not cv.exempt and not self.flow.serving:
            key = self.flow.next_id()
            split = SplitEvent(
                key, key, self._site(node), cv.cls, self._name_of(source, source_node), stratified=False
            )
            split.conditional = self.flow.conditional > 0
            self.record.splits[key] = split
            self.record.unstratified.append(split)

    def _cross_validation(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        estimator = self._arg(args, kwargs, 0, "estimator")
        data = self._arg(args, kwargs, 1, "X")
        labels = self._arg(args, kwargs, 2, "y")
        data_node = self._arg_node(node, 1, "X")
        self._cv_split(kwargs.get("cv"), node, data, data_node)
        cls = estimator.cls if isinstance(estimator, Estimator) else "a model"
        self._future_uses(data, f"{name} of {cls}", node)
        if isinstance(estimator, Estimator) and not self.flow.serving:
            # Fitted once per fold on the folds' rows: its inputs are a model's inputs all the same.
            lineage = data.lineage if isinstance(data, Data) else EMPTY
            self.record.validated.append((self._site(node), estimator, lineage, self.flow.conditional > 0))
        loops = loops_of(estimator, data, labels)
        if not isinstance(data, Data):
            return Unknown(loops=loops)
        if name == "cross_val_predict":
            info = PredInfo(
                training=data.lineage,
                model_fit=None,
                oof=True,
                input_name=self._name_of(data, data_node),
                input_loops=data.loops,
            )
            return Data(rows=data.rows, lineage=data.lineage, pred=info, loops=loops)
        event = self._evaluation(
            node,
            metric=self._scoring_name(kwargs.get("scoring")),
            via="cv",
            rows=data.rows,
            subject=self._name_of(data, data_node),
            training=data.lineage,
            input=EMPTY,
            truth=EMPTY,
            model_fit=None,
            oof=True,
            curve=False,
            pred_loops=loops,
            rows_loops=data.loops,
            classifier=estimator.classifier if isinstance(estimator, Estimator) else None,
            label=name,
        )
        return Score(events=frozenset({event.id}) if event else EMPTY, loops=loops)

    @staticmethod
    def _scoring_name(scoring: Value | None) -> str:
        if isinstance(scoring, Const) and isinstance(scoring.value, str):
            return scoring.value
        if isinstance(scoring, Container) and scoring.items and isinstance(scoring.items[0], Const):
            return str(scoring.items[0].value)
        return "score"

    def _metric(self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        truth = self._arg(args, kwargs, 0, "y_true", "labels_true")
        predicted = self._arg(args, kwargs, 1, "y_pred", "y_score", "probas_pred", "y_prob", "y_proba")
        loops = loops_of(truth, predicted)
        event = None
        if isinstance(predicted, Data) and predicted.pred is not None:
            info = predicted.pred
            rows = predicted.rows
            if rows is None and isinstance(truth, Data):
                rows = truth.rows
            event = self._evaluation(
                node,
                metric=name,
                via="metric",
                rows=rows,
                subject=info.input_name,
                training=info.training,
                input=predicted.lineage,
                truth=truth.lineage if isinstance(truth, Data) else EMPTY,
                model_fit=info.model_fit,
                oof=info.oof,
                curve=name in CURVE_METRICS,
                pred_loops=predicted.loops,
                rows_loops=(truth.loops if isinstance(truth, Data) else EMPTY) | info.input_loops,
            )
        events = frozenset({event.id}) if event else EMPTY
        if name in CURVE_METRICS:
            thresholds: Value = Thresholds(event=event.id, loops=loops) if event else Unknown(loops=loops)
            return Container(
                kind="tuple",
                items=[Score(events=events, loops=loops), Score(events=events, loops=loops), thresholds],
            )
        return Score(events=events, loops=loops)

    def _resample_function(self, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        """sklearn.utils.resample: drawing with replacement (its default) duplicates rows."""
        first = next((a for a in args if isinstance(a, Data)), None)
        if first is None:
            return self.opaque_result(args, kwargs)
        if is_const(kwargs.get("replace"), False):
            key = self.flow.next_id()
            self._register_cut(key, node, "resample", first, self._arg_node(node, 0))
            outputs = [
                a.derived(rows=with_step(a.rows, (key, 0)), loops=a.loops) if isinstance(a, Data) else a
                for a in args
            ]
        else:
            event = self._fit_event("sampler", "resample(replace=True)", first, node, self._arg_node(node, 0))
            outputs = [
                a.derived(lineage=a.lineage | {event.id}, loops=a.loops) if isinstance(a, Data) else a
                for a in args
            ]
        return outputs[0] if len(outputs) == 1 else Container(kind="tuple", items=outputs)

    def _split_pairs(
        self, splitter: Splitter, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        data = self._arg(args, kwargs, 0, "X")
        key = self.flow.next_id()
        split = SplitEvent(
            key,
            key,
            self._site(node),
            splitter.cls,
            self._name_of(data, self._arg_node(node, 0, "X")),
            stratified=None if splitter.exempt else splitter.stratified,
        )
        if not self.flow.serving:
            self.record.splits[key] = split
            if split.stratified is False:
                split.conditional = self.flow.conditional > 0
                self.record.unstratified.append(split)
        return SplitPairs(key=key, loops=loops_of(splitter, *args))

    def _estimator_method(
        self, estimator: Estimator, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        data = self._arg(args, kwargs, 0, "X")
        labels = self._arg(args, kwargs, 1, "y")
        data_node = self._arg_node(node, 0, "X")
        if name == "fit" and not args and isinstance(estimator.bound, Data):
            data = estimator.bound  # statsmodels: the rows were given to the constructor
        if name in ("fit", "partial_fit", "adapt"):
            self._fit(estimator, data, labels, node, data_node)
            return estimator
        if name == "fit_transform":
            self._fit(estimator, data, labels, node, data_node)
            return self._transformed(estimator, data)
        if name in ("fit_resample", "fit_sample"):  # fit_sample: imbalanced-learn's name before 0.4
            return self._resample(estimator, data, labels, node, data_node)
        if name == "evaluate" and not estimator.known:  # Keras: model.evaluate(X_test, y_test)
            return self._score(estimator, data, labels, node, data_node)
        if name in ("transform", "inverse_transform"):
            return self._transformed(estimator, data)
        if name in _PREDICT:
            return self._predictions(estimator, data, data_node, node)
        if name == "fit_predict":
            self._fit(estimator, data, labels, node, data_node)
            return self._predictions(estimator, data, data_node)
        if name == "score":
            return self._score(estimator, data, labels, node, data_node)
        if name in ("set_params", "set_output"):
            return estimator
        return self.opaque_result(args, kwargs)

    @staticmethod
    def display(estimator: Estimator, depth: int = 0) -> str:
        if estimator.role == "pipeline" and estimator.steps and depth < 2:
            return f"Pipeline({', '.join(LearnerCalls.display(s, depth + 1) for s in estimator.steps)})"
        if estimator.role == "search" and estimator.inner is not None and depth < 2:
            return f"{estimator.cls}({LearnerCalls.display(estimator.inner, depth + 1)})"
        return estimator.cls

    @staticmethod
    def _fit_role(estimator: Estimator) -> str:
        if estimator.role == "pipeline":
            last = estimator.steps[-1] if estimator.steps else None
            if last is None:
                return "unknown"
            return last.role if last.role in ("transformer", "selector") else "model"
        return estimator.role

    def _fit(
        self, estimator: Estimator, data: Value, labels: Value, node: ast.Call, data_node: ast.AST
    ) -> None:
        estimator.loops = estimator.loops | data.loops | labels.loops
        if estimator.stateless:
            estimator.fit = None
            return
        event = self._fit_event(
            self._fit_role(estimator),
            self.display(estimator),
            data,
            node,
            data_node,
            known=estimator.known,
            owner=estimator,
        )
        estimator.fit = event.id
        self._future_uses(data, self.display(estimator), node)
        if estimator.role == "search":
            self._cv_split(estimator.cv, node, data, data_node)
            if isinstance(data, Data):
                evaluation = self._evaluation(
                    node,
                    metric="score",
                    via="search",
                    rows=data.rows,
                    subject=self._name_of(data, data_node),
                    training=data.lineage,
                    input=EMPTY,
                    truth=EMPTY,
                    model_fit=None,
                    oof=True,
                    curve=False,
                    pred_loops=estimator.loops,
                    rows_loops=data.loops,
                    classifier=estimator.classifier,
                    label=f"{estimator.cls}'s cross-validation",
                )
                estimator.search_events = frozenset({evaluation.id}) if evaluation else EMPTY

    def _training_of(self, estimator: Estimator) -> frozenset[int]:
        if estimator.fit is None or estimator.fit not in self.record.fits:
            return EMPTY
        return frozenset({estimator.fit}) | self.record.fits[estimator.fit].lineage

    def _transformed(self, estimator: Estimator, data: Value) -> Value:
        if not isinstance(data, Data):
            return Unknown(loops=estimator.loops | data.loops)
        upstream = EMPTY if estimator.stateless else self._training_of(estimator)
        taints = frozenset((None, event, certain) for _column, event, certain in data.taints)
        return data.derived(
            lineage=data.lineage | upstream,
            taints=taints,
            pred=None,
            column_preds={},
            loops=data.loops | estimator.loops,
        )

    def _resample(
        self, estimator: Estimator, data: Value, labels: Value, node: ast.Call, data_node: ast.AST
    ) -> Value:
        event = self._fit_event(
            "sampler",
            estimator.cls,
            data,
            node,
            data_node,
            known=estimator.known and estimator.role == "sampler",
            owner=estimator,
        )
        estimator.fit = event.id
        outputs = [
            v.derived(lineage=v.lineage | {event.id}, loops=v.loops)
            if isinstance(v, Data)
            else Unknown(loops=v.loops)
            for v in (data, labels)
        ]
        return Container(kind="tuple", items=outputs)

    def _predictions(
        self, estimator: Estimator, data: Value, data_node: ast.AST, node: ast.Call | None = None
    ) -> Value:
        if not isinstance(data, Data):
            return Unknown(loops=estimator.loops | data.loops)
        info = PredInfo(
            training=self._training_of(estimator),
            model_fit=estimator.fit,
            oof=False,
            input_name=self._name_of(data, data_node),
            input_loops=data.loops,
        )
        if node is not None:
            self._held_out_predictions(estimator, data, info, node)
        return Data(rows=data.rows, lineage=data.lineage, pred=info, loops=data.loops | estimator.loops)

    def _held_out_part(self, fitted: frozenset, predicted: frozenset) -> bool:
        """Predicted rows that a split cut out of the rows the model was fitted on (fit(X), then
        predict(X_test)), and that nothing scored before: the held-out part, predicted by a model that
        saw it. (A model refitted on all rows after its evaluation predicts them for other reasons.)"""
        inside = all(any(p[: len(f)] == f and len(p) > len(f) for f in fitted) for p in predicted)
        if not inside:
            return False
        return not any(
            e.rows is not None and rows_overlap(e.rows, predicted)[0] is not Overlap.DISJOINT
            for e in self.record.evals
        )

    def _held_out_predictions(self, estimator: Estimator, data: Data, info: PredInfo, node: ast.Call) -> None:
        """Predictions on rows the model was not fitted on are an evaluation of those rows, metric or not:
        wild notebooks compare them by hand, plot them or write them to a submission file."""
        model = self.record.fits.get(estimator.fit) if estimator.fit is not None else None
        if model is None or model.rows is None or data.rows is None:
            return
        if rows_overlap(model.rows, data.rows)[0] is not Overlap.DISJOINT and not self._held_out_part(
            model.rows, data.rows
        ):
            return  # predictions on the training rows, or on all rows: a fitted curve, not an evaluation
        self._evaluation(
            node,
            metric="predict",
            via="predict",
            rows=data.rows,
            subject=info.input_name,
            training=info.training,
            input=data.lineage,
            truth=EMPTY,
            model_fit=estimator.fit,
            oof=False,
            curve=False,
            pred_loops=data.loops | estimator.loops,
            rows_loops=data.loops,
            classifier=estimator.classifier,
            label=f"{estimator.cls}.{node.func.attr if isinstance(node.func, ast.Attribute) else 'predict'}",
        )

    def _score(
        self, estimator: Estimator, data: Value, labels: Value, node: ast.Call, data_node: ast.AST
    ) -> Value:
        if not isinstance(data, Data):
            return Score(loops=loops_of(estimator, data, labels))
        metric = {True: "accuracy_score", False: "r2_score"}.get(estimator.classifier, "score")  # type: ignore[arg-type]
        event = self._evaluation(
            node,
            metric=metric,
            via="score",
            rows=data.rows,
            subject=self._name_of(data, data_node),
            training=self._training_of(estimator),
            input=data.lineage,
            truth=labels.lineage if isinstance(labels, Data) else EMPTY,
            model_fit=estimator.fit,
            oof=False,
            curve=False,
            pred_loops=estimator.loops | data.loops,
            rows_loops=data.loops | labels.loops,
            classifier=estimator.classifier,
            label=f"{estimator.cls}.score",
        )
        return Score(
            events=frozenset({event.id}) if event else EMPTY, loops=loops_of(estimator, data, labels)
        )

    def _future_uses(self, data: Value, fit_cls: str, node: ast.AST) -> None:
        if not isinstance(data, Data) or self.flow.serving:
            return
        for column, event, certain in sorted(data.taints, key=lambda t: (t[1], str(t[0]))):
            site, what = self.record.futures[event]
            self.record.future_uses.append(
                FutureUse(
                    event,
                    what,
                    site,
                    self._site(node),
                    fit_cls,
                    certain and not self.flow.conditional,
                    column,
                )
            )


def _named_columns(parts: Iterable[tuple[Value, Value]]) -> tuple[str, ...]:
    """The literal column names of (transformer, columns) pairs whose transformer keeps its columns.

    Only names are followed: a callable selector or a remainder says nothing the code alone can read.
    """
    names: list[str] = []
    for transformer, columns in parts:
        if is_const(transformer, "drop"):
            continue
        values = columns.items if isinstance(columns, Container) else [columns]
        names += [v.value for v in values if isinstance(v, Const) and isinstance(v.value, str)]
    return tuple(names)
