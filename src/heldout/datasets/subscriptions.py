"""Synthetic monthly snapshots of a video-streaming subscription, for an exercise about drift.

Generative story. A streaming service has about 1,500 paying subscribers in any month. Each
subscriber signs up with a plan (basic, standard or premium, kept for life), a region, an age, an
autopay setting, a usual viewing level (sessions a week, lognormal, median 3.3 at sign-up and about
4 among active subscribers, who are selected for watching more), a propensity to file support
tickets and a propensity to have failed payments. Every month each active subscriber gets a
snapshot: tenure in months (0 in the month of sign-up), this month's sessions (their usual level
times month-to-month noise), support tickets (Poisson around their propensity times a bad-month
factor) and failed payments (Poisson around theirs), and the promotion they are on this month (no
discount for most; 10, 20 or 30 %), which sets the fee they pay. Whether they cancel before the
next snapshot is drawn from a logistic model of that snapshot alone: low viewing (per log of
sessions), a short tenure (per log of tenure, flat after two years, and the first month most of
all), support tickets, failed payments (more so on autopay: a card that fails on autopay often
ends the subscription), no autopay and the basic plan raise the risk; discounts lower it a
little; age barely matters; region not at all. A cancelled subscriber has no later snapshot. Each
month new subscribers sign up to take the place of the ones who left, so the active count stays
level.

The service launched in 2008-01. The fifteen years before 2023-01 are simulated and not written,
so that tenure and the mix of subscribers are in their steady state when the files begin (a
shorter burn-in leaves a tenure distribution that still drifts upwards as the service ages). The
training file holds the snapshots of 2023-01 to 2024-12; the holdout holds 2025-01 to 2025-03,
whose labels (cancelled before the next snapshot, 2025-04 for the last month) stay hidden.

Three changes are planted, sharp, from a given month on, and they last through the holdout:

1. From 2024-04, an app redesign answers what subscribers opened the app for on a home-screen
   widget: everyone's viewing level drops to 0.65 times what it was. Churn given the snapshot is
   unchanged (same effect of sessions), so this is a covariate shift of `sessions_per_week`.
2. From 2024-07, a promotion campaign: the share of subscriber-months with a discount jumps from
   about 10 % (mostly 10 %) to about 45 % (mostly 20-30 %). Churn given the snapshot is unchanged:
   a covariate shift of `discount_pct`, and with it of `monthly_fee`, which is derived from it.
3. From 2024-10, a new support team solves problems: subscribers file as many tickets as before,
   but a ticket raises the log-odds of churn by 0.05 instead of 0.55. A concept drift of
   `support_tickets`.

Every other feature has the same distribution every month: no seasonality, no trend. The truth is
written to the hidden file `drift_truth.csv`, for the grader.

The hidden holdout labels are drawn again from the same churn probabilities, on the label secret's
stream, so the seed alone does not give them. Who appears in the next holdout month follows the
world's own draw, so a hidden label may say "cancelled" of a subscriber who still has a later
snapshot: presence next month is then a fresh draw from the same probability, no better a guess.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset, draw_binary, label_rng

DEFAULT_SEED = 20261130
LABEL = "churned"
ID_COLUMN = "customer_id"
TIME_COLUMN = "snapshot_month"

LAUNCH = np.datetime64("2008-01", "M")  # simulated from here, written from FIRST_MONTH
FIRST_MONTH = np.datetime64("2023-01", "M")
N_TRAIN_MONTHS, N_HOLDOUT_MONTHS = 24, 3
TARGET_ACTIVE = 1_500
MAX_SIGNUPS = 150  # a month, while the young service fills up

# plan: (probability, list price a month, churn log-odds)
PLANS = {"basic": (0.45, 7.99, 0.15), "standard": (0.38, 12.99, 0.0), "premium": (0.17, 18.99, -0.2)}
REGIONS = {"north": 0.21, "south": 0.19, "east": 0.20, "west": 0.18, "central": 0.22}
DISCOUNTS = np.array([0, 10, 20, 30])
DISCOUNT_P_BEFORE = np.array([0.90, 0.06, 0.03, 0.01])
DISCOUNT_P_CAMPAIGN = np.array([0.55, 0.07, 0.20, 0.18])
AUTOPAY_P = 0.65
# Sessions a week: a usual level (lognormal around USUAL_SESSIONS) times monthly lognormal noise.
USUAL_SESSIONS, USAGE_SPREAD, MONTHLY_NOISE = 3.3, 0.4, 0.45
# Tickets: Poisson around a customer's propensity (gamma, mean TICKET_RATE) times a bad-month factor
# (gamma, mean 1). Most of the spread is monthly, so surviving longer selects little on tickets.
TICKET_RATE, TICKET_CUSTOMER_SHAPE, TICKET_MONTH_SHAPE = 0.36, 2.0, 0.5
FAILURE_RATE, FAILURE_SHAPE = 0.05, 1.0

# Churn log-odds: the same in every month except for the effect of a ticket.
INTERCEPT = -0.1
TENURE_LOGODDS, TENURE_CAP = -0.6, 24  # per log(1 + tenure), flat from TENURE_CAP months
FIRST_MONTH_LOGODDS = 1.3  # tenure 0
SESSIONS_LOGODDS = -1.3  # per log(1 + sessions a week)
FAILURE_LOGODDS = 0.8  # per failed payment
FAILURE_AUTOPAY_LOGODDS = 1.0  # extra per failed payment on autopay
DISCOUNT_LOGODDS = -0.012  # per discount point
AUTOPAY_LOGODDS = -0.5
AGE_LOGODDS = -0.006  # per year over 40
TICKET_LOGODDS_BEFORE, TICKET_LOGODDS_AFTER = 0.55, 0.05

# The planted drift.
USAGE_DROP_FROM, USAGE_FACTOR = np.datetime64("2024-04", "M"), 0.65
CAMPAIGN_FROM = np.datetime64("2024-07", "M")
SUPPORT_FROM = np.datetime64("2024-10", "M")
FEATURES = (
    "tenure_months",
    "plan",
    "monthly_fee",
    "discount_pct",
    "sessions_per_week",
    "support_tickets",
    "payment_failures",
    "region",
    "age",
    "autopay",
)
_DRIFTS = [
    ("sessions_per_week", "covariate", str(USAGE_DROP_FROM), f"usage level x{USAGE_FACTOR}"),
    ("discount_pct", "covariate", str(CAMPAIGN_FROM), "discounted share ~10 % -> ~45 %, mostly 20-30 %"),
    ("monthly_fee", "covariate_derived", str(CAMPAIGN_FROM), "derived from discount_pct"),
    (
        "support_tickets",
        "concept",
        str(SUPPORT_FROM),
        f"churn log-odds per ticket {TICKET_LOGODDS_BEFORE} -> {TICKET_LOGODDS_AFTER}",
    ),
]
DRIFTED = tuple(row[0] for row in _DRIFTS)
STABLE = tuple(f for f in FEATURES if f not in DRIFTED)
DRIFT_TRUTH = pd.DataFrame(
    _DRIFTS + [(f, "stable", "", "") for f in STABLE], columns=["feature", "kind", "from_month", "effect"]
)


def _sign_up(rng: np.random.Generator, n: int, month: int) -> dict[str, np.ndarray]:
    """Traits fixed at sign-up for `n` new subscribers."""
    plan_p = np.array([v[0] for v in PLANS.values()])
    return {
        "signup": np.full(n, month, np.int64),
        "plan": rng.choice(len(plan_p), size=n, p=plan_p),
        "region": rng.choice(len(REGIONS), size=n, p=np.array(list(REGIONS.values()))),
        "age": np.clip(np.round(rng.normal(38, 13, n)), 18, 80).astype(np.int64),
        "autopay": (rng.random(n) < AUTOPAY_P).astype(np.int64),
        "usage": rng.lognormal(np.log(USUAL_SESSIONS), USAGE_SPREAD, n),
        "ticket_rate": rng.gamma(TICKET_CUSTOMER_SHAPE, TICKET_RATE / TICKET_CUSTOMER_SHAPE, n),
        "failure_rate": rng.gamma(FAILURE_SHAPE, FAILURE_RATE / FAILURE_SHAPE, n),
    }


def _snapshots(rng: np.random.Generator) -> pd.DataFrame:
    """Every snapshot from FIRST_MONTH to the end of the holdout with its label, in month order.

    `customer` numbers subscribers in sign-up order (burn-in included), `month` counts from FIRST_MONTH.
    """
    first_written = int((FIRST_MONTH - LAUNCH).astype(np.int64))
    n_months = first_written + N_TRAIN_MONTHS + N_HOLDOUT_MONTHS
    prices = np.array([v[1] for v in PLANS.values()])
    plan_logodds = np.array([v[2] for v in PLANS.values()])
    traits = _sign_up(rng, 0, 0)
    active = np.zeros(0, np.int64)
    rows: list[dict[str, np.ndarray]] = []
    for k in range(n_months):
        month = LAUNCH + k
        # New subscribers take the place of those who left (fewer a month while the service is young).
        n_new = rng.poisson(min(max(TARGET_ACTIVE - len(active), 0), MAX_SIGNUPS))
        new = _sign_up(rng, n_new, k)
        active = np.r_[active, len(traits["signup"]) + np.arange(n_new)]
        traits = {key: np.r_[traits[key], new[key]] for key in traits}
        n = len(active)

        tenure = k - traits["signup"][active]
        plan, autopay, age = traits["plan"][active], traits["autopay"][active], traits["age"][active]
        level = traits["usage"][active] * (USAGE_FACTOR if month >= USAGE_DROP_FROM else 1.0)
        sessions = np.round(level * rng.lognormal(0, MONTHLY_NOISE, n), 1)
        bad_month = rng.gamma(TICKET_MONTH_SHAPE, 1 / TICKET_MONTH_SHAPE, n)
        tickets = rng.poisson(traits["ticket_rate"][active] * bad_month)
        failures = rng.poisson(traits["failure_rate"][active])
        discount_p = DISCOUNT_P_CAMPAIGN if month >= CAMPAIGN_FROM else DISCOUNT_P_BEFORE
        discount = DISCOUNTS[rng.choice(len(DISCOUNTS), size=n, p=discount_p)]

        per_ticket = TICKET_LOGODDS_AFTER if month >= SUPPORT_FROM else TICKET_LOGODDS_BEFORE
        logit = (
            INTERCEPT
            + TENURE_LOGODDS * np.log1p(np.minimum(tenure, TENURE_CAP))
            + FIRST_MONTH_LOGODDS * (tenure == 0)
            + SESSIONS_LOGODDS * np.log1p(sessions)
            + per_ticket * tickets
            + (FAILURE_LOGODDS + FAILURE_AUTOPAY_LOGODDS * autopay) * failures
            + DISCOUNT_LOGODDS * discount
            + AUTOPAY_LOGODDS * autopay
            + plan_logodds[plan]
            + AGE_LOGODDS * (age - 40)
        )
        p_churn = 1 / (1 + np.exp(-logit))
        churned = (rng.random(n) < p_churn).astype(np.int64)
        if k >= first_written:
            rows.append(
                {
                    "customer": active,
                    "month": np.full(n, k - first_written),
                    "tenure_months": tenure,
                    "plan": np.array(list(PLANS))[plan],
                    "monthly_fee": np.round(prices[plan] * (1 - discount / 100), 2),
                    "discount_pct": discount.astype(np.float64),
                    "sessions_per_week": sessions,
                    "support_tickets": tickets.astype(np.int64),
                    "payment_failures": failures.astype(np.int64),
                    "region": np.array(list(REGIONS))[traits["region"][active]],
                    "age": age,
                    "autopay": autopay,
                    LABEL: churned,
                    "_p": p_churn,  # for the hidden labels' own draw, never written
                }
            )
        active = active[churned == 0]
    return pd.DataFrame({key: np.concatenate([r[key] for r in rows]) for key in rows[0]})


def generate(seed: int, label_secret: int | None = None, *, legacy_labels: bool = False) -> GeneratedDataset:
    """Build train (2023-01..2024-12) and holdout (2025-01..2025-03) for `seed`, and the hidden labels
    from `label_secret`'s stream.

    `label_secret` None uses the seed's own label stream (a bundle's seed is secret). `legacy_labels`
    keeps the holdout labels drawn with the features, as before label secrets: only to grade the
    bundles made then, since anyone with the seed can recompute them.
    """
    rng = np.random.default_rng(seed)
    frame = _snapshots(rng)
    # Subscribers who appear in the files, numbered from 1 in order of sign-up.
    customer = frame["customer"].to_numpy()
    number = np.searchsorted(np.unique(customer), customer) + 1
    month = frame["month"].to_numpy()
    out = pd.DataFrame(
        {
            ID_COLUMN: [f"c_{i:05d}" for i in number],
            TIME_COLUMN: np.datetime_as_string(FIRST_MONTH + month, unit="M"),
        }
    )
    out = pd.concat([out, frame.drop(columns=["customer", "month"])], axis=1)
    order = np.lexsort((number, month))
    out = out.iloc[order].reset_index(drop=True)
    in_holdout = month[order] >= N_TRAIN_MONTHS
    train = out[~in_holdout].drop(columns="_p").reset_index(drop=True)
    holdout = out[in_holdout].reset_index(drop=True)
    labels = holdout[[LABEL]].copy()
    if not legacy_labels:
        labels[LABEL] = draw_binary(label_rng(seed, label_secret), holdout["_p"].to_numpy())
    return GeneratedDataset(
        name="subscriptions",
        seed=seed,
        candidate_files={"train.csv": train, "holdout_features.csv": holdout.drop(columns=[LABEL, "_p"])},
        hidden_files={"holdout_labels.csv": labels, "drift_truth.csv": DRIFT_TRUTH.copy()},
    )
