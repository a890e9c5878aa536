"""The data-flow model: which rows each value stands for, and how values travel through code."""

from __future__ import annotations

import textwrap

import pytest

from heldout.lint import lint_source
from heldout.lint.values import Overlap, rows_overlap

ROOT = ("file:train.csv",)


@pytest.mark.parametrize(
    ("a", "b", "relation"),
    [
        ((*ROOT, (1, 0)), (*ROOT, (1, 1)), Overlap.DISJOINT),  # the two sides of one split
        (ROOT, (*ROOT, (1, 1)), Overlap.PROVEN),  # the whole and its part
        ((*ROOT, (1, 0)), (*ROOT, (1, 0), (2, 1)), Overlap.PROVEN),
        ((*ROOT, (1, 0)), (*ROOT, (2, 1)), Overlap.UNKNOWN),  # two independent random splits
        (("file:other.csv",), ROOT, Overlap.DISJOINT),
        ((*ROOT, (1, 0), (2, 1)), (*ROOT, (1, 1)), Overlap.DISJOINT),  # validation part vs test part
        (
            (*ROOT, (("cmp", "y", "eq", "Constant(value=0)"), 0)),
            (*ROOT, (("cmp", "y", "eq", "Constant(value=1)"), 0)),
            Overlap.DISJOINT,  # df[df.y == 0] and df[df.y == 1]
        ),
        (
            (*ROOT, (("cmp", "y", "eq", "Name(id='a')"), 0)),
            (*ROOT, (("cmp", "y", "eq", "Name(id='b')"), 0)),
            Overlap.UNKNOWN,  # two variables may hold the same value
        ),
    ],
)
def test_row_paths_overlap(a: tuple, b: tuple, relation: Overlap) -> None:
    assert rows_overlap(frozenset({a}), frozenset({b}))[0] is relation
    assert rows_overlap(frozenset({b}), frozenset({a}))[0] is relation


HEADER = """
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import cross_val_predict, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
df = pd.read_csv("d.csv")
X, y = df.drop(columns=["label"]), df["label"]
"""


def findings(code: str) -> set[tuple[str, str]]:
    return {(f.kind, f.severity) for f in lint_source([HEADER + textwrap.dedent(code)], notebook=False)}


def test_an_alias_shares_the_fitted_state() -> None:
    assert findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        model = LogisticRegression()
        same = model
        model.fit(X, y)
        average_precision_score(y_test, same.predict_proba(X_test)[:, 1])
    """) == {("preprocessing_leak", "error")}


def test_a_refit_after_the_evaluation_does_not_change_what_was_evaluated() -> None:
    assert (
        findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        model = LogisticRegression().fit(X_train, y_train)
        ap = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
        model.fit(X, y)
    """)
        == set()
    )


def test_unpacking_three_arrays_from_one_split_keeps_them_aligned() -> None:
    assert findings("""
        w = df["weight"]
        X_train, X_test, y_train, y_test, w_train, w_test = train_test_split(X, y, w, stratify=y)
        scaler = StandardScaler().fit(X_test)
        model = LogisticRegression().fit(X_train, y_train, sample_weight=w_train)
        average_precision_score(y_test, model.predict_proba(scaler.transform(X_test))[:, 1])
    """) == {("preprocessing_leak", "error")}


def test_a_stateless_pipeline_fitted_on_all_rows_learns_nothing() -> None:
    assert (
        findings("""
        logs = make_pipeline(FunctionTransformer(np.log1p)).fit(X)
        Z = logs.transform(X)
        Z_train, Z_test, y_train, y_test = train_test_split(Z, y, stratify=y)
        m = LogisticRegression().fit(Z_train, y_train)
        average_precision_score(y_test, m.predict_proba(Z_test)[:, 1])
    """)
        == set()
    )


def test_an_unknown_step_in_a_pipeline_is_still_a_fit_on_every_row() -> None:
    # Was a hint; an object of any class fitted on the rows it later transforms learned from them
    # (issue 17: a class heldout does not know is judged by its fit).
    assert findings("""
        from mylib import Denoiser
        prep = make_pipeline(Denoiser(), StandardScaler()).fit(X)
        Z = prep.transform(X)
        Z_train, Z_test, y_train, y_test = train_test_split(Z, y, stratify=y)
        m = LogisticRegression().fit(Z_train, y_train)
        average_precision_score(y_test, m.predict_proba(Z_test)[:, 1])
    """) == {("preprocessing_leak", "error")}


def test_comparing_models_with_cross_validation_is_not_tuning_on_the_test_rows() -> None:
    assert (
        findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        scores = {}
        for C in [0.1, 1.0, 10.0]:
            model = LogisticRegression(C=C)
            scores[C] = cross_val_score(model, X_train, y_train, scoring="average_precision").mean()
        best = max(scores, key=scores.get)
        final = LogisticRegression(C=best).fit(X_train, y_train)
        average_precision_score(y_test, final.predict_proba(X_test)[:, 1])
    """)
        == set()
    )


def test_a_threshold_swept_on_the_test_rows_and_picked_is_an_error() -> None:
    assert findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        proba = LogisticRegression().fit(X_train, y_train).predict_proba(X_test)[:, 1]
        f1s = [f1_score(y_test, proba >= t) for t in np.linspace(0.1, 0.9, 9)]
        print(max(f1s))
    """) == {("multi_test", "error")}


def test_files_read_through_a_helper_are_told_apart_by_their_names() -> None:
    code = """
        def load(path):
            frame = pd.read_csv(path)
            return frame.drop(columns=["label"]), frame["label"]
        X_a, y_a = load("{first}")
        X_b, y_b = load("{second}")
        scaler = StandardScaler().fit(X_a)
        model = LogisticRegression().fit(scaler.transform(X_a), y_a)
        average_precision_score(y_b, model.predict_proba(scaler.transform(X_b))[:, 1])
    """
    assert findings(code.format(first="train.csv", second="test.csv")) == set()
    # The same file twice: the only score is on the rows the model was fitted on (a hint: no report
    # says this score is the estimate).
    (finding,) = lint_source(
        [HEADER + textwrap.dedent(code.format(first="a.csv", second="a.csv"))], notebook=False
    )
    assert (finding.kind, finding.severity) == ("preprocessing_leak", "hint")
    assert finding.message.startswith("The only score here is average_precision_score")


def test_keeping_the_best_in_a_loop_is_a_selection() -> None:
    assert findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        proba = LogisticRegression().fit(X_train, y_train).predict_proba(X_test)[:, 1]
        best_f1, best_t = 0.0, 0.5
        for t in np.arange(0.05, 1.0, 0.05):
            f1 = f1_score(y_test, (proba >= t).astype(int))
            if f1 > best_f1:
                best_f1, best_t = f1, t
        print(best_t, best_f1)
    """) == {("multi_test", "error")}


def test_models_kept_by_a_threshold_free_score_on_the_test_rows_are_a_model_selection() -> None:
    # Average precision cannot move with a threshold: what the loop varies is the model.
    assert findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        scores = {}
        for C in (0.1, 1.0, 10.0):
            model = LogisticRegression(C=C).fit(X_train, y_train)
            scores[C] = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
        best = max(scores, key=scores.get)
        print(best, scores[best])
    """) == {("model_selection", "error")}


def test_a_sweep_without_a_choice_is_a_hint() -> None:
    assert findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        proba = LogisticRegression().fit(X_train, y_train).predict_proba(X_test)[:, 1]
        for t in (0.3, 0.5, 0.7):
            print(t, f1_score(y_test, proba >= t))
        average_precision_score(y_test, proba)
    """) == {("multi_test", "hint")}


def test_out_of_fold_scores_may_choose_the_threshold_of_a_cross_validated_estimate() -> None:
    assert (
        findings("""
        from sklearn.metrics import precision_recall_curve
        pipe = make_pipeline(StandardScaler(), LogisticRegression())
        estimate = cross_val_score(pipe, X, y, scoring="average_precision").mean()
        oof = cross_val_predict(pipe, X, y, method="predict_proba")[:, 1]
        precision, recall, thresholds = precision_recall_curve(y, oof)
        threshold = thresholds[np.argmax(precision[:-1] >= 0.5)]
        report = {"metric": "average_precision", "estimate": float(estimate), "threshold": float(threshold)}
    """)
        == set()
    )


def test_a_statistic_of_predictions_is_not_a_feature_statistic() -> None:
    assert (
        findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        proba = LogisticRegression().fit(X_train, y_train).predict_proba(X_test)[:, 1]
        cut = np.quantile(proba, 0.99)
        average_precision_score(y_test, proba)
        print(f1_score(y_test, proba >= cut))
    """)
        == set()
    )


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ('X2 = df.drop(columns=["label", "next"])', set()),  # the look-ahead column is dropped
        ('X2 = df[["amount", "next"]]', {("future_looking_feature", "error")}),
        ("X2 = df[pick_columns(df)]", {("future_looking_feature", "hint")}),  # cannot tell which columns
        ('X2 = df[["amount"]]', set()),
    ],
)
def test_look_ahead_columns_are_followed_through_column_selections(selection: str, expected: set) -> None:
    assert (
        findings(f"""
        from mylib import pick_columns
        df["next"] = df["amount"].shift(-1)
        {selection}
        X_train, X_test, y_train, y_test = train_test_split(X2, y, stratify=y)
        LogisticRegression().fit(X_train, y_train)
    """)
        == expected
    )


def test_recursion_and_odd_code_degrade_quietly() -> None:
    assert (
        findings("""
        def forever(frame):
            return forever(frame)
        def ping(a):
            return pong(a)
        def pong(a):
            return ping(a)
        Z = forever(X)
        W = ping(X)
        loop = []
        loop.append(loop)
        async def later():
            await something()
        class Box:
            def fit(self, X):
                return self
        Box().fit(X)
        match X:
            case {"a": 1}:
                pass
        lambda q: q.fit(X)
        del Z
        global_value = [s for s in range(3) if (n := s)]
    """)
        == set()
    )


def test_a_reported_training_score_is_an_error() -> None:
    code = """
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        model = LogisticRegression().fit(X_train, y_train)
        train_ap = average_precision_score(y_train, model.predict_proba(X_train)[:, 1])
        test_ap = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
        report = {{"metric": "average_precision", "estimate": float({reported})}}
    """
    assert findings(code.format(reported="test_ap")) == set()
    (finding,) = lint_source([HEADER + textwrap.dedent(code.format(reported="train_ap"))], notebook=False)
    assert (finding.kind, finding.severity, finding.check_id) == (
        "preprocessing_leak",
        "error",
        "no_fit_on_evaluated_rows",
    )
    assert "Your reported estimate is average_precision_score" in finding.message
    assert "`X_train`, the very rows LogisticRegression was fitted on" in finding.message


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ('y = LabelEncoder().fit_transform(df["label"])', set()),  # the labels: never a leak
        ('X["merchant"] = LabelEncoder().fit_transform(X["merchant"])', {("preprocessing_leak", "error")}),
    ],
)
def test_a_label_encoder_leaks_only_through_the_features(encoded: str, expected: set) -> None:
    assert (
        findings(f"""
        from sklearn.preprocessing import LabelEncoder
        {encoded}
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        model = LogisticRegression().fit(X_train, y_train)
        threshold = y.mean()  # a prevalence from every row, used as a cut-off: not a feature
        f1_score(y_test, model.predict_proba(X_test)[:, 1] >= threshold)
    """)
        == expected
    )


def test_a_rolling_mean_is_per_row_but_its_maximum_is_a_statistic_of_every_row() -> None:
    code = """
        smooth = df["amount"].rolling(3).mean()
        df["z"] = smooth / {denominator}
        train, test = train_test_split(df, stratify=df["label"])
        m = LogisticRegression().fit(train[["z"]], train["label"])
        average_precision_score(test["label"], m.predict_proba(test[["z"]])[:, 1])
    """
    assert findings(code.format(denominator="100.0")) == set()
    assert findings(code.format(denominator="smooth.max()")) == {("full_frame_statistic", "error")}


def test_an_unidentified_object_fitted_on_every_row_is_an_estimator_from_then_on() -> None:
    leak = """
        from team_models import build
        model = build()
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        model.fit(X, y)
        average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
    """
    assert findings(leak) == {("preprocessing_leak", "error")}
    assert findings(leak.replace("model.fit(X, y)", "model.fit(X_train, y_train)")) == set()


def test_the_notebooks_own_class_runs_its_methods_on_self() -> None:
    leak = """
        class Centre:
            def fit(self, X):
                self.centre = X.median()
                return self

            def transform(self, X):
                return X - self.centre

        Z = Centre().fit(X).transform(X)
        Z_train, Z_test, y_train, y_test = train_test_split(Z, y, stratify=y)
        m = LogisticRegression().fit(Z_train, y_train)
        average_precision_score(y_test, m.predict_proba(Z_test)[:, 1])
    """
    assert findings(leak) == {("full_frame_statistic", "error")}
    fixed = """
        class Centre:
            def fit(self, X):
                self.centre = X.median()
                return self

            def transform(self, X):
                return X - self.centre

        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        c = Centre().fit(X_train)
        m = LogisticRegression().fit(c.transform(X_train), y_train)
        average_precision_score(y_test, m.predict_proba(c.transform(X_test))[:, 1])
    """
    assert findings(fixed) == set()


def test_predictions_on_held_out_rows_are_an_evaluation_without_a_metric() -> None:
    leak = """
        X = StandardScaler().fit_transform(X)
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        m = LogisticRegression().fit(X_train, y_train)
        print((m.predict(X_test) == y_test).mean())
    """
    assert findings(leak) == {("preprocessing_leak", "error")}
    # Predicting every row with a model fitted on a part is no evaluation of anything.
    assert (
        findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        m = LogisticRegression().fit(X_train, y_train)
        df["pred"] = m.predict(X)
    """)
        == set()
    )


def test_a_model_refitted_on_every_row_after_its_evaluation_may_predict_the_test_rows() -> None:
    assert (
        findings("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
        m = LogisticRegression().fit(X_train, y_train)
        print(average_precision_score(y_test, m.predict_proba(X_test)[:, 1]))
        m.fit(X, y)
        shown = m.predict(X_test)
    """)
        == set()
    )


def test_a_concatenation_sliced_at_the_first_parts_length_is_cut_back_into_its_parts() -> None:
    source = """
        train = pd.read_csv("train.csv")
        test = pd.read_csv("test.csv")
        full = pd.concat([train, test])
        STAT
        X = full[:len(train)]
        X_sub = full[len(train):]
        m = LogisticRegression().fit(X, train["y"])
        m.predict(X_sub)
    """
    leak = source.replace("STAT", 'full["age"].fillna(full["age"].median(), inplace=True)')
    fixed = source.replace("STAT", 'full["age"] = full["age"].fillna(train["age"].median())')
    assert findings(leak) == {("full_frame_statistic", "error")}
    assert findings(fixed) == set()


def test_a_label_made_with_a_statistic_of_every_row_is_a_full_frame_statistic() -> None:
    leak = """
        y = df.price > df.price.mean()
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        m = LogisticRegression().fit(X_train, y_train)
        print(f1_score(y_test, m.predict(X_test)))
    """
    assert findings(leak) == {("full_frame_statistic", "error")}
    assert findings(leak.replace("df.price.mean()", "400_000")) == set()


def test_statsmodels_fits_the_rows_given_to_its_constructor() -> None:
    leak = """
        import statsmodels.api as sm
        from sklearn.metrics import r2_score
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        ols = sm.OLS(y, sm.add_constant(X)).fit()
        print(r2_score(y_test, ols.predict(sm.add_constant(X_test))))
    """
    assert findings(leak) == {("preprocessing_leak", "error")}
    fixed = leak.replace("sm.OLS(y, sm.add_constant(X))", "sm.OLS(y_train, sm.add_constant(X_train))")
    assert findings(fixed) == set()
