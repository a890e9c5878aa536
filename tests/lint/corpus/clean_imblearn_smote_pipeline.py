# expect: none
import pandas as pd
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("claims.csv")
X, y = df.drop(columns=["fraud"]), df["fraud"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

# SMOTE inside the pipeline: it only ever resamples the rows a fold trains on
pipe = Pipeline(
    [("scale", StandardScaler()), ("smote", SMOTE(random_state=0)), ("forest", RandomForestClassifier())]
)
cv_ap = cross_val_score(
    pipe, X_train, y_train, cv=StratifiedKFold(5, shuffle=True, random_state=0), scoring="average_precision"
)
pipe.fit(X_train, y_train)
test_ap = average_precision_score(y_test, pipe.predict_proba(X_test)[:, 1])
print(cv_ap.mean(), test_ap)
