# expect: none
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold, cross_val_score, train_test_split

houses = pd.read_csv("houses.csv")
X, y = houses.drop(columns=["price"]), houses["price"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)  # a regression
cv_rmse = cross_val_score(
    RandomForestRegressor(),
    X_train,
    y_train,
    cv=KFold(5, shuffle=True, random_state=0),
    scoring="neg_root_mean_squared_error",
)
model = RandomForestRegressor().fit(X_train, y_train)
print(cv_rmse.mean(), mean_squared_error(y_test, model.predict(X_test)) ** 0.5)
