# expect: none
import pandas as pd
from imblearn.over_sampling import ADASYN
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

churn = pd.read_csv("churn.csv")
X = churn.drop(columns=["Exited", "RowNumber"])
y = churn["Exited"]
x_tr, x_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y)
ada = ADASYN(random_state=42)
x_bal, y_bal = ada.fit_sample(x_tr, y_tr)
svm = SVC().fit(x_bal, y_bal)
print(f1_score(y_te, svm.predict(x_te)))
