# expect: none
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier


class Standardiser:
    def fit(self, X):
        self.mu = X.mean()
        self.sigma = X.std()
        return self

    def transform(self, X):
        return (X - self.mu) / self.sigma


df = pd.read_csv("wine.csv")
X, y = df.drop(columns=["quality"]), df["quality"] >= 7
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
std = Standardiser().fit(X_train)
X_train, X_test = std.transform(X_train), std.transform(X_test)
knn = KNeighborsClassifier(n_neighbors=7).fit(X_train, y_train)
print("f1:", f1_score(y_test, knn.predict(X_test)))
