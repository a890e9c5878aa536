"""scipy.stats hypothesis tests: which rows each test compared (see ``hypothesis_tests``).

Installed when the candidate's code (or a library it uses) imports ``scipy.stats``, never before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from heldout.trace.hookset import HookSet
from heldout.trace.libraries.hypothesis_tests import Compared, wrap_tests

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["HOOKS", "TESTS"]

_PAIR = Compared(samples=("x", "y"))
_K_SAMPLES = Compared(samples=("samples",))
TESTS: dict[str, Compared] = {
    "ttest_ind": Compared(samples=("a", "b")),
    "ttest_rel": Compared(samples=("a", "b")),
    "ttest_1samp": Compared(samples=("a",)),
    "ks_2samp": Compared(samples=("data1", "data2")),
    "spearmanr": Compared(samples=("a", "b")),
    **dict.fromkeys(
        (
            "mannwhitneyu",
            "brunnermunzel",
            "cramervonmises_2samp",
            "epps_singleton_2samp",
            "wilcoxon",
            "ansari",
            "mood",
            "pearsonr",
            "kendalltau",
            "pointbiserialr",
        ),
        _PAIR,
    ),
    **dict.fromkeys(
        ("kruskal", "f_oneway", "alexandergovern", "friedmanchisquare", "levene", "bartlett", "fligner"),
        _K_SAMPLES,
    ),
    "chi2_contingency": Compared(tables=("observed",)),
    "fisher_exact": Compared(tables=("table",)),
    "barnard_exact": Compared(tables=("table",)),
    "boschloo_exact": Compared(tables=("table",)),
    "chisquare": Compared(tables=("f_obs",)),
}


def install(tracer: Tracer) -> None:
    import scipy.stats

    wrap_tests(tracer, "scipy.stats", scipy.stats, TESTS)


HOOKS = HookSet("scipy.stats tests", "scipy.stats", install, eager=False)
