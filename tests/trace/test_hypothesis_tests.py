"""Statistical tests as trace events: which rows (and how many) each scipy.stats or statsmodels test
compared, and the hook sets of libraries that are installed only once the candidate imports them."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from heldout.trace.hookset import HookSet


def recorded_tests(tracer):
    return [e for e in tracer.recorder.events if e["kind"] == "stat_test"]


def rows(tracer, key):
    return set(tracer.recorder.rowsets[key].tolist())


def test_ttest_ind_records_the_rows_of_each_group_it_compared(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    x, y = df.loc[df["kind"] == "x", "a"], df.loc[df["kind"] == "y", "a"]
    result = scipy.stats.ttest_ind(x, y)
    (event,) = recorded_tests(tracer)
    assert event["test"] == "ttest_ind" and event["library"] == "scipy.stats"
    first, second = event["samples"]
    assert rows(tracer, first["rows"]) == set(x.index) and first["n_rows"] == len(x)
    assert rows(tracer, second["rows"]) == set(y.index) and second["n_rows"] == len(y)
    assert event["n_rows"] == len(x) + len(y) and rows(tracer, event["rows"]) == set(x.index) | set(y.index)
    assert event["pvalue"] == pytest.approx(result.pvalue) and event["line"] is not None


def test_a_test_imported_by_name_after_install_is_traced_on_numpy_arrays(tracer, fraud_csv):
    from scipy.stats import mannwhitneyu

    df = pd.read_csv("train.csv")
    fraud = df["is_fraud"] == 1
    positives, negatives = df.loc[fraud, "a"].to_numpy(), df.loc[~fraud, "a"].to_numpy()
    mannwhitneyu(positives, negatives)
    (event,) = recorded_tests(tracer)
    assert event["test"] == "mannwhitneyu" and event["n_rows"] == 800
    assert [s["n_rows"] for s in event["samples"]] == [len(positives), len(negatives)]
    assert rows(tracer, event["samples"][0]["rows"]) == set(df.index[fraud])


def test_a_contingency_table_counts_its_observations(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    table = pd.crosstab(df["kind"], df["is_fraud"])
    scipy.stats.chi2_contingency(table)
    (event,) = recorded_tests(tracer)
    assert event["test"] == "chi2_contingency" and event["n_rows"] == 800
    assert event["samples"][0]["role"] == "table"


def test_tests_run_inside_another_test_are_its_machinery(tracer, fraud_csv):
    df = pd.read_csv("train.csv")
    scipy.stats.ttest_ind(df["a"], df["b"])
    scipy.stats.kruskal(df["a"], df["b"], df["c"])
    assert [e["test"] for e in recorded_tests(tracer)] == ["ttest_ind", "kruskal"]
    assert recorded_tests(tracer)[1]["n_samples"] == 3 and recorded_tests(tracer)[1]["n_rows"] == 2400


def test_statsmodels_proportions_ztest_counts_the_rows_its_counts_were_computed_over(tracer, fraud_csv):
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    df = pd.read_csv("train.csv")
    two_arms = df[df["kind"] != "z"]
    arms = two_arms.groupby("kind")["is_fraud"]
    converted, sizes = arms.sum(), arms.count()
    proportion.proportions_ztest(converted.to_numpy(), sizes.to_numpy())
    (event,) = recorded_tests(tracer)
    assert event["test"] == "proportions_ztest" and event["library"] == "statsmodels"
    assert event["n_rows"] == len(two_arms) == int(sizes.sum())
    assert rows(tracer, event["rows"]) == set(two_arms.index)  # the rows the counts were computed over
    assert [s["role"] for s in event["samples"]] == ["count", "nobs"] and event["pvalue"] is not None


def test_statsmodels_ttest_ind_records_its_samples(tracer, fraud_csv):
    weightstats = pytest.importorskip("statsmodels.stats.weightstats")
    df = pd.read_csv("train.csv")
    positives, negatives = df.loc[df["is_fraud"] == 1, "a"], df.loc[df["is_fraud"] == 0, "a"]
    weightstats.ttest_ind(positives, negatives)
    (event,) = recorded_tests(tracer)
    assert event["test"] == "ttest_ind" and event["library"] == "statsmodels"
    assert event["n_rows"] == 800 and rows(tracer, event["samples"][0]["rows"]) == set(positives.index)


@pytest.fixture
def late_library(tmp_path, monkeypatch):
    """A library nobody has imported yet, and a hook set that wraps its one function when it is."""
    (tmp_path / "heldout_late_library.py").write_text("def compare(a, b):\n    return len(a) - len(b)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "heldout_late_library", raising=False)

    def install(tracer):
        import heldout_late_library as library

        tracer.patch(library, "compare", tracer.function_wrapper(library.compare, on_compare))

    def on_compare(tracer, call, args, kwargs):
        tracer.event("compared", n_rows=sum(len(a) for a in args))
        return call(*args, **kwargs)

    yield HookSet("a late library", "heldout_late_library", install, eager=False)
    sys.modules.pop("heldout_late_library", None)


def _tracer_with(hooks):
    from heldout.trace.hooks import Tracer
    from heldout.trace.hookset import hook_sets

    return Tracer({"train.csv": 0}, hook_sets=[*hook_sets(), hooks]).install()


def test_a_lazy_hook_set_waits_for_its_library_and_installs_when_it_is_imported(late_library):
    tracer = _tracer_with(late_library)
    try:
        assert "heldout_late_library" not in sys.modules  # installing the tracer imported nothing
        from heldout_late_library import compare  # the name is bound after the hooks were installed

        assert compare([1, 2, 3], [4]) == 2
        assert [e["n_rows"] for e in tracer.recorder.events if e["kind"] == "compared"] == [4]
        assert tracer.verify() == []
        compare.__module__  # noqa: B018
        import heldout_late_library

        heldout_late_library.compare = lambda a, b: 0  # a hook installed late is checked like the others
        assert "heldout_late_library.compare" in tracer.verify()
    finally:
        tracer.uninstall()


def test_verify_reports_a_removed_import_watch_and_hooks_its_library_late(late_library):
    tracer = _tracer_with(late_library)
    try:
        watch = next(finder for finder in sys.meta_path if type(finder).__name__ == "ImportWatch")
        sys.meta_path.remove(watch)
        assert "the import hook was removed" in tracer.verify()
        import heldout_late_library  # imported with the watch gone: its hooks are installed late

        assert "the import hook was removed" in tracer.verify()
        heldout_late_library.compare([1], [2, 3])
        assert [e["n_rows"] for e in tracer.recorder.events if e["kind"] == "compared"] == [3]
    finally:
        tracer.uninstall()
    assert all(type(finder).__name__ != "ImportWatch" for finder in sys.meta_path)


def test_a_failing_hook_set_is_heldouts_failure_and_the_import_still_works(late_library):
    def broken(tracer):
        raise RuntimeError("heldout bug in a hook set")

    tracer = _tracer_with(HookSet(late_library.name, late_library.after, broken, eager=False))
    try:
        import heldout_late_library

        assert heldout_late_library.compare([1], [1]) == 0
        errors = [e for e in tracer.recorder.events if e["kind"] == "tracer_error"]
        assert [e["error"] for e in errors] == ["RuntimeError: heldout bug in a hook set"]
    finally:
        tracer.uninstall()


def test_every_registered_hook_module_defines_hook_sets():
    from heldout.trace.hookset import HOOK_MODULES, hook_sets

    sets = hook_sets()
    assert len(sets) >= len(HOOK_MODULES) and all(isinstance(s, HookSet) for s in sets)
    assert {s.after for s in sets if not s.eager} >= {"scipy.stats", "statsmodels.stats.proportion"}
    assert np.all([callable(s.install) for s in sets])
