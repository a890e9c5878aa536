"""A two-arm online experiment on a checkout change, and replicate experiments with a known truth, for an
exercise about reading out an A/B test.

Generative story. Users arrive over three weeks and are randomised by user, half to the new checkout
(``treatment``) and half to the old one (``control``); the arm is fixed at the first session
(``assigned_day``). Each user has a platform, a country, whether they are new or returning, and a
propensity to convert in a session, drawn from a wide Beta distribution, so that the sessions of one user
are strongly correlated: the unit of randomisation is the user, and sessions are not independent draws.
Returning users have a pre-period (four weeks before the test): how many sessions they had and how many
converted, which predicts their conversion in the test (the covariate for CUPED-style adjustment). A
user's number of sessions is heavy-tailed, and a few bot-like users have hundreds of sessions.

In each session the user converts (or not), spends a heavy-tailed amount when converting, waits for the
page (``latency_ms``) and views some items. The treatment changes a session's conversion probability by a
relative uplift that is positive for returning users and negative for new ones, with a novelty boost in a
user's first days that fades; it slows the page by a few per cent (the latency guardrail regresses); and
it makes users view more items, which in turn go with converting: ``items_viewed`` is moved by the
treatment, so adjusting for it is adjusting for an outcome (a bad control). A crash in the new checkout
on one platform drops a share of its treatment users before their first session was logged, more often
users with a low propensity: a sample-ratio mismatch confined to that platform that also flatters the
treatment. A handful of users were exposed to both arms (their later sessions logged under the other one).

The primary metric, pre-registered by the prompt, is the share of users who converted at least once. Its
true effect is an expectation, not a sample: for every user, the probability of converting at least once
in their sessions under each arm, averaged over the users as randomised (before the crash dropped any).

The replicates (``replicates.csv.gz``) are smaller experiments from the same world, two weeks and
1,000 users each, without bots, users in both arms or a latency regression, of three kinds: A/A tests
(no effect at all), tests with a known effect (a uniform relative uplift, positive in most and negative
in some), and tests with a planted sample-ratio mismatch on one platform and no effect. They are drawn
from the label secret's stream, and so is which replicate is which, so the public generator and seed
cannot recompute them; what each replicate truly holds is in ``hidden/holdout_labels.csv``. The grader
runs the candidate's analysis function on each replicate and scores its decisions, intervals and
p-values against that truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset, label_rng

DEFAULT_SEED = 20261204
LABEL = "converted"
UNIT = "user_id"
ARM = "arm"
DAY = "day"
N_USERS = 16_000
DAYS = 21
PLATFORMS = ("web", "ios", "android")
PLATFORM_SHARES = (0.5, 0.25, 0.25)
COUNTRIES = ("US", "GB", "DE", "FR", "BR")
COUNTRY_SHARES = (0.4, 0.15, 0.15, 0.15, 0.15)
NEW_SHARE = 0.4
PROPENSITY = (0.35, 2.6)  # Beta(a, b) of a session's conversion probability: mean 0.12, ICC 0.25
SESSIONS_SHAPE = 1.2  # negative binomial extra sessions after the first: mean 2.2, variance ~6
SESSIONS_MEAN = 2.2
UPLIFT = {"returning": 0.14, "new": -0.25}  # relative change of a session's conversion probability
NOVELTY = 0.20  # extra relative uplift on the day of assignment, fading linearly to none
NOVELTY_DAYS = 4
CRASH_PLATFORM = "android"
CRASH_DROP = 0.15  # share of that platform's treatment users the crash drops (main experiment)
LATENCY_LOG_MS = (6.0, 0.35)  # lognormal page latency: median ~400 ms
LATENCY_PLATFORM = {"web": 1.0, "ios": 1.1, "android": 1.25}
LATENCY_TREATMENT = 0.06  # relative slowdown of the treatment's pages: the guardrail regression
REVENUE_LOG = (3.6, 0.9)  # lognormal order value when converting: median ~37
N_BOTS = 6
N_BOTH_ARMS = 25
ITEMS_BASE, ITEMS_PER_CONVERSION, ITEMS_TREATMENT = 2.5, 2.0, 0.6

# Replicates: (kind, how many, relative uplift of every user's conversion probability).
REPLICATE_USERS = 1_000
REPLICATE_DAYS = 14
REPLICATE_KINDS = (("aa", 60, 0.0), ("effect", 8, 0.50), ("effect", 4, -0.45), ("srm", 8, 0.0))
REPLICATE_CRASH_DROP = 0.6
DECISIONS = ("ship", "no_ship", "investigate")

SESSION_COLUMNS = (
    "session_id",
    UNIT,
    ARM,
    "assigned_day",
    DAY,
    "platform",
    "country",
    "user_type",
    "pre_sessions",
    "pre_conversions",
    LABEL,
    "revenue",
    "latency_ms",
    "items_viewed",
)


def _users(rng: np.random.Generator, n: int, days: int) -> pd.DataFrame:
    new = rng.random(n) < NEW_SHARE
    propensity = rng.beta(*PROPENSITY, size=n)
    pre_sessions = np.where(new, 0, rng.poisson(6.0, n))
    return pd.DataFrame(
        {
            UNIT: np.arange(n, dtype=np.int64),
            ARM: np.where(rng.random(n) < 0.5, "treatment", "control"),
            "assigned_day": np.minimum((days * rng.beta(0.8, 1.6, n)).astype(np.int64), days - 1),
            "platform": rng.choice(PLATFORMS, size=n, p=PLATFORM_SHARES),
            "country": rng.choice(COUNTRIES, size=n, p=COUNTRY_SHARES),
            "user_type": np.where(new, "new", "returning"),
            "pre_sessions": pre_sessions,
            "pre_conversions": rng.binomial(pre_sessions, propensity),
            "_propensity": propensity,
            "_sessions": 1
            + rng.negative_binomial(SESSIONS_SHAPE, SESSIONS_SHAPE / (SESSIONS_SHAPE + SESSIONS_MEAN), n),
        }
    )


def _sessions(users: pd.DataFrame, days: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per session; the first on the day of assignment, the others uniform until the end."""
    counts = users["_sessions"].to_numpy()
    sessions = users.loc[np.repeat(users.index.to_numpy(), counts)].reset_index(drop=True)
    first = np.zeros(len(sessions), bool)
    first[np.r_[0, np.cumsum(counts)[:-1]]] = True
    start = sessions["assigned_day"].to_numpy()
    later = start + (rng.random(len(sessions)) * (days - start)).astype(np.int64)
    sessions[DAY] = np.where(first, start, np.minimum(later, days - 1))
    return sessions


def _conversion_probability(sessions: pd.DataFrame, treated: np.ndarray, uplift: np.ndarray) -> np.ndarray:
    """A session's conversion probability in the arm ``treated`` says (True: treatment)."""
    since = (sessions[DAY] - sessions["assigned_day"]).to_numpy()
    novelty = NOVELTY * np.clip(1 - since / NOVELTY_DAYS, 0, 1)
    lift = np.where(treated, uplift + np.where(uplift != 0, novelty, 0.0), 0.0)
    return np.clip(sessions["_propensity"].to_numpy() * (1 + lift), 0, 0.95)


def _user_effect(sessions: pd.DataFrame, uplift: np.ndarray) -> float:
    """Mean over users of P(converts at least once | treatment) - P(... | control): the true effect."""
    everyone = np.ones(len(sessions), bool)
    p_t = _conversion_probability(sessions, everyone, uplift)
    p_c = _conversion_probability(sessions, ~everyone, uplift)
    users = sessions[UNIT].to_numpy()
    never_t = pd.Series(np.log1p(-p_t)).groupby(users).sum()
    never_c = pd.Series(np.log1p(-p_c)).groupby(users).sum()
    return float(np.mean(np.exp(never_c) - np.exp(never_t)))


def _outcomes(
    sessions: pd.DataFrame, uplift: np.ndarray, rng: np.random.Generator, slowdown: float
) -> pd.DataFrame:
    treated = (sessions[ARM] == "treatment").to_numpy()
    p = _conversion_probability(sessions, treated, uplift)
    converted = (rng.random(len(sessions)) < p).astype(np.int64)
    revenue = np.where(converted == 1, rng.lognormal(*REVENUE_LOG, len(sessions)), 0.0)
    platform = sessions["platform"].map(LATENCY_PLATFORM).to_numpy()
    latency = rng.lognormal(*LATENCY_LOG_MS, len(sessions)) * platform * np.where(treated, 1 + slowdown, 1)
    mean_items = ITEMS_BASE + ITEMS_PER_CONVERSION * converted + ITEMS_TREATMENT * treated
    return sessions.assign(
        **{
            LABEL: converted,
            "revenue": np.round(revenue, 2),
            "latency_ms": np.round(latency).astype(np.int64),
            "items_viewed": rng.poisson(mean_items),
        }
    )


def _crash(users: pd.DataFrame, drop: float, rng: np.random.Generator) -> np.ndarray:
    """Users the crash drops: treatment users of one platform, the less engaged ones more often."""
    hit = ((users[ARM] == "treatment") & (users["platform"] == CRASH_PLATFORM)).to_numpy()
    low = users["_propensity"].to_numpy() < np.median(users["_propensity"])
    chance = np.where(low, 1.5 * drop, 0.5 * drop)
    return hit & (rng.random(len(users)) < chance)


def _finish(sessions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Sessions in time order with their ids; users renumbered in order of arrival, as a log would."""
    sessions = sessions.sort_values([DAY, UNIT], kind="stable").reset_index(drop=True)
    order = pd.unique(sessions[UNIT])
    sessions[UNIT] = sessions[UNIT].map(dict(zip(order, 100_000 + rng.permutation(len(order)), strict=True)))
    sessions.insert(0, "session_id", np.arange(1, len(sessions) + 1, dtype=np.int64))
    return sessions[list(SESSION_COLUMNS)]


def _experiment(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The experiment the candidate reads out, and what was planted in it."""
    users = _users(rng, N_USERS, DAYS)
    bots = rng.choice(len(users), N_BOTS, replace=False)
    users.loc[bots, "_sessions"] = rng.integers(150, 400, N_BOTS)
    users.loc[bots, "_propensity"] = 0.002
    sessions = _sessions(users, DAYS, rng)
    uplift = sessions["user_type"].map(UPLIFT).to_numpy()
    effects = {"all": _user_effect(sessions, uplift)}
    for kind in ("new", "returning"):
        part = (sessions["user_type"] == kind).to_numpy()
        effects[kind] = _user_effect(sessions[part], uplift[part])
    sessions = _outcomes(sessions, uplift, rng, LATENCY_TREATMENT)
    # Users in both arms: after their first two sessions, the other arm's checkout was served.
    candidates = users.index[(users["_sessions"] >= 3) & ~users.index.isin(bots)].to_numpy()
    both = rng.choice(candidates, N_BOTH_ARMS, replace=False)
    rank = sessions.groupby(UNIT).cumcount().to_numpy()
    flip = sessions[UNIT].isin(both).to_numpy() & (rank >= 2)
    sessions.loc[flip, ARM] = np.where(sessions.loc[flip, ARM] == "treatment", "control", "treatment")
    dropped = _crash(users, CRASH_DROP, rng)
    kept = users.index[~dropped].to_numpy()
    sessions = sessions[~sessions[UNIT].isin(users.index[dropped])]
    truth = [
        ("effect", LABEL, "all", round(effects["all"], 6)),
        ("effect", LABEL, "new", round(effects["new"], 6)),
        ("effect", LABEL, "returning", round(effects["returning"], 6)),
        ("srm", "platform", CRASH_PLATFORM, float(dropped.sum())),
        ("guardrail", "latency_ms", "regressed", 1.0),
        ("guardrail", "revenue", "regressed", 0.0),
        ("bad_control", "items_viewed", "moved by the treatment", 1.0),
        # Counted after the crash, which may have dropped some of them: what the file holds.
        ("both_arms", UNIT, "users exposed to both arms", float(np.isin(both, kept).sum())),
        ("bots", UNIT, "users with 150 or more sessions", float(np.isin(bots, kept).sum())),
        ("novelty", DAY, "days the novelty boost lasts", float(NOVELTY_DAYS)),
    ]
    return _finish(sessions, rng), pd.DataFrame(truth, columns=["kind", "name", "detail", "value"])


def _replicate(
    rng: np.random.Generator, kind: str, uplift: float, n_users: int
) -> tuple[pd.DataFrame, float, int]:
    users = _users(rng, n_users, REPLICATE_DAYS)
    sessions = _sessions(users, REPLICATE_DAYS, rng)
    lift = np.full(len(sessions), uplift)
    effect = _user_effect(sessions, lift) if uplift else 0.0
    sessions = _outcomes(sessions, lift, rng, 0.0)
    dropped = _crash(users, REPLICATE_CRASH_DROP, rng) if kind == "srm" else np.zeros(len(users), bool)
    sessions = sessions[~sessions[UNIT].isin(users.index[dropped])]
    return _finish(sessions, rng), effect, int(dropped.sum())


def replicates(
    rng: np.random.Generator,
    kinds: tuple[tuple[str, int, float], ...] = REPLICATE_KINDS,
    n_users: int = REPLICATE_USERS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The replicate experiments (one ``replicate`` number each, in a shuffled order) and their truth:
    ``kinds`` lists (kind, how many, relative uplift)."""
    plan = [(kind, uplift) for kind, count, uplift in kinds for _ in range(count)]
    order = rng.permutation(len(plan))
    frames, truth = [], []
    for number, index in enumerate(order, start=1):
        kind, uplift = plan[index]
        sessions, effect, dropped = _replicate(rng, kind, uplift, n_users)
        frames.append(sessions.assign(replicate=number))
        decision = "investigate" if kind == "srm" else "ship" if effect > 0 else "no_ship"
        truth.append((number, kind, round(effect, 6), int(kind == "srm"), dropped, decision))
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[["replicate", *SESSION_COLUMNS]]
    columns = ["replicate", "kind", "effect", "srm", "dropped_users", "decision"]
    return frame, pd.DataFrame(truth, columns=columns)


def generate(seed: int, label_secret: int | None = None, *, legacy_labels: bool = False) -> GeneratedDataset:
    """The experiment for ``seed``; the replicates and which is which from ``label_secret``'s stream.

    ``legacy_labels`` is accepted for the common generator signature; this dataset was made with label
    secrets from the start, so it changes nothing.
    """
    del legacy_labels
    sessions, planted = _experiment(np.random.default_rng(seed))
    replicate_sessions, replicate_truth = replicates(label_rng(seed, label_secret))
    return GeneratedDataset(
        name="checkout_experiment",
        seed=seed,
        candidate_files={"sessions.csv": sessions, "replicates.csv.gz": replicate_sessions},
        hidden_files={"holdout_labels.csv": replicate_truth, "experiment_truth.csv": planted},
        secret_files=("replicates.csv.gz", "hidden/holdout_labels.csv"),
    )
