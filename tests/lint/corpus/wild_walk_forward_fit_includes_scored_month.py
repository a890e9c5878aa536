# expect: preprocessing_leak:error@13
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

df = pd.read_csv("snapshots.csv")
X = df.drop(columns=["churned", "snapshot_month"])
y = df["churned"]
months = sorted(df["snapshot_month"].unique())
for month in months[-3:]:
    past = df["snapshot_month"] <= month  # <- the scored month is in the training rows
    now = df["snapshot_month"] == month
    model = LogisticRegression().fit(X[past], y[past])
    print(month, average_precision_score(y[now], model.predict_proba(X[now])[:, 1]))
