# expect: preprocessing_leak:error@11
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, mutual_info_classif
from sklearn.model_selection import cross_val_score

data = pd.read_csv("genes.csv")
X, y = data.drop(columns=["label"]), data["label"]

# the 50 best genes, chosen with the labels of every row, cross-validation included
X_best = SelectKBest(mutual_info_classif, k=50).fit_transform(X, y)
scores = cross_val_score(RandomForestClassifier(random_state=0), X_best, y, cv=5, scoring="roc_auc")
print(scores.mean())
