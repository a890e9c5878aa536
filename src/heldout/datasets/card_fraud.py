"""Synthetic card transactions with rare fraud, for an exercise about class imbalance.

Generative story. About 6,000 customers each have a spending level, an online habit, a
travel habit, a decline habit, an account opening date, an activity level (heavy-tailed,
so a few customers make many transactions) and a hidden riskiness. Transactions
arrive uniformly over 120 days from 2026-01-01 with a daily rhythm (quiet at night). Each
picks a channel (pos, online, atm), a merchant category that depends on the channel, and
an amount that is lognormal around the customer's level shifted by the category. The
fraud label is then drawn from a logistic model of the features: amount far above the
customer's 30-day average, online purchases from a new device, keyed-in card-present
purchases, country mismatch, night hours, recent declines, young accounts, bursts of
activity and risky categories (electronics, gaming, travel), plus the customer's hidden
riskiness. The intercept is solved so the expected fraud rate is 1.15 %. Nothing drifts.

The last 20 % of rows by time form the holdout. About 0.4 % of transactions are processor
retries: an exact copy of the row placed right after it, in train and holdout alike.

The hidden holdout labels are drawn again from the same fraud probabilities, on the label secret's
stream (a retry keeps its original's label), so the seed alone does not give them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset, draw_binary, label_rng, solve_intercept

DEFAULT_SEED = 20261124
LABEL = "is_fraud"
ID_COLUMN = "transaction_id"

N_ROWS, N_HOLDOUT, N_CUSTOMERS, N_DAYS = 60_000, 12_000, 6_000, 120
DUP_RATE, FRAUD_RATE = 0.004, 0.0115
START = np.datetime64("2026-01-01T00:00:00", "s")

# category: (weight at pos, weight online, log-amount shift, fraud log-odds)
CATEGORIES = {
    "grocery": (30, 4, -0.1, -1.5),
    "restaurants": (18, 6, -0.3, -1.0),
    "fuel": (12, 0, 0.1, -0.5),
    "retail": (14, 22, 0.3, 0.0),
    "pharmacy": (7, 3, -0.4, -1.2),
    "transport": (8, 8, -0.6, -0.5),
    "entertainment": (5, 12, 0.0, 0.5),
    "utilities": (1, 12, 0.6, -2.0),
    "electronics": (3, 14, 1.1, 2.5),
    "travel": (2, 10, 1.3, 2.0),
    "gaming": (0, 9, -0.3, 2.8),
    "cash_withdrawal": (0, 0, 0.0, 0.5),
}
# Share of transactions per hour of day: busy daytime, quiet small hours.
HOUR_PROFILE = np.array([2, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7, 8, 9, 8, 7, 7, 8, 9, 9, 8, 7, 6, 4, 3], float)


def _timestamps(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sorted, strictly increasing seconds since START, so the split has no ties."""
    hour = rng.choice(24, size=n, p=HOUR_PROFILE / HOUR_PROFILE.sum())
    sec = np.sort(rng.integers(0, N_DAYS, n) * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n))
    idx = np.arange(n)
    return np.maximum.accumulate(sec - idx) + idx


def _recent_count(cust: np.ndarray, sec: np.ndarray, window: int) -> np.ndarray:
    """Number of the same customer's earlier transactions within `window` seconds."""
    key = cust.astype(np.int64) * 10**9 + sec  # sec < 10**9, so keys never mix customers
    order = np.argsort(key, kind="stable")
    ks = key[order]
    out = np.empty(len(sec), np.int64)
    out[order] = np.arange(len(ks)) - np.searchsorted(ks, ks - window, side="left")
    return out


def _features(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Unique transactions sorted by time, plus the fraud log-odds without intercept."""
    level = rng.normal(np.log(35), 0.6, N_CUSTOMERS)
    p_online = rng.beta(2, 4, N_CUSTOMERS)
    p_abroad = rng.beta(0.6, 20, N_CUSTOMERS)
    decline_rate = rng.gamma(0.5, 0.3, N_CUSTOMERS)
    # Most accounts predate the period; a few open during it, so young accounts exist throughout.
    opened = np.where(
        rng.random(N_CUSTOMERS) < 0.08,
        rng.integers(0, N_DAYS, N_CUSTOMERS),
        -np.floor(rng.gamma(1.3, 600, N_CUSTOMERS)),
    )
    riskiness = rng.normal(0, 1.0, N_CUSTOMERS)
    activity = rng.lognormal(0, 1.0, N_CUSTOMERS)

    sec = _timestamps(rng, n)
    cust = rng.choice(N_CUSTOMERS, size=n, p=activity / activity.sum())
    # Customers with an account opened later cannot transact before it opens.
    day = sec // 86_400
    cust = np.where(opened[cust] > day, rng.integers(0, N_CUSTOMERS, n), cust)
    opened_c = np.minimum(opened[cust], day)
    age = (day - opened_c).astype(np.int64)

    u = rng.random(n)
    channel = np.where(u < 0.05, "atm", np.where(u < 0.05 + 0.95 * p_online[cust], "online", "pos"))
    names = list(CATEGORIES)
    table = np.array(list(CATEGORIES.values()), float)
    cat_idx = np.full(n, names.index("cash_withdrawal"))
    for col, ch in ((0, "pos"), (1, "online")):
        m = channel == ch
        cat_idx[m] = rng.choice(len(names), size=m.sum(), p=table[:, col] / table[:, col].sum())
    online, atm = channel == "online", channel == "atm"
    # A few pos payments are keyed in by hand (card not present): a classic fraud route.
    card_present = np.where(online, 0, (rng.random(n) < np.where(atm, 0.995, 0.96)).astype(int))

    log_amount = level[cust] + table[cat_idx, 2] + rng.normal(0, 0.75, n)
    amount = np.maximum(np.round(np.exp(log_amount), 2), 0.5)
    amount = np.where(atm, np.maximum(np.round(np.exp(log_amount + 0.8) / 20) * 20, 20), amount)
    # The 30-day average wobbles around the customer's mean spend.
    avg30 = np.round(np.exp(level[cust] + 0.35) * rng.lognormal(0, 0.12, n), 2)

    mismatch = (rng.random(n) < p_abroad[cust]).astype(int)
    distance = np.where(mismatch == 1, rng.lognormal(np.log(1500), 0.8, n), rng.lognormal(np.log(8), 1.1, n))
    distance = np.where(rng.random(n) < np.where(online, 0.07, 0.01), np.nan, np.round(distance, 1))
    declines = rng.poisson(decline_rate[cust])
    new_device = (rng.random(n) < np.where(online, 0.10, 0.01)).astype(int)
    n_24h = _recent_count(cust, sec, 86_400)
    hour = (sec % 86_400) // 3_600

    ratio = np.log(amount / avg30)
    logit = (
        3.2 * np.clip(ratio, 0, 3)
        + 1.8 * mismatch
        + 3.5 * (online & (new_device == 1))
        + 1.2 * new_device
        + 2.2 * ((channel == "pos") & (card_present == 0))
        + 3.0 * (hour < 5)
        + 1.1 * np.minimum(declines, 4)
        + 2.5 * (age < 60)
        + 0.9 * np.minimum(n_24h, 4)
        + 2.0 * (ratio > 1) * (hour < 5)  # large night purchases are the classic pattern
        + table[cat_idx, 3]
        + riskiness[cust]
    )
    stamps = np.datetime_as_string(START + sec.astype("timedelta64[s]"), unit="s")
    age_col = pd.array(age, dtype="Int64")
    age_col[rng.random(n) < 0.015] = pd.NA
    frame = pd.DataFrame(
        {
            ID_COLUMN: [f"tx_{i:07d}" for i in range(1, n + 1)],
            "timestamp": np.char.replace(stamps, "T", " "),
            "customer_id": [f"c_{c:05d}" for c in cust],
            "amount": amount,
            "merchant_category": np.array(names)[cat_idx],
            "channel": channel,
            "card_present": card_present.astype(np.int64),
            "country_mismatch": mismatch.astype(np.int64),
            "distance_from_home_km": distance,
            "account_age_days": age_col,
            "customer_avg_amount_30d": avg30,
            "n_tx_last_24h": n_24h,
            "declines_last_7d": declines.astype(np.int64),
            "new_device": new_device.astype(np.int64),
        }
    )
    return frame, logit


def _with_retries(rng: np.random.Generator, frame: pd.DataFrame, n_dup: int) -> pd.DataFrame:
    """Repeat `n_dup` random rows, each copy right after its original."""
    repeats = np.ones(len(frame), np.int64)
    repeats[rng.choice(len(frame), size=n_dup, replace=False)] = 2
    return frame.loc[np.repeat(frame.index.to_numpy(), repeats)].reset_index(drop=True)


def generate(seed: int, label_secret: int | None = None, *, legacy_labels: bool = False) -> GeneratedDataset:
    """Build train and holdout for `seed`, and the hidden labels from `label_secret`'s stream.

    `label_secret` None uses the seed's own label stream (a bundle's seed is secret). `legacy_labels`
    keeps the holdout labels drawn with the features, as before label secrets: only to grade the
    bundles made then, since anyone with the seed can recompute them.
    """
    rng = np.random.default_rng(seed)
    # Duplicates are decided per split first so that no retry pair straddles the split.
    dup_train = rng.binomial(N_ROWS - N_HOLDOUT, DUP_RATE)
    dup_hold = rng.binomial(N_HOLDOUT, DUP_RATE)
    n_train_unique = N_ROWS - N_HOLDOUT - dup_train
    frame, logit = _features(rng, N_ROWS - dup_train - dup_hold)
    p = 1 / (1 + np.exp(-(logit + solve_intercept(logit, FRAUD_RATE))))
    frame[LABEL] = (rng.random(len(frame)) < p).astype(np.int64)
    hidden = frame[LABEL].to_numpy().copy()
    if not legacy_labels:
        hidden[n_train_unique:] = draw_binary(label_rng(seed, label_secret), p[n_train_unique:])
    frame["_hidden"] = hidden  # carried through the retries, never written

    train = _with_retries(rng, frame.iloc[:n_train_unique], dup_train).drop(columns="_hidden")
    holdout = _with_retries(rng, frame.iloc[n_train_unique:].reset_index(drop=True), dup_hold)
    labels = pd.DataFrame({"row": np.arange(len(holdout), dtype=np.int64), ID_COLUMN: holdout[ID_COLUMN]})
    labels[LABEL] = holdout["_hidden"].to_numpy()
    features = holdout.drop(columns=[LABEL, "_hidden"])
    return GeneratedDataset(
        name="card_fraud",
        seed=seed,
        candidate_files={"train.csv": train, "holdout_features.csv": features},
        hidden_files={"holdout_labels.csv": labels},
    )
