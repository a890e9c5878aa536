# expect: none
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

credit = pd.read_csv("credit.csv")
num_cols = ["income", "limit", "balance", "age"]
X_train, X_test, y_train, y_test = train_test_split(
    credit[num_cols], credit["default"], stratify=credit["default"]
)
imputer = SimpleImputer(strategy="mean").fit(X_train)
X_train.loc[:, num_cols] = imputer.transform(X_train)
X_test.loc[:, num_cols] = imputer.transform(X_test)
clf = LogisticRegression().fit(X_train, y_train)
print(recall_score(y_test, clf.predict(X_test)))
