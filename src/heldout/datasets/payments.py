"""Synthetic card payments of an online marketplace with late chargebacks, for an exercise about
offline vs online features (training/serving skew, point-in-time correctness, label delay).

Generative story. About 3,000 users pay by card on a marketplace between 2026-01-01 and
2026-07-31; most have an account from the start and about 12 % sign up during the period. Each
user has a heavy-tailed activity rate, a home country, a usual device type (some also a second
one), a usual amount level, a few favourite merchant categories and a few trips abroad. A user
shops in sessions whose start follows a daily and weekly rhythm (busy evenings, quiet nights,
busier weekends); most sessions are one payment, some hold two or three a few minutes apart, on
the same device and from the same country.

Fraud comes in episodes, independent of the user's own sessions: an account is compromised and the
fraudster makes a burst of payments minutes apart, so an episode lasts up to an hour or two. There
are two kinds. Card theft (the whole period): the fraudster often uses a device type and a country
the user never used, works at night more than shoppers do, spends well above the user's usual amount
(an episode sometimes starts with a tiny card test) and prefers resaleable goods (gift cards,
electronics, phones, gaming, travel). Account takeover (phished app logins, a new modus operandi from
2026-05-11 whose share of episodes grows to half on 2026-07-01 and stays there): the user's own
device type and home country, amounts close to the user's usual, daytime, longer and faster bursts
of gift cards, digital goods, gaming and top-ups. About 2 % of payments are fraud. Every payment of
an episode is fraud, so a feature computed over the whole log (payments in the next hour, a centred
window) reads the episode's future: it flags the first payment of a burst, which past-only features
mostly miss.

Three new merchant categories launch on 2026-07-01 (the holdout month), two of them fraud magnets.
`device_type` is missing at random in ~2 % of payments, ~4 % from 2026-07-01 (a logging change).

Each payment reaches the data platform (`ingested_at`) seconds after it happened (`event_time`);
~3 % arrive 1 to 48 hours late (apps queueing offline), so the ingestion order differs from the
event order. Its label arrives late too: a fraudulent payment is charged back 5 to 45 days later
(the cardholder disputes a whole episode at once; median ~18 days for card theft, ~29 for
takeovers, whose amounts do not stand out on a statement); a legitimate one is known to be
legitimate when its 45-day chargeback window closes. The training extract was taken on 2026-07-01
00:00: it holds the payments of 2026-01-01..2026-06-30 ingested by then, with the labels known by
then. Payments of the last 45 days are unlabelled unless their chargeback already came, so the few
labels there are all frauds, and most of the recent takeovers are still unlabelled. The holdout is
every payment of July; its labels (final truth) stay hidden, as does the final truth of every
training payment.

Here the label is not a draw from a probability of the row: a payment is fraud because an episode
made it, so whoever can rebuild July's payments knows which are fraud. July is therefore drawn on
the label secret's stream: the same users (traits, numbering) as the seed's world, their July
sessions and episodes drawn afresh, numbered on from the last payment of June. The seed gives
train.csv and the training period's final truth; July, features and labels, needs the secret.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset, label_rng

DEFAULT_SEED = 20261201
LABEL = "is_fraud"
ID_COLUMN = "payment_id"
ENTITY_COLUMN = "user_id"
TIME_COLUMN = "event_time"
INGESTED_COLUMN = "ingested_at"
LABEL_TIME_COLUMN = "label_time"
EVENT_COLUMNS = (
    "payment_id",
    "user_id",
    "event_time",
    "ingested_at",
    "amount",
    "merchant_category",
    "country",
    "device_type",
    "channel",
)

DAY = 86_400
START = np.datetime64("2026-01-01T00:00:00", "s")
N_DAYS = 212  # 2026-01-01 .. 2026-07-31
HOLDOUT_DAY = 181  # 2026-07-01: the holdout month starts, the training extract is taken
EXTRACT_SEC = HOLDOUT_DAY * DAY
CHARGEBACK_WINDOW_DAYS = 45  # a chargeback can only come within it; after it the payment is legitimate

N_USERS, SIGNUP_SHARE = 3_000, 0.12
SESSIONS_PER_DAY = 0.105  # an average user's shopping sessions a day
ACTIVITY_SPREAD, MAX_ACTIVITY = 1.0, 25.0  # lognormal log-sd of the users' rates, cap (x the median)
EXTRA_PAYMENT_P, EXTRA_PAYMENTS_MEAN = 0.15, 0.25  # a session holds 1, or 2 + Poisson, payments
SESSION_GAP_MIN = 6.0  # minutes between payments of a session (exponential mean)
AMOUNT_LEVEL, AMOUNT_LEVEL_SD, AMOUNT_NOISE_SD = np.log(35.0), 0.5, 0.7  # log-amounts


class EpisodeKind(NamedTuple):
    """How one kind of fraud episode looks, and how fast its chargebacks come."""

    extra_payments: float  # payments per episode: 1 + Poisson(extra_payments), capped at BURST_MAX
    gap_min: float  # minutes between payments (exponential mean)
    new_device_p: float  # the fraudster's device type is one the user never uses
    foreign_p: float  # the episode comes from a random country instead of the user's home
    uplift: float  # log-amount above the user's usual level (mean; sd UPLIFT_SD per episode)
    card_test_p: float  # the episode starts with a tiny test payment
    night: bool  # start hours from NIGHT_PROFILE rather than the shoppers' HOUR_PROFILE
    chargeback_beta: tuple[float, float]  # delay = 5 + 39 * beta(a, b) days, + up to a day per payment


EPISODE_KINDS = {
    "card_theft": EpisodeKind(2.5, 25.0, 0.45, 0.4, 0.5, 0.25, True, (2.0, 4.0)),
    "account_takeover": EpisodeKind(4.0, 6.0, 0.0, 0.0, 0.1, 0.0, False, (3.0, 2.0)),
}
EPISODES_PER_DAY, BURST_MAX, UPLIFT_SD = 2.2, 12, 0.5
# Takeovers start on TAKEOVER_FROM; their share of episodes grows linearly to TAKEOVER_SHARE on the
# first holdout day and stays there.
TAKEOVER_FROM, TAKEOVER_SHARE = 130, 0.5  # day 130 is 2026-05-11
CHARGEBACK_MIN_DAYS, CHARGEBACK_SPAN_DAYS = 5, 39

LATE_P = {"app": 0.04, "web": 0.015}  # payments ingested 1..48 h late (apps queue while offline)
LATE_MIN_SEC, LATE_MAX_SEC = 3_600, 48 * 3_600
MISSING_DEVICE_P, MISSING_DEVICE_P_HOLDOUT = 0.02, 0.04

# Relative rate of session starts (legitimate, and takeovers) and card-theft starts per hour of day.
HOUR_PROFILE = np.r_[
    [1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 4.0, 4.3, 4.6],  # 00:00 .. 11:00
    [5.2, 5.0, 4.5, 4.3, 4.5, 5.0, 5.8, 6.5, 6.8, 6.0, 4.2, 2.4],  # 12:00 .. 23:00
]
NIGHT_PROFILE = np.r_[
    [4.0, 4.5, 4.5, 4.5, 4.0, 3.5, 3.0, 2.5, 2.5, 2.5, 2.5, 2.5],
    [2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 3.0, 3.0, 3.0, 3.5, 3.5, 4.0],
]
WEEKDAY_PROFILE = np.array([0.92, 0.93, 0.95, 0.98, 1.05, 1.07, 1.10])  # Monday .. Sunday

# category: (weight in legitimate payments, log-amount shift, weight in card theft, in takeovers)
CATEGORIES = {
    "groceries": (12.0, -0.3, 0.2, 0.0),
    "fashion": (11.0, 0.1, 2.0, 0.5),
    "food_delivery": (10.0, -0.6, 0.5, 0.3),
    "beauty": (6.0, -0.4, 0.4, 0.2),
    "home_garden": (6.0, 0.2, 0.3, 0.0),
    "shoes": (5.0, 0.3, 1.5, 0.3),
    "electronics": (4.0, 1.1, 4.0, 1.0),
    "digital_goods": (4.0, -0.8, 4.0, 5.0),
    "books": (4.0, -0.6, 0.1, 0.0),
    "gaming": (3.0, 0.0, 4.0, 4.0),
    "music_streaming": (3.0, -1.2, 0.3, 1.0),
    "toys": (3.0, -0.1, 0.4, 0.0),
    "sports": (3.0, 0.3, 0.5, 0.0),
    "pet_supplies": (3.0, -0.2, 0.1, 0.0),
    "pharmacy": (3.0, -0.7, 0.1, 0.0),
    "furniture": (2.0, 1.2, 0.5, 0.0),
    "mobile_phones": (2.0, 1.6, 3.0, 0.5),
    "gift_cards": (2.0, 0.2, 8.0, 8.0),
    "travel": (2.0, 1.5, 2.5, 0.5),
    "event_tickets": (2.0, 0.6, 3.0, 3.0),
    "computers": (1.5, 1.8, 2.0, 0.3),
    "auto_parts": (1.5, 0.6, 0.3, 0.0),
    "software": (1.5, 0.3, 1.5, 2.0),
    "jewelry": (0.8, 1.4, 1.5, 0.0),
    "luxury": (0.7, 2.0, 1.5, 0.0),
}
# Launched on the first holdout day: unseen in training.
NEW_CATEGORIES = {
    "mobile_topups": (2.0, -0.9, 3.0, 6.0),
    "ev_charging": (1.5, -0.3, 0.1, 0.0),
    "crypto_vouchers": (0.8, 0.8, 6.0, 5.0),
}
ALL_CATEGORIES = {**CATEGORIES, **NEW_CATEGORIES}
N_FAVOURITES, FAVOURITE_P = 3, 0.5  # a user's favourite categories, and how often a payment uses one

HOME_COUNTRIES = {
    "DE": 30,
    "FR": 18,
    "NL": 10,
    "ES": 10,
    "IT": 10,
    "BE": 6,
    "AT": 5,
    "PL": 5,
    "SE": 3,
    "IE": 3,
}
# Trip destinations and where card thieves connect from: the home countries and a few more.
COUNTRIES = [*HOME_COUNTRIES, "PT", "GR", "HR", "CH", "GB", "US", "CZ", "DK", "RO", "TR"]
TRIPS_PER_YEAR, MAX_TRIPS = 2.5, 4
TRIP_DAYS = (2, 15)  # length of a trip, days (uniform)
TRIP_FOREIGN_P, RANDOM_FOREIGN_P = 0.85, 0.01  # sessions abroad during a trip, and at any time

# usual device: probability. A second device type (if any) is of the other kind (phone vs browser).
DEVICES = {"ios": 0.35, "android": 0.35, "web": 0.25, "other": 0.05}
SECOND_DEVICE_P, SECOND_DEVICE_USE, RANDOM_DEVICE_USE = 0.4, 0.2, 0.02
FRAUD_DEVICES = {"ios": 0.1, "android": 0.1, "web": 0.5, "other": 0.3}  # a card thief's new device
APP_SHARE = {"ios": 0.93, "android": 0.93, "web": 0.0, "other": 0.4}  # channel "app", else "web"


def _sample(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One index per row of `weights` (rows need not be normalised), by inverse CDF."""
    cdf = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cdf[:, -1]
    return np.minimum((cdf < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _users(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Traits fixed per user (index 0..N_USERS-1); `join` is the first second the user can pay."""
    n = N_USERS
    join = np.where(rng.random(n) < SIGNUP_SHARE, rng.integers(0, N_DAYS * DAY, n), 0)
    activity = np.minimum(rng.lognormal(0, ACTIVITY_SPREAD, n), MAX_ACTIVITY)
    home_p = np.array(list(HOME_COUNTRIES.values()), float)
    usual = rng.choice(len(DEVICES), size=n, p=np.array(list(DEVICES.values())))
    # A second device type of the other kind: a phone user who also pays in a browser, and vice versa.
    second = np.where(usual <= 1, list(DEVICES).index("web"), rng.integers(0, 2, n))
    second = np.where(rng.random(n) < SECOND_DEVICE_P, second, -1)
    legit_w = np.array([v[0] for v in CATEGORIES.values()])
    noisy = rng.gumbel(size=(n, len(CATEGORIES))) + np.log(legit_w)  # Gumbel top-k: no replacement
    # Trips abroad: up to MAX_TRIPS per user, each a destination and an interval of days.
    n_trips = np.minimum(rng.poisson(TRIPS_PER_YEAR * N_DAYS / 365, n), MAX_TRIPS)
    trip_start = rng.integers(0, N_DAYS, (n, MAX_TRIPS)) * DAY
    trip_end = trip_start + rng.integers(TRIP_DAYS[0], TRIP_DAYS[1] + 1, (n, MAX_TRIPS)) * DAY
    # Unused trip slots get an empty interval, so that no payment falls in them.
    has_trip = np.arange(MAX_TRIPS) < n_trips[:, None]
    return {
        "join": join,
        "rate": SESSIONS_PER_DAY * activity / np.exp(ACTIVITY_SPREAD**2 / 2),  # mean SESSIONS_PER_DAY
        "activity": activity,
        "home": rng.choice(len(home_p), size=n, p=home_p / home_p.sum()),
        "usual_device": usual,
        "second_device": second,
        "level": rng.normal(AMOUNT_LEVEL, AMOUNT_LEVEL_SD, n),
        "favourites": np.argsort(noisy, axis=1)[:, -N_FAVOURITES:],
        "trip_start": np.where(has_trip, trip_start, -1),
        "trip_end": np.where(has_trip, trip_end, -1),
        "trip_country": rng.integers(0, len(COUNTRIES), (n, MAX_TRIPS)),
    }


def _hourly_intensity() -> np.ndarray:
    """Relative rate of session starts in each hour of the period (daily x weekly rhythm)."""
    days = START.astype("datetime64[D]") + np.arange(N_DAYS)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    return (WEEKDAY_PROFILE[weekday][:, None] * HOUR_PROFILE[None, :]).ravel()


def _session_starts(rng: np.random.Generator, users: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(user, start second) of every legitimate shopping session, following the hourly intensity."""
    intensity = _hourly_intensity()
    cdf = np.r_[0.0, np.cumsum(intensity)] / intensity.sum()
    first_hour = users["join"] // 3_600
    # Expected sessions: the user's daily rate times the (intensity-weighted) days after joining.
    n = rng.poisson(users["rate"] * (1 - cdf[first_hour]) * N_DAYS)
    user = np.repeat(np.arange(N_USERS), n)
    # Inverse CDF restricted to the hours after the user joined.
    u = cdf[first_hour[user]] + rng.random(len(user)) * (1 - cdf[first_hour[user]])
    hour = np.minimum(np.searchsorted(cdf, u, side="right") - 1, len(intensity) - 1)
    sec = np.maximum(hour * 3_600 + rng.integers(0, 3_600, len(user)), users["join"][user])
    return user, sec


def _takeover_share(day: np.ndarray) -> np.ndarray:
    """Share of fraud episodes that are account takeovers on each day: 0, a linear ramp, a plateau."""
    return TAKEOVER_SHARE * np.clip((day - TAKEOVER_FROM) / (HOLDOUT_DAY - TAKEOVER_FROM), 0, 1)


def _episodes(rng: np.random.Generator, users: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every fraud episode: its user, kind, start and how it looks. Uniform days; start hours by kind;
    among users who had joined by then, busier accounts a little more exposed."""
    kinds = list(EPISODE_KINDS.values())
    n = rng.poisson(EPISODES_PER_DAY * N_DAYS)
    day = rng.integers(0, N_DAYS, n)
    kind = (rng.random(n) < _takeover_share(day)).astype(np.int64)
    night = np.array([k.night for k in kinds])[kind]
    hour = np.where(
        night,
        rng.choice(24, size=n, p=NIGHT_PROFILE / NIGHT_PROFILE.sum()),
        rng.choice(24, size=n, p=HOUR_PROFILE / HOUR_PROFILE.sum()),
    )
    start = day * DAY + hour * 3_600 + rng.integers(0, 3_600, n)
    exposure = np.sqrt(users["activity"])
    user = rng.choice(N_USERS, size=n, p=exposure / exposure.sum())
    # Redraw the account until it existed at the episode's start (start dates stay uniform).
    while (early := users["join"][user] > start).any():
        user[early] = rng.choice(N_USERS, size=early.sum(), p=exposure / exposure.sum())

    def param(name: str) -> np.ndarray:
        return np.array([getattr(k, name) for k in kinds])[kind]

    country, device = _episode_country_device(rng, users, user, param("foreign_p"), param("new_device_p"))
    beta = np.array([k.chargeback_beta for k in kinds])[kind]
    return {
        "user": user,
        "kind": kind,
        "start": start,
        "size": np.minimum(1 + rng.poisson(param("extra_payments")), BURST_MAX),
        "gap_min": param("gap_min"),
        "country": country,
        "device": device,
        "uplift": rng.normal(param("uplift"), UPLIFT_SD),
        "card_test": rng.random(n) < param("card_test_p"),
        # The cardholder disputes a whole episode at once: one delay per episode.
        "delay_days": CHARGEBACK_MIN_DAYS + CHARGEBACK_SPAN_DAYS * rng.beta(beta[:, 0], beta[:, 1]),
    }


def _episode_country_device(
    rng: np.random.Generator,
    users: dict[str, np.ndarray],
    user: np.ndarray,
    foreign_p: np.ndarray,
    new_device_p: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One country and one device per fraud episode: the user's own, or (card thieves) new ones."""
    n = len(user)
    country = np.where(rng.random(n) < foreign_p, rng.integers(0, len(COUNTRIES), n), users["home"][user])
    # A new device type: none the user uses.
    new_p = np.tile(np.array(list(FRAUD_DEVICES.values())), (n, 1))
    new_p[np.arange(n), users["usual_device"][user]] = 0
    has_second = users["second_device"][user] >= 0
    new_p[np.flatnonzero(has_second), users["second_device"][user][has_second]] = 0
    new = _sample(rng, new_p)
    return country, np.where(rng.random(n) < new_device_p, new, users["usual_device"][user])


def _expand(
    rng: np.random.Generator, start: np.ndarray, size: np.ndarray, gap_min: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Payments of sessions or episodes: (index of the group, position in it, second). Exponential
    gaps of mean `gap_min` minutes (per group or for all), at least 20 s."""
    group = np.repeat(np.arange(len(start)), size)
    first = np.r_[0, np.cumsum(size)[:-1]]
    position = np.arange(len(group)) - first[group]
    mean = np.broadcast_to(np.asarray(gap_min, float), start.shape)[group] * 60
    gap = np.where(position == 0, 0, 20 + np.round(rng.exponential(mean))).astype(np.int64)
    elapsed = np.cumsum(gap)
    elapsed -= elapsed[first][group]
    return group, position, start[group] + elapsed


def _session_country(
    rng: np.random.Generator, users: dict[str, np.ndarray], user: np.ndarray, sec: np.ndarray
) -> np.ndarray:
    """Country index of each legitimate session: home, the destination of a trip, rarely elsewhere."""
    on_trip = (users["trip_start"][user] <= sec[:, None]) & (sec[:, None] < users["trip_end"][user])
    trip = np.argmax(on_trip, axis=1)
    abroad = on_trip.any(axis=1) & (rng.random(len(user)) < TRIP_FOREIGN_P)
    country = np.where(abroad, users["trip_country"][user, trip], users["home"][user])
    stray = rng.random(len(user)) < RANDOM_FOREIGN_P
    return np.where(stray, rng.integers(0, len(COUNTRIES), len(user)), country)


def _session_device(rng: np.random.Generator, users: dict[str, np.ndarray], user: np.ndarray) -> np.ndarray:
    """Device index of each legitimate session: the usual one, sometimes the second, rarely another."""
    u = rng.random(len(user))
    second = users["second_device"][user]
    device = np.where((u < SECOND_DEVICE_USE) & (second >= 0), second, users["usual_device"][user])
    return np.where(u > 1 - RANDOM_DEVICE_USE, rng.integers(0, len(DEVICES), len(user)), device)


def _categories(
    rng: np.random.Generator,
    users: dict[str, np.ndarray],
    user: np.ndarray,
    sec: np.ndarray,
    kind: np.ndarray,
) -> np.ndarray:
    """Category index of each payment (kind -1 legitimate, else the episode kind): favourites or the
    market mix for users, resaleable goods for fraud. New categories only from the holdout month."""
    table = np.array(list(ALL_CATEGORIES.values()))
    weights = table[:, np.where(kind < 0, 0, 2 + kind)].T
    weights[sec < EXTRACT_SEC, len(CATEGORIES) :] = 0
    category = _sample(rng, weights)
    favourite = users["favourites"][user, rng.integers(0, N_FAVOURITES, len(user))]
    return np.where((kind < 0) & (rng.random(len(user)) < FAVOURITE_P), favourite, category)


def _amounts(
    rng: np.random.Generator,
    users: dict[str, np.ndarray],
    user: np.ndarray,
    category: np.ndarray,
    uplift: np.ndarray,
    card_test: np.ndarray,
) -> np.ndarray:
    """Lognormal around the user's level shifted by category; fraud above it; card tests tiny."""
    shift = np.array([v[1] for v in ALL_CATEGORIES.values()])[category]
    log_amount = users["level"][user] + shift + uplift + rng.normal(0, AMOUNT_NOISE_SD, len(user))
    amount = np.maximum(np.round(np.exp(log_amount), 2), 1.0)
    return np.where(card_test, np.round(rng.uniform(0.5, 3.0, len(user)), 2), amount)


def _payments(rng: np.random.Generator, users: dict[str, np.ndarray]) -> pd.DataFrame:
    """Every payment of the period (legitimate sessions, then fraud episodes), with indices."""
    s_user, s_start = _session_starts(rng, users)
    n_sessions = len(s_user)
    s_size = 1 + (rng.random(n_sessions) < EXTRA_PAYMENT_P) * (
        1 + rng.poisson(EXTRA_PAYMENTS_MEAN, n_sessions)
    )
    s_country = _session_country(rng, users, s_user, s_start)
    s_device = _session_device(rng, users, s_user)
    s_group, _, s_sec = _expand(rng, s_start, s_size, SESSION_GAP_MIN)
    ep = _episodes(rng, users)
    e_group, e_pos, e_sec = _expand(rng, ep["start"], ep["size"], ep["gap_min"])

    n_legit = len(s_group)
    user = np.r_[s_user[s_group], ep["user"][e_group]]
    sec = np.r_[s_sec, e_sec]
    kind = np.r_[np.full(n_legit, -1), ep["kind"][e_group]]
    category = _categories(rng, users, user, sec, kind)
    uplift = np.r_[np.zeros(n_legit), ep["uplift"][e_group]]
    card_test = np.r_[np.zeros(n_legit, bool), ep["card_test"][e_group] & (e_pos == 0)]
    frame = pd.DataFrame(
        {
            "user": user,
            "sec": sec,
            "amount": _amounts(rng, users, user, category, uplift, card_test),
            "category": category,
            "country": np.r_[s_country[s_group], ep["country"][e_group]],
            "device": np.r_[s_device[s_group], ep["device"][e_group]],
            "kind": kind,
            "episode": np.r_[np.full(n_legit, -1), e_group],
            "delay_days": np.r_[np.full(n_legit, np.nan), ep["delay_days"][e_group]],
        }
    )
    return frame[frame["sec"] < N_DAYS * DAY].reset_index(drop=True)


def _channel(rng: np.random.Generator, device: np.ndarray) -> np.ndarray:
    """`app` or `web`: phones mostly pay in the app, browsers on the web."""
    app_p = np.array(list(APP_SHARE.values()))[device]
    return np.where(rng.random(len(device)) < app_p, "app", "web")


def _ingestion_delay(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    """Seconds from the event to the platform: seconds to minutes, 1..48 h for offline-queued ones."""
    n = len(channel)
    normal = np.minimum(2 + np.round(rng.lognormal(np.log(15), 1.0, n)), 600)
    late = np.round(np.exp(rng.uniform(np.log(LATE_MIN_SEC), np.log(LATE_MAX_SEC), n)))
    late_p = np.where(channel == "app", LATE_P["app"], LATE_P["web"])
    return np.where(rng.random(n) < late_p, late, normal).astype(np.int64)


def _label_delay(rng: np.random.Generator, delay_days: np.ndarray, fraud: np.ndarray) -> np.ndarray:
    """Seconds from the event to its label: the chargeback for fraud (the episode's delay plus up to a
    day), the close of the chargeback window for legitimate payments."""
    chargeback = np.round((delay_days + rng.uniform(0, 1, len(fraud))) * DAY)
    chargeback = np.minimum(chargeback, CHARGEBACK_WINDOW_DAYS * DAY - 1)  # always inside the window
    return np.where(fraud, chargeback, CHARGEBACK_WINDOW_DAYS * DAY).astype(np.int64)


def _stamps(sec: np.ndarray) -> np.ndarray:
    """Seconds since START as `YYYY-MM-DD HH:MM:SS`."""
    return np.char.replace(np.datetime_as_string(START + sec.astype("timedelta64[s]"), unit="s"), "T", " ")


def _first_seen_numbers(values: np.ndarray) -> np.ndarray:
    """Number the non-negative values 1, 2, ... in order of first occurrence; -1 stays -1."""
    out = np.full(len(values), -1)
    present = values >= 0
    seen, first, inverse = np.unique(values[present], return_index=True, return_inverse=True)
    rank = np.empty(len(seen), np.int64)
    rank[np.argsort(first)] = np.arange(1, len(seen) + 1)
    out[present] = rank[inverse]
    return out


def _event_log(
    rng: np.random.Generator,
    users: dict[str, np.ndarray] | None = None,
    user_number: np.ndarray | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], np.ndarray]:
    """All payments in event order: the event columns and the hidden truth (`_`-prefixed); with the
    users and their public numbers, drawn here unless given (another stream's world of the same users)."""
    users = _users(rng) if users is None else users
    raw = _payments(rng, users)
    # Numbered by event time; ties (same second) in random order.
    raw = raw.iloc[np.lexsort((rng.random(len(raw)), raw["sec"].to_numpy()))].reset_index(drop=True)
    n = len(raw)
    sec = raw["sec"].to_numpy()
    fraud = (raw["kind"] >= 0).to_numpy()
    channel = _channel(rng, raw["device"].to_numpy())
    ingested = sec + _ingestion_delay(rng, channel)
    labelled = sec + _label_delay(rng, raw["delay_days"].to_numpy(), fraud)
    missing_p = np.where(sec >= EXTRACT_SEC, MISSING_DEVICE_P_HOLDOUT, MISSING_DEVICE_P)
    device = np.where(
        rng.random(n) < missing_p, None, np.array(list(DEVICES), dtype=object)[raw["device"].to_numpy()]
    )
    # Users numbered in random order, so the number says nothing about sign-up or activity.
    user_number = rng.permutation(N_USERS) + 1 if user_number is None else user_number
    log = pd.DataFrame(
        {
            ID_COLUMN: [f"pay_{i:07d}" for i in range(1, n + 1)],
            ENTITY_COLUMN: [f"u_{user_number[u]:05d}" for u in raw["user"]],
            TIME_COLUMN: _stamps(sec),
            INGESTED_COLUMN: _stamps(ingested),
            "amount": raw["amount"].to_numpy(),
            "merchant_category": np.array(list(ALL_CATEGORIES))[raw["category"].to_numpy()],
            "country": np.array(COUNTRIES)[raw["country"].to_numpy()],
            "device_type": pd.array(device, dtype="str"),
            "channel": channel,
            "_sec": sec,
            "_ingested_sec": ingested,
            "_label_sec": labelled,
            "_fraud": fraud.astype(np.int64),
            "_kind": raw["kind"].to_numpy(),
            "_episode": _first_seen_numbers(raw["episode"].to_numpy()),
        }
    )
    return log, users, user_number


def _secret_july(log: pd.DataFrame, secret_log: pd.DataFrame) -> pd.DataFrame:
    """July from `secret_log` (another stream's world of the same users), payment ids numbered on from
    the last payment of `log` before July, as they would be in one log."""
    july = secret_log[secret_log["_sec"] >= EXTRACT_SEC].reset_index(drop=True)
    first = int((log["_sec"] < EXTRACT_SEC).sum()) + 1
    july[ID_COLUMN] = [f"pay_{i:07d}" for i in range(first, first + len(july))]
    return july


def _by_ingestion(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order the platform received them (ties by payment_id)."""
    order = np.lexsort((frame[ID_COLUMN].to_numpy(), frame["_ingested_sec"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def _training_extract(log: pd.DataFrame) -> pd.DataFrame:
    """What the platform held on 2026-07-01 00:00: payments ingested by then, labels known by then."""
    train = _by_ingestion(log[log["_ingested_sec"] < EXTRACT_SEC])
    known = (train["_label_sec"] < EXTRACT_SEC).to_numpy()
    out = train[list(EVENT_COLUMNS)].copy()
    label_time = np.where(known, _stamps(train["_label_sec"].to_numpy()), None)
    out[LABEL_TIME_COLUMN] = pd.array(label_time, dtype="str")
    # Unknown labels are empty cells: the column reads back as float with NaN.
    out[LABEL] = pd.array(np.where(known, train["_fraud"].to_numpy(), None), dtype="Int64")
    return out


def _train_truth(log: pd.DataFrame) -> pd.DataFrame:
    """Final truth of every payment of the training period, in payment_id order, for graders."""
    period = log[log["_sec"] < EXTRACT_SEC]
    episode = period["_episode"].to_numpy()
    kind = np.array(["", *EPISODE_KINDS])[period["_kind"].to_numpy() + 1]
    return pd.DataFrame(
        {
            ID_COLUMN: period[ID_COLUMN].to_numpy(),
            "is_fraud_final": period["_fraud"].to_numpy(),
            "label_time_final": _stamps(period["_label_sec"].to_numpy()),
            "in_extract": (period["_ingested_sec"] < EXTRACT_SEC).to_numpy().astype(np.int64),
            "fraud_episode": pd.array(np.where(episode > 0, episode, None), dtype="Int64"),
            "fraud_kind": pd.array(np.where(kind == "", None, kind), dtype="str"),
        }
    )


def generate(seed: int, label_secret: int | None = None, *, legacy_labels: bool = False) -> GeneratedDataset:
    """Build the training extract and its final truth for `seed`, and the holdout month (features and
    hidden labels) from `label_secret`'s stream.

    `label_secret` None uses the seed's own label stream (a bundle's seed is secret). `legacy_labels`
    takes July from the seed's world, as before label secrets: only to grade the bundles made then,
    since anyone with the seed can recompute its labels.
    """
    rng = np.random.default_rng(seed)
    log, users, user_number = _event_log(rng)
    july = log[log["_sec"] >= EXTRACT_SEC]
    if not legacy_labels:
        july = _secret_july(log, _event_log(label_rng(seed, label_secret), users, user_number)[0])
    holdout = _by_ingestion(july)
    return GeneratedDataset(
        name="payments",
        seed=seed,
        candidate_files={
            "train.csv": _training_extract(log),
            "holdout_features.csv": holdout[list(EVENT_COLUMNS)].copy(),
        },
        hidden_files={
            "holdout_labels.csv": pd.DataFrame({LABEL: holdout["_fraud"].to_numpy()}),
            "train_truth.csv": _train_truth(log),
        },
        secret_files=() if legacy_labels else ("holdout_features.csv", "hidden/holdout_labels.csv"),
    )
