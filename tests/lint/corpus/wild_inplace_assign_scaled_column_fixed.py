# expect: none
import pandas as pd
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import QuantileTransformer

claims = pd.read_csv("claims.csv")
X = claims[["density", "driver_age", "vehicle_age"]]
X_train, X_test, y_train, y_test = train_test_split(X, claims["n_claims"], test_size=0.2, random_state=0)
qt = QuantileTransformer(n_quantiles=200).fit(X_train[["density"]])
X_train = X_train.assign(density=qt.transform(X_train[["density"]]).ravel())
X_test = X_test.assign(density=qt.transform(X_test[["density"]]).ravel())
glm = PoissonRegressor(alpha=1e-4).fit(X_train, y_train)
print(mean_poisson_deviance(y_test, glm.predict(X_test)))
