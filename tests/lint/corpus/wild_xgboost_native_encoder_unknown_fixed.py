# expect: none
import pandas as pd
import xgboost as xgb
from dirty_cat import TableVectorizer
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

rides = pd.read_csv("rides.csv")
target = rides.pop("fare")
X_train, X_valid, y_train, y_valid = train_test_split(rides, target, test_size=0.15, random_state=5)
vectorizer = TableVectorizer()
X_train = vectorizer.fit_transform(X_train)
X_valid = vectorizer.transform(X_valid)
reg = xgb.XGBRegressor(n_estimators=500, learning_rate=0.05)
reg.fit(X_train, y_train)
print(mean_squared_error(y_valid, reg.predict(X_valid)))
