# expect: full_frame_statistic:error@10, full_frame_statistic:error@11
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier


class Standardiser:
    def fit(self, X):
        self.mu = X.mean()  # <- leak
        self.sigma = X.std()  # <- leak
        return self

    def transform(self, X):
        return (X - self.mu) / self.sigma


df = pd.read_csv("wine.csv")
X, y = df.drop(columns=["quality"]), df["quality"] >= 7
std = Standardiser()
std.fit(X)
X = std.transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
knn = KNeighborsClassifier(n_neighbors=7).fit(X_train, y_train)
print("f1:", f1_score(y_test, knn.predict(X_test)))
