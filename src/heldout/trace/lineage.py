"""Which dataset rows an array or frame holds, and which traced event made it.

Resolution, cheapest first:

1. *Registered*: the object came out of a traced call (a split, a transform, a resample, a prediction, a
   file load, ``to_numpy`` of a known frame) and was registered with its rows then.
2. *Labels*: a pandas object carries the index labels of a loaded file (``df.drop(...)``, ``df[mask]``,
   ``df.sample(...)``). The labels are trusted only when a column the object shares with the file holds
   the file's values at those labels, which rejects frames whose index was renumbered.
3. *Selections*: a NumPy array equals ``source[idx]`` for a split index ``idx`` the tracer saw yielded
   (``X[train_idx]`` in a manual fold loop), equals a registered array (a copy), or is a column of a
   registered prediction (``proba[:, 1]``).

Identity always comes from the harness (file positions and split indices); values are only compared to
confirm that an object *is* a given selection, so exact duplicate rows never merge.
"""

from __future__ import annotations

import contextlib
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from heldout.trace.record import SYNTHETIC, source_row_ids

__all__ = ["Lineage", "LineageRegistry"]


@dataclass(frozen=True)
class Lineage:
    rows: np.ndarray  # harness row ids, SYNTHETIC for resampled rows
    producer: int | None  # id of the event that made this object (None: a file load outside any event)
    also: tuple[int, ...] = ()  # events that changed the whole object (``df.fillna(df.mean())``)
    # (column, event) for columns set by an event (``X["risk"] = enc.transform(...)``): a selection of
    # other columns does not carry them.
    column_producers: tuple[tuple[str, int], ...] = ()

    def take(self, index: Any) -> Lineage:
        return self.at(_as_positions(index, len(self.rows)))

    def at(self, positions: Any) -> Lineage:
        return Lineage(self.rows[positions], self.producer, self.also, self.column_producers)

    def with_columns_from(self, other: Lineage, columns: list[str] | None = None) -> Lineage:
        """Some of this object's values now come from ``other``'s producers: all of it (``columns``
        None), or the named columns."""
        extra = [e for e in other.producers if e not in self.producers]
        if columns is None:
            return Lineage(self.rows, self.producer, self.also + tuple(extra), self.column_producers)
        pairs = tuple((str(c), e) for c in columns for e in other.producers)
        return Lineage(self.rows, self.producer, self.also, self.column_producers + pairs)

    def for_columns(self, names: list) -> Lineage:
        """The lineage of a selection of these columns: only the column producers of those columns."""
        wanted = {str(n) for n in names}
        chosen = tuple(e for c, e in self.column_producers if c in wanted and e not in self.also)
        return Lineage(self.rows, self.producer, self.also + tuple(dict.fromkeys(chosen)))

    def keep_columns(self, names: list) -> Lineage:
        """The same object with only ``names`` left (``drop(columns=...)``): per-column producers stay
        per column, those of the dropped columns go."""
        wanted = {str(n) for n in names}
        kept = tuple((c, e) for c, e in self.column_producers if c in wanted)
        return Lineage(self.rows, self.producer, self.also, kept)

    @property
    def producers(self) -> tuple[int, ...]:
        columns = (e for _, e in self.column_producers)
        return tuple(dict.fromkeys(e for e in (self.producer, *self.also, *columns) if e is not None))


@dataclass
class _Source:
    name: str
    frame: pd.DataFrame  # a copy of the file as loaded: the candidate may change their frame in place
    rows: np.ndarray
    columns_by_cardinality: list[str]
    producer: int
    _columns: dict[str, np.ndarray] = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        """A column of the file as an array, made once: resolution compares against it thousands of
        times a cell (the frame is heldout's own copy, never changed)."""
        values = self._columns.get(name)
        if values is None:
            values = self._columns[name] = self.frame[name].to_numpy()
        return values


def _as_positions(index: Any, length: int) -> Any:
    if isinstance(index, slice):
        return index
    index = np.asarray(index)
    if index.dtype == bool:
        return np.flatnonzero(index)
    return index.astype(np.int64, copy=False)


def _length(obj: Any) -> int | None:
    shape = getattr(obj, "shape", None)
    if shape:
        return int(shape[0])
    return None


class LineageRegistry:
    """Lineage of live objects, keyed by identity (objects die; ids are reused, so weakrefs guard)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[weakref.ref, Lineage]] = {}
        self._sources: list[_Source] = []
        self._selections: deque[tuple[weakref.ref, Lineage, np.ndarray]] = deque(maxlen=64)
        self._predictions: deque[tuple[weakref.ref, Lineage]] = deque(maxlen=32)
        self._rowless_predictions: deque[tuple[weakref.ref, int]] = deque(maxlen=32)
        self._frames: deque[weakref.ref] = deque(maxlen=32)
        self._owners: dict[int, tuple[weakref.ref, int, Lineage]] = {}
        # Which frames are the notebook's own (set by the tracer): only theirs hold the folds and masks
        # the notebook made; a library's locals hold its own small arrays (classes, column indices).
        self.is_user_frame: Callable[[Any], bool] = lambda _frame: True
        # Objects found to have no lineage during one traced library call (a Pipeline's predict asks
        # about the same X once per step); None outside such a call. Anything learnt clears it.
        self._unknown: dict[int, weakref.ref] | None = None

    def begin_call(self) -> None:
        """A traced library call starts: the candidate's code does not change its inputs until it ends,
        so an object without lineage stays so (unless something new is registered meanwhile)."""
        self._unknown = {}

    def end_call(self) -> None:
        self._unknown = None

    def _learnt(self) -> None:
        if self._unknown:
            self._unknown.clear()

    # -- registration -------------------------------------------------------------------------------
    def register(self, obj: Any, lineage: Lineage) -> None:
        if obj is None or _length(obj) is None or _length(obj) != len(lineage.rows):
            return
        key = id(obj)
        try:
            ref = weakref.ref(obj, lambda _ref, key=key: self._forget(key, _ref))
        except TypeError:
            return
        self._known[key] = (ref, lineage)
        self._learnt()
        if isinstance(obj, pd.DataFrame):
            self._frames.append(ref)
        elif isinstance(obj, np.ndarray) and isinstance(obj.base, np.ndarray):
            # NumPy gives every view the array that owns the memory as its base, not the view it was
            # taken from (often a transposed block of a frame): a view of the same owner, as long as
            # this array, holds this array's rows.
            owner, owner_key = obj.base, id(obj.base)
            with contextlib.suppress(TypeError):
                ref = weakref.ref(owner, lambda _ref, key=owner_key: self._forget_owner(key, _ref))
                self._owners[owner_key] = (ref, len(obj), lineage)

    def forget(self, obj: Any) -> None:
        entry = self._known.get(id(obj))
        if entry is not None and entry[0]() is obj:
            del self._known[id(obj)]

    def _forget(self, key: int, ref: weakref.ref) -> None:
        entry = self._known.get(key)
        if entry is not None and entry[0] is ref:
            del self._known[key]

    def _forget_owner(self, key: int, ref: weakref.ref) -> None:
        entry = self._owners.get(key)
        if entry is not None and entry[0] is ref:
            del self._owners[key]

    def add_source(self, name: str, frame: pd.DataFrame, source_no: int, producer: int) -> Lineage:
        rows = source_row_ids(source_no, len(frame))
        # Columns most likely to tell rows apart first (floats, then integers), without counting
        # distinct values: that would cost tens of milliseconds on every load.
        order = {"f": 0, "i": 1, "u": 1, "M": 1}
        by_cardinality = sorted(frame.columns, key=lambda column: order.get(frame[column].dtype.kind, 2))
        self._sources.append(_Source(name, frame.copy(), rows, [str(c) for c in by_cardinality], producer))
        self._learnt()
        lineage = Lineage(rows, producer)
        self.register(frame, lineage)
        return lineage

    def add_selection(self, source: Any, lineage: Lineage, index: np.ndarray) -> None:
        with contextlib.suppress(TypeError):
            self._selections.append((weakref.ref(source), lineage, np.asarray(index)))
        self._learnt()

    def add_rowless_prediction(self, output: Any, event_id: int) -> None:
        """Predictions of inputs whose rows are unknown (a matrix the notebook computed itself): which
        predict made them is still worth keeping, for a metric whose labels' rows are known."""
        if isinstance(output, np.ndarray):
            self._rowless_predictions.append((weakref.ref(output), event_id))

    def rowless_producer(self, obj: Any) -> int | None:
        """The predict event behind ``obj`` (or the array ``obj`` is a view of: ``proba[:, 1]``)."""
        if not isinstance(obj, np.ndarray):
            return None
        candidates = [obj] + ([obj.base] if isinstance(obj.base, np.ndarray) else [])
        for ref, event_id in reversed(self._rowless_predictions):
            made = ref()
            if made is not None and any(made is c for c in candidates):
                return event_id
        return None

    def add_prediction(self, output: Any, lineage: Lineage) -> None:
        self.register(output, lineage)
        if isinstance(output, np.ndarray):
            self._predictions.append((weakref.ref(output), lineage))
        self._learnt()

    # -- resolution ---------------------------------------------------------------------------------
    def lookup(self, obj: Any) -> Lineage | None:
        """What was registered, or the array an array is a view of (``.ravel()``, ``[:, 0]``,
        ``.reshape(-1)`` of a column): cheap enough for hot paths such as ``np.asarray(frame)``."""
        entry = self._known.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return entry[1]
        if isinstance(obj, np.ndarray) and obj.ndim and isinstance(obj.base, np.ndarray):
            base = obj.base
            entry = self._known.get(id(base))
            if entry is not None and entry[0]() is base and len(base) == len(obj):
                return entry[1]
            owned = self._owners.get(id(base))
            if owned is not None and owned[0]() is base and owned[1] == len(obj):
                return owned[2]
        return None

    def resolve(self, obj: Any) -> Lineage | None:
        if obj is None:
            return None
        found = self.lookup(obj)
        if found is not None:
            return found
        unknown = self._unknown
        if unknown is not None:
            ref = unknown.get(id(obj))
            if ref is not None and ref() is obj:
                return None
        if isinstance(obj, pd.DataFrame | pd.Series):
            found = self._by_labels(obj)
        elif isinstance(obj, np.ndarray):
            found = self._by_selection(obj)
        if found is not None:
            self.register(obj, found)
        elif unknown is not None and unknown is self._unknown:
            with contextlib.suppress(TypeError):
                unknown[id(obj)] = weakref.ref(obj)
        return found

    def _by_labels(self, obj: pd.DataFrame | pd.Series) -> Lineage | None:
        index = obj.index
        if len(index) == 0 or index.dtype.kind not in "iu":
            return None
        labels = index.to_numpy()
        names = [obj.name] if isinstance(obj, pd.Series) else list(obj.columns)
        derived = self._by_registered_frame(obj, index, names)
        if derived is not None:
            if derived.producers != (derived.producer,) and self._is_raw_file_data(obj, labels, names):
                # Equal to the file's own columns (``df["label"]`` beside a frame filled with a
                # statistic): the raw data, not the statistic's output.
                return self._by_source(obj, labels, names)
            return derived
        return self._by_source(obj, labels, names)

    def _is_raw_file_data(self, obj: pd.DataFrame | pd.Series, labels: np.ndarray, names: list) -> bool:
        for source in reversed(self._sources):
            if labels.min() < 0 or labels.max() >= len(source.frame) or len(names) > 50:
                continue
            if not all(str(name) in source.frame.columns for name in names):
                continue
            if all(
                not isinstance(mine := (obj if isinstance(obj, pd.Series) else obj[name]), pd.DataFrame)
                and _same_values(mine.to_numpy(), source.column(str(name))[labels])
                for name in names
            ):
                return True
        return False

    def _by_source(self, obj: pd.DataFrame | pd.Series, labels: np.ndarray, names: list) -> Lineage | None:
        wanted = set(map(str, names))
        for source in reversed(self._sources):
            n = len(source.frame)
            if labels.min() < 0 or labels.max() >= n:
                continue
            shared = [c for c in source.columns_by_cardinality if c in wanted]
            for column in shared[:5]:
                mine = obj if isinstance(obj, pd.Series) else obj[column]
                if isinstance(mine, pd.DataFrame):  # duplicated column names
                    continue
                theirs = source.column(column)[labels]
                if _same_values(mine.to_numpy(), theirs):
                    return Lineage(
                        source.rows[labels],
                        source.producer,
                    )
        return None

    def _by_registered_frame(
        self, obj: pd.DataFrame | pd.Series, index: pd.Index, names: list
    ) -> Lineage | None:
        """A copy or a row subset of a frame made by a traced call (``pd.DataFrame(imputer.fit_
        transform(X), index=X.index).copy()``): it carries that call's lineage, not the file's. Every
        shared column must hold the same values, so an untouched copy of the raw data is never taken
        for the transformed one."""
        for ref in reversed(self._frames):
            frame = ref()
            if frame is None or frame is obj or not frame.index.is_unique:
                continue
            lineage = self.lookup(frame)
            if lineage is None:
                continue
            shared = [c for c in frame.columns if c in set(names)]
            if not shared or (isinstance(obj, pd.DataFrame) and len(shared) < min(2, len(names))):
                continue
            positions = frame.index.get_indexer(index)
            if (positions < 0).any():
                continue
            if all(
                _same_values(
                    (obj if isinstance(obj, pd.Series) else obj[c]).to_numpy(), frame[c].to_numpy()[positions]
                )
                for c in shared
                if not isinstance(frame[c], pd.DataFrame)
                and not (isinstance(obj, pd.DataFrame) and isinstance(obj[c], pd.DataFrame))
            ):
                return lineage.at(positions).for_columns(names)
        return None

    def _by_selection(self, array: np.ndarray) -> Lineage | None:
        n = len(array) if array.ndim else 0
        if n == 0:
            return None
        for ref, lineage, index in reversed(self._selections):
            source = ref()
            if source is None or not isinstance(source, np.ndarray):
                continue
            if (index.dtype == bool and int(index.sum()) != n) or (index.dtype != bool and len(index) != n):
                continue
            if source.shape[1:] == array.shape[1:] and _same_values(array, source[index]):
                return lineage.take(index)
        for entry_ref, lineage in list(self._known.values())[-256:]:
            other = entry_ref()
            if (
                isinstance(other, np.ndarray)
                and other is not array
                and other.shape == array.shape
                and _same_values(array, other)
            ):
                return lineage
        selected = (
            self._by_index_on_known(array, n)
            or self._by_index_in_scope(array, n)
            or self._by_columns_of_known(array, n)
        )
        if selected is not None:
            return selected
        if array.ndim == 1:
            for ref, lineage in reversed(self._predictions):
                output = ref()
                if output is None or output.ndim != 2 or len(output) != n:
                    continue
                for column in range(output.shape[1]):
                    if _same_values(array, output[:, column]):
                        return lineage
        return None

    def _by_index_on_known(self, array: np.ndarray, n: int) -> Lineage | None:
        """A split's indices applied to another array of the split's length: folds drawn from
        ``KFold().split(X_imputed)`` and used on ``X.to_numpy()[train]`` or ``y_array[test]``."""
        tried: set[int] = set()
        for ref, _lineage, index in reversed(self._selections):
            if id(index) in tried or index.dtype == bool or len(index) != n:
                continue
            tried.add(id(index))
            source = ref()
            if source is None:
                continue
            length = len(source)
            for entry_ref, lineage in list(self._known.values())[-64:]:
                other = entry_ref()
                if (
                    isinstance(other, np.ndarray)
                    and other is not source
                    and len(other) == length == len(lineage.rows)
                    and other.shape[1:] == array.shape[1:]
                    and _same_values(array, other[index])
                ):
                    return lineage.take(index)
            found = self._columns_of_a_source(array, index, length)
            if found is not None:
                return found
        return None

    def _by_index_in_scope(self, array: np.ndarray, n: int) -> Lineage | None:
        """Rows picked with an index or mask the notebook made itself (``permutation`` and
        ``array_split`` folds, ``rng.random(n) < 0.2``), found among the variables of the calls
        in progress and confirmed exactly: ``known[index]`` must equal the array, value for value, so
        duplicate rows in the data are told apart by position, never guessed."""
        if n < _MIN_SCOPE_ROWS:
            return None
        for index in _indices_in_scope(n, self.is_user_frame):
            is_mask = index.dtype == bool
            for entry_ref, lineage in list(self._known.values())[-64:]:
                other = entry_ref()
                if (
                    isinstance(other, np.ndarray)
                    and other is not array
                    and len(other) == len(lineage.rows)
                    and other.shape[1:] == array.shape[1:]
                    and _indexes(index, len(other))
                    and _same_values(array, other[index])
                ):
                    return lineage.take(index)
            lengths = {len(index)} if is_mask else {len(s.rows) for s in self._sources}
            for length in sorted(lengths):
                if _indexes(index, length):
                    found = self._columns_of_a_source(array, index, length)
                    if found is not None:
                        return found
        return None

    def _by_columns_of_known(self, array: np.ndarray, n: int) -> Lineage | None:
        """An array put together column by column (``np.hstack``, ``np.column_stack``, an ``np.empty``
        filled per column) from arrays whose rows are known and columns of a loaded file: every column
        must equal one of theirs, all of the same rows; it carries the producers of each part. A 1-D
        array is one such column (``df["churned"].to_numpy().astype(float)``), unless it is constant:
        a constant prediction must not be taken for a constant column of the file."""
        if array.dtype.kind not in "biuf":
            return None
        if array.ndim == 1:
            if n < _MIN_SCOPE_ROWS or (array[0] == array[-1] and (array == array[0]).all()):
                return None
            array = array.reshape(n, 1)
        if array.ndim != 2 or not array.shape[1]:
            return None
        # The file's own columns first: a column that equals both a raw column and a fitted output
        # (a 0/1 flag and an encoder's) is taken as raw, so a coincidence never accuses.
        parts: list[tuple[np.ndarray, Lineage]] = []
        for source in self._sources:
            if len(source.rows) == n:
                lineage = Lineage(source.rows, source.producer)
                parts.extend(
                    (values, lineage)
                    for name in source.columns_by_cardinality
                    if (values := source.frame[name].to_numpy()).dtype.kind in "biuf"
                )
        for entry_ref, lineage in reversed(list(self._known.values())[-64:]):
            other = entry_ref()
            if (
                isinstance(other, np.ndarray)
                and other is not array
                and len(other) == n == len(lineage.rows)
                and other.dtype.kind in "biuf"
                and other.ndim in (1, 2)
            ):
                columns = other.reshape(n, -1)
                parts.extend((columns[:, j], lineage) for j in range(columns.shape[1]))
        combined: Lineage | None = None
        for j in range(array.shape[1]):
            column = array[:, j]
            match = next((lin for values, lin in parts if _same_values(column, values)), None)
            if match is None:
                return None
            if combined is None:
                combined = match
            elif not np.array_equal(combined.rows, match.rows):
                return None
            elif match.producers != combined.producers:
                combined = combined.with_columns_from(match)
        return combined

    def _columns_of_a_source(self, array: np.ndarray, index: np.ndarray, length: int) -> Lineage | None:
        """Every column of ``array`` equals a column of a loaded file at the split's rows (the array
        was ``df[features].to_numpy()[train]``, a copy nothing else remembers)."""
        if array.dtype.kind not in "biuf" or array.ndim > 2:
            return None
        columns = array.reshape(len(array), -1)
        for source in self._sources:
            if len(source.rows) != length:
                continue
            chosen = [source.frame[name].to_numpy() for name in source.columns_by_cardinality]
            if all(
                any(
                    values.dtype.kind in "biuf" and _same_values(columns[:, j], values[index])
                    for values in chosen
                )
                for j in range(columns.shape[1])
            ):
                return Lineage(source.rows, source.producer).take(index)
        return None


_SCOPE_FRAMES = 40
_MIN_SCOPE_ROWS = 20  # fewer values than this could match another index by chance
_SCOPE_CONTAINER = 64  # a list of folds is searched; a long list of other things is not


def _indexes(index: np.ndarray, length: int) -> bool:
    """Whether ``index`` selects rows of an array of ``length`` rows."""
    if index.dtype == bool:
        return len(index) == length
    return bool(len(index)) and int(index.max()) < length and int(index.min()) >= -length


def _indices_in_scope(n: int, is_user_frame: Callable[[Any], bool]) -> list[np.ndarray]:
    """Integer arrays of ``n`` positions and masks of ``n`` true values held by the calls in progress
    (directly, or in a list, tuple or dict of folds), newest call first."""
    import sys

    found: dict[int, np.ndarray] = {}

    def consider(value: Any) -> None:
        if not isinstance(value, np.ndarray) or value.ndim != 1 or id(value) in found:
            return
        if value.dtype == bool:
            chosen = int(value.sum())
            if chosen == n:
                found[id(value)] = value
            elif len(value) - chosen == n:  # X[~test]: the mask's complement, made on the spot
                found[id(value)] = ~value
        elif value.dtype.kind in "iu" and len(value) == n and len(np.unique(value)) >= 0.9 * n:
            # Positions are (nearly) all different; a column of labels or counts is not an index.
            found[id(value)] = value

    frame = sys._getframe(2)
    for _ in range(_SCOPE_FRAMES):
        if frame is None:
            break
        if not is_user_frame(frame):
            frame = frame.f_back
            continue
        for value in list(frame.f_locals.values()):
            consider(value)
            if isinstance(value, list | tuple) and len(value) <= _SCOPE_CONTAINER:
                for item in value:
                    consider(item)
                    if isinstance(item, list | tuple) and len(item) <= _SCOPE_CONTAINER:
                        for inner in item:  # (train, test) pairs of folds
                            consider(inner)
            elif isinstance(value, dict) and len(value) <= _SCOPE_CONTAINER:
                for item in value.values():
                    consider(item)
        frame = frame.f_back
    return list(found.values())


def _same_values(a: Any, b: Any) -> bool:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        return False
    # Compare the ends first: most mismatches show there, and a full comparison costs a copy.
    if a.size and not (_equal(a[:1], b[:1]) and _equal(a[-1:], b[-1:])):
        return False
    return _equal(a, b)


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    try:
        return bool(pd.isna(a).sum() == pd.isna(b).sum() and np.all((a == b) | (pd.isna(a) & pd.isna(b))))
    except (TypeError, ValueError):
        return False


def synthetic_rows(count: int) -> np.ndarray:
    return np.full(count, SYNTHETIC, dtype=np.int64)
