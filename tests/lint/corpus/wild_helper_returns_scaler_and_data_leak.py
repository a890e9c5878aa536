# expect: preprocessing_leak:error@13
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler


def normalise(values):
    """returns the fitted scaler too so we can invert later"""
    mms = MinMaxScaler()
    out = mms.fit_transform(values)  # <- leak
    return mms, out


housing = pd.read_csv("housing.csv").dropna()
features = housing[["rooms", "area", "age", "distance"]].values
target = np.log1p(housing["price"].values)
mms, features = normalise(features)
Xtr, Xte, ytr, yte = train_test_split(features, target, test_size=0.25, random_state=1)
rf = RandomForestRegressor(n_estimators=300, n_jobs=-1).fit(Xtr, ytr)
print("MAE", mean_absolute_error(yte, rf.predict(Xte)))
