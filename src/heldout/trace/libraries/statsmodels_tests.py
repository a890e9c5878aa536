"""statsmodels' tests of proportions and means: which rows each test compared (see ``hypothesis_tests``).

Installed when the candidate's code imports ``statsmodels.stats.proportion`` or
``statsmodels.stats.weightstats`` (``statsmodels.stats.api`` imports both), never before; statsmodels
itself is optional.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from heldout.trace.hookset import HookSet
from heldout.trace.libraries.hypothesis_tests import Compared, wrap_tests

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["HOOKS", "MEAN_TESTS", "PROPORTION_TESTS"]

PROPORTION_TESTS = {
    "proportions_ztest": Compared(counts=("count",), nobs=("nobs",)),
    "proportions_chisquare": Compared(counts=("count",), nobs=("nobs",)),
    "test_proportions_2indep": Compared(counts=("count1", "count2"), nobs=("nobs1", "nobs2")),
    "binom_test": Compared(counts=("count",), nobs=("nobs",)),
}
MEAN_TESTS = {
    "ttest_ind": Compared(samples=("x1", "x2")),
    "ztest": Compared(samples=("x1", "x2")),
}


def install_proportions(tracer: Tracer) -> None:
    import statsmodels.stats.proportion as proportion

    wrap_tests(tracer, "statsmodels", proportion, PROPORTION_TESTS)


def install_weightstats(tracer: Tracer) -> None:
    import statsmodels.stats.weightstats as weightstats

    wrap_tests(tracer, "statsmodels", weightstats, MEAN_TESTS)


PROPORTIONS = HookSet(
    "statsmodels proportion tests", "statsmodels.stats.proportion", install_proportions, eager=False
)
WEIGHTSTATS = HookSet(
    "statsmodels mean tests", "statsmodels.stats.weightstats", install_weightstats, eager=False
)
HOOKS = (PROPORTIONS, WEIGHTSTATS)
