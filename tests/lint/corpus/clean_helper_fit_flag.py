# expect: none
import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error
from sklearn.preprocessing import StandardScaler

data = pd.read_csv("reactor.csv")
X, y = data.drop(columns="yield").to_numpy(), data["yield"].to_numpy()
order = np.random.default_rng(0).permutation(len(X))
fit_rows, val_rows = order[:800], order[800:]


def scaled(scaler, rows, fit):
    return scaler.fit_transform(X[rows]) if fit else scaler.transform(X[rows])


scaler = StandardScaler()
model = Ridge().fit(scaled(scaler, fit_rows, True), y[fit_rows])
print(mean_absolute_error(y[val_rows], model.predict(scaled(scaler, val_rows, False))))
