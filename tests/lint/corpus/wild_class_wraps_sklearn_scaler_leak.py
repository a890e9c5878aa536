# expect: preprocessing_leak:error@14
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC


class FeatureReducer:
    def __init__(self, n_components=10):
        self.pca = PCA(n_components=n_components)

    def fit_transform(self, X):
        return self.pca.fit_transform(X)  # <- leak

    def transform(self, X):
        return self.pca.transform(X)


digits = pd.read_csv("digits.csv")
X = digits.drop(columns="label").values / 255.0
y = digits["label"].values
reducer = FeatureReducer(n_components=30)
X_reduced = reducer.fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X_reduced, y, test_size=0.2, random_state=3)
svc = SVC(kernel="rbf", C=5).fit(X_train, y_train)
print(accuracy_score(y_test, svc.predict(X_test)))
