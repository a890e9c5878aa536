"""What every kind of library call shares: small readers of values, and the recording of events.

``CallBase`` holds the helpers the pandas/NumPy (``frames``) and scikit-learn (``learners``) halves of
``heldout.lint.library.Library`` both use: reading arguments, naming values for messages, and
appending fits, evaluations, cuts and evidence to the record with the current site.
"""

from __future__ import annotations

import ast
from collections.abc import Hashable
from typing import TYPE_CHECKING

from heldout.lint.events import EvalEvent, Evidence, FitEvent, SplitEvent
from heldout.lint.values import (
    EMPTY,
    Const,
    Container,
    Data,
    Estimator,
    Score,
    Unknown,
    Value,
    contained_scores,
)

if TYPE_CHECKING:
    from heldout.lint.flow import Flow

__all__ = [
    "COLUMN",
    "CallBase",
    "const_names",
    "describe",
    "dump",
    "is_columns",
    "is_const",
    "is_literal",
    "loops_of",
    "number",
    "rowwise",
]

COLUMN = object()  # the value of a column name heldout cannot read (``for c in df.columns``)


def describe(node: ast.AST, limit: int = 60) -> str:
    """Source text of an expression, on one line and cut to ``limit`` characters."""
    try:
        text = " ".join(ast.unparse(node).split())
    except (RecursionError, ValueError, AttributeError, TypeError):
        return "(expression)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dump(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        return ast.dump(node)
    except (RecursionError, ValueError):
        return f"node@{id(node)}"


def loops_of(*values: Value) -> frozenset[int]:
    found: frozenset[int] = EMPTY
    for value in values:
        found = found | value.loops
    return found


def score_of(values: list[Value]) -> Score | None:
    """Model scores carried by any of ``values``, as one score value; None when there are none."""
    scores: frozenset[int] = EMPTY
    for value in values:
        scores |= contained_scores(value)
    return Score(events=scores, loops=loops_of(*values)) if scores else None


def const_names(value: Value) -> list[str] | None:
    """Column names given literally (a string, or a list of strings)."""
    if isinstance(value, Const) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, Container) and value.kind in ("list", "tuple") and value.items:
        names = [item.value for item in value.items if isinstance(item, Const)]
        if len(names) == len(value.items) and all(isinstance(n, str) for n in names):
            return names
    return None


def is_columns(value: Value) -> bool:
    if const_names(value) is not None:
        return True
    if isinstance(value, Container) and value.kind == "columns":
        return True
    if isinstance(value, Container) and value.kind in ("list", "tuple") and value.items:
        return all(
            isinstance(i, Const) and (isinstance(i.value, str) or i.value is COLUMN) for i in value.items
        )
    return False


def number(value: Value) -> float | None:
    if (
        isinstance(value, Const)
        and isinstance(value.value, int | float)
        and not isinstance(value.value, bool)
    ):
        return float(value.value)
    return None


def is_const(value: Value | None, *accepted: object) -> bool:
    return isinstance(value, Const) and value.value in accepted


def is_literal(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, str | int | float | bool | type(None))


def rowwise(kwargs: dict[str, Value]) -> bool:
    return is_const(kwargs.get("axis"), 1, "columns")


class CallBase:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.record = flow.record

    def _site(self, node: ast.AST) -> tuple[int | None, int | None]:
        return self.flow.site(node)

    @staticmethod
    def _arg(args: list[Value], kwargs: dict[str, Value], position: int, *names: str) -> Value:
        if position < len(args):
            return args[position]
        for name in names:
            if name in kwargs:
                return kwargs[name]
        return Unknown()

    @staticmethod
    def _arg_node(node: ast.AST, position: int, *names: str) -> ast.AST:
        if isinstance(node, ast.Call):
            if position < len(node.args):
                return node.args[position]
            for keyword in node.keywords:
                if keyword.arg in names:
                    return keyword.value
        return node

    def _name_of(self, data: Value, node: ast.AST) -> str:
        name = getattr(data, "name", None)
        return name or describe(node, 40)

    def opaque_result(self, args: list[Value], kwargs: dict[str, Value]) -> Value:
        """What a call heldout knows nothing about returns: scores stay scores, all else is unknown."""
        values = [*args, *kwargs.values()]
        return score_of(values) or Unknown(loops=loops_of(*values))

    def _fit_event(
        self,
        role: str,
        cls: str,
        data: Value,
        node: ast.AST,
        data_node: ast.AST,
        known: bool = True,
        owner: Estimator | None = None,
        subject: str | None = None,
    ) -> FitEvent:
        event_id = self.flow.next_id()
        event = FitEvent(
            id=event_id,
            order=event_id,
            site=self._site(node),
            role=role,
            cls=cls,
            subject=subject,
            data_name=self._name_of(data, data_node),
            rows=data.rows if isinstance(data, Data) else None,
            lineage=data.lineage if isinstance(data, Data) else EMPTY,
            known=known,
            serving=self.flow.serving,
            conditional=self.flow.conditional > 0,
            owner=owner,
        )
        self.record.fits[event_id] = event
        return event

    def _evaluation(self, node: ast.AST, **fields: object) -> EvalEvent | None:
        if self.flow.serving:
            return None  # a serving function run on its own evaluates nothing
        event_id = self.flow.next_id()
        event = EvalEvent(
            id=event_id,
            order=event_id,
            site=self._site(node),
            enclosing=frozenset(self.flow.loop_stack),
            conditional=self.flow.conditional > 0,
            **fields,  # type: ignore[arg-type]
        )
        self.record.evals.append(event)
        return event

    def _register_cut(
        self, key: Hashable, node: ast.AST, cls: str, source: Data, source_node: ast.AST
    ) -> None:
        if key not in self.record.splits:
            self.record.splits[key] = SplitEvent(
                key, self.flow.next_id(), self._site(node), cls, self._name_of(source, source_node)
            )

    def _evidence(self, node: ast.AST, proven: bool, text: str) -> None:
        if not self.flow.serving:
            self.record.rarity.append(Evidence(self._site(node), proven, text))

    def select(self, value: Value, node: ast.AST) -> None:
        """Record that the best of some scores was picked here (max, argmax, idxmax, sorted ...)."""
        for event in contained_scores(value):
            self.record.selections.setdefault(event, self._site(node))

    def _future(self, node: ast.AST, what: str) -> int:
        event = self.flow.next_id()
        self.record.futures[event] = (self._site(node), what)
        return event
