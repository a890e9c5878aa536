"""Synthetic consumer-loan applications with planted bias, for an exercise about responsible ML.

Generative story. A lender receives applications from people of four ethnic groups (A 55 %, B 25 %,
C 17 %, D 3 %: D is the small group whose figures are noisy) and two sexes. Everything that decides
whether a loan is repaid is drawn the same way in every group: age, income (lognormal), years in
employment, the loan amount (a share of income), debt-to-income, months of credit history, prior
defaults, open accounts, home ownership and the loan's purpose. Whether the applicant truly repays is
drawn from a logistic model of those features alone (about 72 % do): the protected attributes do not
change anyone's real repayment.

Two columns are proxies for the group without any effect of their own. ``postcode`` is one of 30
districts, and group B lives mostly in six of them (residential segregation). ``name_origin`` is a
marketing vendor's classification of the surname, nearly a copy of the group. The applicant's name,
e-mail, phone and a national-id number are personal data, drawn from group-specific name lists (so
the name itself also encodes the group). Income is missing far more often in group B (18 %) and D
(12 %) than elsewhere (4 %), credit history more often in D; missingness is unrelated to repayment.

The label bias. The training file's ``repaid`` is the lender's historical record, not the truth:
30 % of the group-B applicants who did repay are recorded as defaults (40 % for group-B women), the
way a collections process that escalated one group's late payments early writes its history. The
other groups' records are the truth. A model that learns the record learns the bias, through the
proxies when the group itself is left out.

The training file holds 6,000 applications with every column, the protected ones included (for the
audit). The holdout holds 4,000 more without ``repaid`` and without the protected attributes
(``ethnic_group``, ``sex``), which a lender may not use to decide; the grader keeps them in
``hidden/holdout_groups.csv`` to measure fairness. The hidden labels are the true repayment, drawn
again from the true probabilities on the label secret's stream. What was planted is written to
``hidden/fairness_truth.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset, draw_binary, label_rng, solve_intercept

DEFAULT_SEED = 20261203
LABEL = "repaid"
N_TRAIN, N_HOLDOUT = 6_000, 4_000
PROTECTED = ("ethnic_group", "sex")
PERSONAL = ("full_name", "email", "phone", "national_id")
GROUPS = {"A": 0.55, "B": 0.25, "C": 0.17, "D": 0.03}
DISADVANTAGED, SMALL = "B", "D"
REPAY_RATE = 0.72
FLIP_RATE, FLIP_RATE_WOMEN = 0.30, 0.40  # share of B's repayments recorded as defaults
N_POSTCODES, B_POSTCODES, B_IN_THEIR_POSTCODES = 30, 6, 0.75
NAME_ORIGIN_AGREES = 0.92  # the vendor's surname classification matches the group this often
INCOME_MISSING = {"A": 0.04, "B": 0.18, "C": 0.04, "D": 0.12}
HISTORY_MISSING = {"A": 0.05, "B": 0.05, "C": 0.05, "D": 0.25}
PURPOSES = {"car": 0.3, "home_improvement": 0.2, "debt_consolidation": 0.35, "education": 0.15}
PURPOSE_LOGODDS = {"car": 0.1, "home_improvement": 0.2, "debt_consolidation": -0.3, "education": 0.0}
ORIGINS = {"A": "origin_1", "B": "origin_2", "C": "origin_3", "D": "origin_4"}

GIVEN = {
    "F": ["Anna", "Maria", "Lena", "Sofia", "Ines", "Nora", "Amara", "Yuki", "Leila", "Zara", "Ruth", "Mei"],
    "M": [
        "Jonas",
        "Omar",
        "Luca",
        "Kenji",
        "Tomas",
        "Idris",
        "Ravi",
        "Felix",
        "Kwame",
        "Hugo",
        "Arjun",
        "Wei",
    ],
}
SURNAMES = {
    "A": [
        "Hartley",
        "Fenwick",
        "Ashdown",
        "Colby",
        "Marlow",
        "Thorne",
        "Pryce",
        "Keble",
        "Radley",
        "Wexford",
    ],
    "B": ["Okafor", "Mensah", "Adeyemi", "Boateng", "Nwosu", "Asante", "Owusu", "Eze", "Danso", "Achebe"],
    "C": ["Nakamura", "Tanaka", "Lindqvist", "Haraldsen", "Sato", "Virtanen", "Koskinen", "Ito"],
    "D": ["Quispe", "Mamani", "Huaman", "Condori", "Ccori", "Yupanqui"],
}


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Association of two categorical columns (0: none, 1: one determines the other)."""
    table = pd.crosstab(a, b).to_numpy(dtype=np.float64)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))


def _applicants(rng: np.random.Generator, n: int) -> pd.DataFrame:
    group = np.array(list(GROUPS))[rng.choice(len(GROUPS), n, p=list(GROUPS.values()))]
    sex = np.where(rng.random(n) < 0.5, "F", "M")
    age = np.clip(np.round(rng.normal(40, 12, n)), 18, 75).astype(np.int64)
    income = np.round(rng.lognormal(np.log(38_000), 0.45, n), -2)
    employment = np.clip(np.round(rng.gamma(2.0, 3.0, n) * np.minimum(1, (age - 17) / 15), 1), 0, 45)
    loan = np.round(income * rng.uniform(0.1, 0.6, n), -2)
    dti = np.round(np.clip(rng.beta(2.2, 5.0, n) * 0.9, 0.01, 0.85), 3)
    history = np.clip(np.round(rng.gamma(3.0, 30.0, n) * np.minimum(1, (age - 17) / 20)), 0, 600)
    prior_defaults = rng.poisson(0.35, n)
    open_accounts = rng.poisson(3.0, n)
    home_owner = (rng.random(n) < 0.45).astype(np.int64)
    purpose = np.array(list(PURPOSES))[rng.choice(len(PURPOSES), n, p=list(PURPOSES.values()))]

    # Proxies: where people live and how a vendor classifies their surname.
    in_b_area = np.where(group == DISADVANTAGED, rng.random(n) < B_IN_THEIR_POSTCODES, rng.random(n) < 0.08)
    district = np.where(
        in_b_area, rng.integers(1, B_POSTCODES + 1, n), rng.integers(B_POSTCODES + 1, N_POSTCODES + 1, n)
    )
    postcode = np.char.add("PC", np.char.zfill(district.astype(str), 2))
    origin = np.array([ORIGINS[g] for g in group])
    misfiled = rng.random(n) >= NAME_ORIGIN_AGREES
    origin[misfiled] = np.array(list(ORIGINS.values()))[rng.integers(0, len(ORIGINS), int(misfiled.sum()))]

    given = np.array([GIVEN[s][i] for s, i in zip(sex, rng.integers(0, 12, n), strict=True)])
    surname = np.array([SURNAMES[g][rng.integers(0, len(SURNAMES[g]))] for g in group])
    full_name = np.char.add(np.char.add(given, " "), surname)

    logit = (
        -1.2 * np.log(loan / income + 0.05)
        - 2.0 * dti
        - 1.6 * (dti > 0.4)
        - 1.1 * np.minimum(prior_defaults, 2)
        + 0.35 * np.log1p(history / 12)
        + 0.04 * employment
        + 0.5 * np.log(income / 38_000)
        + 0.3 * home_owner
        - 0.05 * open_accounts
        + 0.01 * (age - 40)
        + np.array([PURPOSE_LOGODDS[p] for p in purpose])
    )
    p_repay = 1 / (1 + np.exp(-(logit + solve_intercept(logit, REPAY_RATE))))

    income_missing = rng.random(n) < np.array([INCOME_MISSING[g] for g in group])
    history_missing = rng.random(n) < np.array([HISTORY_MISSING[g] for g in group])
    return pd.DataFrame(
        {
            "full_name": full_name,
            "email": [
                f"{g.lower()}.{s.lower()}{k}@mail.example"
                for g, s, k in zip(given, surname, rng.integers(10, 10_000, n), strict=True)
            ],
            "phone": [f"07700-{k:06d}" for k in rng.integers(100_000, 1_000_000, n)],
            "national_id": 100_000_000 + rng.choice(900_000_000, n, replace=False),
            "ethnic_group": group,
            "sex": sex,
            "postcode": postcode,
            "name_origin": origin,
            "age": age,
            "income": np.where(income_missing, np.nan, income),
            "employment_years": employment,
            "loan_amount": loan,
            "debt_to_income": dti,
            "credit_history_months": np.where(history_missing, np.nan, history),
            "prior_defaults": prior_defaults,
            "open_accounts": open_accounts,
            "home_owner": home_owner,
            "loan_purpose": purpose,
            "_p": p_repay,
        }
    )


def _truth(train: pd.DataFrame) -> pd.DataFrame:
    group = train["ethnic_group"].to_numpy()
    missing = train["income"].isna().to_numpy()
    rows = [
        ("disadvantaged_group", "ethnic_group", DISADVANTAGED, FLIP_RATE, "repayments recorded as defaults"),
        (
            "intersectional_group",
            "ethnic_group+sex",
            f"{DISADVANTAGED}+F",
            FLIP_RATE_WOMEN,
            "the worst-hit cell",
        ),
        ("small_group", "ethnic_group", SMALL, GROUPS[SMALL], "share of applicants: noisy figures"),
        ("proxy", "postcode", "strong", _cramers_v(group, train["postcode"].to_numpy()), "Cramer's V"),
        ("proxy", "name_origin", "strong", _cramers_v(group, train["name_origin"].to_numpy()), "Cramer's V"),
        ("weak_proxy", "income", "missingness", _cramers_v(group, missing), "Cramer's V of income missing"),
        (
            "mechanism",
            "label_bias",
            "historical_labels",
            FLIP_RATE,
            "true repayments of B recorded as defaults",
        ),
    ]
    return pd.DataFrame(rows, columns=["kind", "name", "value", "strength", "note"]).round({"strength": 4})


def generate(seed: int, label_secret: int | None = None, *, legacy_labels: bool = False) -> GeneratedDataset:
    """Build train (6,000 applications, biased historical labels) and the holdout (4,000, without the
    protected attributes), with the hidden true repayments drawn from ``label_secret``'s stream.

    ``legacy_labels`` is accepted for the generators' common signature; this dataset was made after
    label secrets, so it only ever draws the labels from the secret's stream.
    """
    rng = np.random.default_rng(seed)
    frame = _applicants(rng, N_TRAIN + N_HOLDOUT)
    frame.insert(0, "application_id", [f"app_{i:06d}" for i in range(1, len(frame) + 1)])
    truly_repaid = draw_binary(rng, frame["_p"].to_numpy())
    in_b = frame["ethnic_group"].to_numpy() == DISADVANTAGED
    flip = np.where(frame["sex"].to_numpy() == "F", FLIP_RATE_WOMEN, FLIP_RATE)
    recorded = np.where(in_b & (truly_repaid == 1) & (rng.random(len(frame)) < flip), 0, truly_repaid)
    frame[LABEL] = recorded
    train = frame.iloc[:N_TRAIN].drop(columns="_p").reset_index(drop=True)
    holdout = frame.iloc[N_TRAIN:].reset_index(drop=True)
    labels = pd.DataFrame({LABEL: draw_binary(label_rng(seed, label_secret), holdout["_p"].to_numpy())})
    return GeneratedDataset(
        name="loan_applications",
        seed=seed,
        candidate_files={
            "train.csv": train,
            "holdout_features.csv": holdout.drop(columns=[LABEL, "_p", *PROTECTED]),
        },
        hidden_files={
            "holdout_labels.csv": labels,
            "holdout_groups.csv": holdout[list(PROTECTED)].copy(),
            "fairness_truth.csv": _truth(train),
        },
    )
