# expect: none
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from sklearn.model_selection import cross_val_score, train_test_split

df = pd.read_csv("transactions.csv")
print(df.describe().T)
print(df["label"].value_counts(normalize=True))
print(df.groupby("merchant")["label"].mean().sort_values())
df.corr(numeric_only=True)["label"].plot.bar()
plt.show()
amount_cap = df["amount"].quantile(0.999)
print((df["amount"] > amount_cap).sum(), "extreme amounts")

X, y = df.drop(columns=["label"]), df["label"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
print(cross_val_score(HistGradientBoostingClassifier(), X_train, y_train, cv=5, scoring="average_precision"))
model = HistGradientBoostingClassifier().fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))
