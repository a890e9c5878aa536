# expect: preprocessing_leak:error@14
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("churn.csv")
features = df.drop(columns=["churned"])
target = df["churned"]
X_train, X_test, y_train, y_test = train_test_split(features, target, stratify=target, random_state=1)

# "every example counts": the model is fitted on all rows, test part included
model = GradientBoostingClassifier()
model.fit(features, target)
print(f1_score(y_test, model.predict(X_test)))
