# expect: none
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("transactions.csv")
X, y = df.drop(columns=["label"]), df["label"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

model = make_pipeline(StandardScaler(), HistGradientBoostingClassifier())
model.fit(X_train, y_train)
test_ap = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
report = {"metric": "average_precision", "estimate": float(test_ap)}

# the estimate is settled: the deployed model learns from every labelled row
final = model
final.fit(X, y)
scaler = StandardScaler().fit(X)  # also fitted on every row, after the evaluation
