# expect: preprocessing_leak:error@11
import pandas as pd
import umap
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

cells = pd.read_csv("single_cell.csv")
y = cells.pop("cell_type")
reducer = umap.UMAP(n_neighbors=15, n_components=10, random_state=42)
embedding = reducer.fit_transform(cells)  # <- leak
X_train, X_test, y_train, y_test = train_test_split(embedding, y, test_size=0.25, stratify=y)
clf = LogisticRegression(max_iter=2000).fit(X_train, y_train)
print(f1_score(y_test, clf.predict(X_test), average="weighted"))
