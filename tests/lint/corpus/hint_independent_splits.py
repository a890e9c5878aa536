# expect: preprocessing_leak:hint@12
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("transactions.csv")
X, y = df.drop(columns=["label"]), df["label"]

scale_part, _ = train_test_split(X, test_size=0.5, random_state=1)
scaler = StandardScaler().fit(scale_part)  # fitted on one random half ...
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=2)
model = LogisticRegression(max_iter=1000).fit(scaler.transform(X_train), y_train)
# ... and the test part of another random split almost surely shares rows with it
print(average_precision_score(y_test, model.predict_proba(scaler.transform(X_test))[:, 1]))
