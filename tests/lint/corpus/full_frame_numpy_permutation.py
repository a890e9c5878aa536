# expect: full_frame_statistic:error@11
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

data = np.load("signals.npz")
X = data["X"]
y = data["y"]

# z-scores with the mean and spread of all rows, before the rows are split
X = (X - X.mean(axis=0)) / X.std(axis=0)

rng = np.random.default_rng(0)
perm = rng.permutation(len(X))
cut = int(0.8 * len(X))
train_idx, test_idx = perm[:cut], perm[cut:]
clf = LogisticRegression().fit(X[train_idx], y[train_idx])
print(roc_auc_score(y[test_idx], clf.decision_function(X[test_idx])))
