"""What heldout's lint knows about library names: which classes learn from rows, and how.

Names are matched on their qualified import path ("sklearn.preprocessing.StandardScaler"). A class
from a library not listed here is an *unknown* estimator: its fits are followed, but a finding that
rests on what it learned is only ever a hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from heldout.metric_names import CURVE_METRICS, THRESHOLD_METRICS, is_metric_name, normalise_metric

__all__ = [
    "CURVE_METRICS",
    "MITIGATORS",
    "SCALERS",
    "SCALE_SENSITIVE",
    "THRESHOLD_METRICS",
    "ClassInfo",
    "classify",
    "is_metric",
    "normalise_metric",
]

_ML_ROOTS = ("sklearn", "imblearn", "xgboost", "lightgbm", "catboost", "category_encoders", "feature_engine")

SPLITTERS_STRATIFIED = frozenset(
    {"StratifiedKFold", "StratifiedShuffleSplit", "StratifiedGroupKFold", "RepeatedStratifiedKFold"}
)
SPLITTERS_PLAIN = frozenset({"KFold", "ShuffleSplit", "RepeatedKFold"})
SPLITTERS_EXEMPT = frozenset(
    {
        "GroupKFold",
        "GroupShuffleSplit",
        "LeaveOneGroupOut",
        "LeavePGroupsOut",
        "TimeSeriesSplit",
        "PredefinedSplit",
        "LeaveOneOut",
        "LeavePOut",
    }
)
_SEARCHES = frozenset({"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV"})
# Usually fitted on the labels, which never count as a leak (only what reaches the features does), but
# they are transformers like any other when their output becomes a feature.
_LABEL_TRANSFORMERS = frozenset({"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"})
# Learn nothing from the rows they are fitted on (at most the number of columns).
_STATELESS = frozenset(
    {
        "FunctionTransformer",
        "Normalizer",
        "Binarizer",
        "PolynomialFeatures",
        "GaussianRandomProjection",
        "SparseRandomProjection",
        "FeatureHasher",
        "HashingVectorizer",
    }
)
_SELECTORS = frozenset(
    {"RFE", "RFECV", "VarianceThreshold", "SequentialFeatureSelector", "GenericUnivariateSelect"}
)
_TRANSFORMER_SUFFIXES = (
    "Scaler",
    "Imputer",
    "Encoder",
    "Transformer",
    "Discretizer",
    "Vectorizer",
    "Embedding",
)
_TRANSFORMERS = frozenset(
    {
        "PCA",
        "IncrementalPCA",
        "KernelPCA",
        "SparsePCA",
        "TruncatedSVD",
        "NMF",
        "FastICA",
        "FactorAnalysis",
        "LatentDirichletAllocation",
        "Isomap",
        "TSNE",
        "Nystroem",
        "SplineTransformer",
        "MissingIndicator",
        "FeatureUnion",
        "ColumnTransformer",
        "DictVectorizer",
        "TfidfTransformer",
        "KBinsDiscretizer",
        "QuantileTransformer",
        "PowerTransformer",
        "UMAP",
    }
)
# Wrappers that cross-validate inside their own fit, as the author intended (no evaluation of theirs).
_SELF_VALIDATING = frozenset(
    {"TunedThresholdClassifierCV", "CalibratedClassifierCV", "FixedThresholdClassifier"}
)
# Fairness mitigators: fairlearn's post-processor and reductions (fairlearn's GridSearch, not scikit-
# learn's GridSearchCV). Scored on their own fit rows they meet their constraint by construction, so
# what the general leak rule lets pass as a training score is a mistake for them. The manifest of a
# scenario that grades mitigation may add more (a calibrator on a prefit model).
MITIGATORS = frozenset({"ThresholdOptimizer", "ExponentiatedGradient", "GridSearch"})
# Estimators that compare features by distance, by gradient steps or through a penalty on coefficients:
# a column's unit changes what they learn. LogisticRegression is left out (its default penalty is mild
# and it is everywhere); a scenario's manifest may name its own list.
SCALE_SENSITIVE = frozenset(
    {
        *("Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV", "LassoLars", "LassoLarsCV"),
        *("SGDRegressor", "SGDClassifier", "MLPRegressor", "MLPClassifier", "KernelRidge", "HuberRegressor"),
        *("SVR", "LinearSVR", "NuSVR", "SVC", "LinearSVC", "NuSVC", "RidgeClassifier", "RidgeClassifierCV"),
        *("KNeighborsRegressor", "KNeighborsClassifier", "RadiusNeighborsRegressor"),
        "RadiusNeighborsClassifier",
    }
)
SCALERS = frozenset(
    {
        *("StandardScaler", "RobustScaler", "MinMaxScaler", "MaxAbsScaler", "PowerTransformer"),
        *("QuantileTransformer", "Normalizer", "SplineTransformer", "KBinsDiscretizer", "OneHotEncoder"),
    }
)
_CLASSIFIER_NAMES = frozenset(
    {
        "LogisticRegression",
        "LogisticRegressionCV",
        "LinearDiscriminantAnalysis",
        "QuadraticDiscriminantAnalysis",
        "NearestCentroid",
        "Perceptron",
        "TunedThresholdClassifierCV",
        "CalibratedClassifierCV",
        "FixedThresholdClassifier",
    }
)


def is_metric(qualname: str) -> bool:
    if not qualname.startswith(("sklearn.", "imblearn.")) or ".metrics" not in qualname:
        return False
    return is_metric_name(qualname.rsplit(".", 1)[-1])


@dataclass(frozen=True)
class ClassInfo:
    """What constructing ``qualname`` gives."""

    kind: str  # estimator, splitter, other
    role: str = "model"  # transformer, selector, sampler, model, pipeline, search, unknown
    known: bool = True
    classifier: bool | None = None
    stateless: bool = False
    self_validating: bool = False
    stratified: bool = False
    exempt: bool = False


def _is_classifier(name: str) -> bool:
    return name.endswith(("Classifier", "SVC", "NB")) or name in _CLASSIFIER_NAMES


def classify(qualname: str) -> ClassInfo:
    """The role of a class from a known ML library, or ``ClassInfo("other")`` for anything else."""
    root = qualname.split(".", 1)[0]
    name = qualname.rsplit(".", 1)[-1]
    if root not in _ML_ROOTS or not name[:1].isupper():
        return ClassInfo("other")
    if name in SPLITTERS_STRATIFIED or name in SPLITTERS_PLAIN or name in SPLITTERS_EXEMPT:
        return ClassInfo("splitter", stratified=name in SPLITTERS_STRATIFIED, exempt=name in SPLITTERS_EXEMPT)
    if root in ("category_encoders", "feature_engine"):
        return ClassInfo("estimator", role="transformer")
    if root in ("xgboost", "lightgbm", "catboost"):
        if name.endswith(("Classifier", "Regressor", "Ranker")):
            return ClassInfo("estimator", role="model", classifier=name.endswith("Classifier"))
        return ClassInfo("other")
    if root == "imblearn":
        module = qualname.split(".")[1] if qualname.count(".") >= 2 else ""
        if name == "Pipeline":
            return ClassInfo("estimator", role="pipeline")
        if module in ("over_sampling", "under_sampling", "combine") or name.endswith(("SMOTE", "Sampler")):
            return ClassInfo("estimator", role="sampler")
        if name.endswith("Classifier"):
            return ClassInfo("estimator", role="model", classifier=True)
        return ClassInfo("other")
    if name in _SEARCHES:
        return ClassInfo("estimator", role="search")
    if name == "Pipeline":
        return ClassInfo("estimator", role="pipeline")
    if name in _LABEL_TRANSFORMERS:
        return ClassInfo("estimator", role="transformer")
    if name in _STATELESS:
        return ClassInfo("estimator", role="transformer", stateless=True)
    if name.startswith("Select") or name in _SELECTORS:
        return ClassInfo("estimator", role="selector")
    if name.endswith(_TRANSFORMER_SUFFIXES) or name in _TRANSFORMERS:
        return ClassInfo("estimator", role="transformer")
    if name in ("Bunch", "Parallel") or name.endswith(("Display", "Warning", "Error")):
        return ClassInfo("other")
    return ClassInfo(
        "estimator",
        role="model",
        classifier=True if _is_classifier(name) else (False if "Regress" in name else None),
        self_validating=name in _SELF_VALIDATING,
    )
