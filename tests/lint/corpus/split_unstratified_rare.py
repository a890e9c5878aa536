# expect: split_choice:error@11
import pandas as pd
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from xgboost import XGBClassifier

df = pd.read_csv("payments.csv")
X = df.drop(columns=["chargeback"])
y = df["chargeback"]

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=7)  # no stratify=
model = XGBClassifier(n_estimators=300, scale_pos_weight=120)  # about 1 chargeback in 120 payments
model.fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))
