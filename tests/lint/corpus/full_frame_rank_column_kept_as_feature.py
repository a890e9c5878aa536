# expect: full_frame_statistic:error@8
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("snapshots.csv")
df["spend_rank"] = df["monthly_spend"].rank(pct=True)  # every row's rank among all rows, test rows included
df["month_index"] = df["snapshot_month"].rank(method="dense")
X = df[["spend_rank", "tenure_months"]]
y = df["churned"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
model = LogisticRegression().fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))
