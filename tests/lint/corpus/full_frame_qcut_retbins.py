# expect: full_frame_statistic:error@8
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

stays = pd.read_csv("stays.csv")
stays["age_band"], EDGES = pd.qcut(stays["age"], q=10, labels=False, retbins=True)  # <- leak: all rows
X = stays[["age_band", "bmi"]]
X_train, X_test, y_train, y_test = train_test_split(X, stays["readmitted"], random_state=0)
model = LogisticRegression().fit(X_train, y_train)
print(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
