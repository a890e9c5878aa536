# expect: none
# Unscaled KNN and SVR, but no manifest says the units differ: the code alone cannot tell the spreads.
import pandas as pd
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from sklearn.svm import SVR

df = pd.read_csv("plant.csv")
X, y = df.drop(columns=["yield"]), df["yield"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

print(cross_val_score(KNeighborsRegressor(n_neighbors=15), X_train, y_train, cv=5).mean())
# An expansion is no scaling: the squares of a column in pascals dwarf everything else.
search = GridSearchCV(make_pipeline(PolynomialFeatures(2), SVR()), {"svr__C": [0.1, 1, 10]}, cv=5)
search.fit(X_train, y_train)
print(search.score(X_test, y_test))
