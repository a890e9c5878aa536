# expect: none
import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

fraud = pd.read_csv("creditcard.csv")
X, y = fraud.drop("Class", axis=1), fraud["Class"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
X_res, y_res = SMOTE(random_state=2).fit_resample(X_train, y_train)
rf = RandomForestClassifier(n_estimators=200).fit(X_res, y_res)
print("recall", recall_score(y_test, rf.predict(X_test)))
