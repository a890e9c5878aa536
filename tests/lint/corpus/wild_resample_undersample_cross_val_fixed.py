# expect: none
import pandas as pd
from imblearn.pipeline import make_pipeline
from imblearn.under_sampling import NearMiss
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier

d = pd.read_csv("network_intrusions.csv")
X, y = d.drop(columns=["attack"]), d["attack"]
pipe = make_pipeline(NearMiss(version=2), DecisionTreeClassifier())
scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(5), scoring="f1")
print(scores.mean())
