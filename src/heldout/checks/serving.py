"""Serving: the features a model learns from are the features it gets in production.

Offline, a training set is built from a log that holds the future; online, a request arrives with only
the past, through another code path, alone or in a batch, with values training never had. Each check
reads what the kernel's serving probes observed (``heldout.trace.serving``) after the last cell and
says what differed in the candidate's terms: which payment, which feature, which call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register
from heldout.trace.latency import speed_factor

__all__ = [
    "check_batch_invariance",
    "check_label_maturity",
    "check_offline_online_parity",
    "check_point_in_time",
    "check_serving_latency",
    "check_serving_robustness",
    "features_read_beyond_the_past",
]


def _tolerant(check: Callable[[CheckContext, Mapping[str, Any]], Outcome]) -> Callable:
    """The probes' facts come from the candidate's process: a record that is not what the kernel writes
    (only tampering makes one) is a failed check, never a crashed grader."""

    @functools.wraps(check)
    def guarded(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
        try:
            return check(ctx, params)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
            return Outcome(
                Verdict.FAIL,
                (
                    "The run's record of the serving probes is malformed "
                    f"({type(error).__name__}), which only code that tampers with heldout produces."
                ),
            )

    return guarded


def _serving_check(check_id: str, title: str) -> Callable:
    """A check of what the serving probes saw after the last cell, tolerant of a forged record."""

    def decorate(check: Callable[[CheckContext, Mapping[str, Any]], Outcome]) -> Callable:
        return register(check_id, title, needs="final")(_tolerant(check))

    return decorate


def features_read_beyond_the_past(ctx: CheckContext) -> bool:
    """Whether the point-in-time probe saw the feature function use events after a request, or the
    request itself: then the offline path's holdout score used what production will not have."""
    facts = (ctx.serving or {}).get("point_in_time")
    if not isinstance(facts, Mapping):
        return False
    differences = [
        c.get(how)
        for c in facts.get("cutoffs") or []
        if isinstance(c, Mapping)
        for how in ("deleted", "altered")
    ]
    differences.append(facts.get("itself"))
    return any(
        isinstance(d, Mapping) and (d.get("changed") or d.get("missing_columns") or d.get("extra_columns"))
        for d in differences
    )


def _names(ctx: CheckContext) -> tuple[str, str, str]:
    contract = ctx.manifest.contract
    return contract.features or "build_features", contract.serve or "score_event", contract.model


def _probe(ctx: CheckContext, key: str, check_id: str) -> tuple[Mapping[str, Any] | None, Outcome | None]:
    """The probe's facts, or the outcome that says why there are none."""
    hint = hint_pointer(ctx, check_id)
    serving = ctx.serving
    if not serving:
        return None, Outcome(
            Verdict.WARN,
            "heldout could not call the serving functions after the last cell, so it cannot judge this. "
            f"{hint}",
        )
    if serving.get("missing"):
        return None, Outcome(
            Verdict.FAIL,
            (
                f"The notebook never defines `{serving['missing']}`, so heldout cannot call your serving "
                "path "
                f"the way production would. {hint}"
            ),
        )
    facts = serving.get(key)
    if not isinstance(facts, Mapping) or facts.get("problem"):
        detail = _last_line(facts.get("problem")) if isinstance(facts, Mapping) else "no result"
        features, _, _ = _names(ctx)
        return None, Outcome(
            Verdict.FAIL,
            (
                f"Calling `{features}` the way this check does failed ({detail}). It must work on any log "
                f"and any set of requests, as it will in production. {hint}"
            ),
        )
    return facts, None


def _last_line(text: Any) -> str:
    lines = [line for line in str(text or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no detail"


def _score(value: Any) -> str:
    return f"{float(value):.4f}"


def _listed(changed: Mapping[str, Any], most: int = 4) -> str:
    items = list(changed.items())
    text = ", ".join(f"`{column}` on {int(count):,}" for column, count in items[:most])
    if len(items) > most:
        text += f" and {len(items) - most} more column{'s' if len(items) - most != 1 else ''}"
    return text


# -- point in time -----------------------------------------------------------------------------------------
@_serving_check("point_in_time", "Features use only what was known at each event's time")
def check_point_in_time(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "point_in_time")
    facts, early = _probe(ctx, "point_in_time", "point_in_time")
    if early is not None:
        return early
    features, serve, _ = _names(ctx)
    for cutoff in facts.get("cutoffs") or []:
        for how, done in (
            ("deleted", "deleted"),
            ("altered", "altered (amounts, categories, places; times kept)"),
        ):
            difference = cutoff.get(how) or {}
            changed = difference.get("changed") or {}
            other = (difference.get("missing_columns") or []) + (difference.get("extra_columns") or [])
            if not (changed or other):
                continue
            observed = _future_read(cutoff, done, features, changed, other)
            return Outcome(
                Verdict.FAIL,
                (
                    f"{observed}. Nothing about those payments changed, only what came after them: these "
                    "features read the future, which production will not have when it scores. A total or "
                    "mean over a user's whole log, a count of the next hour, a centred window and a join to "
                    "the user's latest row all do this. Keep only the events that happened before each "
                    f"request (merge_asof backward, or a filtered self-join). {hint}"
                ),
                (
                    Finding(
                        None,
                        None,
                        observed,
                        {"cutoff": cutoff.get("cutoff"), "how": how, "changed": dict(changed)},
                    ),
                ),
            )
    itself = facts.get("itself") or {}
    if itself.get("changed") or itself.get("missing_columns") or itself.get("extra_columns"):
        changed = itself.get("changed") or {}
        named = _listed(changed) if changed else "its columns"
        observed = (
            f"With each of {int(itself.get('requests') or 0)} payments removed from the log it is scored "
            f"against, `{features}` changed {named} of them"
        )
        return Outcome(
            Verdict.FAIL,
            (
                f"{observed}: a payment counts itself when it is a row of the log, as when you built the "
                "training set, but serving never holds the payment it scores. A count, a sum or a mean over "
                "the user's payments up to and including this one differs between training and production. "
                f"Use only the events strictly before it, other than itself. {hint}"
            ),
            (Finding(None, None, observed, {"changed": dict(changed)}),),
        )
    late = facts.get("late") or {}
    if late.get("n_changed"):
        first = (late.get("changed") or [{}])[0]
        observed = (
            f"`{serve}` scored late payment {first.get('id')} {_score(first.get('with_later'))} with the "
            "history "
            f"the store held when it arrived ({int(first.get('later_events') or 0)} of the user's payments "
            "made "
            f"after it included) and {_score(first.get('without'))} without them"
            + (
                f"; {int(late['n_changed'])} of {int(late.get('checked') or 0)} late payments changed"
                if int(late["n_changed"]) > 1
                else ""
            )
        )
        return Outcome(
            Verdict.FAIL,
            (
                f"{observed}. An event can arrive after events that happened later; its features must "
                "still be as of its own time. Filter the history to events before the payment's event "
                f"time. {hint}"
            ),
            (Finding(None, None, observed, {"late": dict(first)}),),
        )
    moments = [c for c in facts.get("cutoffs") or [] if c.get("kind") != "payment"]
    payments = [c for c in facts.get("cutoffs") or [] if c.get("kind") == "payment"]
    requests = sum(int(c.get("requests") or 0) for c in moments)
    cutoffs = ", ".join(str(c.get("cutoff"))[:16] for c in moments)
    bursts = f", and {len(payments)} payments their user followed within the hour," if payments else ""
    late_text = (
        f"; `{serve}` ignored the later events in the history of {int(late.get('checked'))} late payments"
        if late.get("checked")
        else ""
    )
    return Outcome(
        Verdict.PASS,
        (
            f"`{features}` gave {requests:,} payments before {cutoffs}{bursts} the same features with every "
            f"later event deleted or altered{late_text}: it uses only what had happened."
        ),
    )


def _future_read(
    cutoff: Mapping[str, Any], done: str, features: str, changed: Mapping[str, Any], other: list[Any]
) -> str:
    """What changed, said for a cut-off moment (how many payments before it) or for one payment."""
    if cutoff.get("kind") == "payment":
        when = cutoff.get("cutoff")
        whose = f"payment {cutoff.get('id')} (made at {when}; its user paid again within the hour)"
        what = ", ".join(f"`{c}`" for c in list(changed)[:4]) if changed else "its columns"
        return (
            f"With every event after {cutoff.get('cutoff')} {done}, `{features}` changed {what} for {whose}"
        )
    requests = int(cutoff.get("requests") or 0)
    what = (
        f"{_listed(changed)} of the {requests:,} payments before it"
        if changed
        else f"other columns ({', '.join(map(str, other[:4]))})"
    )
    return f"With every event from {cutoff.get('cutoff')} on {done}, `{features}` changed {what}"


# -- parity ----------------------------------------------------------------------------------------------
@_serving_check("offline_online_parity", "Serving computes what training computed")
def check_offline_online_parity(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "offline_online_parity")
    facts, early = _probe(ctx, "parity", "offline_online_parity")
    if early is not None:
        return early
    features, serve, model = _names(ctx)
    compared = int(facts.get("compared") or 0)
    offline_path = f"`{features}` on the whole log, then `{model}.predict_proba`"
    if compared == 0:
        errors = facts.get("errors") or [{}]
        return Outcome(
            Verdict.FAIL,
            (
                f"`{serve}` returned no score for any of the {int(facts.get('sampled') or 0)} replayed "
                "payments "
                f"(first error: {errors[0].get('error')}), so nothing could be compared with "
                f"{offline_path}. {hint}"
            ),
        )
    counts = {kind: int(facts.get(f"n_{kind}") or 0) for kind in ("code", "late", "log")}
    tolerance = ctx.manifest.serving.tolerance if ctx.manifest.serving else 1e-6
    explained = _explained_text(counts, features)
    if counts["code"]:
        first = (facts.get("code") or [{}])[0]
        if first.get("columns") is None:
            why = f"`{features}` fails on the stored history, so `{serve}` computes features another way"
        else:
            why = f"`{features}` and `{model}` score the same history otherwise: `{serve}` computes its own"
        observed = (
            f"`{serve}` scored {counts['code']} of {compared} replayed July payments differently from "
            f"{offline_path}: {first.get('id')} got {_score(first.get('online'))} online and "
            f"{_score(first.get('offline'))} offline ({why})"
        )
        allowed = float(params.get("max_mismatch_share", 0.0))
        return Outcome(
            Verdict.FAIL if counts["code"] / compared > allowed else Verdict.WARN,
            (
                f"{observed}.{explained} The model learnt from what the offline path computes; in production "
                f"it would get something else. Make `{serve}` call `{features}` on a one-row frame and the "
                f"model, and nothing else. {hint}"
            ),
            (Finding(None, None, observed, {"mismatches": list(facts.get("code") or [])}),),
        )
    stopped = facts.get("stopped_after")
    same = compared - counts["late"] - counts["log"]
    scope = f"{same} of {compared} replayed July payments" + (
        f" (the replay stopped after {int(stopped)}: serving was slow)" if stopped else ""
    )
    return Outcome(
        Verdict.PASS,
        f"`{serve}` gave {scope} the score {offline_path} gives them (within {tolerance:g}).{explained}",
    )


def _explained_text(counts: Mapping[str, int], features: str) -> str:
    """The differences that are not the serving code's: late data, and log rows no store holds."""
    text = ""
    if counts["late"]:
        text += (
            f" {counts['late']} differed only because some of the user's payments had not arrived yet when "
            "the payment was scored (late events: the online store did not hold them); that skew is the "
            "data's."
        )
    if counts["log"]:
        text += (
            f" {counts['log']} differed because `{features}` on the whole log reads rows no store holds when "
            "a payment is served (later events, or the payment itself: the point-in-time check's finding); "
            "from the same history, the serving code computes what the offline code computes."
        )
    return text


# -- batch invariance ------------------------------------------------------------------------------------
@_serving_check("batch_invariance", "A score does not depend on the batch")
def check_batch_invariance(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "batch_invariance")
    facts, early = _probe(ctx, "batch", "batch_invariance")
    if early is not None:
        return early
    features, serve, model = _names(ctx)
    together = int(facts.get("requests") or 0)
    if facts.get("together_error"):
        observed = (
            f"`{features}` then `{model}.predict_proba` raised on {together:,} July payments scored together "
            f"({facts['together_error']}), though the model was trained on the same function's output"
        )
        return _batch_failure(observed, hint)
    for key, alone in (("single", "alone"), ("chunks", "in a shuffled batch of 7")):
        part = facts.get(key) or {}
        if part.get("n_errors"):
            observed = (
                f"`{features}` then `{model}.predict_proba` failed on payments scored {alone} "
                f"({int(part['n_errors'])} of {int(part.get('batches') or 0)} batches; "
                f"{(part.get('errors') or ['?'])[0]}), though they scored among {together:,}"
            )
            return _batch_failure(observed, hint)
        if part.get("n_differ"):
            first = (part.get("differ") or [{}])[0]
            observed = (
                f"Payment {first.get('id')} scored {_score(first.get('alone'))} {alone} and "
                f"{_score(first.get('together'))} among {together:,} ({int(part['n_differ'])} of "
                f"{int(part.get('requests') or 0)} payments differ)"
            )
            return _batch_failure(observed, hint)
    fits = facts.get("fits") or []
    if fits:
        named = ", ".join(
            f"{fit.get('estimator')}.{fit.get('method')}"
            + (f" on {int(fit['n_rows']):,} rows" if isinstance(fit.get("n_rows"), int) else "")
            + f" ({int(fit.get('calls') or 0)} times)"
            for fit in fits[:3]
        )
        calls = int(facts.get("fit_probe_calls") or 0)
        observed = f"`{serve}` fitted while serving: {named}, in {calls} calls"
        return Outcome(
            Verdict.FAIL,
            (
                f"{observed}. Serving must apply what training fitted, never fit: a refit per request costs "
                "latency, and on other data it learns other parameters than the model was trained with. Fit "
                f"once, at training time, and keep the fitted objects. {hint}"
            ),
            (Finding(None, None, observed, {"fits": list(fits)}),),
        )
    return Outcome(
        Verdict.PASS,
        (
            f"Every payment got the same score alone, in shuffled batches of 7 and among {together:,}, and "
            f"`{serve}` fitted nothing while serving."
        ),
    )


def _batch_failure(observed: str, hint: str) -> Outcome:
    return Outcome(
        Verdict.FAIL,
        (
            f"{observed}. A score that depends on which other requests share the batch cannot be reproduced "
            "online, where requests come one at a time: get_dummies without a fixed category list, a mean or "
            f"a scaling over the batch, or a fit inside the feature function all do this. {hint}"
        ),
        (Finding(None, None, observed),),
    )


# -- robustness ------------------------------------------------------------------------------------------
@_serving_check("serving_robustness", "Serving survives what training never had")
def check_serving_robustness(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "serving_robustness")
    facts, early = _probe(ctx, "robustness", "serving_robustness")
    if early is not None:
        return early
    _, serve, _ = _names(ctx)
    failures = [f"{case['case']} ({case['error']})" for case in facts.get("cases") or [] if case.get("error")]
    parity = (ctx.serving or {}).get("parity") or {}
    if isinstance(parity, Mapping) and parity.get("n_errors"):
        errors = parity.get("errors") or [{}]
        categories = sorted({str(e.get("category")) for e in errors if e.get("category") is not None})
        failures.append(
            f"{int(parity['n_errors'])} of {int(parity.get('sampled') or 0)} replayed July payments "
            f"({errors[0].get('error')}; merchant categories {', '.join(categories[:4])})"
        )
    if failures:
        observed = f"`{serve}` raised on " + "; on ".join(failures)
        return Outcome(
            Verdict.FAIL,
            (
                f"{observed}. In production an exception is a payment nobody scored. New categories, missing "
                f"fields, new users and late events are ordinary days for a serving path. {hint}"
            ),
            (Finding(None, None, observed),),
        )
    cases = ", ".join(str(case.get("case")) for case in facts.get("cases") or [])
    return Outcome(
        Verdict.PASS, f"`{serve}` returned a probability for {cases}, and for every replayed payment."
    )


# -- latency ---------------------------------------------------------------------------------------------
@_serving_check("serving_latency", "Serving fits the latency budget")
def check_serving_latency(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "serving_latency")
    serving = ctx.serving or {}
    if serving.get("missing"):
        return _probe(ctx, "latency", "serving_latency")[1]  # type: ignore[return-value]
    facts = serving.get("latency") or {}
    _, serve, _ = _names(ctx)
    budget = ctx.manifest.serving
    p50_budget = budget.latency_p50_ms if budget else 20.0
    p99_budget = budget.latency_p99_ms if budget else 100.0
    if not facts.get("calls"):
        return Outcome(
            Verdict.WARN,
            f"heldout could not time `{serve}`: no call returned a score. {hint}",
        )
    p50, p99 = float(facts["p50_ms"]), float(facts["p99_ms"])
    speed = speed_factor(facts.get("calibration_seconds"))
    measured = (
        f"`{serve}` used p50 {p50:.1f} ms and p99 {p99:.1f} ms of CPU time over {int(facts['calls'])} calls"
    )
    stopped = facts.get("stopped_after")
    if stopped:
        measured += f" (heldout stopped replaying after {int(stopped)} calls)"
    budget_text = f"the budget is p50 {p50_budget:g} ms, p99 {p99_budget:g} ms"
    if speed > 1.0:
        # The budgets hold on the reference machine; this one ran heldout's calibration slower.
        budget_text += (
            f", here {speed:.1f}x that, as this machine ran heldout's calibration {speed:.1f}x slower"
        )
        p50_budget, p99_budget = p50_budget * speed, p99_budget * speed
    factor = float(params.get("fail_factor", 5.0))
    if p99 > factor * p99_budget or p50 > factor * p50_budget:
        verdict = Verdict.FAIL
        advice = f"more than {factor:g} times over budget"
    elif p99 > p99_budget or p50 > p50_budget:
        verdict = Verdict.WARN
        advice = "over budget"
    else:
        return Outcome(Verdict.PASS, f"{measured}; {budget_text}.")
    return Outcome(
        verdict,
        (
            f"{measured}: {advice} ({budget_text}). CPU time is what the call itself computed, so other "
            "work on the grading machine does not count against you. Look up the user's history only, "
            f"compute a few aggregates, and keep everything else fitted and precomputed. {hint}"
        ),
        (Finding(None, None, measured, {"p50_ms": p50, "p99_ms": p99, "speed_factor": speed}),),
    )


# -- label maturity --------------------------------------------------------------------------------------
@register("label_maturity", "The model learnt from labels that were known")
def check_label_maturity(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "label_maturity")
    model = ctx.manifest.contract.model
    label = ctx.manifest.dataset.label
    if ctx.model_fit is None:
        return Outcome(
            Verdict.WARN,
            f"heldout did not see `{model}` being fitted, so it cannot tell which labels it learnt from. "
            f"{hint}",
        )
    fit = ctx.trace[ctx.model_fit]
    rows = ctx.trace.row_set(fit)
    if not rows:
        return Outcome(
            Verdict.WARN,
            (
                f"heldout could not follow which rows of the training file `{model}` ({fit.name}, "
                f"{fit.site}) "
                f"learnt from, so it cannot tell which labels were known. {hint}"
            ),
        )
    positions = np.fromiter((r for r in rows if 0 <= r < len(ctx.train_labels)), dtype=np.int64)
    labels = np.asarray(ctx.train_labels, dtype=np.float64)[positions]
    unknown = positions[np.isnan(labels)]
    share = len(unknown) / max(len(positions), 1)
    allowed = float(params.get("max_unknown_share", 0.01))
    if share > allowed:
        frauds = _truly_positive(ctx, unknown, params)
        truth = f", {frauds:,} of which turned out to be fraud" if frauds is not None else ""
        observed = (
            f"{fit.name} ({fit.site}) learnt from {len(positions):,} payments, {len(unknown):,} of them "
            "with no "
            f"label on the extract day (`{label}` empty: the chargeback window was still open){truth}"
        )
        return Outcome(
            Verdict.FAIL,
            (
                f"{observed}. A label that is not known yet is not a negative: filling it with 0 teaches the "
                "model that the newest fraud is legitimate, and the newest fraud is the pattern it most "
                "needs. "
                "Train on payments whose window had closed, or on the known labels only, and say what that "
                "does "
                f"to calibration. {hint}"
            ),
            (Finding(fit.cell, fit.line, observed, {"unknown": len(unknown)}),),
        )
    return Outcome(
        Verdict.PASS,
        (
            f"{fit.name} ({fit.site}) learnt from {len(positions):,} payments"
            + (
                f", {len(unknown):,} with an unknown label"
                if len(unknown)
                else ", every one with a label known on the extract day"
            )
            + "."
        ),
    )


def _truly_positive(ctx: CheckContext, positions: np.ndarray, params: Mapping[str, Any]) -> int | None:
    """How many of these training rows the hidden truth says are positive (None without a truth)."""
    key, column = params.get("truth_key"), params.get("truth_label")
    if ctx.truth is None or ctx.train is None or not key or not column:
        return None
    if key not in ctx.truth or column not in ctx.truth or key not in ctx.train:
        return None
    final = dict(zip(ctx.truth[key].astype(str), ctx.truth[column].astype(str), strict=True))
    ids = ctx.train[key].astype(str).to_numpy()[positions]
    return sum(final.get(i) == str(ctx.manifest.dataset.positive_label) for i in ids)
