# expect: none
import pandas as pd
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split


class Experiment:
    def __init__(self, k):
        self.selector = SelectKBest(f_classif, k=k)
        self.model = LogisticRegression(max_iter=500)

    def train(self, X, y):
        self.model.fit(self.selector.fit_transform(X, y), y)

    def auc(self, X, y):
        return roc_auc_score(y, self.model.predict_proba(self.selector.transform(X))[:, 1])


genes = pd.read_csv("expression.csv")
X, y = genes.drop(columns="tumour"), genes["tumour"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
exp = Experiment(k=50)
exp.train(X_train, y_train)
print(exp.auc(X_test, y_test))
