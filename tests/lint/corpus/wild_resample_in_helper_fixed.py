# expect: none
import pandas as pd
from imblearn.combine import SMOTETomek
from sklearn.ensemble import AdaBoostClassifier
from sklearn.metrics import precision_score
from sklearn.model_selection import train_test_split


def balance(features, labels):
    sampler = SMOTETomek(random_state=0)
    return sampler.fit_resample(features, labels)


df = pd.read_csv("defects.csv")
X, y = df.drop(columns="defective"), df["defective"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
X_train, y_train = balance(X_train, y_train)
ada = AdaBoostClassifier().fit(X_train, y_train)
print(precision_score(y_test, ada.predict(X_test)))
