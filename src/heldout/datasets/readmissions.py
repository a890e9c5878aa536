"""Synthetic hospital admissions with a 30-day readmission label, for an exercise about leakage.

Generative story. 5,000 patients each have an age, a sex, an insurance (mostly Medicare from
65), a body-mass index, baseline haemoglobin and creatinine, a diabetes status, a main
condition (one of 400 ICD-like codes), chronic comorbidities (more for the frail) and a
hidden frailty. Each patient has 1 to 8 index admissions (3 on average, a heavy-ish tail)
between 2025-01-01 and 2026-12-31, and admissions before the study at a similar yearly rate
(they count in `n_prior_admissions_12m`). An admission never starts within 30 days of the same
patient's previous discharge: that would be a readmission, and readmissions are not listed,
so the label cannot be read off the next row. Each admission has a type, a primary diagnosis
(the patient's main condition half the time, otherwise a fresh draw from a skewed code
frequency, so many codes are rare), a length of stay, medications, procedures, lab values
(haemoglobin, sodium, creatinine, HbA1c) and a discharge disposition. HbA1c and creatinine
are not always measured: less often for elective and short stays, and HbA1c more often when
it is high. The label `readmitted_30d` is drawn from a logistic model of those features
(admissions in the past year, comorbidities, abnormal sodium, anaemia, impaired kidneys,
old age, polypharmacy, a very short stay, being sent home without support after frequent
admissions, disposition, insurance, admission type, diagnosis) plus the patient's hidden
frailty, with the intercept solved for a 15 % readmission rate. Records of the same patient
share their frailty, so they are correlated.

The holdout is 1,000 patients (20 %) drawn at random: all their admissions, none in train.
The training extract was pulled from the warehouse months later, so it also holds what
happened after discharge: care-coordination calls in the 30 days after discharge, a billing
status that flags readmissions for review, and a registry record number that was re-keyed
into a review series (from 500,000) when a readmission was confirmed. The holdout is the
feed at discharge time: no calls yet, billing "open", the record number given at discharge.
About 1 % of train rows are exact copies of another train row (an extract joined twice).

The hidden holdout labels are drawn again from the same readmission probabilities, on the label
secret's stream, so the seed alone does not give them (the holdout's columns never depend on the label).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout.datasets._generated import GeneratedDataset, draw_binary, label_rng, solve_intercept

DEFAULT_SEED = 20261124
LABEL = "readmitted_30d"
ID_COLUMN = "admission_id"
ENTITY_COLUMN = "patient_id"
TIME_COLUMN = "discharge_date"
# The planted traps, for the grader.
POST_OUTCOME_COLUMNS = ("followup_calls_30d", "billing_status")
OUTCOME_ENCODING_COLUMNS = ("record_number",)
HIGH_CARDINALITY_COLUMNS = ("primary_diagnosis_code",)
MISSING_COLUMNS = ("hba1c", "creatinine")
# Honest features that carry most of the signal (largest holdout permutation importance).
LEGITIMATE_STRONG = ("n_prior_admissions_12m", "n_comorbidities", "sodium", "age")

N_PATIENTS, N_HOLDOUT_PATIENTS, N_DAYS, N_CODES = 5_000, 1_000, 730, 400
READMIT_RATE, DUP_RATE, MIN_GAP = 0.15, 0.01, 31
START = np.datetime64("2025-01-01", "D")
# Index admissions per patient, 1 to 8 (mean about 3).
ADMISSIONS_P = np.array([0.32, 0.21, 0.14, 0.10, 0.08, 0.06, 0.05, 0.04])

# ICD chapter letter: (share of codes, log length-of-stay shift, readmission log-odds)
CHAPTERS = {
    "I": (18, 0.10, 0.35),  # circulatory
    "J": (14, 0.10, 0.30),  # respiratory
    "K": (12, 0.00, 0.00),  # digestive
    "E": (8, 0.00, 0.20),  # endocrine
    "M": (8, -0.10, -0.50),  # musculoskeletal
    "S": (8, 0.00, -0.30),  # injury
    "N": (7, 0.00, 0.25),  # genitourinary
    "A": (6, 0.20, 0.10),  # infections
    "C": (6, 0.30, 0.45),  # neoplasms
    "F": (5, 0.30, 0.20),  # mental
    "R": (4, -0.40, -0.10),  # symptoms
    "G": (2, 0.10, 0.00),  # nervous system
    "D": (1, -0.10, 0.30),  # blood
    "L": (1, -0.10, -0.20),  # skin
}
# name: (probability, log length-of-stay shift, readmission log-odds)
ADMISSION_TYPES = {
    "emergency": (0.65, 0.15, 0.25),
    "urgent": (0.20, 0.0, 0.10),
    "elective": (0.15, -0.3, -0.50),
}
INSURANCE_LOGODDS = {"medicare": 0.10, "medicaid": 0.35, "private": -0.20, "self_pay": 0.25}
# disposition: (base score, per year of age over 65, per day of stay, readmission log-odds)
DISPOSITIONS = {
    "home": (2.0, -0.04, -0.10, 0.0),
    "home_health": (0.6, 0.02, 0.05, 0.30),
    "skilled_nursing": (-0.4, 0.06, 0.12, 0.55),
    "rehab": (-0.9, 0.02, 0.10, 0.20),
    "against_advice": (-0.9, -0.03, -0.20, 1.40),
}
FRAILTY_LOGODDS = 2.0


def _codes(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """400 distinct ICD-like codes, their chapter, Zipf-like frequency and readmission log-odds."""
    letters = list(CHAPTERS)
    shares = np.array([v[0] for v in CHAPTERS.values()], float)
    per_chapter = np.floor(N_CODES * shares / shares.sum()).astype(int)
    per_chapter[0] += N_CODES - per_chapter.sum()
    codes, chapter = [], []
    for c, (letter, k) in enumerate(zip(letters, per_chapter, strict=True)):
        picks = np.sort(rng.choice(1000, size=k, replace=False))
        codes += [f"{letter}{p // 10:02d}.{p % 10}" for p in picks]
        chapter += [c] * k
    chapter_arr = np.array(chapter)
    # Frequencies by rank, shuffled across codes: a few common codes, a long tail of rare ones.
    weight = rng.permutation(1 / (np.arange(1, N_CODES + 1) + 10) ** 1.6)
    effect = np.array([v[2] for v in CHAPTERS.values()])[chapter_arr] + rng.normal(0, 0.35, N_CODES)
    return np.array(codes), chapter_arr, weight / weight.sum(), effect


def _within(patient: np.ndarray) -> np.ndarray:
    """Position of each row within its patient's block (rows grouped by patient)."""
    starts = np.flatnonzero(np.r_[True, patient[1:] != patient[:-1]])
    return np.arange(len(patient)) - np.repeat(starts, np.diff(np.r_[starts, len(patient)]))


def _group_cumsum(values: np.ndarray, patient: np.ndarray) -> np.ndarray:
    """Cumulative sum of `values` within each patient's block, excluding the current row."""
    total = np.cumsum(values) - values
    first = np.r_[True, patient[1:] != patient[:-1]]
    return total - np.maximum.accumulate(np.where(first, total, 0))


def _sample(rng: np.random.Generator, scores: np.ndarray) -> np.ndarray:
    """One category per row, with probabilities softmax(scores) (Gumbel-max trick)."""
    return np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)


def _admissions(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """All index admissions grouped by patient, plus the readmission log-odds without intercept."""
    codes, code_chapter, code_p, code_effect = _codes(rng)
    chapter_los = np.array([v[1] for v in CHAPTERS.values()])
    letters = list(CHAPTERS)

    # Patients.
    age0 = np.clip(np.round(rng.normal(66, 15, N_PATIENTS)), 18, 92).astype(np.int64)
    female = rng.random(N_PATIENTS) < 0.52
    ins_names = list(INSURANCE_LOGODDS)
    old = age0 >= 65
    ins_p = np.where(old[:, None], [0.80, 0.05, 0.13, 0.02], [0.06, 0.26, 0.56, 0.12])
    insurance = _sample(rng, np.log(ins_p))
    frailty = rng.normal(0, 1, N_PATIENTS)
    n_adm = rng.choice(np.arange(1, 9), size=N_PATIENTS, p=ADMISSIONS_P)
    bmi0 = np.clip(rng.normal(28.5, 6, N_PATIENTS), 16, 55)
    hgb0 = rng.normal(13.4, 1.2, N_PATIENTS) - 1.1 * female
    cr0 = rng.lognormal(np.log(0.95), 0.35, N_PATIENTS)
    main_code = rng.choice(N_CODES, size=N_PATIENTS, p=code_p)
    diabetic = rng.random(N_PATIENTS) < np.where(code_chapter[main_code] == letters.index("E"), 0.7, 0.22)
    birthday = rng.integers(0, 365, N_PATIENTS)
    comorb0 = np.minimum(rng.poisson(np.exp(0.55 + 0.04 * (age0 - 66) / 10 + 0.25 * frailty)), 12)

    # Admissions, grouped by patient in time order.
    pat = np.repeat(np.arange(N_PATIENTS), n_adm)
    n = len(pat)
    pos = _within(pat)
    type_names = list(ADMISSION_TYPES)
    type_table = np.array(list(ADMISSION_TYPES.values()))
    adm_type = rng.choice(len(type_names), size=n, p=type_table[:, 0])
    elective = adm_type == type_names.index("elective")
    code = np.where(rng.random(n) < 0.5, main_code[pat], rng.choice(N_CODES, size=n, p=code_p))
    chapter = code_chapter[code]
    log_los = np.log(3.6) + type_table[adm_type, 1] + chapter_los[chapter] + 0.04 * comorb0[pat]
    los = np.clip(np.round(rng.lognormal(log_los, 0.55)), 1, 30).astype(np.int64)

    # Days: sorted uniform offsets inside each patient's slack, then stays and 31-day gaps.
    step = los + MIN_GAP
    slack = N_DAYS - 1 - (np.bincount(pat, weights=step) - MIN_GAP)
    u = rng.random(n)
    u = u[np.lexsort((u, pat))]
    admit = np.floor(u * (slack[pat] + 1)).astype(np.int64) + _group_cumsum(step, pat)
    discharge = admit + los
    age = age0[pat] + (admit >= birthday[pat]) + (admit >= birthday[pat] + 365)

    # Admissions in the year before the study, at about the patient's own rate, ending more than 30 days
    # before the first listed one; they count in n_prior_admissions_12m like listed ones.
    window = np.minimum(admit[pos == 0] - 35 + 365, 365)
    n_pre = np.minimum(rng.poisson(0.4 * n_adm * window / 365), 8)
    pre_day = np.floor(rng.random((N_PATIENTS, 8)) * window[:, None]).astype(np.int64) - 365
    pre_day = np.where(np.arange(8) < n_pre[:, None], pre_day, -10_000)

    # Earlier admissions (listed or before the study) starting within 365 days of this one.
    prior = (pre_day[pat] >= admit[:, None] - 365).sum(axis=1)
    for s in range(1, 8):
        same = np.r_[np.zeros(s, bool), pat[s:] == pat[:-s]]
        earlier = np.r_[np.full(s, -10_000), admit[:-s]]
        prior += same & (earlier >= admit - 365)
    comorb = np.minimum(comorb0[pat] + (rng.random(n) < 0.08 * pos), 12)

    n_med = np.minimum(rng.poisson(np.exp(np.log(7) + 0.09 * comorb + 0.02 * los + 0.1 * (age > 75))), 40)
    n_proc = np.minimum(rng.poisson(np.where(elective, 2.2, 1.0) + 0.05 * los), 12)
    bmi = np.round(bmi0[pat] + rng.normal(0, 0.5, n), 1)
    cancer_or_blood = np.isin(chapter, [letters.index("C"), letters.index("D")])
    hgb = np.round(hgb0[pat] + rng.normal(0, 0.7, n) - 1.0 * cancer_or_blood - 0.08 * comorb, 1)
    sodium = np.round(rng.normal(139.5, 3.2, n) - 0.6 * rng.exponential(1, n) * (comorb > 3)).astype(np.int64)
    renal = chapter == letters.index("N")
    creat = np.round(cr0[pat] * rng.lognormal(0, 0.18, n) * np.where(renal, 1.5, 1.0), 2)
    hba1c = np.round(np.where(diabetic[pat], rng.normal(7.9, 1.3, n), rng.normal(5.5, 0.35, n)), 1)
    hba1c = np.clip(hba1c, 4.2, 14.0)

    disp_names = list(DISPOSITIONS)
    disp_table = np.array(list(DISPOSITIONS.values()))
    disp_scores = (
        disp_table[:, 0]
        + disp_table[:, 1] * (age[:, None] - 65)
        + disp_table[:, 2] * np.minimum(los, 20)[:, None]
        + np.outer(0.15 * frailty[pat], [0, 1, 1, 0, 0])
    )
    disp = _sample(rng, disp_scores)

    logit = (
        0.005 * (age - 65)
        + 0.6 * (age >= 80)
        + 0.35 * np.minimum(prior, 5)
        + 0.15 * comorb
        + 0.7 * (los == 1)  # discharged too early
        + 0.06 * np.minimum(los, 20) * (age >= 75)
        + 0.7 * (n_med >= 15)  # polypharmacy
        + 0.8 * (hgb < 11)  # anaemia
        + 0.3 * np.abs(sodium - 140)  # too low or too high
        + 0.8 * (bmi < 20)  # underweight
        + 1.5 * np.log(np.maximum(creat, 1.2) / 1.2)  # kidney function, only once impaired
        + 0.5 * (hba1c >= 9)  # poorly controlled diabetes
        + 1.2 * (prior >= 2) * (disp == 0)  # frequent admissions, sent home without support
        + disp_table[disp, 3]
        + np.array(list(INSURANCE_LOGODDS.values()))[insurance[pat]]
        + type_table[adm_type, 2]
        + code_effect[code]
        + FRAILTY_LOGODDS * frailty[pat]
    )

    # Labs not always measured: fewer tests for elective and short stays; HbA1c ordered when suspected high.
    p_no_a1c = 1 / (1 + np.exp(-(-1.7 + 1.3 * elective + 0.4 * (age < 50) - 1.6 * (hba1c >= 6.5))))
    p_no_cr = 1 / (1 + np.exp(-(-2.8 + 1.6 * elective + 0.9 * (los <= 2))))
    hba1c = np.where(rng.random(n) < p_no_a1c, np.nan, hba1c)
    creat = np.where(rng.random(n) < p_no_cr, np.nan, creat)

    frame = pd.DataFrame(
        {
            "patient": pat,
            "admit_day": admit,
            "discharge_day": discharge,
            "age": age.astype(np.int64),
            "sex": np.where(female[pat], "F", "M"),
            "insurance": np.array(ins_names)[insurance[pat]],
            "admission_type": np.array(type_names)[adm_type],
            "primary_diagnosis_code": codes[code],
            "length_of_stay": los,
            "n_prior_admissions_12m": prior.astype(np.int64),
            "n_comorbidities": comorb.astype(np.int64),
            "n_medications": n_med.astype(np.int64),
            "n_procedures": n_proc.astype(np.int64),
            "bmi": bmi,
            "hemoglobin": hgb,
            "sodium": sodium,
            "creatinine": creat,
            "hba1c": hba1c,
            "discharge_disposition": np.array(disp_names)[disp],
        }
    )
    return frame, logit


def _registry_numbers(rng: np.random.Generator, order_key: np.ndarray, first: int) -> np.ndarray:
    """Increasing numbers from `first` in the order of `order_key`, with gaps (other hospitals)."""
    order = np.lexsort((rng.random(len(order_key)), order_key))
    numbers = np.empty(len(order_key), np.int64)
    numbers[order] = first + np.cumsum(1 + rng.poisson(1.5, len(order_key)))
    return numbers


def _dates(days: pd.Series) -> np.ndarray:
    """Day numbers since START as ISO dates."""
    return np.datetime_as_string(START + days.to_numpy().astype("timedelta64[D]"), unit="D")


def generate(seed: int, label_secret: int | None = None, *, legacy_labels: bool = False) -> GeneratedDataset:
    """Build train and holdout (unseen patients) for `seed`, and the hidden labels from `label_secret`'s
    stream.

    `label_secret` None uses the seed's own label stream (a bundle's seed is secret). `legacy_labels`
    keeps the holdout labels drawn with the features, as before label secrets: only to grade the
    bundles made then, since anyone with the seed can recompute them.
    """
    rng = np.random.default_rng(seed)
    frame, logit = _admissions(rng)
    n = len(frame)
    p = 1 / (1 + np.exp(-(logit + solve_intercept(logit, READMIT_RATE))))
    label = (rng.random(n) < p).astype(np.int64)

    # Identifiers: admissions numbered in admission order, patients in random order.
    discharge_day = frame["discharge_day"].to_numpy()
    adm_order = np.lexsort((rng.random(n), frame["admit_day"].to_numpy()))
    adm_number = np.empty(n, np.int64)
    adm_number[adm_order] = np.arange(1, n + 1)
    patient_number = rng.permutation(N_PATIENTS) + 1
    # The registry numbers each case at discharge, from 100,000 on, shared with other hospitals.
    at_discharge = _registry_numbers(rng, discharge_day, 100_000)

    # What the later extract knows: re-keyed review cases, follow-up calls, billing status.
    # The registry confirms a readmission 20-60 days after discharge and re-keys the case from 500,000 on.
    rekeyed = rng.random(n) < np.where(label == 1, 0.95, 0.005)
    review_numbers = _registry_numbers(rng, discharge_day + rng.integers(20, 60, n), 500_000)
    home_health = (frame["discharge_disposition"] == "home_health").to_numpy()
    calls = rng.poisson(np.where(label == 1, 3.0, 0.5) + 0.4 * home_health)
    u = rng.random(n)
    billing = np.where(
        label == 1,
        np.where(u < 0.9, "readmission_review", "closed"),
        np.where(u < 0.01, "readmission_review", np.where(u < 0.03, "open", "closed")),
    )

    out = pd.DataFrame(
        {
            ID_COLUMN: [f"adm_{i:06d}" for i in adm_number],
            ENTITY_COLUMN: [f"p_{patient_number[i]:05d}" for i in frame["patient"]],
            "record_number": np.where(rekeyed, review_numbers, at_discharge),
            "admission_date": _dates(frame["admit_day"]),
            TIME_COLUMN: _dates(frame["discharge_day"]),
        }
    )
    out = pd.concat([out, frame.drop(columns=["patient", "admit_day", "discharge_day"])], axis=1)
    out["followup_calls_30d"] = calls.astype(np.int64)
    out["billing_status"] = billing
    out[LABEL] = label

    # Unseen patients form the holdout; it carries only what is known at discharge.
    in_holdout = np.zeros(N_PATIENTS, bool)
    in_holdout[rng.choice(N_PATIENTS, size=N_HOLDOUT_PATIENTS, replace=False)] = True
    hold_rows = in_holdout[frame["patient"].to_numpy()]
    holdout = out[hold_rows].copy()
    holdout["record_number"] = at_discharge[hold_rows]
    holdout["followup_calls_30d"] = 0
    holdout["billing_status"] = "open"
    if not legacy_labels:
        holdout[LABEL] = draw_binary(label_rng(seed, label_secret), p[hold_rows])
    train = out[~hold_rows]
    # About 1 % of train rows appear twice (an extract joined twice).
    copies = np.ones(len(train), np.int64)
    copies[rng.choice(len(train), size=rng.binomial(len(train), DUP_RATE), replace=False)] = 2
    train = train.loc[np.repeat(train.index.to_numpy(), copies)]

    order = [TIME_COLUMN, ID_COLUMN]
    train = train.sort_values(order, kind="stable").reset_index(drop=True)
    holdout = holdout.sort_values(order, kind="stable").reset_index(drop=True)
    return GeneratedDataset(
        name="readmissions",
        seed=seed,
        candidate_files={"train.csv": train, "holdout_features.csv": holdout.drop(columns=LABEL)},
        hidden_files={"holdout_labels.csv": holdout[[LABEL]]},
    )
