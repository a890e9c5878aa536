# expect: resampling_overlap:error@12, split_choice:hint@13
import pandas as pd
from imblearn.over_sampling import ADASYN
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

churn = pd.read_csv("churn.csv")
X = churn.drop(columns=["Exited", "RowNumber"])
y = churn["Exited"]
ada = ADASYN(random_state=42)
X_bal, y_bal = ada.fit_sample(X, y)  # <- leak
x_tr, x_te, y_tr, y_te = train_test_split(X_bal, y_bal, test_size=0.25)
svm = SVC().fit(x_tr, y_tr)
print(f1_score(y_te, svm.predict(x_te)))
