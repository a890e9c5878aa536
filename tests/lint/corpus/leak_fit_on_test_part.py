# expect: preprocessing_leak:error@16
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("transactions.csv")
X = df.drop(columns=["label"])
y = df["label"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

scaler = StandardScaler()
X_train_s = scaler.fit_transform(X_train)  # right: fitted on the training part
# wrong: refitted on the test part, so the test rows are scaled by their own statistics
X_test_s = scaler.fit_transform(X_test)

model = LogisticRegression().fit(X_train_s, y_train)
print(roc_auc_score(y_test, model.predict_proba(X_test_s)[:, 1]))
