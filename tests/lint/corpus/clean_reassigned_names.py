# expect: none
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("transactions.csv")
X = df.drop(columns=["label"])
X = PCA(n_components=5).fit_transform(X)  # fitted on every row ...
X = df.drop(columns=["label"])  # ... but thrown away: X is the raw columns again
y = df["label"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
pca = PCA(n_components=5).fit(X_train)
model = LogisticRegression().fit(pca.transform(X_train), y_train)
print(average_precision_score(y_test, model.predict_proba(pca.transform(X_test))[:, 1]))
