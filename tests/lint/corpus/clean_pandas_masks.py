# expect: none
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

df = pd.read_csv("transactions.csv", parse_dates=["timestamp"])

# a time-based split with boolean masks
cutoff = df["timestamp"].max() - pd.Timedelta(days=30)
train = df[df["timestamp"] < cutoff].copy()
test = df[df["timestamp"] >= cutoff].copy()

# a random 80/20 split of the training part with sample and drop, for validation
fit_part = train.sample(frac=0.8, random_state=0)
holdout = train.drop(fit_part.index)

# statistics from the fitting part only, applied to every part
median_amount = fit_part["amount"].median()
mean, spread = fit_part["amount"].mean(), fit_part["amount"].std()
rate_by_merchant = fit_part.groupby("merchant")["is_fraud"].mean()
prior = fit_part["is_fraud"].mean()
for frame in (fit_part, holdout, test):
    frame["amount_z"] = (frame["amount"].fillna(median_amount) - mean) / spread
fit_part["amount_z"] = (fit_part["amount"].fillna(median_amount) - mean) / spread
holdout["amount_z"] = (holdout["amount"].fillna(median_amount) - mean) / spread
test["amount_z"] = (test["amount"].fillna(median_amount) - mean) / spread
fit_part["merchant_rate"] = fit_part["merchant"].map(rate_by_merchant).fillna(prior)
holdout["merchant_rate"] = holdout["merchant"].map(rate_by_merchant).fillna(prior)
test["merchant_rate"] = test["merchant"].map(rate_by_merchant).fillna(prior)

FEATURES = ["amount_z", "merchant_rate"]
model = LogisticRegression().fit(fit_part[FEATURES], fit_part["is_fraud"])
print(average_precision_score(holdout["is_fraud"], model.predict_proba(holdout[FEATURES])[:, 1]))
print(average_precision_score(test["is_fraud"], model.predict_proba(test[FEATURES])[:, 1]))

# and a NumPy permutation split, centred with the first part's mean only
values = df[["amount"]].fillna(0).to_numpy()
order = np.random.permutation(len(values))
first, second = order[: len(order) // 2], order[len(order) // 2 :]
centre = values[first].mean(axis=0)
labels = df["is_fraud"].to_numpy()
other = LogisticRegression().fit(values[first] - centre, labels[first])
print(average_precision_score(labels[second], other.predict_proba(values[second] - centre)[:, 1]))
