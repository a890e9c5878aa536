"""Writes the flawed notebooks of this folder from the reference solution, one mistake each.

Run from the project root: python3 tests/submissions/experimentation/make_notebooks.py
"""

import copy

import nbformat

SOLUTION = nbformat.read("solutions/experimentation/solution.ipynb", 4)
OUT = "tests/submissions/experimentation/flawed/"

# The reference's cells: 0 the approach, 1 imports and data, 2 per_user and sample_ratio, 3 cuped and
# welch, 4 analyze, 5 the readout, 6 the conclusion.
PRIMARY = '    effect, low, high, p = welch(users, cuped(users, "converted"))\n'
DECISION = """    if srm:
        decision = "investigate"
    elif p < ALPHA and effect > 0 and not guardrails:
        decision = "ship"
    else:
        decision = "no_ship"
"""
SLOWER = (
    " The page got slower\nin treatment, a guardrail regression that would block shipping even with a lift."
)


def variant(name: str, title: str, edits: list[tuple[int, str, str]]) -> None:
    notebook = copy.deepcopy(SOLUTION)
    notebook.cells[0].source = title
    for cell, old, new in edits:
        source = notebook.cells[cell].source
        assert old in source, (name, cell, old)
        notebook.cells[cell].source = source.replace(old, new)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(notebook, OUT + name + ".ipynb")


variant(
    "sessions_as_units",
    "# Checkout experiment: conversion per checkout session\n\n"
    "Every session reaches the checkout, so every session is a trial: the primary effect is a Welch t-test "
    "of\nsession conversion between the arms, CUPED-adjusted with the pre-period conversions, over the "
    "sessions of\nthe users kept (users logged in both arms and bot-like users with 100 sessions or more "
    "are left out).\nThe split of users is tested against 50/50, overall and per platform (chi-square, "
    "Holm-Šidák-adjusted, at\n0.001); the guardrails (latency, revenue) and the Holm-Šidák-corrected "
    "segments are "
    "tested per user. The\nreadout is read once, at the end of the experiment.",
    [
        (
            4,
            PRIMARY,
            '    kept = sessions[sessions["user_id"].isin(users.index)]  # bots and two-arm users left out\n'
            '    effect, low, high, p = welch(kept, cuped(kept, "converted"))  # conversion per session\n',
        )
    ],
)

variant(
    "daily_peeking",
    "# Checkout experiment: a daily readout that stops when it is significant\n\n"
    "The readout is refreshed every day as the data comes in: each day the primary test (user conversion, "
    "a\nWelch t-test adjusted by CUPED with the pre-period conversions, one row per user) is run on the "
    "sessions\nso far, and the experiment is called on the first day it is significant at 0.05, so a "
    "winning checkout\nships without waiting out the three weeks. On that day the full readout is made: "
    "the 50/50 split\nchecked overall and per platform (chi-square, Holm-Šidák, 0.001), the "
    "guardrails (latency, "
    "revenue) tested\nper user and the segments Holm-Šidák-corrected.",
    [
        (4, "def analyze(sessions):\n", "def readout_of(sessions):\n"),
        (
            4,
            '        "segments": [name for name, significant in zip(names, claimed) if significant],\n    }',
            '        "segments": [name for name, significant in zip(names, claimed) if significant],\n    }\n'
            "\n\n"
            "def analyze(sessions):\n"
            '    """The test re-run on the sessions up to each day; the readout of the first day it is '
            'significant."""\n'
            '    for day in sorted(sessions["day"].unique()):\n'
            '        so_far = sessions[sessions["day"] <= day]\n'
            "        users = per_user(so_far)\n"
            '        if welch(users, cuped(users, "converted"))[3] < ALPHA:\n'
            "            break\n"
            "    return readout_of(so_far)",
        ),
    ],
)

variant(
    "srm_overall_only",
    "# Checkout experiment: the readout, with a sample-ratio check\n\n"
    "Users were randomised, so every test compares **users**: each user's sessions are collapsed to one "
    "row\n(converted at least once, mean page latency, revenue). Users logged in both arms and bot-like "
    "users\n(100 sessions or more) are left out. Before any effect is trusted, the number of users per arm "
    "is\ntested against 50/50 (chi-square, at 0.001). The primary metric, pre-registered, is user "
    "conversion;\nits effect is a Welch t-test on conversion adjusted by CUPED with the pre-period "
    "conversions. The\nguardrails (latency, revenue) are tested per user; segments are tested and "
    "Holm-Šidák-corrected. The readout\nis read once, at the end of the experiment.",
    [
        (
            2,
            '''    """Chi-square test of a 50/50 split, overall and per platform: the smallest \
Holm-Šidák-adjusted p-value."""
    parts = [users] + [part for _, part in users.groupby("platform")]
    p_values = []
    for part in parts:
        counts = part["arm"].value_counts().reindex(["treatment", "control"], fill_value=0)
        p_values.append(stats.chisquare(counts.to_numpy()).pvalue)
    return float(multipletests(p_values, method="holm-sidak")[1].min())''',
            '''    """Chi-square test of the users per arm against a 50/50 split."""
    counts = users["arm"].value_counts().reindex(["treatment", "control"], fill_value=0)
    return float(stats.chisquare(counts.to_numpy()).pvalue)''',
        ),
        (
            6,
            "The arms are not 50/50 on one platform (the overall split hides it): users went missing from "
            "treatment\nthere, so the effect is not trusted and the decision is to investigate the cause.",
            "The users are split 50/50 between the arms, so the comparison can be trusted.",
        ),
    ],
)

variant(
    "srm_found_but_shipped",
    "# Checkout experiment: the readout, with the sample ratio flagged\n\n"
    "Users were randomised, so every test compares **users**: each user's sessions are collapsed to one "
    "row\n(converted at least once, mean page latency, revenue). Users logged in both arms and bot-like "
    "users\n(100 sessions or more) are left out. The split of users is tested against 50/50, overall and "
    "per\nplatform (chi-square, Holm-Šidák-adjusted, at 0.001), and a mismatch is flagged in the "
    "readout for the "
    "data\nteam. The decision rests on the pre-registered metric, user conversion (a Welch t-test adjusted "
    "by CUPED\nwith the pre-period conversions), and on the guardrails (latency, revenue), tested per user; "
    "segments\nare tested and Holm-Šidák-corrected. The readout is read once, at the end of the experiment.",
    [
        (
            4,
            DECISION,
            """    if p < ALPHA and effect > 0 and not guardrails:
        decision = "ship"
    else:
        decision = "no_ship"
""",
        ),
        (
            6,
            "so the effect is not trusted and the decision is to investigate the cause.",
            "which is flagged for the data team to look into.",
        ),
    ],
)

variant(
    "best_of_many_metrics",
    "# Checkout experiment: the readout on the metric that moved\n\n"
    "Users were randomised, so every test compares **users**: each user's sessions are collapsed to one "
    "row\n(converted at least once, sessions, items viewed, mean page latency, revenue). Users logged in "
    "both arms\nand bot-like users (100 sessions or more) are left out. Before any effect is trusted, the "
    "split of users\nis tested against 50/50, overall and per platform (chi-square, Holm-Šidák-adjusted, at "
    "0.001). A new checkout\ncan show up in more than one place, so four metrics per user are tested "
    "(conversion adjusted by CUPED\nwith the pre-period conversions, revenue, sessions and items viewed, "
    "each with a Welch t-test) and the\nreadout reports the one with the strongest evidence. The guardrails "
    "(latency, revenue) are tested per\nuser; segments are tested and Holm-Šidák-corrected. The "
    "readout is read "
    "once, at the end of the experiment.",
    [
        (2, '        revenue=("revenue", "sum"),\n', '        revenue=("revenue", "sum"),\n'
         '        items_viewed=("items_viewed", "sum"),\n'),
        (
            4,
            PRIMARY,
            """    candidates = {
        "user conversion": welch(users, cuped(users, "converted")),
        "revenue per user": welch(users, users["revenue"]),
        "sessions per user": welch(users, users["n_sessions"].astype(float)),
        "items viewed per user": welch(users, users["items_viewed"].astype(float)),
    }
    metric = min(candidates, key=lambda name: candidates[name][3])  # the strongest evidence
    effect, low, high, p = candidates[metric]
""",
        ),
        (4, '        "metric": "user conversion",\n', '        "metric": metric,\n'),
    ],
)

variant(
    "uncorrected_segments",
    "# Checkout experiment: the readout, with the segments where it works\n\n"
    "Users were randomised, so every test compares **users**: each user's sessions are collapsed to one "
    "row\n(converted at least once, mean page latency, revenue). Users logged in both arms and bot-like "
    "users\n(100 sessions or more) are left out. Before any effect is trusted, the split of users is tested "
    "against\n50/50, overall and per platform (chi-square, Holm-Šidák-adjusted, at 0.001). The "
    "primary metric, "
    "pre-registered,\nis user conversion; its effect is a Welch t-test on conversion adjusted by CUPED with "
    "the pre-period\nconversions. The guardrails (latency, revenue) are tested per user. Each segment (user "
    "type, platform,\ncountry) gets the same test, and the segments significant at 0.05 are listed so the "
    "team knows where\nthe checkout works. The readout is read once, at the end of the experiment.",
    [
        (
            4,
            '    claimed = multipletests(p_segments, alpha=ALPHA, method="holm-sidak")[0] if '
            'p_segments else []\n',
            "    claimed = [p_segment < ALPHA for p_segment in p_segments]\n",
        )
    ],
)

variant(
    "guardrails_skipped",
    "# Checkout experiment: the readout on conversion\n\n"
    "Users were randomised, so every test compares **users**: each user's sessions are collapsed to one "
    "row\n(converted at least once). Users logged in both arms and bot-like users (100 sessions or more) "
    "are left\nout. Before any effect is trusted, the split of users is tested against 50/50, overall and "
    "per platform\n(chi-square, Holm-Šidák-adjusted, at 0.001). The decision rests on the "
    "pre-registered metric, "
    "user\nconversion: a Welch t-test on conversion adjusted by CUPED with the pre-period conversions. "
    "Segments are\ntested and Holm-Šidák-corrected. The readout is read once, at the end of the experiment.",
    [
        (
            4,
            """    guardrails = []
    latency = welch(users, users["latency_ms"])
    if latency[0] > 0 and latency[3] < ALPHA:
        guardrails.append("latency_ms")
    treated = users["arm"] == "treatment"
    revenue = stats.mannwhitneyu(users.loc[treated, "revenue"], users.loc[~treated, "revenue"])
    if revenue.pvalue < ALPHA and users.loc[treated, "revenue"].mean() < \
users.loc[~treated, "revenue"].mean():
        guardrails.append("revenue")
""",
            "    guardrails = []\n",
        ),
        (6, SLOWER, ""),
    ],
)

variant(
    "items_viewed_adjustment",
    "# Checkout experiment: the readout, with regression adjustment\n\n"
    "Users were randomised, so every test compares **users**: each user's sessions are collapsed to one "
    "row\n(converted at least once, mean items viewed, mean page latency, revenue). Users logged in both "
    "arms and\nbot-like users (100 sessions or more) are left out. Before any effect is trusted, the split "
    "of users is\ntested against 50/50, overall and per platform (chi-square, Holm-Šidák-adjusted, "
    "at 0.001). The "
    "primary\nmetric, pre-registered, is user conversion; its effect is a Welch t-test on conversion "
    "adjusted by a\nCUPED regression on two covariates that predict it well: the pre-period conversions and "
    "the user's mean\nitems viewed per session (how engaged the user is). The guardrails (latency, revenue) "
    "are tested per\nuser; segments are tested and Holm-Šidák-corrected. The readout is read once, "
    "at the end of "
    "the experiment.",
    [
        (2, '        revenue=("revenue", "sum"),\n', '        revenue=("revenue", "sum"),\n'
         '        items_viewed=("items_viewed", "mean"),\n'),
        (
            3,
            '''def cuped(users, metric, covariate="pre_conversions"):
    """The metric adjusted by a pre-period covariate, theta pooled over both arms."""
    x = users[covariate].astype(float)
    y = users[metric].astype(float)
    theta = np.cov(y, x)[0, 1] / x.var() if x.var() > 0 else 0.0
    return y - theta * (x - x.mean())''',
            '''def cuped(users, metric, covariates=("pre_conversions", "items_viewed")):
    """The metric adjusted by a regression on the covariates (CUPED with several), pooled over both arms."""
    x = users[list(covariates)].astype(float)
    x = (x - x.mean()).to_numpy()
    y = users[metric].astype(float)
    theta = np.linalg.lstsq(x, (y - y.mean()).to_numpy(), rcond=None)[0]
    return y - x @ theta''',
        ),
    ],
)

variant(
    "bootstrap_over_sessions",
    "# Checkout experiment: a bootstrap readout\n\n"
    "No distributional assumption for the primary metric: the difference in conversion rate between the "
    "arms\ngets its 95 % interval and its p-value from a seeded bootstrap (1,000 resamples of the sessions "
    "of each\narm), over the sessions of the users kept (users logged in both arms and bot-like users with "
    "100\nsessions or more are left out). Before any effect is trusted, the split of users is tested "
    "against\n50/50, overall and per platform (chi-square, Holm-Šidák-adjusted, at 0.001). The guardrails "
    "(latency,\nrevenue) are tested per user; segments are tested and Holm-Šidák-corrected. The "
    "readout is read "
    "once, at the\nend of the experiment.",
    [
        (
            3,
            "    return float(treated.mean() - control.mean()), float(low), float(high), float(test.pvalue)",
            """    return float(treated.mean() - control.mean()), float(low), float(high), float(test.pvalue)


def bootstrap(sessions, metric="converted", n_resamples=1000, seed=0):
    \"\"\"Difference in conversion rate between the arms; interval and p-value from resampled sessions.\"\"\"
    rng = np.random.default_rng(seed)
    treated = sessions.loc[sessions["arm"] == "treatment", metric].to_numpy(float)
    control = sessions.loc[sessions["arm"] == "control", metric].to_numpy(float)
    draws = np.empty(n_resamples)
    for i in range(n_resamples):
        draws[i] = rng.choice(treated, treated.size).mean() - rng.choice(control, control.size).mean()
    low, high = np.quantile(draws, [ALPHA / 2, 1 - ALPHA / 2])
    p = min(1.0, 2 * min((draws <= 0).mean(), (draws >= 0).mean()))
    return float(treated.mean() - control.mean()), float(low), float(high), float(p)""",
        ),
        (
            4,
            PRIMARY,
            '    effect, low, high, p = bootstrap(sessions[sessions["user_id"].isin(users.index)])\n',
        ),
    ],
)

variant(
    "statsmodels_ols_on_sessions",
    "# Checkout experiment: a regression readout\n\n"
    "The primary effect is the coefficient of the treatment in a linear probability model, `converted ~ "
    "treated`\n(statsmodels OLS), fitted on the sessions of the users kept (users logged in both arms and "
    "bot-like\nusers with 100 sessions or more are left out); its interval and p-value are the model's. "
    "Before any\neffect is trusted, the split of users is tested against 50/50, overall and per platform "
    "(chi-square,\nHolm-Šidák-adjusted, at 0.001). The guardrails (latency, revenue) are tested per "
    "user; segments "
    "are tested and\nHolm-Šidák-corrected. The readout is read once, at the end of the experiment.",
    [
        (1, "import pandas as pd\n", "import pandas as pd\nimport statsmodels.formula.api as smf\n"),
        (
            4,
            PRIMARY,
            """    kept = sessions[sessions["user_id"].isin(users.index)]
    kept = kept.assign(treated=(kept["arm"] == "treatment").astype(int))
    fit = smf.ols("converted ~ treated", data=kept).fit()
    effect, p = float(fit.params["treated"]), float(fit.pvalues["treated"])
    low, high = (float(bound) for bound in fit.conf_int(ALPHA).loc["treated"])
""",
        ),
    ],
)

variant(
    "stops_at_first_significant_week",
    "# Checkout experiment: a weekly readout\n\n"
    "The experiment is read at the end of each week (days 0-6, 0-13, then all of it) and called at the "
    "first\nweekly look where the primary test is significant at 0.05, so a clear winner does not wait out "
    "the\nthree weeks. The primary test compares **users** (one row each, converted at least once): a "
    "Welch\nt-test on conversion adjusted by CUPED with the pre-period conversions. At the look where it "
    "stops,\nthe full readout is made: the 50/50 split checked overall and per platform (chi-square, "
    "Holm-Šidák, "
    "0.001),\nthe guardrails (latency, revenue) tested per user and the segments Holm-Šidák-corrected.",
    [
        (4, "def analyze(sessions):\n", "def readout_of(sessions):\n"),
        (
            4,
            '        "segments": [name for name, significant in zip(names, claimed) if significant],\n    }',
            '        "segments": [name for name, significant in zip(names, claimed) if significant],\n    }\n'
            "\n\n"
            "def analyze(sessions):\n"
            '    """Weekly looks: the readout of the first week whose test is significant, else of all '
            'the days."""\n'
            '    for end in (6, 13, sessions["day"].max()):\n'
            '        so_far = sessions[sessions["day"] <= end]\n'
            "        users = per_user(so_far)\n"
            '        if welch(users, cuped(users, "converted"))[3] < ALPHA:\n'
            "            break\n"
            "    return readout_of(so_far)",
        ),
    ],
)
