# expect: future_looking_feature:error@12
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("transactions.csv").sort_values(["customer_id", "timestamp"])
df["amount_vs_last"] = df["amount"] / df.groupby("customer_id")["amount"].shift(1)  # the past: fine
df["customer_avg_7"] = df.groupby("customer_id")["amount"].rolling(7, min_periods=1).mean().to_numpy()

# the customer's *next* amount: unknown when the transaction has to be scored
df["next_amount"] = df.groupby("customer_id")["amount"].shift(-1)

X = df.drop(columns=["is_fraud", "customer_id", "timestamp"])
y = df["is_fraud"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = HistGradientBoostingClassifier().fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))
