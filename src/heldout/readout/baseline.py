"""The harness's own readout of a replicate: what a plain analysis, correct in its unit and blind to
everything else, decides. The candidate's decisions are compared with it."""

from __future__ import annotations

import pandas as pd
from statsmodels.stats.proportion import proportions_ztest

from heldout.manifest import Experiment

__all__ = ["naive_decisions"]


def naive_decisions(replicates: pd.DataFrame, spec: Experiment) -> dict[int, str]:
    """Per replicate: a two-proportion z-test of the primary metric per unit (converted at least once),
    "ship" if the treatment is higher at the manifest's level, else "no_ship". No sample-ratio check."""
    decisions: dict[int, str] = {}
    for number, frame in replicates.groupby(spec.replicate, sort=True):
        units = frame.groupby(spec.unit).agg(arm=(spec.arm, "first"), outcome=(spec.primary, "max"))
        counts = units.groupby("arm")["outcome"].agg(["sum", "size"]).reindex([spec.treatment, spec.control])
        if counts.isna().to_numpy().any():
            decisions[int(number)] = "no_ship"
            continue
        _, p = proportions_ztest(counts["sum"].to_numpy(), counts["size"].to_numpy())
        rates = counts["sum"] / counts["size"]
        higher = rates[spec.treatment] > rates[spec.control]
        decisions[int(number)] = "ship" if p < spec.alpha and higher else "no_ship"
    return decisions
