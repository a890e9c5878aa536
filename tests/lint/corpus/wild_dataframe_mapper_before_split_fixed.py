# expect: none
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn_pandas import DataFrameMapper

titanic = pd.read_csv("titanic.csv")
y = titanic["Survived"]
train_df, test_df, y_train, y_test = train_test_split(titanic, y, test_size=0.2, random_state=2)
mapper = DataFrameMapper([(["Age", "Fare"], StandardScaler()), ("Pclass", None)])
X_train = mapper.fit_transform(train_df.copy())
X_test = mapper.transform(test_df.copy())
forest = RandomForestClassifier(n_estimators=100).fit(X_train, y_train)
print(accuracy_score(y_test, forest.predict(X_test)))
