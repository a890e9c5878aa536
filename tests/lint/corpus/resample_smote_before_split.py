# expect: resampling_overlap:error@12
import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

df = pd.read_csv("claims.csv")
X = df.drop(columns=["fraud"])
y = df["fraud"]

X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)  # balanced before the test part is set aside
X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, test_size=0.2, stratify=y_res)
forest = RandomForestClassifier(random_state=0).fit(X_train, y_train)
print(classification_report(y_test, forest.predict(X_test)))
