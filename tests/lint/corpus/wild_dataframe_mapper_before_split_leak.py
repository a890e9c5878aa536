# expect: preprocessing_leak:error@11
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn_pandas import DataFrameMapper

titanic = pd.read_csv("titanic.csv")
mapper = DataFrameMapper([(["Age", "Fare"], StandardScaler()), ("Pclass", None)])
X = mapper.fit_transform(titanic.copy())  # <- leak
y = titanic["Survived"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=2)
forest = RandomForestClassifier(n_estimators=100).fit(X_train, y_train)
print(accuracy_score(y_test, forest.predict(X_test)))
