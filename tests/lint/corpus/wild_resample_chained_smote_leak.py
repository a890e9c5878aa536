# expect: resampling_overlap:error@10, split_choice:hint@11
import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

fraud = pd.read_csv("creditcard.csv")
X, y = fraud.drop("Class", axis=1), fraud["Class"]
X_res, y_res = SMOTE(random_state=2).fit_resample(X, y)  # <- leak
X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, test_size=0.3, random_state=0)
rf = RandomForestClassifier(n_estimators=200).fit(X_train, y_train)
print("recall", recall_score(y_test, rf.predict(X_test)))
