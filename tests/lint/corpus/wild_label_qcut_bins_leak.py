# expect: full_frame_statistic:error@8
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

ratings = pd.read_csv("apps.csv")
ratings["tier"] = pd.qcut(ratings["installs"], q=3, labels=["low", "mid", "high"])  # <- leak
X = ratings[["size", "reviews", "price", "rating"]]
X_train, X_test, y_train, y_test = train_test_split(X, ratings["tier"], test_size=0.2, random_state=0)
hgb = HistGradientBoostingClassifier().fit(X_train, y_train)
print(classification_report(y_test, hgb.predict(X_test)))
