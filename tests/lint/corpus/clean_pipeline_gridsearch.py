# expect: none
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

df = pd.read_csv("transactions.csv")
X, y = df.drop(columns=["label"]), df["label"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

preprocess = ColumnTransformer(
    [
        (
            "numbers",
            Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
            ["amount", "age"],
        ),
        ("categories", OneHotEncoder(handle_unknown="ignore"), ["merchant", "channel"]),
    ]
)
pipeline = Pipeline(
    [("prep", preprocess), ("model", LogisticRegression(class_weight="balanced", max_iter=1000))]
)
search = GridSearchCV(
    pipeline,
    {"model__C": [0.01, 0.1, 1.0, 10.0]},
    scoring="average_precision",
    cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=0),
)
search.fit(X_train, y_train)
print(search.best_params_, search.best_score_)
print("test AP", average_precision_score(y_test, search.predict_proba(X_test)[:, 1]))
