# expect: none
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split

sales = pd.read_csv("daily_sales.csv").sort_values("date")
# tomorrow's sales are what we forecast: a look-ahead is right for the target
sales["target"] = sales["units"].shift(-1)
sales["lag_1"] = sales["units"].shift(1)
sales["mean_7"] = sales["units"].rolling(7).mean()
sales = sales.dropna()

X = sales[["units", "lag_1", "mean_7"]]
y = sales["target"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, shuffle=False)
model = GradientBoostingRegressor().fit(X_train, y_train)
print(mean_absolute_error(y_test, model.predict(X_test)))
