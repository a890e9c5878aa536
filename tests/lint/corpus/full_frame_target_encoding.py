# expect: full_frame_statistic:error@10
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score

df = pd.read_csv("transactions.csv", parse_dates=["timestamp"])
cutoff = pd.Timestamp("2024-06-01")

# fraud rate per merchant, computed over every month, the test months included
df["merchant_rate"] = df.groupby("merchant")["is_fraud"].transform("mean")

train = df[df["timestamp"] < cutoff]
test = df[df["timestamp"] >= cutoff]
FEATURES = ["amount", "merchant_rate"]
model = HistGradientBoostingClassifier().fit(train[FEATURES], train["is_fraud"])
test_scores = model.predict_proba(test[FEATURES])[:, 1]
print(average_precision_score(test["is_fraud"], test_scores))
