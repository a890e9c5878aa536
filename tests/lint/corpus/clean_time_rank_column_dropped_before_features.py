# expect: none
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

df = pd.read_csv("snapshots.csv")
# a dense rank of the month orders the snapshots; it is only ever read by the masks below
df["month_index"] = df["snapshot_month"].rank(method="dense").astype(int) - 1
X = df.drop(columns=["churned", "month_index", "snapshot_month"])
y = df["churned"]
last = df["month_index"].max()
past = df["month_index"] < last
now = df["month_index"] == last
model = LogisticRegression().fit(X[past], y[past])
print(average_precision_score(y[now], model.predict_proba(X[now])[:, 1]))
