# expect: preprocessing_leak:error@12
import pandas as pd
from magicml import AutoModel
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("transactions.csv")
X, y = df.drop(columns=["label"]), df["label"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

auto = AutoModel(time_budget=60)
auto.fit(X, y)  # an unknown library's fit on every row, then scored on a part of them: a fit all the same
print(roc_auc_score(y_test, auto.predict(X_test)))
