# expect: none
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

ratings = pd.read_csv("apps.csv")
ratings["tier"] = pd.cut(ratings["installs"], bins=[0, 1e4, 1e6, float("inf")], labels=["low", "mid", "high"])
X = ratings[["size", "reviews", "price", "rating"]]
X_train, X_test, y_train, y_test = train_test_split(X, ratings["tier"], test_size=0.2, random_state=0)
hgb = HistGradientBoostingClassifier().fit(X_train, y_train)
print(classification_report(y_test, hgb.predict(X_test)))
