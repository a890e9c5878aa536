# expect: none
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import average_precision_score, precision_recall_curve
from sklearn.model_selection import StratifiedKFold

data = np.load("events.npz")
X, y = data["X"], data["y"]

skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
oof = np.zeros(len(y))
fold_scores = []
for train_idx, valid_idx in skf.split(X, y):
    model = RandomForestClassifier(class_weight="balanced", random_state=0)
    model.fit(X[train_idx], y[train_idx])
    proba = model.predict_proba(X[valid_idx])[:, 1]
    oof[valid_idx] = proba
    fold_scores.append(average_precision_score(y[valid_idx], proba))

# the threshold comes from out-of-fold scores: every row scored by a model that never saw it
precision, recall, thresholds = precision_recall_curve(y, oof)
threshold = thresholds[np.argmax(precision[:-1] >= 0.5)]
print(np.mean(fold_scores), threshold)
