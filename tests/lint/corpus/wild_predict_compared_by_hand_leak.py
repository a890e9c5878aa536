# expect: preprocessing_leak:error@12
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler

iris = pd.read_csv("iris.csv")
X = iris.iloc[:, :4].values
y = iris["species"].values
sc = StandardScaler()
X = sc.fit_transform(X)  # <- leak
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
nb = GaussianNB()
nb.fit(X_train, y_train)
y_pred = nb.predict(X_test)
print("correct:", np.sum(y_pred == y_test), "of", len(y_test))
