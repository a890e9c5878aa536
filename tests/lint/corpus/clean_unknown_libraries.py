# expect: none
import lightgbm as lgb
import pandas as pd
from mylib import thing
from mylib.features import build_features
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("transactions.csv")
features = build_features(df, window=thing(7))  # a library heldout knows nothing about
X_train, X_test, y_train, y_test = train_test_split(features, df["label"], stratify=df["label"])

dtrain = lgb.Dataset(X_train, label=y_train)
booster = lgb.train({"objective": "binary", "verbose": -1}, dtrain, num_boost_round=200)
print(average_precision_score(y_test, booster.predict(X_test)))
thing.fit(features).report()
