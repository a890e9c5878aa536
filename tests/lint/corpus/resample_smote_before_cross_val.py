# expect: resampling_overlap:error@13
import numpy as np
from imblearn.over_sampling import ADASYN
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate

arrays = np.load("events.npz")
X, y = arrays["X"], arrays["y"]

# oversampled once, then cross-validated: synthetic neighbours of each validation fold's
# positives sit in the training folds
sampler = ADASYN(random_state=0)
X_bal, y_bal = sampler.fit_resample(X, y)
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
results = cross_validate(
    LogisticRegression(max_iter=500), X_bal, y_bal, cv=folds, scoring=["recall", "precision"]
)
print(results["test_recall"].mean())
