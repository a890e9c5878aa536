# expect: full_frame_statistic:error@10
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split


def clean(data):
    for column in ["income", "debt", "age"]:
        data[column] = data[column].fillna(data[column].mean())  # <- leak
    data.drop(columns=["customer_id"], inplace=True)


loans = pd.read_csv("loans.csv")
clean(loans)
X = loans.drop(columns="default")
y = loans["default"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=7)
gbc = GradientBoostingClassifier().fit(X_train, y_train)
print(roc_auc_score(y_test, gbc.predict_proba(X_test)[:, 1]))
