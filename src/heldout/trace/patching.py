"""One patch of a library attribute, and the guard every hook runs its bookkeeping under.

A ``Patch`` remembers what it replaced so ``uninstall`` can put it back and ``verify`` can tell whether
the candidate's code put something else there since. ``guarded`` runs a hook's handler so that a failure
of heldout's own bookkeeping never becomes the candidate's error.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["OriginalCall", "Patch", "first", "guarded", "hide_original", "length"]


@dataclass
class Patch:
    owner: Any
    name: str
    original: Any
    wrapper: Any
    via_descriptor: bool = False
    inherited: bool = False  # the owner only inherited ``name``: undoing deletes our override

    def apply(self) -> None:
        if self.via_descriptor:
            self.owner.__dict__[self.name].fn = self.wrapper
        else:
            setattr(self.owner, self.name, self.wrapper)

    def undo(self) -> None:
        if self.via_descriptor:
            self.owner.__dict__[self.name].fn = self.original
        elif self.inherited:
            delattr(self.owner, self.name)
        else:
            setattr(self.owner, self.name, self.original)

    def in_place(self) -> bool:
        current = self.owner.__dict__.get(self.name)
        if self.via_descriptor:
            current = getattr(current, "fn", None)
        # scikit-learn itself may wrap ours once more (set_output wraps a transformer's ``transform``
        # when the class is created); ours is still called, inside.
        for _ in range(4):
            if current is self.wrapper:
                return True
            current = getattr(current, "__wrapped__", None)
        return False


def hide_original(wrapper: Callable, original: Callable) -> Callable:
    """Keep the signature scikit-learn inspects, without handing out the unwrapped function."""
    try:
        wrapper.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        pass
    wrapper.__dict__.pop("__wrapped__", None)
    wrapper.__heldout__ = True  # type: ignore[attr-defined]
    return wrapper


def length(obj: Any) -> int | None:
    shape = getattr(obj, "shape", None)
    if shape:
        return int(shape[0])
    try:
        return len(obj)
    except TypeError:
        return None


def first(args: tuple, kwargs: Mapping[str, Any], position: int, *names: str) -> Any:
    """An argument given by position or by one of its names."""
    if len(args) > position:
        return args[position]
    for name in names:
        if name in kwargs:
            return kwargs[name]
    return None


class OriginalCall:
    """The wrapped function as a handler calls it, remembering whether it ran and how it ended: a
    handler's exception that the candidate's own call did not raise is heldout's, not theirs."""

    __slots__ = ("error", "function", "ran", "result")

    def __init__(self, function: Callable) -> None:
        self.function = function
        self.ran = False
        self.error: BaseException | None = None
        self.result: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.ran = True
        try:
            self.result = self.function(*args, **kwargs)
        except BaseException as error:
            self.error = error
            raise
        return self.result


class _FailureSink(Protocol):
    def hook_failed(self, original: Callable, error: Exception) -> None: ...


def guarded(tracer: _FailureSink, original: Callable, handler: Callable, *args: Any, **kwargs: Any) -> Any:
    """``handler(call, *args, **kwargs)``, where ``call`` stands for ``original``. If heldout's own
    bookkeeping fails, the candidate's call runs (or its result returns) as it would without heldout,
    and the failure is recorded as heldout's."""
    call = OriginalCall(original)
    try:
        return handler(call, *args, **kwargs)
    except Exception as error:
        if call.error is error:
            raise  # the candidate's call raised it: theirs, as without heldout
        tracer.hook_failed(original, error)
        if call.ran and call.error is None:
            return call.result
        if call.ran:
            raise call.error from None
        return original(*args, **kwargs)
