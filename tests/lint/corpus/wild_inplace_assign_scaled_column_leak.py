# expect: preprocessing_leak:error@10
import pandas as pd
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import QuantileTransformer

claims = pd.read_csv("claims.csv")
qt = QuantileTransformer(n_quantiles=200)
claims = claims.assign(density_q=qt.fit_transform(claims[["density"]]).ravel())  # <- leak
X = claims[["density_q", "driver_age", "vehicle_age"]]
X_train, X_test, y_train, y_test = train_test_split(X, claims["n_claims"], test_size=0.2, random_state=0)
glm = PoissonRegressor(alpha=1e-4).fit(X_train, y_train)
print(mean_poisson_deviance(y_test, glm.predict(X_test)))
