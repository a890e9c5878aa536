# expect: resampling_overlap:error@9
import pandas as pd
from imblearn.under_sampling import NearMiss
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier

d = pd.read_csv("network_intrusions.csv")
X, y = d.drop(columns=["attack"]), d["attack"]
X_u, y_u = NearMiss(version=2).fit_resample(X, y)  # <- leak
scores = cross_val_score(DecisionTreeClassifier(), X_u, y_u, cv=StratifiedKFold(5), scoring="f1")
print(scores.mean())
