"""Synthetic food-delivery orders and how long each took, for an exercise about baselines and iteration.

Generative story. Orders arrive over 181 days from 2026-01-01 with a daily rhythm (lunch and dinner
peaks, busier Fridays and weekends). Each order is a delivery (93 %), a pickup (5 %) or a locker order
(2 %); it comes from one of 350 restaurants with a usual preparation time, has a number of items and,
for a delivery, a ride distance and a courier with some months of experience (pickup and locker orders
have no ride: distance 0.0, no courier). The road traffic follows the commute hours, and the weather of
each three-hour block (clear, rain, wind or snow) is a persistent chain with the same probabilities all
year, so nothing drifts.

A delivery's minutes from order to hand-over are the later of two events, the food being ready and the
courier reaching the restaurant, plus the ride and a final hand-over. Preparation grows with the
restaurant's usual time, with large orders and at rush hours; couriers take longer to arrive at rush
hours and in snow. The ride costs minutes per km that grow with the square of traffic, so distance and
traffic interact; rain slows long rides more than short ones; inexperienced couriers lose time on long
rides only. The noise is multiplicative, so it grows with the expected time, and a few orders (more in
bad weather and at rush hours) suffer a long, heavy-tailed delay. A pickup is collected by the
customer, so its minutes are exactly 0.0; a locker order is a ready meal released from a smart locker
within 0.2-1.5 minutes. Five columns (the customer's last rating, app version, promo code, payment
method, tenure) are drawn independently of everything else and carry no signal.

The first 24,000 orders by time form the training file, the last 6,000 the holdout. About 3 % of
courier experience (deliveries) and of traffic values are blanked at random. The hidden holdout
minutes are drawn again from the same model of the complete features, on the label secret's stream,
so the seed alone does not give them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset, label_rng

DEFAULT_SEED = 20261124
LABEL = "delivery_minutes"
ID_COLUMN = "order_id"

N_ROWS, N_HOLDOUT, N_DAYS, N_RESTAURANTS = 30_000, 6_000, 181, 350
START = np.datetime64("2026-01-01T00:00:00", "s")
FIRST_WEEKDAY = 3  # 2026-01-01 is a Thursday; Monday is 0
DAY_NAMES = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
ORDER_TYPES = {"delivery": 0.93, "pickup": 0.05, "locker": 0.02}
WEATHER = {"clear": 0.62, "rain": 0.24, "wind": 0.09, "snow": 0.05}

# Share of orders per hour of day: small hours quiet, peaks at lunch and dinner.
HOUR_PROFILE = np.array(
    [2, 1, 0.6, 0.4, 0.3, 0.3, 0.6, 1.5, 3, 3.5, 4.5, 8, 13, 11, 6, 4.5, 5, 9, 14, 15, 11, 7, 4.5, 3]
)
# Orders per day of week (Mon..Sun): weekends busier.
DAY_PROFILE = np.array([0.9, 0.9, 0.95, 1.0, 1.2, 1.35, 1.2])
# How rushed restaurants and couriers are at each hour (0 calm, 1 peak).
RUSH = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.55, 1, 0.8, 0.2, 0, 0.05, 0.4, 0.9, 1, 0.6, 0.2, 0, 0])
# Weekday road traffic by hour, 00-11 then 12-23 (the weekend runs at 70 % of it).
TRAFFIC = np.array(
    [
        [0.08, 0.05, 0.04, 0.04, 0.05, 0.12, 0.3, 0.65, 0.8, 0.6, 0.45, 0.45],
        [0.5, 0.45, 0.45, 0.55, 0.7, 0.85, 0.75, 0.5, 0.35, 0.25, 0.18, 0.12],
    ]
).ravel()
APP_VERSIONS = {"5.12.3": 0.08, "5.13.0": 0.12, "5.13.2": 0.25, "5.14.0": 0.35, "5.14.1": 0.2}
PAYMENT_METHODS = {"card": 0.58, "wallet": 0.3, "cash": 0.12}


def _timestamps(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sorted, strictly increasing seconds since START, so the split has no ties."""
    weekday = (np.arange(N_DAYS) + FIRST_WEEKDAY) % 7
    day_p = DAY_PROFILE[weekday] / DAY_PROFILE[weekday].sum()
    day = rng.choice(N_DAYS, size=n, p=day_p)
    hour = rng.choice(24, size=n, p=HOUR_PROFILE / HOUR_PROFILE.sum())
    sec = np.sort(day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n))
    idx = np.arange(n)
    return np.maximum.accumulate(sec - idx) + idx


def _weather(rng: np.random.Generator, n_blocks: int) -> np.ndarray:
    """Weather index per three-hour block: a chain that keeps the weather with probability 0.7."""
    p = np.array(list(WEATHER.values()))
    fresh = rng.choice(len(p), size=n_blocks, p=p)
    keep = rng.random(n_blocks) < 0.7
    out = np.empty(n_blocks, np.int64)
    out[0] = fresh[0]
    for i in range(1, n_blocks):
        out[i] = out[i - 1] if keep[i] else fresh[i]
    return out


def _choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    p = np.array(list(options.values()))
    return np.array(list(options))[rng.choice(len(p), size=n, p=p / p.sum())]


def _orders(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Orders sorted by time with every feature present; no ride (pickup, locker) means no courier."""
    sec = _timestamps(rng, n)
    day, hour = sec // 86_400, (sec % 86_400) // 3_600
    weekday = (day + FIRST_WEEKDAY) % 7
    weather = np.array(list(WEATHER))[_weather(rng, N_DAYS * 8)[sec // 10_800]]
    order_type = _choice(rng, ORDER_TYPES, n)
    delivery = order_type == "delivery"
    usual_prep = np.clip(rng.gamma(6, 2.4, N_RESTAURANTS), 5, 40)
    # Most orders are one to three items; a few are office or family orders.
    items = 1 + rng.poisson(np.where(rng.random(n) < 0.15, 5.0, 1.2))
    distance = np.round(np.clip(rng.lognormal(np.log(2.6), 0.55, n), 0.3, 18), 2)
    experience = np.floor(rng.gamma(1.1, 13, n))
    traffic = TRAFFIC[hour] * np.where(weekday >= 5, 0.7, 1.0) + 0.08 * (weather == "rain")
    traffic = np.round(np.clip(traffic + rng.normal(0, 0.08, n), 0, 1), 2)
    stamps = np.datetime_as_string(START + sec.astype("timedelta64[s]"), unit="s")
    rating = pd.array(rng.choice(5, size=n, p=[0.04, 0.04, 0.1, 0.27, 0.55]) + 1, dtype="Int64")
    rating[rng.random(n) < 0.09] = pd.NA  # first orders have no previous rating
    return pd.DataFrame(
        {
            ID_COLUMN: np.arange(1, n + 1, dtype=np.int64),
            "order_time": np.char.replace(stamps, "T", " "),
            "hour": hour.astype(np.int64),
            "day_of_week": DAY_NAMES[weekday],
            "order_type": order_type,
            "distance_km": np.where(delivery, distance, 0.0),
            "n_items": items.astype(np.int64),
            "restaurant_prep_minutes": np.round(usual_prep[rng.integers(0, N_RESTAURANTS, n)], 1),
            "courier_experience_months": pd.array(np.where(delivery, experience, np.nan), dtype="Int64"),
            "traffic_index": traffic,
            "weather": weather,
            # The useless columns: drawn independently of everything above and of the minutes.
            "customer_rating_last_order": rating,
            "app_version": _choice(rng, APP_VERSIONS, n),
            "promo_code_used": (rng.random(n) < 0.18).astype(np.int64),
            "payment_method": _choice(rng, PAYMENT_METHODS, n),
            "customer_tenure_days": np.floor(rng.gamma(1.2, 300, n)).astype(np.int64),
        }
    )


def _minutes(rng: np.random.Generator, orders: pd.DataFrame) -> np.ndarray:
    """Minutes from order to hand-over, drawn from the complete features."""
    n = len(orders)
    weekend = orders["day_of_week"].isin(["Sat", "Sun"]).to_numpy()
    rush = RUSH[orders["hour"].to_numpy()] * np.where(weekend, 1.25, 1.0)
    weather = orders["weather"].to_numpy()
    rain, snow, wind = weather == "rain", weather == "snow", weather == "wind"
    distance = orders["distance_km"].to_numpy()
    traffic = orders["traffic_index"].to_numpy()
    experience = orders["courier_experience_months"].to_numpy(float, na_value=0.0)

    ready = orders["restaurant_prep_minutes"].to_numpy() * (1 + 0.45 * rush)
    ready += 1.2 * np.maximum(orders["n_items"].to_numpy() - 4, 0)  # big orders take longer
    courier_arrives = 3 + 9 * rush + 6 * snow + 1.5 * rain  # couriers are scarce at rush hours
    # Minutes per km grow with the square of traffic: distance and traffic interact.
    per_km = 2.0 * (1 + 1.6 * traffic**2) * np.where(snow, 1.35, np.where(wind, 1.05, 1.0))
    far = np.maximum(distance - 3, 0)
    ride = distance * per_km + rain * 0.6 * far**1.4 + 5 * np.exp(-experience / 4) * far
    expected = np.maximum(ready, courier_arrives) + ride + 2.5
    # Multiplicative noise (longer orders vary more), then rare heavy-tailed delays; orders still
    # open after four hours are closed at 240 minutes.
    minutes = expected * rng.lognormal(0, 0.3, n)
    p_delay = 0.03 + 0.05 * (rain | snow) + 0.04 * rush
    minutes = np.minimum(minutes + (rng.random(n) < p_delay) * 8 * (rng.pareto(1.8, n) + 1), 240)
    order_type = orders["order_type"].to_numpy()
    locker = rng.uniform(0.2, 1.5, n)
    return np.select([order_type == "pickup", order_type == "locker"], [0.0, locker], minutes)


def _blank(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """Blank about 3 % of courier experience (deliveries) and of traffic, at random."""
    orders = orders.copy()
    orders.loc[rng.random(len(orders)) < 0.03, "courier_experience_months"] = pd.NA
    orders.loc[rng.random(len(orders)) < 0.03, "traffic_index"] = np.nan
    return orders


def generate(seed: int, label_secret: int | None = None, *, legacy_labels: bool = False) -> GeneratedDataset:
    """Build train and holdout for `seed`, and the hidden minutes from `label_secret`'s stream.

    `label_secret` None uses the seed's own label stream (a bundle's seed is secret). `legacy_labels`
    keeps the holdout minutes drawn with the features, as before label secrets: only to grade the
    bundles made then, since anyone with the seed can recompute them.
    """
    rng = np.random.default_rng(seed)
    orders = _orders(rng, N_ROWS)
    minutes = _minutes(rng, orders)
    frame = _blank(rng, orders)
    frame[LABEL] = np.round(minutes, 2)
    n_train = N_ROWS - N_HOLDOUT
    train = frame.iloc[:n_train].reset_index(drop=True)
    holdout = frame.iloc[n_train:].reset_index(drop=True)
    hidden = holdout[[LABEL]].copy()
    if not legacy_labels:
        # From the complete features (before blanking), like the public draw.
        redrawn = _minutes(label_rng(seed, label_secret), orders.iloc[n_train:].reset_index(drop=True))
        hidden[LABEL] = np.round(redrawn, 2)
    return GeneratedDataset(
        name="delivery_times",
        seed=seed,
        candidate_files={"train.csv": train, "holdout_features.csv": holdout.drop(columns=LABEL)},
        hidden_files={"holdout_labels.csv": hidden},
    )
