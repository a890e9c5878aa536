# expect: none
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler


def normalise(values):
    """returns the fitted scaler too so we can reuse it on the test part"""
    mms = MinMaxScaler()
    out = mms.fit_transform(values)
    return mms, out


housing = pd.read_csv("housing.csv").dropna()
features = housing[["rooms", "area", "age", "distance"]].values
target = np.log1p(housing["price"].values)
Xtr, Xte, ytr, yte = train_test_split(features, target, test_size=0.25, random_state=1)
mms, Xtr = normalise(Xtr)
Xte = mms.transform(Xte)
rf = RandomForestRegressor(n_estimators=300, n_jobs=-1).fit(Xtr, ytr)
print("MAE", mean_absolute_error(yte, rf.predict(Xte)))
