"""What one lint finding is: a kind, a severity, where, about what, and the runtime check it mirrors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["CHECK_OF_KIND", "KINDS", "PARTIAL_KINDS", "LintFinding", "Severity", "Site", "location"]

Site = tuple[int | None, int | None]  # (code cell, 1-based; None in a script), line within it


class Severity(StrEnum):
    ERROR = "error"  # the data flow proves the mistake
    HINT = "hint"  # worth a look; the code alone cannot prove it


# Each kind and the runtime check (heldout.checks) that judges the same property from a trace, so a
# reviewer can compare the static answer with the graded one. None: no runtime check exists yet.
CHECK_OF_KIND: dict[str, str | None] = {
    "preprocessing_leak": "no_fit_on_evaluated_rows",
    "resampling_overlap": "resampling_inside_training",
    "resampled_evaluation": "evaluation_on_untouched_rows",
    "multi_test": "threshold_not_tuned_on_test",
    "model_selection": "no_selection_on_final_rows",
    "full_frame_statistic": "no_fit_on_evaluated_rows",  # the run traces a statistic as a fit
    "metric_choice": "headline_metric",
    "split_choice": "stratified_split",
    "future_looking_feature": "no_future_features",
    "fit_in_serving_path": None,
    "mitigation_on_evaluated_rows": "mitigation_on_training_rows",
    "illegitimate_feature": "no_illegitimate_features",
    "protected_attribute_feature": "no_protected_attribute_input",
    "unscaled_model": "scale_sensitive_models_scaled",
    "peeking_loop": "no_peeking",
    "first_hit_metric": "graded_metric_at_k",
    "syntax": None,
}
KINDS = tuple(CHECK_OF_KIND)
# Kinds whose rule reads one way of making the mistake only (a column the manifest names, written in a
# ColumnTransformer): a run that fails their check where the lint saw nothing is no disagreement.
PARTIAL_KINDS = frozenset(
    {"illegitimate_feature", "protected_attribute_feature", "peeking_loop", "first_hit_metric"}
)


def location(site: Site) -> str:
    """ "cell 4, line 2" in a notebook, "line 2" in a script."""
    cell, line = site
    if line is None:
        return "the whole file" if cell is None else f"cell {cell}"
    return f"line {line}" if cell is None else f"cell {cell}, line {line}"


@dataclass(frozen=True)
class LintFinding:
    kind: str
    severity: str
    cell: int | None
    line: int | None
    subject: str  # the variable or call the finding is about
    message: str
    check_id: str | None

    @classmethod
    def of(cls, kind: str, severity: Severity, site: Site, subject: str, message: str) -> LintFinding:
        """A finding whose check_id always matches its kind."""
        if kind not in CHECK_OF_KIND:
            raise ValueError(f"unknown lint finding kind '{kind}' (known: {', '.join(KINDS)})")
        return cls(kind, str(severity), site[0], site[1], subject, message, CHECK_OF_KIND[kind])

    @property
    def site(self) -> Site:
        return (self.cell, self.line)

    @property
    def location(self) -> str:
        return location(self.site)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "cell": self.cell,
            "line": self.line,
            "subject": self.subject,
            "message": self.message,
            "check_id": self.check_id,
        }
