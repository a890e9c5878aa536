# expect: none
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier


def load_data(path):
    raw = pd.read_csv(path)
    y = raw.pop("churn")
    X_train, X_test, y_train, y_test = train_test_split(raw, y, test_size=0.2, stratify=y, random_state=0)
    imputer = SimpleImputer(strategy="median").fit(X_train)
    return imputer.transform(X_train), imputer.transform(X_test), y_train, y_test


def evaluate(model, X_test, y_test):
    pred = model.predict(X_test)
    return precision_score(y_test, pred), recall_score(y_test, pred)


X_train, X_test, y_train, y_test = load_data("telco.csv")
tree = DecisionTreeClassifier(max_depth=5).fit(X_train, y_train)
print(evaluate(tree, X_test, y_test))
