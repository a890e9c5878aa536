# expect: none
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split


def clean(data, means):
    for column in ["income", "debt", "age"]:
        data[column] = data[column].fillna(means[column])
    data.drop(columns=["customer_id"], inplace=True)


loans = pd.read_csv("loans.csv")
X = loans.drop(columns="default")
y = loans["default"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=7)
means = X_train[["income", "debt", "age"]].mean()
clean(X_train, means)
clean(X_test, means)
gbc = GradientBoostingClassifier().fit(X_train, y_train)
print(roc_auc_score(y_test, gbc.predict_proba(X_test)[:, 1]))
