"""Which model an evaluation scored, as the candidate chose it: the estimator inside a Pipeline or a
search, with the configuration and columns the tracer recorded for the candidate's own fits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from heldout.checks.evaluations import EvaluationAnalysis
from heldout.trace.model import Event, Trace

__all__ = ["ScoredModel", "final_estimator", "scored_model"]


@dataclass(frozen=True)
class ScoredModel:
    fit: Event  # the fit the candidate called (a Pipeline, a search or a bare estimator)
    estimator: str  # the class that makes the predictions: a Pipeline's last step, a search's refit
    config: str | None  # as scikit-learn prints it (changed parameters only), cut for messages
    config_key: str | None  # a digest of the whole printed form
    columns: tuple[str, ...] | None

    @property
    def key(self) -> tuple[str, str | None, tuple[str, ...] | None]:
        """Two fits with the same key are the same experiment (refitting it is not a new model)."""
        return (self.estimator, self.config_key or self.config, self.columns)

    def describe(self) -> str:
        return self.config or self.estimator


def final_estimator(trace: Trace, fit: Event) -> Event:
    """The fit that makes the predictions: through Pipelines to their last step, through a search to
    its refit (the last fit it made)."""
    while fit.get("role") in ("pipeline", "search"):
        inner = [c for c in trace.children(fit.id) if c.kind == "fit" and c.get("role") != "sampler"]
        if not inner:
            break
        fit = inner[-1]
    return fit


def scored_model(analysis: EvaluationAnalysis, metric: Event) -> ScoredModel | None:
    """The model whose predictions ``metric`` scored, or None for out-of-fold or untraced predictions."""
    if metric.get("trivial_rule") is not None:
        return None  # a rule heldout recomputed on the notebook's folds (a median): no model made it
    fit = analysis.model_fit(metric)
    if fit is None:
        source = analysis.prediction_source(metric)
        if source is None:
            # Out-of-fold predictions assembled by hand: the model is what each fold's predict used.
            assembled = analysis.assembled_model(metric)
            fit_id = assembled[0].get("fit_event") if assembled else None
            if not isinstance(fit_id, int):
                return None
            fit = analysis.trace[fit_id]
        elif source.kind != "cv":
            return None
        else:
            # Out-of-fold predictions (cross_val_predict): the model is what each fold fitted.
            folds = [c for c in analysis.trace.children(source.id) if c.kind == "fit"]
            if not folds:
                return None
            fit = folds[0]
    outer = _described_fit(analysis.trace, fit)
    columns = outer.get("columns")
    return ScoredModel(
        outer,
        final_estimator(analysis.trace, fit).name,
        outer.get("config"),
        outer.get("config_key"),
        tuple(columns) if isinstance(columns, list) else None,
    )


def _described_fit(trace: Trace, fit: Event) -> Event:
    """The outermost fit the candidate wrote around ``fit`` (where the tracer recorded its config)."""
    for ancestor in trace.ancestors(fit):
        if ancestor.kind == "fit" and ancestor.get("config") is not None:
            fit = ancestor
    return fit


def distinguishing(texts: list[str], width: int = 90) -> list[str]:
    """Each text cut to ``width`` around where it starts to differ from the others: three Pipelines
    that differ only in the learning rate must not read the same."""
    if len(texts) < 2:
        return [t[:width] for t in texts]
    common = next(
        (i for i, chars in enumerate(zip(*texts, strict=False)) if len(set(chars)) > 1), min(map(len, texts))
    )
    start = max(0, common - 20)
    return [("…" if start else "") + t[start : start + width] for t in texts]


def distinct(models: Iterable[ScoredModel]) -> list[ScoredModel]:
    seen: dict[tuple, ScoredModel] = {}
    for model in models:
        seen.setdefault(model.key, model)
    return list(seen.values())
