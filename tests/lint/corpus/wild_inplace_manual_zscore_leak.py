# expect: full_frame_statistic:error@9
import pandas as pd
from sklearn.linear_model import ElasticNet
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

energy = pd.read_csv("energy.csv")
cols = ["X1", "X2", "X3", "X4", "X5"]
energy[cols] = (energy[cols] - energy[cols].mean()) / energy[cols].std()  # <- leak
X_train, X_test, y_train, y_test = train_test_split(energy[cols], energy["Y1"], test_size=0.2, random_state=0)
net = ElasticNet(alpha=0.01).fit(X_train, y_train)
print(r2_score(y_test, net.predict(X_test)))
