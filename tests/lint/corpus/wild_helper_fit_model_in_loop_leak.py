# expect: preprocessing_leak:error@15, multi_test:hint@16
import pandas as pd
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("mushrooms_encoded.csv")
X = df.drop(columns=["class"])
y = df["class"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)


def run(model):
    model.fit(X, y)  # <- leak
    return balanced_accuracy_score(y_test, model.predict(X_test))


results = {}
for name, model in [
    ("lr", LogisticRegression()),
    ("rf", RandomForestClassifier()),
    ("et", ExtraTreesClassifier()),
]:
    results[name] = run(model)
print(results)
