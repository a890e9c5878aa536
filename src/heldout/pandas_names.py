"""pandas operation names that the runtime tracer and the static lint classify the same way (stdlib only,
so the lint can import it without pandas)."""

from __future__ import annotations

__all__ = ["ROW_WINDOWS"]

# groupby(...).transform(name): each row reads its neighbours in row order (the previous value, a running
# total), never a statistic of the whole group. Whether that reads the future is a question of time order.
ROW_WINDOWS = frozenset(
    {"shift", "diff", "pct_change", "cumsum", "cumprod", "cummax", "cummin", "cumcount", "ffill", "bfill"}
)
