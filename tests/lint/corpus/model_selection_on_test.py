# expect: model_selection:error@22
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("transactions.csv")
X = df.drop(columns=["label"])
y = df["label"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

models = {
    "logistic": LogisticRegression(max_iter=1000),
    "forest": RandomForestClassifier(n_estimators=300),
    "boosting": HistGradientBoostingClassifier(),
}
results = {}
for name, model in models.items():
    model.fit(X_train, y_train)
    # every candidate scored on the test rows ...
    results[name] = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])

best = max(results, key=results.get)  # ... and the best one reported
print(f"best model: {best}, test AP {results[best]:.3f}")
