# expect: none
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

stays = pd.read_csv("stays.csv")
train, test = train_test_split(stays, random_state=0)
train = train.copy()
train["age_band"], EDGES = pd.qcut(train["age"], q=10, labels=False, retbins=True)  # edges from training rows
test = test.assign(age_band=pd.cut(test["age"], EDGES, labels=False, include_lowest=True))
model = LogisticRegression().fit(train[["age_band", "bmi"]], train["readmitted"])
print(roc_auc_score(test["readmitted"], model.predict_proba(test[["age_band", "bmi"]])[:, 1]))
