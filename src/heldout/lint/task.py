"""What the lint knows of the task a notebook answers, from its scenario's manifest when it names one.

A notebook's ``metadata.heldout.scenario`` points at ``exercises/<id>/exercise.toml``; the manifest says
which headline metrics are wrong or weak for the task (the ``headline_metric`` check's parameters),
whether splits must be stratified (the ``stratified_split`` check) and which function serves
predictions (``contract.prepare``). Without a manifest the lint judges the code alone and is more
careful: for instance, accuracy is only called wrong when the code itself shows the rare class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from heldout.errors import HeldoutError
from heldout.lint.catalog import MITIGATORS, SCALE_SENSITIVE, SCALERS, normalise_metric

__all__ = ["DEFAULT_PREPARE", "Task", "task_for"]

DEFAULT_PREPARE = "prepare_features"  # the contract name of heldout's scenarios


@dataclass(frozen=True)
class Task:
    scenario: str | None = None
    wrong_metrics: frozenset[str] = field(default_factory=frozenset)  # normalised metric names
    weak_metrics: frozenset[str] = field(default_factory=frozenset)
    stratify: bool = False  # the scenario grades stratified splitting
    prepare: str = DEFAULT_PREPARE
    model: str = "model"  # the contract's served model: what the grader probes for its inputs
    mitigators: frozenset[str] = MITIGATORS  # classes judged by the mitigation_on_training_rows check
    # Columns that must never be a model input: (name, finding kind, the manifest's reason)
    forbidden_columns: tuple[tuple[str, str, str], ...] = ()
    scale_sensitive: frozenset[str] = SCALE_SENSITIVE
    scalers: frozenset[str] = SCALERS
    # The manifest grades scaling (scale_sensitive_models_scaled): it says the columns' units differ, so
    # an unscaled sensitive model is a mistake, not only a question.
    units_differ: bool = False


def task_for(scenario: str | None, near: Path) -> Task:
    """The task of ``scenario``, read from the heldout project that holds ``near``; a bare Task if none."""
    if not scenario:
        return Task()
    return _load(scenario, str(near.resolve().parent))


@lru_cache(maxsize=32)
def _load(scenario: str, folder: str) -> Task:
    from heldout.manifest import load_manifest
    from heldout.paths import project_root

    try:
        manifest = load_manifest(project_root(Path(folder)) / "exercises" / scenario / "exercise.toml")
    except (HeldoutError, OSError):
        return Task(scenario=scenario)  # an unknown scenario: lint the code alone
    checks = {check.id: check for check in manifest.checks}
    mitigation = checks.get("mitigation_on_training_rows")
    # The check's own default also counts a calibrator: only a scenario that grades mitigation says so.
    mitigators = (
        frozenset(mitigation.params.get("mitigators", [*MITIGATORS, "CalibratedClassifierCV"]))
        if mitigation is not None
        else MITIGATORS
    )
    headline = checks.get("headline_metric")
    params = headline.params if headline is not None else {}
    return Task(
        scenario=scenario,
        wrong_metrics=frozenset(normalise_metric(m) for m in params.get("wrong", []) if isinstance(m, str)),
        weak_metrics=frozenset(normalise_metric(m) for m in params.get("weak", []) if isinstance(m, str)),
        stratify="stratified_split" in checks,
        prepare=manifest.contract.prepare or DEFAULT_PREPARE,
        model=manifest.contract.model,
        mitigators=mitigators,
        forbidden_columns=_forbidden_columns(checks),
        **_scaling(checks.get("scale_sensitive_models_scaled")),
    )


def _scaling(check: object) -> dict:
    if check is None:
        return {}
    params = getattr(check, "params", {})
    return {
        "scale_sensitive": frozenset(params.get("sensitive", SCALE_SENSITIVE)),
        "scalers": frozenset(params.get("scalers", SCALERS)),
        "units_differ": True,
    }


# The checks whose `columns` parameter lists columns a model must not take, and the kind of each.
_FORBIDDING_CHECKS = (
    ("no_illegitimate_features", "illegitimate_feature"),
    ("no_protected_attribute_input", "protected_attribute_feature"),
)


def _forbidden_columns(checks: dict) -> tuple[tuple[str, str, str], ...]:
    forbidden = []
    for check_id, kind in _FORBIDDING_CHECKS:
        check = checks.get(check_id)
        columns = check.params.get("columns", {}) if check is not None else {}
        if isinstance(columns, dict):
            forbidden += [(str(column), kind, str(why)) for column, why in columns.items()]
    return tuple(forbidden)
