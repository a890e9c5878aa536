# expect: none
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("transactions.csv")
X, y = df.drop(columns=["label"]), df["label"]
X_dev, X_test, y_dev, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
X_fit, X_val, y_fit, y_val = train_test_split(X_dev, y_dev, test_size=0.25, stratify=y_dev, random_state=0)

model = LogisticRegression(max_iter=1000).fit(X_fit, y_fit)
val_proba = model.predict_proba(X_val)[:, 1]
grid = np.linspace(0.05, 0.95, 19)
val_f1 = [f1_score(y_val, val_proba >= t) for t in grid]  # thresholds compared on validation rows
threshold = grid[int(np.argmax(val_f1))]

test_proba = model.predict_proba(X_test)[:, 1]
print(average_precision_score(y_test, test_proba), f1_score(y_test, test_proba >= threshold))
