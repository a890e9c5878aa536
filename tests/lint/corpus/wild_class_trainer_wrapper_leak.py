# expect: preprocessing_leak:error@15
import pandas as pd
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split


class Experiment:
    def __init__(self, k):
        self.selector = SelectKBest(f_classif, k=k)
        self.model = LogisticRegression(max_iter=500)

    def select(self, X, y):
        return self.selector.fit_transform(X, y)  # <- leak

    def train(self, X, y):
        self.model.fit(X, y)

    def auc(self, X, y):
        return roc_auc_score(y, self.model.predict_proba(X)[:, 1])


genes = pd.read_csv("expression.csv")
X, y = genes.drop(columns="tumour"), genes["tumour"]
exp = Experiment(k=50)
X_sel = exp.select(X, y)
X_train, X_test, y_train, y_test = train_test_split(X_sel, y, stratify=y, random_state=0)
exp.train(X_train, y_train)
print(exp.auc(X_test, y_test))
