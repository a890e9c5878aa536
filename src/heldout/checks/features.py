"""Features the final model must not use: columns known only after the outcome, or identifiers that
encode it. Named in the manifest with the reason, so the message can say why in the domain's terms.

The columns come from the fit that made the graded model: by name when it was given a DataFrame (a
one-hot column ``billing_status_review`` counts as ``billing_status``), and by value when it was given
a NumPy array (the tracer keeps a digest of each column's first rows; the grader computes the same for
the training file's columns at those rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from heldout.checks.base import CheckContext, Coverage, Finding, Outcome, Verdict, hint_pointer, register
from heldout.checks.coverage import unfollowed
from heldout.checks.models import final_estimator
from heldout.trace.column_probe import PROBE_ROWS, column_digest
from heldout.trace.model import Event

__all__ = ["check_no_illegitimate_features", "forbidden_columns_used"]


def _model_fit(ctx: CheckContext) -> Event | None:
    if ctx.model_fit is not None:
        return ctx.trace[ctx.model_fit]
    return None


def _by_name(columns: list[str], forbidden: Mapping[str, str]) -> dict[str, str]:
    found = {}
    for column in columns:
        for name in forbidden:
            if column == name or column.startswith(f"{name}_"):
                found[name] = column
    return found


def _by_value(ctx: CheckContext, fit: Event, forbidden: Mapping[str, str]) -> dict[str, str] | None:
    """Forbidden columns found by their values; None when the fit's rows or columns were not followed
    (its first rows are not rows of the training file), so values cannot be compared."""
    probe = fit.get("column_probe")
    rows = ctx.trace.rows(fit.get("rows"))
    if not isinstance(probe, list) or rows is None or len(rows) < PROBE_ROWS or ctx.train is None:
        return None
    head = rows[:PROBE_ROWS]
    if (head < 0).any() or (head >= len(ctx.train)).any():
        return None
    found = {}
    for name in forbidden:
        if name not in ctx.train:
            continue
        try:
            digest = column_digest(np.asarray(ctx.train[name].to_numpy()[head], dtype=np.float64))
        except (TypeError, ValueError):
            continue
        if digest in probe:
            found[name] = f"column {probe.index(digest)} of the array"
    return found


def _by_probe(ctx: CheckContext, forbidden: Mapping[str, str]) -> dict[str, str] | None:
    """Forbidden columns the model reads, from the column-use probe (the model's scores move when the
    column's values do); None when the probe could not run."""
    probe = ctx.column_use
    if not isinstance(probe, Mapping) or "problem" in probe:
        return None
    found = {}
    for name in forbidden:
        facts = probe.get(name)
        if isinstance(facts, Mapping) and float(facts.get("changed", 0.0)) > 0.0:
            found[name] = f"an input: changing it moved {float(facts['changed']):.0%} of the scores"
    return found


def forbidden_columns_used(
    ctx: CheckContext, forbidden: Mapping[str, str], by_probe: bool = False
) -> tuple[Event, dict[str, str], bool] | None:
    """(the fit that made the graded model, forbidden column -> how it appears, whether its columns were
    followed), or None when heldout did not see the model fitted.

    ``by_probe``: judge by what the model reads (the column-use probe) rather than by what its fit was
    given, for scenarios whose model receives every column and selects inside.
    """
    fit = _model_fit(ctx)
    if fit is None:
        return None
    if by_probe:
        probed = _by_probe(ctx, forbidden)
        return fit, probed or {}, probed is not None
    columns = fit.get("columns")
    found = _by_name(columns, forbidden) if isinstance(columns, list) else {}
    by_value = _by_value(ctx, fit, forbidden)
    for name, where in (by_value or {}).items():
        found.setdefault(name, where)
    return fit, found, isinstance(columns, list) or by_value is not None


@register("no_illegitimate_features", "No post-outcome or identifier features", needs="report")
def check_no_illegitimate_features(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    forbidden: Mapping[str, str] = params.get("columns", {})
    hint = hint_pointer(ctx, "no_illegitimate_features")
    # What using them does, in the scenario's terms (default: columns known only after the outcome).
    kind = params.get("kind", "the columns known only after the outcome or encoding it")
    consequence = params.get(
        "consequence",
        "At prediction time these carry nothing, so the model's validation score cannot be reached.",
    )
    used = forbidden_columns_used(ctx, forbidden, params.get("evidence") == "probe")
    if used is None:
        return Outcome(
            Verdict.WARN,
            (
                f"heldout did not see `{ctx.manifest.contract.model}` being fitted (was it loaded or "
                f"copied?), so it cannot tell which columns it uses. {hint}"
            ),
        )
    fit, found, followed = used
    model_name = final_estimator(ctx.trace, fit).name
    coverage = Coverage("fit", int(followed), int(not followed), () if followed else (fit.site,))
    if not found and not followed:
        return unfollowed(
            ctx,
            "no_illegitimate_features",
            coverage,
            f"which columns your final model ({model_name}, {fit.site}) was fitted on: it got neither a "
            "DataFrame with column names nor rows of the training file whose values heldout could compare",
            f"it could not verify that it uses none of {kind}",
            "Fit it on a DataFrame of the columns you chose (or an array made from one with .to_numpy()).",
        )
    if not found:
        return Outcome(
            Verdict.PASS,
            f"Your final model ({model_name}, fitted in cell {fit.cell}) uses none of {kind}.",
            coverage=coverage,
        )
    reasons = "; ".join(
        f"{name}{f' (as {column})' if column != name else ''}: {forbidden[name]}"
        for name, column in found.items()
    )
    return Outcome(
        Verdict.FAIL,
        (
            f"Your final model ({model_name}, fitted in cell {fit.cell}, line {fit.line}) uses "
            f"{', '.join(found)}. {reasons}. {consequence} Drop them before fitting. {hint}"
        ),
        tuple(Finding(fit.cell, fit.line, f"uses {name}") for name in found),
        coverage=coverage,
    )
