# ruff: noqa: E501  (the strings are notebook cells, written as a candidate would)
"""Writes the capacity scenario's reference solution and its correct and flawed variants (run once; the
.ipynb files are committed; expected.toml next to this script says what each must get).

    python3 tests/submissions/capacity/make_notebooks.py          # all of them
    python3 tests/submissions/capacity/make_notebooks.py NAME...  # only these

Each flawed notebook is the reference solution with exactly one mistake; each correct variant reaches
the same answers in another style.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

LOAD = '''import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, cross_val_score

train = pd.read_csv("train.csv")
FEATURES = [c for c in train.columns if c not in ("batch_id", "yield_pct")]
X, y = train[FEATURES], train["yield_pct"]
CV = KFold(n_splits=5, shuffle=True, random_state=0)
SCORING = "neg_root_mean_squared_error"
NOISE_SD = 2.0  # the prompt's process noise: no model beats an RMSE of 2.0'''

BASELINES = '''from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

for name, baseline in [("median", DummyRegressor(strategy="median")),
                       ("linear", make_pipeline(StandardScaler(), LinearRegression()))]:
    scores = -cross_val_score(baseline, X, y, cv=CV, scoring=SCORING)
    print(f"{name:<8} RMSE {scores.mean():.3f} ± {scores.std():.3f}")'''

FLEXIBLE = '''from sklearn.linear_model import RidgeCV
from sklearn.preprocessing import PolynomialFeatures


def flexible():
    # Scale first (pascals next to m3/s), expand to squares and products, scale again for the penalty.
    return make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),
                         RidgeCV(alphas=np.logspace(-2, 3, 12)))


scores = -cross_val_score(flexible(), X, y, cv=CV, scoring=SCORING)
estimate = float(scores.mean())
print(f"degree-2 ridge RMSE {estimate:.3f} ± {scores.std():.3f} (limit {NOISE_SD})")'''

CURVE = '''from sklearn.model_selection import learning_curve

sizes, fit_scores, val_scores = learning_curve(flexible(), X, y, cv=CV, scoring=SCORING,
                                               train_sizes=[0.25, 0.5, 0.75, 1.0])
fit_rmse, val_rmse = -fit_scores.mean(axis=1), -val_scores.mean(axis=1)
for n, a, b in zip(sizes, fit_rmse, val_rmse):
    print(f"{n:>4} rows: training {a:.3f}, validation {b:.3f}")
# Training error at the noise floor, validation error above it and still falling: variance.
diagnosis = "high variance" if val_rmse[-1] - fit_rmse[-1] > fit_rmse[-1] - NOISE_SD else "high bias"
# More rows help a variance-limited model whose validation error is still falling.
more_data = "yes" if diagnosis == "high variance" and val_rmse[-2] - val_rmse[-1] > 0.01 else "no"
print(diagnosis, "| more data helps:", more_data)'''

LASSO = '''from sklearn.linear_model import LassoCV

kept = []
for train_rows, _ in CV.split(X):
    lasso = make_pipeline(StandardScaler(), LassoCV(cv=5)).fit(X.iloc[train_rows], y.iloc[train_rows])
    kept.append(frozenset(np.array(FEATURES)[lasso[-1].coef_ != 0]))
counts = pd.Series([f for fold in kept for f in fold]).value_counts()
l1_features = [f for f in FEATURES if counts.get(f, 0) >= 3]  # kept in most folds
l1_stability = "stable" if len(set(kept)) == 1 else "unstable"
print(l1_features, l1_stability)'''

HAND_IN = '''model = flexible().fit(X, y)


def prepare_features(frame):
    """Rows shaped like train.csv (without yield_pct) -> what `model` expects."""
    return frame[FEATURES]


report = {
    "estimate": estimate,
    "diagnosis": diagnosis,
    "more_data": more_data,
    "l1_features": ", ".join(l1_features),
    "l1_stability": l1_stability,
}
report'''

SOLUTION = [LOAD, BASELINES, FLEXIBLE, CURVE, LASSO, HAND_IN]
NOTES = [
    "# Reactor yield: reference solution\n\nBaselines first, then a penalised degree-two model scaled "
    "inside every fold, its learning curve read against the noise floor, and an L1 selection repeated "
    "per fold to see how stable it is.",
    "A median and a linear model under the same folds and metric (RMSE, the holdout's).",
    "The yield has interactions: squares and products of the scaled readings, with the ridge penalty "
    "chosen by RidgeCV's own leave-one-out on the training rows of each fold.",
    "The learning curve of the same Pipeline: `learning_curve` refits the scaler on each training "
    "subset.",
    "L1 inside each fold: the three thermocouples, two pressure logs and two catalyst logs are "
    "near-copies, so the weight moves between them from fold to fold.",
    "The final model is refitted on every row.",
]

CASES: dict[str, tuple[str, list[str]]] = {}


def case(kind: str, name: str, cells: list[str]) -> None:
    CASES[name] = (kind, cells)


def swap(old: str, new: str, cell: str) -> str:
    assert old in cell, old
    return cell.replace(old, new)


def replaced(index: int, cell: str) -> list[str]:
    cells = list(SOLUTION)
    cells[index] = cell
    return cells


# -- correct variants --------------------------------------------------------------------------------
case("correct", "pipeline_gridsearch", [
    LOAD,
    BASELINES,
    '''from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures

search = GridSearchCV(
    Pipeline([("scale", StandardScaler()), ("expand", PolynomialFeatures(2, include_bias=False)),
              ("rescale", StandardScaler()), ("ridge", Ridge())]),
    {"ridge__alpha": [0.3, 3.0, 30.0]}, cv=KFold(3, shuffle=True, random_state=1), scoring=SCORING)
# Nested: the search runs inside each outer training fold.
scores = -cross_val_score(search, X, y, cv=CV, scoring=SCORING)
estimate = float(scores.mean())
print(f"nested grid search RMSE {estimate:.3f}")


def flexible():
    return search''',
    CURVE.replace("flexible()", "search").replace("[0.25, 0.5, 0.75, 1.0]", "[0.5, 1.0]"),
    LASSO,
    HAND_IN.replace("model = flexible().fit(X, y)", "model = search.fit(X, y)\nprint(model.best_params_)"),
])

case("correct", "manual_folds_numpy", [
    LOAD + "\nXa, ya = X.to_numpy(), y.to_numpy()",
    '''from sklearn.linear_model import Ridge, LinearRegression
from sklearn.metrics import root_mean_squared_error
from sklearn.preprocessing import StandardScaler, PolynomialFeatures

folds = list(CV.split(Xa))


def expand(scaler, poly, rescale, rows, fit):
    z = scaler.fit_transform(Xa[rows]) if fit else scaler.transform(Xa[rows])
    z = poly.fit_transform(z) if fit else poly.transform(z)
    return rescale.fit_transform(z) if fit else rescale.transform(z)


def fold_rmse(alpha, fit_rows, val_rows):
    scaler, poly, rescale = StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler()
    ridge = Ridge(alpha=alpha).fit(expand(scaler, poly, rescale, fit_rows, True), ya[fit_rows])
    return root_mean_squared_error(ya[val_rows], ridge.predict(expand(scaler, poly, rescale, val_rows, False)))


# Outer folds estimate; alpha chosen on an inner split of each outer training part only.
outer = []
for fit_rows, val_rows in folds:
    inner_fit, inner_val = fit_rows[: int(0.8 * len(fit_rows))], fit_rows[int(0.8 * len(fit_rows)):]
    best = min([0.1, 1.0, 3.0, 10.0, 30.0], key=lambda a: fold_rmse(a, inner_fit, inner_val))
    outer.append(fold_rmse(best, fit_rows, val_rows))
estimate = float(np.mean(outer))
linear = np.mean([root_mean_squared_error(ya[v], LinearRegression().fit(Xa[f], ya[f]).predict(Xa[v]))
                  for f, v in folds])
print(f"linear {linear:.3f}, degree-2 ridge {estimate:.3f}")''',
    '''fit_err, val_err = [], []
for share in (0.5, 1.0):
    a, b = [], []
    for fit_rows, val_rows in folds:
        part = fit_rows[: int(share * len(fit_rows))]
        scaler, poly, rescale = StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler()
        ridge = Ridge(alpha=3.0).fit(expand(scaler, poly, rescale, part, True), ya[part])
        a.append(root_mean_squared_error(ya[part], ridge.predict(expand(scaler, poly, rescale, part, False))))
        b.append(root_mean_squared_error(ya[val_rows], ridge.predict(expand(scaler, poly, rescale, val_rows, False))))
    fit_err.append(np.mean(a)); val_err.append(np.mean(b))
print(fit_err, val_err)
diagnosis = "overfitting (high variance)"
more_data = "yes" if val_err[0] > val_err[1] else "no"''',
    '''from sklearn.linear_model import Lasso

kept = []
for fit_rows, _ in folds:
    scaler = StandardScaler().fit(Xa[fit_rows])
    coef = Lasso(alpha=0.08).fit(scaler.transform(Xa[fit_rows]), ya[fit_rows]).coef_
    kept.append(set(np.array(FEATURES)[np.abs(coef) > 0]))
always = set.intersection(*kept)
l1_features = sorted(always)
l1_stability = "unstable: the kept set and the weights within each sensor group change between folds"''',
    '''scaler, poly, rescale = StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler()
from sklearn.pipeline import make_pipeline
model = make_pipeline(scaler, poly, rescale, Ridge(alpha=3.0)).fit(X, y)


def prepare_features(frame):
    return frame[FEATURES]


report = {"estimate": estimate, "diagnosis": diagnosis, "more_data": more_data,
          "l1_features": ";".join(l1_features), "l1_stability": l1_stability}''',
])

case("correct", "lassocv_polynomial", [
    LOAD,
    BASELINES,
    '''from sklearn.linear_model import LassoCV
from sklearn.preprocessing import PolynomialFeatures


def flexible():
    return make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),
                         LassoCV(cv=3, alphas=15, random_state=0))


scores = -cross_val_score(flexible(), X, y, cv=CV, scoring=SCORING)
estimate = float(scores.mean())
print(f"degree-2 lasso RMSE {estimate:.3f}")''',
    CURVE,
    LASSO,
    HAND_IN,
])

case("correct", "sgd_early_stopping", [
    LOAD,
    BASELINES,
    '''from sklearn.linear_model import SGDRegressor
from sklearn.preprocessing import PolynomialFeatures


def flexible():
    # Early stopping on a validation fraction of the rows each fit gets: never on the scored rows.
    return make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),
                         SGDRegressor(alpha=1e-3, early_stopping=True, validation_fraction=0.15,
                                      n_iter_no_change=10, max_iter=2000, random_state=0))


scores = -cross_val_score(flexible(), X, y, cv=CV, scoring=SCORING)
estimate = float(scores.mean())
print(f"SGD RMSE {estimate:.3f}")''',
    CURVE,
    LASSO,
    HAND_IN + "\nprint(model[-1].n_iter_, model[-1].max_iter)",
])

case("correct", "statsmodels_ols_interactions", [
    LOAD,
    BASELINES,
    '''import statsmodels.formula.api as smf
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.preprocessing import PolynomialFeatures
from sklearn.linear_model import RidgeCV


def flexible():
    return make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),
                         RidgeCV(alphas=np.logspace(-2, 3, 12)))


# statsmodels on one training split: a formula with the averaged readings and their products.
fit_rows, val_rows = next(CV.split(X))
frame = train.assign(t=train[["temp_inlet_c", "temp_core_c", "temp_outlet_c"]].mean(axis=1),
                     c=train["catalyst_ppm"], s=train["stir_rpm"], v=train["viscosity_mpas"])
ols = smf.ols("yield_pct ~ t * c + s * v + I(t ** 2)", data=frame.iloc[fit_rows]).fit()
print(f"statsmodels validation RMSE {np.sqrt(np.mean((frame.iloc[val_rows]['yield_pct'] - ols.predict(frame.iloc[val_rows])) ** 2)):.3f}")
scores = -cross_val_score(flexible(), X, y, cv=CV, scoring=SCORING)
estimate = float(scores.mean())''',
    CURVE,
    LASSO,
    HAND_IN,
])

# -- flawed variants: one mistake each ---------------------------------------------------------------
case("flawed", "scaler_fitted_on_all_rows", replaced(2, '''from sklearn.linear_model import RidgeCV
from sklearn.preprocessing import PolynomialFeatures

X_scaled = StandardScaler().fit_transform(X)  # fitted on every row, before the folds


def flexible():
    return make_pipeline(PolynomialFeatures(2, include_bias=False), StandardScaler(),
                         RidgeCV(alphas=np.logspace(-2, 3, 12)))


scores = -cross_val_score(flexible(), X_scaled, y, cv=CV, scoring=SCORING)
estimate = float(scores.mean())'''))

case("flawed", "unscaled_ridge", replaced(2, swap(
    "make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),",
    "make_pipeline(PolynomialFeatures(2, include_bias=False),",
    FLEXIBLE)))

case("flawed", "alpha_chosen_on_test_rows", replaced(2, '''from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split
from sklearn.metrics import root_mean_squared_error
from sklearn.preprocessing import PolynomialFeatures


def flexible(alpha=3.0):
    return make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),
                         Ridge(alpha=alpha))


X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
test_rmse = {a: root_mean_squared_error(y_test, flexible(a).fit(X_fit, y_fit).predict(X_test))
             for a in [0.1, 1.0, 3.0, 10.0, 30.0]}
best_alpha = min(test_rmse, key=test_rmse.get)
estimate = float(test_rmse[best_alpha])  # the best of five on the rows that chose it'''))

case("flawed", "epochs_chosen_on_test_rows", replaced(2, '''from sklearn.linear_model import SGDRegressor
from sklearn.model_selection import train_test_split
from sklearn.metrics import root_mean_squared_error
from sklearn.preprocessing import PolynomialFeatures


def flexible(epochs=20):
    # A fixed number of epochs (tol=None): the early-stopping point is the epoch count.
    return make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),
                         SGDRegressor(alpha=1e-3, max_iter=epochs, tol=None, random_state=0))


X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
test_rmse = {k: root_mean_squared_error(y_test, flexible(k).fit(X_fit, y_fit).predict(X_test))
             for k in [5, 10, 20, 40]}
best_epochs = min(test_rmse, key=test_rmse.get)  # stopped where the test rows liked it best
estimate = float(test_rmse[best_epochs])'''))

case("flawed", "sgd_not_converged", replaced(2, '''from sklearn.linear_model import SGDRegressor
from sklearn.preprocessing import PolynomialFeatures


def flexible():
    return make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),
                         SGDRegressor(alpha=1e-3, max_iter=3, random_state=0))


scores = -cross_val_score(flexible(), X, y, cv=CV, scoring=SCORING)
estimate = float(scores.mean())'''))

case("flawed", "leaky_learning_curve", replaced(3, '''from sklearn.model_selection import learning_curve
from sklearn.preprocessing import PolynomialFeatures

Z = make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler()).fit_transform(X)
sizes, fit_scores, val_scores = learning_curve(RidgeCV(alphas=np.logspace(-2, 3, 12)), Z, y, cv=CV,
                                               scoring=SCORING, train_sizes=[0.25, 0.5, 0.75, 1.0])
fit_rmse, val_rmse = -fit_scores.mean(axis=1), -val_scores.mean(axis=1)
diagnosis = "high variance" if val_rmse[-1] - fit_rmse[-1] > fit_rmse[-1] - NOISE_SD else "high bias"
more_data = "yes" if val_rmse[-2] - val_rmse[-1] > 0.01 else "no"'''))

case("flawed", "diagnosis_read_backwards", replaced(3, swap(
    'diagnosis = "high variance" if val_rmse[-1] - fit_rmse[-1] > fit_rmse[-1] - NOISE_SD else "high bias"',
    'diagnosis = "high bias" if val_rmse[-1] > NOISE_SD else "high variance"  # above the floor: bias?',
    CURVE,
)))

case("flawed", "l1_unscaled_drops_small_units", replaced(4, swap(
    "make_pipeline(StandardScaler(), LassoCV(cv=5))", "LassoCV(cv=5)", swap("lasso[-1].coef_", "lasso.coef_", LASSO)
)))

case("flawed", "l1_called_stable", replaced(4, swap(
    'l1_stability = "stable" if len(set(kept)) == 1 else "unstable"', 'l1_stability = "stable"', LASSO
)))

case("flawed", "weak_linear_model", [
    LOAD,
    BASELINES,
    '''from sklearn.linear_model import RidgeCV


def flexible():
    return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-2, 3, 12)))


scores = -cross_val_score(flexible(), X, y, cv=CV, scoring=SCORING)
estimate = float(scores.mean())''',
    CURVE,
    LASSO,
    HAND_IN,
])


def write(path: Path, cells: list[str], notes: list[str] | None = None) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["heldout"] = {"scenario": "capacity", "version": "1.0.0"}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    out = []
    for i, source in enumerate(cells):
        if notes is not None:
            out.append(nbformat.v4.new_markdown_cell(notes[i]))
        out.append(nbformat.v4.new_code_cell(source))
    for i, cell in enumerate(out):
        cell["id"] = f"cell-{i}"  # fixed ids: the same notebook on every run of this script
    nb.cells = out
    nbformat.write(nb, path)


def main(names: list[str]) -> None:
    if not names or "solution" in names:
        write(ROOT / "solutions" / "capacity" / "solution.ipynb", SOLUTION, NOTES)
    for name, (kind, cells) in CASES.items():
        if names and name not in names:
            continue
        write(HERE / kind / f"{name}.ipynb", cells)


if __name__ == "__main__":
    main(sys.argv[1:])
