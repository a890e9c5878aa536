"""From the data-flow record to findings: one function per finding kind.

Each rule is an error only where the record proves the mistake (the rows a fit saw provably include
rows that were later scored, a threshold provably picked among scores on the reported rows); what the
record suggests but cannot prove is a hint. The rules mirror heldout's runtime checks, which judge the
same properties from a trace of the executed notebook (see ``heldout.checks``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from heldout.lint.catalog import THRESHOLD_METRICS, normalise_metric
from heldout.lint.events import EvalEvent, FitEvent, Record, Report, SplitEvent
from heldout.lint.findings import LintFinding, Severity, location
from heldout.lint.learners import LearnerCalls
from heldout.lint.task import Task
from heldout.lint.values import Estimator, Overlap, RowPath, contained_scores, holds_rows_of, rows_overlap

__all__ = [
    "fit_in_serving_path",
    "forbidden_feature",
    "full_frame_statistic",
    "future_looking_feature",
    "lint_record",
    "metric_choice",
    "mitigation_on_evaluated_rows",
    "multi_test",
    "preprocessing_leak",
    "resampled_evaluation",
    "resampling_overlap",
    "split_choice",
    "unscaled_model",
]

_LEARNS = (
    ("TargetEncoder", "its per-category target rates"),
    ("MinMaxScaler", "its minimums and maximums"),
    ("MaxAbsScaler", "its largest absolute values"),
    ("RobustScaler", "its medians and quartile ranges"),
    ("Scaler", "its means and scales"),
    ("Imputer", "its fill values"),
    ("Encoder", "its categories and their codes"),
    ("Discretizer", "its bin edges"),
    ("PCA", "its components"),
    ("SVD", "its components"),
)
_ROLE_LEARNS = {
    "selector": "which features it kept",
    "transformer": "what it learned",
    "unknown": "what it learned",
}
_WEAK_METRIC_WHY = (
    "It is threshold-free but dominated by the many easy negatives when positives are rare, so a large "
    "value can hide poor precision. Report average precision (PR-AUC) or recall at a fixed precision "
    "next to it."
)


def lint_record(record: Record, task: Task) -> list[LintFinding]:
    """Every rule's findings, one per kind and site (the most severe), in notebook order."""
    analysis = Analysis(record)
    # A mitigator's score on its own rows is the mitigation rule's finding, not a training-score hint.
    mitigated = {e.site for _, e, _ in _mitigator_scores(analysis, task)}
    found = [
        *preprocessing_leak(analysis),
        *resampling_overlap(analysis),
        *resampled_evaluation(analysis),
        *full_frame_statistic(analysis),
        *multi_test(analysis),
        *metric_choice(analysis, task),
        *split_choice(analysis, task),
        *future_looking_feature(analysis),
        *fit_in_serving_path(analysis),
        *mitigation_on_evaluated_rows(analysis, task),
        *forbidden_feature(analysis, task),
        *unscaled_model(analysis, task),
    ]
    found = [f for f in found if not (f.kind == "preprocessing_leak" and f.site in mitigated)]
    return _deduplicate(found)


def _deduplicate(findings: Iterable[LintFinding]) -> list[LintFinding]:
    kept: dict[tuple, LintFinding] = {}
    for finding in findings:
        key = (finding.kind, finding.cell, finding.line)
        if key not in kept or (finding.severity == Severity.ERROR and kept[key].severity != Severity.ERROR):
            kept[key] = finding
    return sorted(kept.values(), key=lambda f: (f.cell or 0, f.line or 0, f.kind))


@dataclass(frozen=True)
class _NoFit:
    role: str = ""


_NO_FIT = _NoFit()


@dataclass(frozen=True)
class Leak:
    fit: FitEvent
    evaluation: EvalEvent
    side: str  # training: behind the model; input: behind the rows it predicted; truth: behind the labels
    overlap: Overlap
    witness: tuple[RowPath, RowPath]


class Analysis:
    """What several rules share: the evaluations, the leaks, the sweeps and the final estimate."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.evaluations = [e for e in record.evals if not self.is_training_score(e)]
        self.sweeps = self._sweeps()
        self.final = self._final()
        # Leaks into the final estimate first: each finding names one evaluation, the one that matters.
        final_ids = {e.id for e in self.final}
        self.leaks = sorted(
            self._leaks(), key=lambda leak: (leak.evaluation.id not in final_ids, leak.evaluation.id)
        )

    def fit(self, fit_id: int | None) -> FitEvent | None:
        return None if fit_id is None else self.record.fits.get(fit_id)

    def is_training_score(self, evaluation: EvalEvent) -> bool:
        model = self.fit(evaluation.model_fit)
        return model is not None and model.rows is not None and model.rows == evaluation.rows

    def _leaks(self) -> Iterable[Leak]:
        for evaluation in self.evaluations:
            if evaluation.rows is None:
                continue
            sides = [(f, "training") for f in sorted(evaluation.training)]
            sides += [(f, "input") for f in sorted(evaluation.input - evaluation.training)]
            # Labels made with a statistic of every row (y = df.price > df.price.mean()): the scored
            # labels depend on the rows they are scored against.
            truth = evaluation.truth - evaluation.training - evaluation.input
            sides += [(f, "truth") for f in sorted(truth) if (self.fit(f) or _NO_FIT).role == "statistic"]
            for fit_id, side in sides:
                fit = self.fit(fit_id)
                if fit is None or fit.rows is None or fit.serving:
                    continue
                if side == "input" and fit.role == "sampler":
                    continue  # a resampled evaluation set: resampled_evaluation's business
                relation, witness = rows_overlap(fit.rows, evaluation.rows)
                if relation is not Overlap.DISJOINT and witness is not None:
                    yield Leak(fit, evaluation, side, relation, witness)

    # -- sweeps and the final estimate ---------------------------------------------------------------
    def _sweeps(self) -> dict[int, list[EvalEvent]]:
        """Held-out evaluations repeated over a loop whose variable changes the predictions, not the rows."""
        sweeps: dict[int, list[EvalEvent]] = {}
        for evaluation in self.evaluations:
            if evaluation.oof or evaluation.via not in ("metric", "score") or evaluation.curve:
                continue
            for loop in sorted(evaluation.enclosing & evaluation.pred_loops - evaluation.rows_loops):
                sweeps.setdefault(loop, []).append(evaluation)
        return sweeps

    @property
    def swept(self) -> set[int]:
        return {e.id for events in self.sweeps.values() for e in events}

    @property
    def report(self) -> Report | None:
        return self.record.reports[-1] if self.record.reports else None

    def _final(self) -> list[EvalEvent]:
        """The evaluations behind the reported estimate; else the last evaluation outside any sweep."""
        if self.report is not None:
            wanted = contained_scores(self.report.estimate)
            reported = [e for e in self.record.evals if e.id in wanted]
            if reported:
                return reported
        swept = self.swept
        scored = [e for e in self.evaluations if e.via != "predict"] or self.evaluations
        candidates = [
            e for e in scored if e.id not in swept and not e.curve and e.via != "search" and not e.oof
        ]
        candidates = candidates or [e for e in scored if e.id not in swept and not e.curve]
        return candidates[-1:]

    @property
    def final_rows(self) -> frozenset | None:
        rows = [e.rows for e in self.final if e.rows is not None]
        return frozenset().union(*rows) if rows else None


# -- leaks -----------------------------------------------------------------------------------------------
def _learns(fit: FitEvent) -> str:
    for fragment, words in _LEARNS:
        if fragment in fit.cls:
            return words
    return _ROLE_LEARNS.get(fit.role, "what it learned")


def _metric_label(evaluation: EvalEvent) -> str:
    return evaluation.label


def _fitted(fit: FitEvent) -> str:
    if fit.role == "statistic":
        return f"The {fit.cls} in `{fit.subject}`"
    name = fit.subject_name
    return f"{fit.cls} `{name}`" if name else fit.cls


def _parts(split) -> str:
    names = [n for n in split.part_names if n]
    if len(names) == 2:
        return f"`{names[0]}`/`{names[1]}`"
    return f"parts by {split.cls}"


def _relation(leak: Leak, record: Record) -> str:
    """How the fitted rows relate to the scored ones, in the notebook's own names and sites."""
    fit, evaluation = leak.fit, leak.evaluation
    fit_path, scored_path = leak.witness
    fitted = (
        f"{'computed' if fit.role == 'statistic' else 'fitted'} on `{fit.data_name}` ({location(fit.site)})"
    )
    scored = f"`{evaluation.subject}`"
    by = f"{_metric_label(evaluation)} ({location(evaluation.site)})"
    if leak.overlap is Overlap.UNKNOWN:
        return (
            f"is {fitted}, and {scored}, scored by {by}, comes from another split of the same "
            "rows, so the two most likely share rows"
        )
    if fit_path == scored_path:
        return f"is {fitted}, the very rows {by} scores"
    if len(fit_path) < len(scored_path):
        key, side = scored_path[len(fit_path)]
        split = record.splits.get(key)
        if split is None:
            return f"is {fitted}, which contains the rows of {scored}; {scored} is later evaluated by {by}"
        if split.order > fit.order:
            return (
                f"is {fitted} before `{split.source_name}` is split into {_parts(split)} "
                f"({location(split.site)}); {scored} is later evaluated by {by}"
            )
        held_out = split.part_names[side]
        part = f"`{held_out}`" if held_out else f"a part split off by {split.cls}"
        return (
            f"is {fitted}, which still holds the rows of {part} ({location(split.site)}); "
            f"{scored} is evaluated by {by}"
        )
    if holds_rows_of(fit_path, scored_path):
        return f"is {fitted}, which holds every row of {scored} that {by} scores"
    return f"is {fitted}, part of the rows of {scored} that {by} scores"


def _leak_message(leak: Leak, record: Record, why: str) -> str:
    return f"{_fitted(leak.fit)} {_relation(leak, record)}. {why}"


def _proven(*events: FitEvent | EvalEvent | SplitEvent) -> bool:
    """Nothing in the chain sits under a branch the code may not take."""
    return not any(event.conditional for event in events)


def _severity(leak: Leak) -> Severity:
    # A class heldout does not know (Keras, statsmodels, the notebook's own factory) is judged by what
    # the code does with it: fitted on rows, then used on rows among them, it learned from them.
    proven = leak.overlap is Overlap.PROVEN and _proven(leak.fit, leak.evaluation)
    return Severity.ERROR if proven else Severity.HINT


def _unknown_note(fit: FitEvent, *others: EvalEvent) -> str:
    """Why a finding is only a hint, or how heldout read a class it does not know."""
    if not _proven(fit, *others):
        return " (this runs under a condition the code alone does not decide, so it is a hint)"
    if not fit.known:
        return (
            f" (heldout does not know {fit.cls}; it is judged by its fit, which learns from the rows it is "
            "given)"
        )
    return ""


def preprocessing_leak(analysis: Analysis) -> list[LintFinding]:
    """A transformer, selector or model fitted on rows that are later scored (or the reported score is
    a training score)."""
    findings = []
    for leak in analysis.leaks:
        fit = leak.fit
        if fit.role in ("sampler", "statistic"):
            continue
        if fit.id == leak.evaluation.model_fit:  # the scored model itself, whatever its class
            why = (
                "The model has seen rows it is scored on, so the score measures memory, not generalisation. "
                "Fit it on the training part only and score the held-out part; refit on all rows only "
                "after the estimate is settled."
            )
        elif fit.role in ("model", "search"):
            why = (
                "Its predictions are features of the model you evaluate, and it learned them from the "
                "evaluated rows. Fit it on the training part only (inside a Pipeline it is refitted per "
                "fold)."
            )
        else:
            learns = _learns(fit)
            why = (
                f"{learns[0].upper() + learns[1:]} came partly from the rows you evaluate on, so the "
                "estimate is optimistic and will not hold on new data. Fit it on the training part only: put "
                "it in a Pipeline, which cross_val_score and GridSearchCV refit inside each training fold, "
                "or fit on the training part and only transform the rest."
            )
        subject = fit.subject_name or fit.cls
        message = _leak_message(leak, analysis.record, why) + _unknown_note(fit, leak.evaluation)
        findings.append(LintFinding.of("preprocessing_leak", _severity(leak), fit.site, subject, message))
    findings.extend(_reported_training_score(analysis))
    return findings


def _reported_training_score(analysis: Analysis) -> list[LintFinding]:
    training_scores = [e for e in analysis.final if analysis.is_training_score(e)]
    if analysis.report is None:
        training_scores = [e for e in analysis.record.evals if analysis.is_training_score(e)]
        if analysis.evaluations or not training_scores:
            return []
        severity = Severity.HINT  # the only score in the notebook, though not declared as the estimate
    else:
        severity = Severity.ERROR
    findings = []
    for evaluation in training_scores[:1]:
        model = analysis.fit(evaluation.model_fit)
        assert model is not None
        if not _proven(model, evaluation):
            severity = Severity.HINT
        message = (
            f"{'Your reported estimate' if severity is Severity.ERROR else 'The only score here'} is "
            f"{_metric_label(evaluation)} ({location(evaluation.site)}) computed on `{evaluation.subject}`, "
            f"the very rows {model.cls} was fitted on ({location(model.site)}). A score on training rows "
            "measures memory, not generalisation. Report a score on rows the model never saw (a held-out "
            "split or cross-validation)."
        )
        findings.append(
            LintFinding.of("preprocessing_leak", severity, evaluation.site, evaluation.subject, message)
        )
    return findings


def resampling_overlap(analysis: Analysis) -> list[LintFinding]:
    """A sampler run on rows that are later scored: resampling before the split or the folds."""
    findings = []
    for leak in analysis.leaks:
        if leak.fit.role != "sampler":
            continue
        why = (
            "Resampling before the split lets copies or interpolations of evaluated rows into training, so "
            "the model is scored on rows it has effectively seen. Resample inside each training fold only: "
            "an imblearn Pipeline (make_pipeline(SMOTE(), model)) does this for cross_val_score and "
            "GridSearchCV."
        )
        message = _leak_message(leak, analysis.record, why) + _unknown_note(leak.fit, leak.evaluation)
        subject = leak.fit.subject_name or leak.fit.cls
        findings.append(
            LintFinding.of("resampling_overlap", _severity(leak), leak.fit.site, subject, message)
        )
    return findings


def resampled_evaluation(analysis: Analysis) -> list[LintFinding]:
    """Scores computed on rows a sampler rebalanced after the split (a balanced test set)."""
    blamed = {leak.fit.id for leak in analysis.leaks if leak.fit.role == "sampler"}
    findings = []
    for evaluation in analysis.evaluations:
        for fit_id in sorted((evaluation.input | evaluation.truth) - evaluation.training):
            sampler = analysis.fit(fit_id)
            if sampler is None or sampler.role != "sampler" or sampler.id in blamed or sampler.serving:
                continue
            message = (
                f"{_fitted(sampler)} resampled `{sampler.data_name}` ({location(sampler.site)}) before "
                f"{_metric_label(evaluation)} ({location(evaluation.site)}) scored it, so the evaluated rows "
                "no longer have the natural class ratio. Production traffic arrives at that ratio; a score "
                "on rebalanced or synthetic rows says little about it (precision especially is inflated). "
                "Resample the training part only and evaluate on the untouched test rows."
                + _unknown_note(sampler, evaluation)
            )
            severity = Severity.ERROR if sampler.known and _proven(sampler, evaluation) else Severity.HINT
            findings.append(
                LintFinding.of("resampled_evaluation", severity, evaluation.site, evaluation.subject, message)
            )
    return findings


def full_frame_statistic(analysis: Analysis) -> list[LintFinding]:
    """A statistic across rows (mean, median, quantile, group means) that includes rows later scored."""
    findings = []
    for leak in analysis.leaks:
        if leak.fit.role != "statistic":
            continue
        why = (
            "It came partly from the rows you evaluate on: the same leak as a scaler or imputer fitted on "
            "all rows, so the estimate is optimistic. Compute it on the training part and apply that value "
            "to the other parts, or use the matching transformer (SimpleImputer, StandardScaler, "
            "TargetEncoder) inside a Pipeline."
        )
        message = _leak_message(leak, analysis.record, why) + _unknown_note(leak.fit, leak.evaluation)
        findings.append(
            LintFinding.of(
                "full_frame_statistic", _severity(leak), leak.fit.site, leak.fit.subject or "", message
            )
        )
    return findings


# -- several candidates scored on the test rows ----------------------------------------------------------
def multi_test(analysis: Analysis) -> list[LintFinding]:
    """Thresholds or models compared by their score on the rows of the final estimate, the best kept."""
    record = analysis.record
    findings = []
    final_rows = analysis.final_rows
    for loop_id, events in analysis.sweeps.items():
        rows = [e.rows for e in events if e.rows is not None]
        if not rows:
            continue
        swept_rows = frozenset().union(*rows)
        compared_with = final_rows if final_rows is not None else swept_rows
        relation, _ = rows_overlap(swept_rows, compared_with)
        if relation is not Overlap.PROVEN:
            continue
        loop = record.loops[loop_id]
        first = events[0]
        picked = [record.selections[e.id] for e in events if e.id in record.selections]
        final_is_sweep = not analysis.final or all(e in events for e in analysis.final)
        if final_is_sweep:
            against = "the best of those scores is the notebook's result"
        else:
            final = analysis.final[0]
            label = "your reported estimate" if analysis.report is not None else "your final estimate"
            against = f"{label}, {_metric_label(final)} ({location(final.site)}), scores the same rows"
        observed = (
            f"{_metric_label(first)} ({location(first.site)}) scores one candidate per `{loop.target}` "
            f"(loop at {location(loop.site)}) on `{first.subject}`"
        )
        if first.metric not in THRESHOLD_METRICS and first.via == "metric":
            # A threshold-free score (average precision, ROC-AUC, an error) cannot move with a threshold:
            # what the loop varies is the model, so the choice is a model chosen on the final rows.
            findings.append(_model_selection(observed, against, picked, events, loop.target))
            continue
        if picked:
            message = (
                f"{observed}, the best is picked at {location(picked[0])}, and {against}. A threshold or "
                "model chosen by its score on the evaluation rows is fitted to them, so the number you "
                "report is optimistic. Choose it on a validation split or out-of-fold predictions "
                "(cross_val_predict, TunedThresholdClassifierCV) and keep the test rows for one final number."
            )
            severity = Severity.ERROR if _proven(*events) else Severity.HINT
        else:
            message = (
                f"{observed}, and {against}. heldout sees no choice made from these scores; if you pick a "
                "threshold or a model by them, you tune on the evaluation rows. Compare candidates on a "
                "validation split or out-of-fold predictions instead."
            )
            severity = Severity.HINT
        findings.append(LintFinding.of("multi_test", severity, first.site, loop.target, message))
    findings.extend(_curves_on_final_rows(analysis, final_rows))
    return findings


def _model_selection(
    observed: str, against: str, picked: list, events: list[EvalEvent], subject: str
) -> LintFinding:
    first = events[0]
    if picked:
        message = (
            f"{observed}, the best is picked at {location(picked[0])}, and {against}. The best of several "
            "scores on the same rows is optimistic even when every model was fitted honestly: it was "
            "chosen because it was lucky there. Compare models with cross-validation or on a validation "
            "split, then score only the chosen one on the test rows, once."
        )
        severity = Severity.ERROR if _proven(*events) else Severity.HINT
    else:
        message = (
            f"{observed}, and {against}. heldout sees no choice made from these scores; if you pick a "
            "model by them, you choose on the evaluation rows. Compare models with cross-validation or "
            "on a validation split instead."
        )
        severity = Severity.HINT
    return LintFinding.of("model_selection", severity, first.site, subject, message)


def _curves_on_final_rows(analysis: Analysis, final_rows: frozenset | None) -> list[LintFinding]:
    findings = []
    for curve in analysis.evaluations:
        if not curve.curve or curve.oof or curve.rows is None or final_rows is None:
            continue
        if rows_overlap(curve.rows, final_rows)[0] is not Overlap.PROVEN:
            continue
        observed = (
            f"{curve.metric} ({location(curve.site)}) computes a threshold curve on `{curve.subject}`, the "
            "rows of your final estimate"
        )
        picked = analysis.record.selections.get(curve.id)
        if picked is not None:
            message = (
                f"{observed}, and a threshold is read off it at {location(picked)}. A threshold chosen on "
                "the evaluation rows is fitted to them: the precision and recall you report at it are "
                "optimistic. Choose it on a validation split or out-of-fold predictions (cross_val_predict, "
                "TunedThresholdClassifierCV) and keep the test rows for the final number."
            )
            severity = Severity.ERROR if _proven(curve) else Severity.HINT
        else:
            message = (
                f"{observed}; no threshold is read off it here, so this looks like a plot. Make sure the "
                "threshold itself was chosen on other rows."
            )
            severity = Severity.HINT
        findings.append(LintFinding.of("multi_test", severity, curve.site, curve.metric, message))
    return findings


# -- the headline metric and the split ----------------------------------------------------------------
def _rarity(record: Record) -> tuple[bool, bool, str]:
    """(proven, suggested, where): does the code itself say the positive class is rare?"""
    proven = [e for e in record.rarity if e.proven]
    if proven:
        where = f" (the code says the positive class is rare: {proven[0].text}, {location(proven[0].site)})"
    elif record.rarity:
        chosen = record.rarity[0]
        where = (
            f" (the code suggests imbalanced classes: {chosen.text}, {location(chosen.site)}; heldout cannot "
            "tell how rare the positives are, so this is a hint)"
        )
    else:
        where = ""
    return bool(proven), bool(record.rarity), where


def metric_choice(analysis: Analysis, task: Task) -> list[LintFinding]:
    """Accuracy (or, for a scenario that says so, a weak metric) as the headline on a rare class."""
    report = analysis.report
    effective = declared = None
    site = None
    if report is not None:
        site, declared = report.site, report.metric
        reported = [e for e in analysis.final if e.id in contained_scores(report.estimate)]
        if reported and reported[0].via == "score" and reported[0].classifier:
            effective = "accuracy_score"
        elif declared:
            effective = normalise_metric(declared)
        elif reported:
            effective = normalise_metric(reported[0].metric)
    elif analysis.final:
        final = analysis.final[0]
        site, declared = final.site, final.metric
        effective = (
            "accuracy_score" if final.via == "score" and final.classifier else normalise_metric(final.metric)
        )
    if effective is None or site is None:
        return []
    shown = declared or effective
    wrong_why = (
        f"Your headline metric is {shown} ({location(site)}). With a rare positive class, a model that never "
        "flags anything scores close to 100 % accuracy: the number cannot tell a useless model from a good "
        "one. Report average precision (PR-AUC), recall at a fixed precision, or an expected cost."
    )
    certain = _proven(*analysis.final)
    if task.wrong_metrics or task.weak_metrics:
        if effective in task.wrong_metrics and certain:
            message = wrong_why + f" (scenario {task.scenario} grades this as headline_metric)"
            return [LintFinding.of("metric_choice", Severity.ERROR, site, shown, message)]
        if effective in task.wrong_metrics:
            message = wrong_why + " (it is computed under a condition the code alone does not decide)"
            return [LintFinding.of("metric_choice", Severity.HINT, site, shown, message)]
        if effective in task.weak_metrics:
            message = f"Your headline metric is {shown} ({location(site)}). {_WEAK_METRIC_WHY}"
            return [LintFinding.of("metric_choice", Severity.HINT, site, shown, message)]
        return []
    if effective != "accuracy_score":
        return []
    proven, suggested, where = _rarity(analysis.record)
    if not suggested:
        return []
    severity = Severity.ERROR if proven and certain else Severity.HINT
    return [LintFinding.of("metric_choice", severity, site, shown, wrong_why + where)]


def split_choice(analysis: Analysis, task: Task) -> list[LintFinding]:
    """A random split or folds without stratification on a rare-class task."""
    proven, suggested, where = _rarity(analysis.record)
    if task.stratify:
        severity, where = Severity.ERROR, f" (scenario {task.scenario} grades this as stratified_split)"
    elif proven:
        severity = Severity.ERROR
    elif suggested:
        severity = Severity.HINT
    else:
        return []
    findings = []
    for split in analysis.record.unstratified:
        how = (
            "without stratify="
            if split.cls == "train_test_split"
            else f"with {split.cls}, without stratification"
        )
        message = (
            f"{split.cls} ({location(split.site)}) splits `{split.source_name}` {how}. With a rare positive "
            "class, a random split leaves each part, and each fold, with a different share of positives, so "
            "scores swing from split to split and a fold can hold almost none. Pass stratify=y to "
            "train_test_split and use StratifiedKFold (cv=5 with a classifier is stratified already)." + where
        )
        certain = severity if _proven(split) else Severity.HINT
        findings.append(LintFinding.of("split_choice", certain, split.site, split.cls, message))
    return findings


# -- look-ahead features and fits at serving time -------------------------------------------------------
def future_looking_feature(analysis: Analysis) -> list[LintFinding]:
    findings = []
    for use in analysis.record.future_uses:
        column = f"column `{use.column}`" if use.column else "values"
        message = (
            f"{use.what} ({location(use.future_site)}) makes {column} from later rows, and they reach the "
            f"features {use.fit_cls} is fitted on ({location(use.fit_site)}). At prediction time the later "
            "rows do not exist yet, so the model learns from information it will never have and the estimate "
            "is optimistic. Build features from past rows only (shift(1), a rolling window ending at the "
            "current row); a look-ahead belongs in the target, not in X."
        )
        if not use.certain:
            message += " (heldout could not follow every column selection on the way, so this is a hint)"
        severity = Severity.ERROR if use.certain else Severity.HINT
        findings.append(
            LintFinding.of(
                "future_looking_feature", severity, use.future_site, use.column or use.what, message
            )
        )
    return findings


def fit_in_serving_path(analysis: Analysis) -> list[LintFinding]:
    """A fit (or a statistic) inside the function that prepares rows at prediction time."""
    findings = []
    for fit in analysis.record.fits.values():
        if fit.serving is None or fit.rows is None:
            continue
        if rows_overlap(fit.rows, frozenset({(f"serving:{fit.serving}",)}))[0] is not Overlap.PROVEN:
            continue
        if fit.role == "statistic":
            what = f"computes {fit.subject} over the rows it is given ({location(fit.site)})"
            severity = Severity.HINT
        else:
            what = f"fits {_fitted(fit)} on the rows it is given ({location(fit.site)})"
            severity = Severity.ERROR if fit.known and _proven(fit) else Severity.HINT
        message = (
            f"`{fit.serving}` {what}. It runs at prediction time, so each batch of new rows is prepared with "
            "statistics of that batch instead of the training data: the same row gets different features in "
            "different batches, and a batch of one row breaks it. Fit once on the training part outside the "
            "function and only transform inside it."
        )
        subject = fit.subject_name or fit.cls
        findings.append(LintFinding.of("fit_in_serving_path", severity, fit.site, subject, message))
    return findings


# -- fairness mitigation ----------------------------------------------------------------------------------
def _mitigator_scores(analysis: Analysis, task: Task) -> Iterable[tuple[FitEvent, EvalEvent, Overlap]]:
    """Each scoring of a mitigator's predictions on rows that may be among those it was fitted on."""
    for evaluation in analysis.record.evals:
        fit = analysis.fit(evaluation.model_fit)
        if fit is None or fit.cls not in task.mitigators or fit.rows is None or evaluation.rows is None:
            continue
        if fit.serving or evaluation.via == "predict":
            continue
        relation, witness = rows_overlap(fit.rows, evaluation.rows)
        if relation is not Overlap.DISJOINT and witness is not None:
            yield fit, evaluation, relation


def mitigation_on_evaluated_rows(analysis: Analysis, task: Task) -> list[LintFinding]:
    """A mitigator (a threshold optimiser, a reduction) measured on rows it was fitted on.

    The leak rule lets a model's score on its own fit rows pass as a training-score diagnostic; a
    mitigator meets its constraint on its fit rows by construction, so its figures there are the mistake.
    """
    findings = []
    for fit, evaluation, relation in _mitigator_scores(analysis, task):
        proven = relation is Overlap.PROVEN and _proven(fit, evaluation)
        message = (
            f"{_fitted(fit)} is fitted on `{fit.data_name}` ({location(fit.site)}), and "
            f"{_metric_label(evaluation)} ({location(evaluation.site)}) measures it on "
            f"`{evaluation.subject}`, rows it learned from. A mitigator fitted on the rows it is measured "
            "on meets its constraint there by construction, so the figure says nothing about new rows. Fit "
            "the mitigation on the training split only and measure it on the validation split."
        )
        if relation is Overlap.UNKNOWN:
            message += " (the two come from different splits of the same rows, so this is a hint)"
        elif not proven:
            message += " (this runs under a condition the code alone does not decide, so it is a hint)"
        severity = Severity.ERROR if proven else Severity.HINT
        subject = fit.subject_name or fit.cls
        findings.append(LintFinding.of("mitigation_on_evaluated_rows", severity, fit.site, subject, message))
    return findings


# -- columns the scenario forbids as inputs ---------------------------------------------------------------
def _columns_of(estimator: object, depth: int = 0) -> list[str]:
    """Columns a fitted estimator's ColumnTransformers name, through pipelines and wrapped estimators."""
    if not isinstance(estimator, Estimator) or depth > 6:
        return []
    parts = [*estimator.steps, *([estimator.inner] if estimator.inner is not None else [])]
    return [*estimator.columns, *(c for part in parts for c in _columns_of(part, depth + 1))]


def forbidden_feature(analysis: Analysis, task: Task) -> list[LintFinding]:
    """A model fitted on a column the manifest forbids (personal data, a protected attribute).

    A ColumnTransformer that hands a named column to a transformer it keeps makes that column a model
    input: the fit fails if the column is missing. Columns the code selects otherwise are not followed.
    """
    forbidden = {column: (kind, why) for column, kind, why in task.forbidden_columns}
    if not forbidden:
        return []
    fitted = [
        (fit.site, fit.owner, f"{_fitted(fit)} (fitted at {location(fit.site)})", fit.conditional)
        for fit in analysis.record.fits.values()
        if fit.role in ("model", "search") and not fit.serving
    ]
    validated = [
        (
            site,
            estimator,
            f"{LearnerCalls.display(estimator)} (cross-validated at {location(site)})",
            conditional,
        )
        for site, estimator, _lineage, conditional in analysis.record.validated
    ]
    findings = []
    for site, estimator, shown, conditional in [*fitted, *validated]:
        for column in dict.fromkeys(_columns_of(estimator)):
            if column not in forbidden:
                continue
            kind, why = forbidden[column]
            advice = (
                "Keep it out of the features; pass it to fairlearn as sensitive_features and to your group "
                "metrics, which is what it is for."
                if kind == "protected_attribute_feature"
                else "Drop it before the model: it is not a legitimate input at decision time."
            )
            message = (
                f"{shown} takes `{column}` as an input ({why}): its "
                f"ColumnTransformer hands the column to a transformer it keeps. {advice} (scenario "
                f"{task.scenario} forbids `{column}` as an input)"
            )
            severity = Severity.HINT if conditional else Severity.ERROR
            if conditional:
                message += " (this runs under a condition the code alone does not decide, so it is a hint)"
            elif getattr(estimator, "name", None) != task.model:
                # The grader probes the served model for its inputs; another model taking the column is
                # worth a look (a comparison, an audit), not a proof about what is served.
                message += f" (this is not the served `{task.model}`, so it is a hint)"
                severity = Severity.HINT
            findings.append(LintFinding.of(kind, severity, site, column, message))
    return findings


# -- scale-sensitive models without scaling -------------------------------------------------------------
def _unscaled_step(estimator: object, task: Task, depth: int = 0) -> tuple[str | None, bool]:
    """(the first scale-sensitive class in the estimator, whether a scaler comes before it)."""
    if not isinstance(estimator, Estimator) or depth > 6:
        return None, False
    if estimator.cls in task.scale_sensitive:
        return estimator.cls, False
    if estimator.cls in task.scalers:
        return None, True
    scaled = False
    parts = [*estimator.steps, *([estimator.inner] if estimator.inner is not None else [])]
    for part in parts:
        sensitive, part_scaled = _unscaled_step(part, task, depth + 1)
        if sensitive is not None:
            return sensitive, scaled or part_scaled
        # A ColumnTransformer or union that scales any of its parts: heldout cannot tell which
        # columns are left as they are, so it counts as scaled (a warning is better than a false alarm).
        scaled = scaled or part_scaled
    return None, scaled


def _may_scale(fit: FitEvent, task: Task) -> bool:
    """A fitted scaler, or a fit whose effect heldout cannot read (a class of the notebook's own, a
    hand-written z-score from a mean and a standard deviation)."""
    if any(scaler in fit.cls for scaler in task.scalers):
        return True
    return fit.role in ("statistic", "unknown") or not fit.known


def unscaled_model(analysis: Analysis, task: Task) -> list[LintFinding]:
    """A distance-, gradient- or penalty-based model fitted with no scaler upstream of it.

    Only where the manifest grades scaling, which says the columns' units differ: elsewhere the code
    alone cannot know their spreads (pixels divided by 255, columns on one scale already), and a hint
    on every such model would be noise. Under a condition the code does not decide, it is a hint.
    """
    if not task.units_differ:
        return []
    fits = analysis.record.fits
    candidates = [
        (fit.site, fit.owner, fit.lineage, f"fitted at {location(fit.site)}", fit.conditional)
        for fit in fits.values()
        if fit.role in ("model", "search") and not fit.serving
    ]
    candidates += [
        (site, estimator, lineage, f"cross-validated at {location(site)}", conditional)
        for site, estimator, lineage, conditional in analysis.record.validated
    ]
    findings = []
    for site, estimator, lineage, where, conditional in candidates:
        sensitive, scaled = _unscaled_step(estimator, task)
        if sensitive is None or scaled:
            continue
        upstream = [fits[f] for f in lineage if f in fits]
        if any(_may_scale(fit, task) for fit in upstream):
            continue  # scaled, or maybe scaled, before it reached the model
        message = (
            f"{sensitive} ({where}) learns from features no scaler touched on the way: it compares "
            "features by distance, by gradient steps or through a penalty on coefficients, so a column "
            "measured in large units weighs more than one in small units, whatever either is worth. Put a "
            "StandardScaler before it in the same Pipeline, so it is fitted inside each training fold."
        )
        message += f" (scenario {task.scenario} says its columns' units differ)"
        severity = Severity.ERROR
        if conditional:
            message += "; this runs under a condition the code alone does not decide, so it is a hint"
            severity = Severity.HINT
        findings.append(LintFinding.of("unscaled_model", severity, site, sensitive, message))
    return findings
