"""fairlearn's group metrics traced as evaluations, for scenarios that grade fairness.

fairlearn's mitigators (ExponentiatedGradient, ThresholdOptimizer, GridSearch) are scikit-learn
estimators, so the tracer already records their fits and predictions. Its metrics are not: a
``MetricFrame`` or ``equal_opportunity_difference`` call runs scikit-learn metrics on each group's
slice, which the tracer would see as many evaluations of rows it cannot follow. Wrapped here, each call
is one evaluation of the rows its ``y_true`` holds, and the slices inside it are the library's own.

Installed by the kernel only when the job asks (fairlearn is imported at start-up then, not otherwise).
"""

from __future__ import annotations

import functools
from typing import Any

from heldout.trace.libraries.sklearn_metrics import _on_metric

__all__ = ["install"]

_FUNCTIONS = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
)


def install(tracer: Any) -> None:
    """Wrap fairlearn's group metrics as metrics of ``tracer`` (undone by its ``uninstall``)."""
    try:
        import fairlearn.metrics
    except ImportError:
        return
    replacements = {}
    for name in _FUNCTIONS:
        original = getattr(fairlearn.metrics, name, None)
        if original is not None:
            replacements[original] = tracer.function_wrapper(original, functools.partial(_on_metric, name))
    tracer.patch_everywhere(replacements)
    frame_init = fairlearn.metrics.MetricFrame.__dict__["__init__"]

    @functools.wraps(frame_init)
    def traced_init(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = functools.partial(frame_init, self)
        handler = functools.partial(_on_metric, "MetricFrame")
        return tracer.function_wrapper(bound, handler)(*args, **kwargs)

    tracer.patch(fairlearn.metrics.MetricFrame, "__init__", traced_init)
    tracer._installed_count = len(tracer._patches)
