# expect: none
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split

df = pd.read_csv("concrete.csv")
X = df.drop(columns="strength")
y = df["strength"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=4)
pca = PCA(n_components=5).fit(X_train)
lr = LinearRegression().fit(pca.transform(X_train), y_train)
plt.scatter(y_test, lr.predict(pca.transform(X_test)), alpha=0.5)
plt.xlabel("actual")
plt.ylabel("predicted")
plt.show()
