# expect: none
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import KNNImputer
from sklearn.model_selection import train_test_split

patients = pd.read_csv("stroke.csv")
y = patients["stroke"]
X = patients.drop(columns=["stroke", "id"])
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=8)
imputer = KNNImputer(n_neighbors=5).fit(X_train)
X_train = pd.DataFrame(imputer.transform(X_train), columns=X.columns)
X_test = pd.DataFrame(imputer.transform(X_test), columns=X.columns)
rf = RandomForestClassifier(class_weight="balanced", random_state=8).fit(X_train, y_train)
results = X_test.copy()
results["actual"] = y_test
results["predicted"] = rf.predict(X_test)
results.to_csv("predictions.csv")
