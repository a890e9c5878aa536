# expect: preprocessing_leak:error@12
import pandas as pd
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import QuantileTransformer
from sklearn.svm import SVC

COLUMNS = ["amount", "age", "balance"]


def normalise(frame):
    return QuantileTransformer(n_quantiles=100).fit_transform(frame)


raw = pd.read_csv("accounts.csv")
data = raw[COLUMNS]  # an alias chain: data -> X
X = data
X = normalise(X)  # reassigned: X now holds values normalised with every row's quantiles
labels = raw["defaulted"]
parts = train_test_split(X, labels, test_size=0.3, stratify=labels, random_state=0)
X_train, X_test, y_train, y_test = parts
clf = SVC(probability=True).fit(X_train, y_train)
print(average_precision_score(y_test, clf.predict_proba(X_test)[:, 1]))
