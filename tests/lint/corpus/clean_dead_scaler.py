# expect: none
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("transactions.csv")
X, y = df.drop(columns=["label"]), df["label"]

# fitted on every row, but its output is never used: only its printout is looked at
scaler = StandardScaler().fit(X)
print(scaler.mean_)
X_all_scaled = scaler.transform(X)
X = df.drop(columns=["label"])  # rebinding the raw columns; the scaled copy above is dead

X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))
