# expect: preprocessing_leak:hint@20, preprocessing_leak:error@29
import sys

import pandas as pd
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

REFIT_ON_ALL = False  # a literal flag: heldout knows which branch runs


def load():
    df = pd.read_csv("transactions.csv")
    X, y = df.drop(columns=["label"]), df["label"]
    if len(sys.argv) > 1:
        # runs only when the script gets an argument, which the code cannot tell: a hint, not an error
        print("projecting")
        X = PCA(n_components=3).fit_transform(X)
    return X, y


def main():
    X, y = load()
    if REFIT_ON_ALL:
        MinMaxScaler().fit(X)  # never runs
    else:
        X = MinMaxScaler().fit_transform(X)  # runs for certain: before the split, an error
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))


if __name__ == "__main__":
    main()
