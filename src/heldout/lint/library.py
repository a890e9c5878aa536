"""What calls, attributes, subscripts and operators do to the values the data-flow pass follows.

``Library`` is the one object ``heldout.lint.flow`` asks: it dispatches imported names and methods to
the pandas/NumPy half (``heldout.lint.frames``) or the machine-learning half (``heldout.lint.learners``)
and handles Python's own containers, builtins and operators here. Anything else is unknown: its result
is ``Unknown`` (so nothing downstream is blamed on it), or, for an unknown library's class, an estimator
whose fits are followed but never proven to leak.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import replace

from heldout.lint.calls import (
    COLUMN,
    describe,
    dump,
    is_const,
    is_literal,
    loops_of,
    number,
)
from heldout.lint.catalog import classify
from heldout.lint.events import Report
from heldout.lint.frames import FrameCalls
from heldout.lint.learners import LearnerCalls
from heldout.lint.values import (
    Const,
    Container,
    Data,
    Estimator,
    IndexOf,
    Indices,
    Length,
    Permutation,
    Ref,
    Score,
    SliceOf,
    SplitPairs,
    Splitter,
    Thresholds,
    Unknown,
    Value,
    contained_scores,
    with_loops,
)

__all__ = ["COLUMN", "Library", "describe"]

_SELECTIONS = frozenset(
    {"idxmax", "idxmin", "argmax", "argmin", "nlargest", "nsmallest", "sort_values", "max", "min", "sort"}
)
# (family, side) of each comparison: `x < c` and `x >= c` are the two sides of one cut.
_MASK_SIDES = {
    ast.Lt: ("lt", 0),
    ast.GtE: ("lt", 1),
    ast.Gt: ("gt", 0),
    ast.LtE: ("gt", 1),
    ast.Eq: ("eq", 0),
    ast.NotEq: ("eq", 1),
    ast.In: ("in", 0),
    ast.NotIn: ("in", 1),
    ast.Is: ("is", 0),
    ast.IsNot: ("is", 1),
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


class Library(FrameCalls, LearnerCalls):
    def named(self, value: Value, name: str, local: bool) -> None:
        if isinstance(value, Data | Estimator) and (value.name is None or (value.local_name and not local)):
            value.name, value.local_name = name, local
        if isinstance(value, Data) and value.rows and value.column is None:
            # A part of a split (all its paths end with one side of one cut) names that side.
            last_steps = {path[-1] for path in value.rows if len(path) > 1}
            if len(last_steps) == 1 and all(len(path) > 1 for path in value.rows):
                ((key, side),) = last_steps
                split = self.record.splits.get(key)
                if split is not None and split.part_names[side] is None:
                    split.part_names[side] = name

    def maybe_report(self, container: Container, node: ast.AST) -> None:
        """A dict with an "estimate" key is the report of heldout's contract (or reads like one)."""
        if self.flow.serving or not container.keys:
            return
        keys = [key.value if isinstance(key, Const) else None for key in container.keys]
        if "estimate" not in keys:
            return
        estimate = container.items[len(keys) - 1 - keys[::-1].index("estimate")]
        metric = None
        if "metric" in keys:
            declared = container.items[keys.index("metric")]
            if isinstance(declared, Const) and isinstance(declared.value, str):
                metric = declared.value
        self.record.reports.append(Report(self._site(node), metric, estimate))

    def join(self, values: list[Value]) -> Value:
        known = [v for v in values if not isinstance(v, Unknown)]
        if not known:
            return Unknown(loops=loops_of(*values))
        first = known[0]
        if len(known) == 1:
            return first
        loops = loops_of(*known)
        if all(isinstance(v, Data) for v in known):
            datas: list[Data] = known  # type: ignore[assignment]
            rows = first.rows if all(d.rows == first.rows for d in datas) else None  # type: ignore[union-attr]
            lineage = frozenset().union(*(d.lineage for d in datas))
            taints = frozenset().union(*(d.taints for d in datas))
            pred = datas[0].pred if all(d.pred is not None for d in datas) else None
            return Data(rows=rows, lineage=lineage, taints=taints, pred=pred, loops=loops)
        if all(isinstance(v, Estimator) for v in known):
            estimators: list[Estimator] = known  # type: ignore[assignment]
            same_fit = all(e.fit == estimators[0].fit for e in estimators)
            return replace(
                estimators[0],
                name=None,
                local_name=False,
                known=all(e.known for e in estimators),
                fit=estimators[0].fit if same_fit else None,
                loops=loops,
            )
        if all(isinstance(v, Container) and v.kind == "tuple" for v in known):
            lengths = {len(v.items) for v in known}  # type: ignore[union-attr]
            if len(lengths) == 1:
                columns = zip(*(v.items for v in known), strict=True)  # type: ignore[union-attr]
                return Container(kind="tuple", items=[self.join(list(c)) for c in columns], loops=loops)
        scores = frozenset().union(*(contained_scores(v) for v in known))
        if scores:
            return Score(events=scores, loops=loops)
        if all(isinstance(v, Indices) and v.step == first.step for v in known):  # type: ignore[union-attr]
            return first
        if all(isinstance(v, Const) for v in known):
            texts = {repr(v.value) for v in known}  # type: ignore[union-attr]
            return first if len(texts) == 1 else Const(value=COLUMN, loops=loops)
        return Unknown(loops=loops)

    def join_returns(self, returned: list[Value]) -> Value:
        values = [v for v in returned if not is_const(v, None)]
        if not values:
            return Const(value=None)
        return values[0] if len(values) == 1 else self.join(values)

    def element(self, value: Value) -> Value:
        """One element of an iterable, as a loop variable sees it."""
        if isinstance(value, SplitPairs):
            pair = [
                Indices(step=(value.key, 0), loops=value.loops),
                Indices(step=(value.key, 1), loops=value.loops),
            ]
            return Container(kind="tuple", items=pair, loops=value.loops)
        if isinstance(value, Container):
            if value.kind == "columns":
                return Const(value=COLUMN, loops=value.loops)
            items = value.keys if value.kind == "dict" else value.items
            return with_loops(self.join(list(items or [])), value.loops)
        if isinstance(value, Score):
            return Score(events=value.events, loops=value.loops)
        return Unknown(loops=value.loops)

    def mark(self, value: Value, loops: frozenset[int], depth: int = 0) -> Value:
        if isinstance(value, Container) and depth < 4:
            items = [self.mark(item, loops, depth + 1) for item in value.items]
            keys = None if value.keys is None else [self.mark(k, loops, depth + 1) for k in value.keys]
            return Container(kind=value.kind, items=items, keys=keys, loops=value.loops | loops)
        return with_loops(value, loops)

    def iterate(self, iterable: Value, loop: int) -> Value:
        return self.mark(self.element(iterable), frozenset({loop}))

    def unpack(self, value: Value, count: int) -> list[Value]:
        if isinstance(value, Container) and value.kind in ("tuple", "list") and len(value.items) == count:
            return list(value.items)
        if isinstance(value, Score):
            return [Score(events=value.events, loops=value.loops) for _ in range(count)]
        return [Unknown(loops=value.loops) for _ in range(count)]

    def attribute(self, base: Value, attr: str, node: ast.Attribute) -> Value:
        if isinstance(base, Data):
            return self._data_attribute(base, attr)
        if isinstance(base, Estimator):
            return self._estimator_attribute(base, attr)
        if isinstance(base, Score):
            return Score(events=base.events, loops=base.loops)
        if isinstance(base, Container) and base.kind == "columns":
            return base
        if isinstance(base, IndexOf):
            return base
        return Unknown(loops=base.loops)

    def call_ref(self, qualname: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        root = qualname.split(".", 1)[0]
        name = qualname.rsplit(".", 1)[-1]
        if root == "builtins":
            return self._builtin(name, args, kwargs, node)
        if root == "pandas":
            return self._pandas(name, args, kwargs, node)
        if root == "numpy":
            return self._numpy(qualname, name, args, kwargs, node)
        if root == "tqdm" and args:
            return args[0]  # a progress bar around an iterable is the iterable
        info = classify(qualname)
        if info.kind == "estimator":
            return self._construct(name, info, args, kwargs, node)
        if info.kind == "splitter":
            return Splitter(cls=name, stratified=info.stratified, exempt=info.exempt, loops=loops_of(*args))
        if root in ("sklearn", "imblearn"):
            return self._sklearn_function(qualname, name, args, kwargs, node)
        if name[:1].isupper() and root not in ("pandas", "numpy", "matplotlib", "seaborn"):
            # An unknown library's class: followed as an estimator of unknown kind, judged by its fits.
            estimator = Estimator(
                cls=name, role="unknown", known=False, loops=loops_of(*args, *kwargs.values())
            )
            if root == "statsmodels":  # sm.OLS(endog, exog): the rows fit() will learn from
                estimator.bound = self._arg(args, kwargs, 1, "exog")
            return estimator
        if root == "statsmodels" and isinstance(kwargs.get("data"), Data):
            # The formula API, smf.ols("y ~ x", data=df): a model of those rows, fitted by .fit()
            return Estimator(
                cls=name, role="unknown", known=False, bound=kwargs["data"], loops=loops_of(*args)
            )
        if root == "statsmodels":
            return self._generic(args, kwargs)  # sm.add_constant(X) and the like: row by row
        return self.opaque_result(args, kwargs)

    def _builtin(self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        first = args[0] if args else Unknown()
        loops = loops_of(*args, *kwargs.values())
        if name in ("print", "display"):
            return Const(value=None)
        if name in ("float", "int", "round", "abs", "bool", "complex"):
            if isinstance(first, Score):
                return Score(events=first.events, loops=first.loops)
            if isinstance(first, Data):
                return first.derived(rows=None, loops=loops)
            return Unknown(loops=loops)
        if name in ("list", "tuple", "set", "frozenset", "sorted", "reversed"):
            if name == "sorted":
                self.select(first, node)
            if isinstance(first, Container):
                items = list(first.keys or []) if first.kind == "dict" else list(first.items)
                kind = "columns" if first.kind == "columns" else ("tuple" if name == "tuple" else "list")
                return Container(kind=kind, items=items, loops=first.loops)
            if isinstance(first, Score):
                return Score(events=first.events, loops=first.loops)
            if isinstance(first, Data):
                return first.derived(loops=loops)
            if isinstance(first, SplitPairs):
                return Container(kind="list", items=[self.element(first)], loops=first.loops)
            return Unknown(loops=loops)
        if name in ("max", "min", "sum"):
            if name != "sum":
                for value in (*args, *kwargs.values()):
                    self.select(value, node)
            return self.opaque_result(args, kwargs)
        if name == "enumerate":
            pair = Container(kind="tuple", items=[Unknown(), self.element(first)])
            return Container(kind="list", items=[pair], loops=loops)
        if name == "zip":
            pair = Container(kind="tuple", items=[self.element(a) for a in args])
            return Container(kind="list", items=[pair], loops=loops)
        if name == "dict":
            if isinstance(first, Container):
                pair = self.element(first)
                if isinstance(pair, Container) and pair.kind == "tuple" and len(pair.items) == 2:
                    return Container(kind="dict", keys=[pair.items[0]], items=[pair.items[1]], loops=loops)
                return Container(
                    kind="dict", keys=list(first.keys or []), items=list(first.items), loops=loops
                )
            keys: list[Value] = [Const(value=k) for k in kwargs]
            return Container(kind="dict", keys=keys, items=list(kwargs.values()), loops=loops)
        if name == "len" and isinstance(first, Data) and first.rows:
            return Length(rows=first.rows, loops=loops)
        if name == "iter":
            return first
        if name == "next":
            return self.element(first)
        return self.opaque_result(args, kwargs)

    def call_method(
        self, receiver: Value, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        if isinstance(receiver, Data):
            return self._data_method(receiver, name, args, kwargs, node)
        if isinstance(receiver, Estimator):
            return self._estimator_method(receiver, name, args, kwargs, node)
        if isinstance(receiver, Splitter):
            if name == "split":
                return self._split_pairs(receiver, args, kwargs, node)
            return Unknown()
        if isinstance(receiver, Container):
            return self._container_method(receiver, name, args, kwargs, node)
        if isinstance(receiver, Score):
            if name in _SELECTIONS:
                self.select(receiver, node)
            return Score(events=receiver.events, loops=loops_of(receiver, *args))
        if isinstance(receiver, IndexOf):
            other = args[0] if args else None
            if name == "isin" and isinstance(other, IndexOf):
                step = self._step_between(receiver.data, other.data)
                return Data(rows=receiver.data.rows, mask=step, loops=loops_of(receiver, other))
            if name == "difference" and isinstance(other, IndexOf):
                return IndexOf(
                    data=self._complement(receiver.data, other.data), loops=loops_of(receiver, other)
                )
            return receiver
        return self.opaque_result(args, kwargs)

    def _container_method(
        self, container: Container, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        if container.kind == "columns":
            return Container(kind="columns", loops=container.loops)
        if name in ("append", "add", "insert") and args:
            container.items.append(args[-1])
            return Const(value=None)
        if name == "extend" and args:
            container.items.append(self.element(args[0]))
            return Const(value=None)
        if name == "items":
            pair = Container(
                kind="tuple", items=[self.join(list(container.keys or [])), self.join(container.items)]
            )
            return Container(kind="list", items=[pair], loops=container.loops)
        if name == "values":
            return Container(kind="list", items=list(container.items), loops=container.loops)
        if name == "keys":
            return Container(kind="list", items=list(container.keys or []), loops=container.loops)
        if name in ("get", "pop", "setdefault"):
            return self._container_subscript(container, args[0] if args else Unknown())
        if name == "update" and args and isinstance(args[0], Container):
            container.items.extend(args[0].items)
            if container.keys is not None:
                container.keys.extend(args[0].keys or [Unknown() for _ in args[0].items])
            return Const(value=None)
        if name == "copy":
            keys = None if container.keys is None else list(container.keys)
            return Container(
                kind=container.kind, items=list(container.items), keys=keys, loops=container.loops
            )
        if name in _SELECTIONS or name == "index":
            self.select(container, node)
        return self.opaque_result([container, *args], kwargs)

    def slice_value(self, node: ast.Slice, parts: list[Value]) -> SliceOf:
        def text(bound: ast.expr | None) -> str | None:
            return None if bound is None else dump(bound)

        bound = parts[0] if len(parts) == 1 and node.step is None else None
        return SliceOf(
            lower=text(node.lower),
            upper=text(node.upper),
            step=text(node.step),
            bound=bound,
            loops=loops_of(*parts),
        )

    def subscript(self, base: Value, index: Value, node: ast.AST) -> Value:
        loops = base.loops | index.loops
        if isinstance(base, Data):
            return self._data_subscript(base, index, node)
        if isinstance(base, Container):
            return self._container_subscript(base, index)
        if isinstance(base, Score):
            return Score(events=base.events, loops=loops)
        if isinstance(base, Thresholds):
            constant = isinstance(index, Const) or (
                isinstance(index, SliceOf) and index.lower is None and index.step is None
            )
            if not constant:
                self.record.selections.setdefault(base.event, self._site(node))
                return Unknown(loops=loops)
            return base
        if isinstance(base, Permutation) and isinstance(index, SliceOf) and index.step is None:
            if index.lower is None and index.upper is not None:
                return Indices(step=((base.key, index.upper), 0), loops=loops)
            if index.upper is None and index.lower is not None:
                return Indices(step=((base.key, index.lower), 1), loops=loops)
        if isinstance(base, IndexOf):
            return IndexOf(data=self._data_subscript(base.data, index, node), loops=loops)
        if isinstance(base, Ref) and base.qualname in ("numpy.c_", "numpy.r_"):
            items = index.items if isinstance(index, Container) else [index]
            axis = {"axis": Const(value=1)} if base.qualname == "numpy.c_" else {}
            return self._concat(Container(kind="list", items=list(items)), axis, [])
        return Unknown(loops=loops)

    def _container_subscript(self, container: Container, index: Value) -> Value:
        if container.kind == "columns":
            return container
        if isinstance(index, SliceOf):
            return Container(kind=container.kind, items=list(container.items), loops=container.loops)
        if container.kind == "dict" and isinstance(index, Const):
            for key, item in zip(reversed(container.keys or []), reversed(container.items), strict=False):
                if isinstance(key, Const) and key.value == index.value:
                    return item
        if (
            container.kind in ("list", "tuple")
            and isinstance(index, Const)
            and isinstance(index.value, int)
            and -len(container.items) <= index.value < len(container.items)
        ):
            return container.items[index.value]
        return with_loops(self.join(list(container.items)), index.loops)

    def set_item(self, target: Value, index: Value, value: Value, node: ast.AST) -> None:
        if isinstance(target, Data):
            self._data_set_item(target, index, value)
        elif isinstance(target, Container):
            if target.kind == "dict":
                if target.keys is None:
                    target.keys = []
                target.keys.append(index)
                target.items.append(value)
                if is_const(index, "estimate") and not self.flow.serving:
                    metric = None
                    for key, item in zip(target.keys, target.items, strict=False):
                        if (
                            is_const(key, "metric")
                            and isinstance(item, Const)
                            and isinstance(item.value, str)
                        ):
                            metric = item.value
                    self.record.reports.append(Report(self._site(node), metric, value))
            else:
                target.items.append(value)

    def binop(self, left: Value, right: Value, op: ast.operator, node: ast.AST) -> Value:
        loops = left.loops | right.loops
        if isinstance(left, Score) or isinstance(right, Score):
            return Score(events=contained_scores(left) | contained_scores(right), loops=loops)
        datas = [v for v in (left, right) if isinstance(v, Data)]
        if datas:
            base = next((d for d in datas if d.rows is not None), datas[0])
            mask: tuple | None = None
            if isinstance(op, ast.BitAnd | ast.BitOr) and all(d.mask is not None for d in datas):
                mask = (("combined", self.flow.next_id()), 0)
            taints = frozenset((None, e, c) for d in datas for _, e, c in d.taints)
            return base.derived(
                lineage=frozenset().union(*(d.lineage for d in datas)),
                taints=taints,
                column_preds={},
                mask=mask,
                loops=loops,
            )
        if (
            isinstance(op, ast.Add)
            and isinstance(left, Container)
            and isinstance(right, Container)
            and left.kind in ("list", "tuple")
            and right.kind == left.kind
        ):
            return Container(kind=left.kind, items=[*left.items, *right.items], loops=loops)
        return Unknown(loops=loops)

    def unary(self, operand: Value, op: ast.unaryop) -> Value:
        if isinstance(op, ast.Not) and is_literal(operand):
            return Const(value=not operand.value, loops=operand.loops)  # type: ignore[attr-defined]
        if isinstance(operand, Data):
            if isinstance(op, ast.Invert | ast.Not) and operand.mask is not None:
                key, side = operand.mask
                return operand.derived(mask=(key, 1 - side), loops=operand.loops)
            return operand.derived(loops=operand.loops)
        if isinstance(op, ast.USub) and number(operand) is not None:
            return Const(value=-operand.value, loops=operand.loops)  # type: ignore[attr-defined]
        if isinstance(operand, Score):
            return Score(events=operand.events, loops=operand.loops)
        return Unknown(loops=operand.loops)

    def compare(self, left: Value, ops: list[ast.cmpop], rights: list[Value], node: ast.Compare) -> Value:
        values = [left, *rights]
        loops = loops_of(*values)
        if len(ops) == 1 and all(is_literal(v) for v in values) and type(ops[0]) in _COMPARE:
            try:
                return Const(value=bool(_COMPARE[type(ops[0])](left.value, rights[0].value)), loops=loops)  # type: ignore[attr-defined]
            except TypeError:
                return Unknown(loops=loops)
        scores = [v for v in values if isinstance(v, Score)]
        in_its_loop = any(score.loops.intersection(self.flow.loop_stack) for score in scores)
        if len(scores) >= 2 or in_its_loop:
            for score in scores:  # `if score > best_score:` keeps the best (best_score may start at 0)
                self.select(score, node)
        datas = [v for v in values if isinstance(v, Data)]
        if not datas:
            return Unknown(loops=loops)
        mask = None
        if len(ops) == 1 and type(ops[0]) in _MASK_SIDES:
            family, side = _MASK_SIDES[type(ops[0])]
            mask = (("cmp", dump(node.left), family, dump(node.comparators[0])), side)
        predictions = [d for d in datas if d.pred is not None]
        if predictions:
            # Thresholded predictions: the threshold's own history (a prevalence, a quantile) is not a
            # feature of the model, so only the predictions' history goes on.
            return predictions[0].derived(column_preds={}, mask=mask, loops=loops)
        return datas[0].derived(
            lineage=frozenset().union(*(d.lineage for d in datas)),
            column_preds={},
            mask=mask,
            loops=loops,
        )
