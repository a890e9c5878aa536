# expect: preprocessing_leak:error@9
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("transactions.csv")
X_scaled = StandardScaler().fit_transform(df.drop(columns=["label"]))
y = df["label"]
X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, stratify=y, random_state=0)
model = LogisticRegression().fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))
