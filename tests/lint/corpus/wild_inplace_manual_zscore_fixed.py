# expect: none
import pandas as pd
from sklearn.linear_model import ElasticNet
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

energy = pd.read_csv("energy.csv")
cols = ["X1", "X2", "X3", "X4", "X5"]
X_train, X_test, y_train, y_test = train_test_split(energy[cols], energy["Y1"], test_size=0.2, random_state=0)
mu, sd = X_train.mean(), X_train.std()
X_train = (X_train - mu) / sd
X_test = (X_test - mu) / sd
net = ElasticNet(alpha=0.01).fit(X_train, y_train)
print(r2_score(y_test, net.predict(X_test)))
