"""Manifests load into dataclasses; every mistake in one names the field and the fix."""

import pytest

from heldout.checks import CHECKS
from heldout.errors import ManifestError
from heldout.manifest import load_manifest


def test_the_imbalance_manifest_loads(manifest):
    assert manifest.id == "imbalance"
    assert manifest.total_points == 100
    assert next(c.id for c in manifest.checks) == "no_fit_on_evaluated_rows"
    assert all(len(c.hints) == 3 for c in manifest.checks)
    assert manifest.level("senior").pass_mark == 0.9


@pytest.fixture
def broken(tmp_path, root):
    def write(old: str, new: str, scenario: str = "imbalance"):
        source = (root / "exercises" / scenario / "exercise.toml").read_text()
        assert old in source, old
        path = tmp_path / "exercise.toml"
        path.write_text(source.replace(old, new, 1))
        return path

    return write


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ("format = 1", "format = 2", "format", "newer than this heldout understands"),
        (
            "time_box_minutes = 180",
            'time_box_minutes = "three hours"',
            "time_box_minutes",
            "must be an integer (got 'three hours' that is a str)",
        ),
        (
            'id = "no_fit_on_evaluated_rows"',
            'id = "no_fit_on_evaluated_row"',
            "checks[0].id",
            "did you mean 'no_fit_on_evaluated_rows'?",
        ),
        ("points = 15", "points = true", "checks[0].points", "must be an integer (got True)"),
        ('competency = "data_hygiene"', 'competency = "hygiene"', "checks[0].competency", "must be one of"),
        ('title = "Card fraud: learning from a rare class"\n', "", "title", "is missing"),
        (
            'task = "binary_classification"',
            'task = "clasification"',
            "task",
            "did you mean 'binary_classification'?",
        ),
        (
            'when = "headline_metric:warn"',
            'when = "headline_metric:maybe"',
            "followups[5].when",
            "must end in :pass, :warn or :fail",
        ),
        ("pass_mark = 0.9", "pass_mark = 9", "levels[2].pass_mark", "between 0 and 1"),
    ],
)
def test_a_bad_manifest_names_the_field(broken, old, new, field, problem):
    with pytest.raises(ManifestError) as raised:
        load_manifest(broken(old, new), CHECKS)
    assert raised.value.field == field
    assert problem in str(raised.value)


def test_invalid_toml_is_reported_as_such(tmp_path):
    path = tmp_path / "exercise.toml"
    path.write_text("format = = 1")
    with pytest.raises(ManifestError, match="is not valid TOML"):
        load_manifest(path, CHECKS)


def test_a_missing_manifest_is_reported(tmp_path):
    with pytest.raises(ManifestError, match="does not exist"):
        load_manifest(tmp_path / "nope.toml", CHECKS)


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('metric = "mae"', 'metric = "average_precision"', "holdout.metric", "must be one of mae, rmse"),
        (
            'baselines = ["median", "linear_regression"]',
            'baselines = ["median", "logistic_regression"]',
            "holdout.baselines[1]",
            "must be one of mean, median, linear_regression",
        ),
        ("bootstrap_rounds = 400", "bootstrap_rounds = -1", "holdout.bootstrap_rounds", "must be 0 or more"),
        (
            "expected_optimism = 0.05",
            "expected_optimism = 1.5",
            "holdout.expected_optimism",
            "must be from 0 to below 1 (got 1.5)",
        ),
        ("expected_optimism = 0.05", 'expected_optimism = "some"', "holdout.expected_optimism", "must be"),
        (
            'spread = "float"',
            'spread = "number"',
            "contract.experiment_columns.spread",
            "must be one of str, float",
        ),
        (
            'experiment_columns = { change = "str", score = "float", spread = "float" }\n',
            "",
            "contract.experiment_columns",
            "must name the columns of the experiment log",
        ),
    ],
)
def test_a_regression_manifest_names_the_bad_holdout_or_log_field(broken, old, new, field, problem):
    with pytest.raises(ManifestError) as raised:
        load_manifest(broken(old, new, scenario="baselines"), CHECKS)
    assert f"'{field}'" in str(raised.value) and problem in str(raised.value), str(raised.value)


def test_every_shipped_manifest_loads_with_its_dataset_registered(root):
    from heldout import datasets
    from heldout.grading import list_scenarios

    scenarios = list_scenarios(root)
    assert {m.id for m in scenarios} >= {"imbalance", "leakage", "baselines", "drift", "offline_online"}
    for manifest in scenarios:
        assert manifest.total_points == 100, manifest.id
        assert manifest.dataset.name in datasets.GENERATORS, manifest.id
        assert manifest.starter.is_file() and manifest.prompt.is_file(), manifest.id


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('replay = "month"', 'replay = "week"', "holdout.replay", "must be one of month (got 'week')"),
        ('time = "snapshot_month"\n', "", "holdout.replay", "needs dataset.time"),
        ('prepare = "prepare_features"\n', "", "holdout.replay", "needs contract.prepare"),
        (
            'drift_columns = { feature = "str", kind = "str", month = "str", method = "str", '
            'value = "float" }\n',
            "",
            "contract.drift_columns",
            "must name the columns of the drift report",
        ),
    ],
)
def test_a_time_ordered_manifest_names_the_bad_replay_or_drift_field(broken, old, new, field, problem):
    with pytest.raises(ManifestError) as raised:
        load_manifest(broken(old, new, scenario="drift"), CHECKS)
    assert f"'{field}'" in str(raised.value) and problem in str(raised.value), str(raised.value)


def test_the_drift_manifest_declares_time_truth_replay_and_the_drift_table(root):
    manifest = load_manifest(root / "exercises" / "drift" / "exercise.toml", CHECKS)
    assert manifest.dataset.time == "snapshot_month" and manifest.dataset.truth == "drift_truth.csv"
    assert manifest.holdout.replay == "month"
    assert manifest.contract.drift == "drift_report"
    assert list(manifest.contract.drift_columns) == ["feature", "kind", "month", "method", "value"]


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('serve = "score_event"\n', "", "contract.serve", "go together"),
        ('entity = "user_id"\n', "", "contract.serve", "needs dataset.entity"),
        ('ingested = "ingested_at"', 'ingested = "arrived_at"', "serving.ingested", "must be one of"),
        ('event_id = "payment_id"', 'event_id = "id"', "serving.event_id", "must be one of"),
        (
            '"payment_id", "user_id", "event_time"',
            '"payment_id", "user_id"',
            "serving.event_columns",
            "'event_time'",
        ),
        ("replay_events = 300", "replay_events = 0", "serving.replay_events", "must be 1 or more"),
        ("tolerance = 1e-6", "tolerance = 0", "serving.tolerance", "must be above 0"),
        ("latency_p99_ms = 100.0", "latency_p99_ms = 10.0", "serving.latency_p99_ms", "not be below"),
        ("[serving]\n", "[elsewhere]\n", "serving", "is missing"),
    ],
)
def test_a_serving_manifest_names_the_bad_contract_or_serving_field(broken, old, new, field, problem):
    with pytest.raises(ManifestError) as raised:
        load_manifest(broken(old, new, scenario="offline_online"), CHECKS)
    assert f"'{field}'" in str(raised.value) and problem in str(raised.value), str(raised.value)


def test_the_offline_online_manifest_declares_the_serving_contract(root):
    manifest = load_manifest(root / "exercises" / "offline_online" / "exercise.toml", CHECKS)
    assert (manifest.contract.features, manifest.contract.serve) == ("build_features", "score_event")
    assert manifest.serving is not None and manifest.serving.ingested == "ingested_at"
    assert (manifest.serving.latency_p50_ms, manifest.serving.latency_p99_ms) == (20.0, 100.0)
    assert (
        "label_time" not in manifest.serving.event_columns
        and "is_fraud" not in manifest.serving.event_columns
    )
    assert manifest.dataset.candidate_files == ("train.csv", "holdout_features.csv")  # the starter reads July
    assert load_manifest(root / "exercises" / "drift" / "exercise.toml", CHECKS).serving is None


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('answer = "answer"\n', "", "contract.retrieve", "needed by, and only by, task = 'retrieval'"),
        ("depth = 100", "depth = 5", "retrieval.depth", "must satisfy 1 <= k <= depth <= 1000"),
        ('corpus = "passages.csv"\n', "", "retrieval.corpus", "is missing"),
        ('metric = "ndcg@10"', 'metric = "average_precision"', "holdout.metric", "must be one of ndcg@10"),
        ('baselines = ["bm25", "tfidf"]', 'baselines = ["prior"]', "holdout.baselines[0]", "must be one of"),
    ],
)
def test_a_retrieval_manifest_names_the_bad_contract_or_retrieval_field(broken, old, new, field, problem):
    with pytest.raises(ManifestError) as raised:
        load_manifest(broken(old, new, scenario="rag_retrieval"), CHECKS)
    assert f"'{field}'" in str(raised.value) and problem in str(raised.value), str(raised.value)


def test_the_rag_retrieval_manifest_declares_the_retriever_and_its_corpus(root):
    manifest = load_manifest(root / "exercises" / "rag_retrieval" / "exercise.toml", CHECKS)
    assert (manifest.contract.retrieve, manifest.contract.answer) == ("retrieve", "answer")
    assert manifest.retrieval is not None and (manifest.retrieval.k, manifest.retrieval.depth) == (10, 100)
    assert "passages.csv" in manifest.dataset.candidate_files
    assert load_manifest(root / "exercises" / "offline_online" / "exercise.toml", CHECKS).retrieval is None


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('analyze = "analyze"\n', "", "contract.analyze", "needed by, and only by, task = 'experiment'"),
        ('unit = "user_id"\n', "", "experiment.unit", "is missing"),
        ("alpha = 0.05", "alpha = 0.5", "experiment.alpha", "must be above 0 and below 0.5"),
        ('control = "control"', 'control = "treatment"', "experiment.control", "must differ"),
        (
            'primary_names = ["user conversion"',
            'primary_names = [""',
            "experiment.primary_names",
            "non-empty",
        ),
        (
            'metric = "decision_accuracy"',
            'metric = "roc_auc"',
            "holdout.metric",
            "must be one of decision_accuracy",
        ),
        ('baselines = ["naive_readout"]', 'baselines = ["bm25"]', "holdout.baselines[0]", "must be one of"),
    ],
)
def test_an_experiment_manifest_names_the_bad_contract_or_experiment_field(broken, old, new, field, problem):
    with pytest.raises(ManifestError) as raised:
        load_manifest(broken(old, new, scenario="experimentation"), CHECKS)
    assert f"'{field}'" in str(raised.value) and problem in str(raised.value), str(raised.value)


def test_the_experimentation_manifest_declares_the_analysis_and_its_experiment(root):
    manifest = load_manifest(root / "exercises" / "experimentation" / "exercise.toml", CHECKS)
    assert manifest.task == "experiment" and manifest.contract.analyze == "analyze"
    assert manifest.experiment is not None and manifest.experiment.unit == "user_id"
    assert manifest.dataset.candidate_files == ("sessions.csv",)  # bundles never ship the replicates
    assert load_manifest(root / "exercises" / "drift" / "exercise.toml", CHECKS).experiment is None
