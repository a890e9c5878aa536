"""Synthetic batches of a chemical reactor and the yield each gave, for an exercise about model capacity.

Generative story. Each batch of a catalytic reactor is run at a temperature, a pressure, a catalyst dose,
a feed flow, a stirrer speed and a feed viscosity, each drawn independently around its set point. The
plant measures each quantity its own way: three thermocouples (inlet, core, outlet) read the reactor
temperature with small independent errors; the pressure is logged twice, by a gauge in pascals and by
the operator's panel in bar; the catalyst dose is logged in ppm of the feed and as the mass weighed in,
in kilograms. The units differ by up to eight orders of magnitude (pascals near 2e5, a flow near 2.5e-3
m3/s), and each group of readings of one quantity is strongly correlated (about 0.95 to 0.99).

The yield (per cent) depends on what the plant's controller sees, the reading of each group in common
units: the mean of the three thermocouples, the mean of the two pressure logs, the mean of the two
catalyst logs (as z-scores of their set points), and the flow, stirrer speed and viscosity. It is a
polynomial of degree two in those: main effects, a temperature optimum (a negative square), and three
interactions (temperature x catalyst, stirrer x viscosity, pressure x flow). Gaussian noise of a known
standard deviation (``NOISE_SD``) is added. So the best possible prediction from the columns is that
polynomial itself, and the best possible RMSE is the noise standard deviation: the Bayes limit is exact.
Six more columns (ambient humidity, line voltage, vibration, feed pH, operating hours, coolant flow) are
drawn independently of everything and carry no signal.

The training file holds 1,000 batches, few enough that a model flexible enough to learn the interactions
is still limited by variance (its learning curve has not flattened); the holdout holds 2,000 more. The
hidden truth (``capacity_truth.csv``) records the Bayes RMSE and R^2, which columns are informative and
in which group, and the true learning curve of a reference learner (ridge regression on the standardised
degree-two expansion of the columns, fitted in closed form) at 250 to 8,000 training rows, measured on
10,000 fresh batches drawn from the same process. The hidden holdout yields are drawn again from the
same polynomial on the label secret's stream, so the seed alone does not give them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset, label_rng

DEFAULT_SEED = 20261203
LABEL = "yield_pct"
ID_COLUMN = "batch_id"
N_TRAIN, N_HOLDOUT = 1_000, 2_000
NOISE_SD = 2.0
CURVE_SIZES = (250, 500, 1_000, 2_000, 4_000, 8_000)
CURVE_TEST_ROWS = 10_000
REFERENCE_ALPHA = 3.0  # ridge penalty of the reference learner, on standardised degree-two features

# Set point and spread of each quantity the controller sees.
TEMP_C = (185.0, 12.0)
PRESSURE_PA = (2.0e5, 2.5e4)
CATALYST_PPM = (400.0, 60.0)
FLOW_M3S = (2.5e-3, 4.0e-4)
STIR_RPM = (1200.0, 180.0)
VISCOSITY_MPAS = (800.0, 150.0)
FEED_KG = 10.0  # catalyst mass = ppm * feed mass * 1e-6

GROUPS = {
    "temperature": ("temp_inlet_c", "temp_core_c", "temp_outlet_c"),
    "pressure": ("pressure_pa", "pressure_bar"),
    "catalyst": ("catalyst_ppm", "catalyst_kg"),
    "flow": ("flow_rate_m3s",),
    "stirring": ("stir_rpm",),
    "viscosity": ("viscosity_mpas",),
}
NOISE_COLUMNS = (
    "ambient_humidity_pct",
    "line_voltage_v",
    "vibration_mm_s",
    "feed_ph",
    "operating_hours",
    "coolant_flow_lpm",
)
FEATURES = tuple(c for group in GROUPS.values() for c in group) + NOISE_COLUMNS


def _batches(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Every column of ``n`` batches; the hidden quantities are not written."""
    temp = rng.normal(*TEMP_C, n)
    pressure = rng.normal(*PRESSURE_PA, n)
    catalyst = rng.normal(*CATALYST_PPM, n)
    columns = {
        "temp_inlet_c": temp - 6.0 + rng.normal(0, 2.0, n),
        "temp_core_c": temp + rng.normal(0, 2.0, n),
        "temp_outlet_c": temp + 4.0 + rng.normal(0, 2.0, n),
        "pressure_pa": pressure + rng.normal(0, 4.0e3, n),
        "pressure_bar": (pressure + rng.normal(0, 4.0e3, n)) / 1e5,
        "catalyst_ppm": catalyst + rng.normal(0, 12.0, n),
        "catalyst_kg": (catalyst + rng.normal(0, 12.0, n)) * FEED_KG * 1e-6,
        "flow_rate_m3s": rng.normal(*FLOW_M3S, n),
        "stir_rpm": rng.normal(*STIR_RPM, n),
        "viscosity_mpas": rng.normal(*VISCOSITY_MPAS, n),
        "ambient_humidity_pct": rng.normal(45.0, 10.0, n),
        "line_voltage_v": rng.normal(230.0, 3.0, n),
        "vibration_mm_s": np.abs(rng.normal(0.012, 0.003, n)),
        "feed_ph": rng.normal(7.0, 0.3, n),
        "operating_hours": rng.uniform(0, 2.0e4, n),
        "coolant_flow_lpm": rng.normal(1.5e4, 2.0e3, n),
    }
    return pd.DataFrame(columns)


def expected_yield(frame: pd.DataFrame) -> np.ndarray:
    """The Bayes-optimal prediction: the mean yield given the columns."""
    t = (frame["temp_inlet_c"] + 6.0 + frame["temp_core_c"] + frame["temp_outlet_c"] - 4.0) / 3 - TEMP_C[0]
    t = (t / TEMP_C[1]).to_numpy()
    p = (
        ((frame["pressure_pa"] + frame["pressure_bar"] * 1e5) / 2 - PRESSURE_PA[0]) / PRESSURE_PA[1]
    ).to_numpy()
    kg_as_ppm = frame["catalyst_kg"] / (FEED_KG * 1e-6)
    c = (((frame["catalyst_ppm"] + kg_as_ppm) / 2 - CATALYST_PPM[0]) / CATALYST_PPM[1]).to_numpy()
    f = ((frame["flow_rate_m3s"] - FLOW_M3S[0]) / FLOW_M3S[1]).to_numpy()
    s = ((frame["stir_rpm"] - STIR_RPM[0]) / STIR_RPM[1]).to_numpy()
    v = ((frame["viscosity_mpas"] - VISCOSITY_MPAS[0]) / VISCOSITY_MPAS[1]).to_numpy()
    return (
        62.0
        + 4.0 * t
        + 2.5 * p
        + 3.0 * c
        - 2.0 * f
        + 1.5 * s
        - 1.0 * v
        - 1.2 * t**2
        + 2.5 * t * c
        - 2.0 * s * v
        + 1.5 * p * f
    )


def _draw_yield(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    return mean + rng.normal(0, NOISE_SD, len(mean))


def _expand(x: np.ndarray) -> np.ndarray:
    """Columns, squares and pairwise products: the degree-two expansion."""
    i, j = np.triu_indices(x.shape[1])
    return np.hstack([x, x[:, i] * x[:, j]])


def _reference_rmse(
    train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, y_test: np.ndarray
) -> tuple[float, float]:
    """(training, test) RMSE of the reference learner: closed-form ridge on the standardised expansion."""
    raw = train[list(FEATURES)].to_numpy()
    mean, scale = raw.mean(axis=0), raw.std(axis=0)
    z = _expand((raw - mean) / scale)
    z_mean, z_scale = z.mean(axis=0), z.std(axis=0)
    z = (z - z_mean) / z_scale
    z_test = _expand((test[list(FEATURES)].to_numpy() - mean) / scale)
    z_test = (z_test - z_mean) / z_scale
    weights = np.linalg.solve(z.T @ z + REFERENCE_ALPHA * np.eye(z.shape[1]), z.T @ (y - y.mean()))
    fit = z @ weights + y.mean()
    predicted = z_test @ weights + y.mean()
    return float(np.sqrt(np.mean((y - fit) ** 2))), float(np.sqrt(np.mean((y_test - predicted) ** 2)))


def _truth(seed: int, train: pd.DataFrame) -> pd.DataFrame:
    """What the grader compares the candidate's diagnosis with: one row per fact (kind, name, value)."""
    rows: list[tuple[str, str, str, float]] = []
    for group, columns in GROUPS.items():
        rows.extend(("feature", column, group, 1.0) for column in columns)
    rows.extend(("feature", column, "noise", 0.0) for column in NOISE_COLUMNS)
    # The true learning curve: fresh batches from a stream of their own, so the files stay as they are.
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(0xC0FFEE,)))
    test = _batches(rng, CURVE_TEST_ROWS)
    y_test = _draw_yield(rng, expected_yield(test))
    pool = _batches(rng, max(CURVE_SIZES))
    y_pool = _draw_yield(rng, expected_yield(pool))
    for size in CURVE_SIZES:
        fit_rmse, test_rmse = _reference_rmse(pool.iloc[:size], y_pool[:size], test, y_test)
        rows.append(("curve_train", str(size), "reference", round(fit_rmse, 4)))
        rows.append(("curve_test", str(size), "reference", round(test_rmse, 4)))
    variance = float(np.var(y_test))
    rows.append(("bayes", "rmse", "noise_sd", NOISE_SD))
    rows.append(("bayes", "r2", "1 - noise variance / yield variance", round(1 - NOISE_SD**2 / variance, 4)))
    rows.append(("size", "n_train", "training rows", float(len(train))))
    # Readings of one quantity are near-copies: an L1 penalty keeps one or another of them, and moves the
    # weight between them from one resample to the next.
    rows.append(("answer", "l1_stability", "unstable", 1.0))
    return pd.DataFrame(rows, columns=["kind", "name", "detail", "value"])


def generate(seed: int, label_secret: int | None = None, *, legacy_labels: bool = False) -> GeneratedDataset:
    """Build train and holdout for ``seed``, the hidden yields from ``label_secret``'s stream, and the truth.

    ``legacy_labels`` is accepted for the common generator signature; this dataset was made with label
    secrets from the start, so it changes nothing.
    """
    del legacy_labels
    rng = np.random.default_rng(seed)
    frame = _batches(rng, N_TRAIN + N_HOLDOUT)
    frame = frame.round(
        {c: 6 for c in frame.columns} | {"pressure_pa": 0, "catalyst_kg": 9, "flow_rate_m3s": 9}
    )
    mean = expected_yield(frame)  # of the columns as written, so the Bayes limit holds for the files
    frame.insert(0, ID_COLUMN, np.arange(1, len(frame) + 1, dtype=np.int64))
    y = np.round(_draw_yield(rng, mean), 4)
    train = frame.iloc[:N_TRAIN].assign(**{LABEL: y[:N_TRAIN]}).reset_index(drop=True)
    holdout = frame.iloc[N_TRAIN:].reset_index(drop=True)
    hidden_yield = _draw_yield(label_rng(seed, label_secret), mean[N_TRAIN:])
    return GeneratedDataset(
        name="reactor_yield",
        seed=seed,
        candidate_files={"train.csv": train, "holdout_features.csv": holdout},
        hidden_files={
            "holdout_labels.csv": pd.DataFrame({LABEL: np.round(hidden_yield, 4)}),
            "capacity_truth.csv": _truth(seed, train),
        },
    )
