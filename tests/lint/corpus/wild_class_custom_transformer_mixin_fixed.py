# expect: none
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline


class ClipOutliers(BaseEstimator, TransformerMixin):
    def __init__(self, q=0.99):
        self.q = q

    def fit(self, X, y=None):
        self.upper_ = np.quantile(X, self.q, axis=0)
        return self

    def transform(self, X):
        return np.minimum(X, self.upper_)


data = pd.read_csv("bikes.csv")
X = data[["temp", "humidity", "windspeed", "hour"]].to_numpy()
y = data["count"].to_numpy()
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=11)
model = make_pipeline(ClipOutliers(q=0.98), Ridge(alpha=1.0)).fit(X_train, y_train)
print("rmse", mean_squared_error(y_test, model.predict(X_test)) ** 0.5)
