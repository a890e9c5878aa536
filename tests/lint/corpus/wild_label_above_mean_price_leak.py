# expect: full_frame_statistic:error@8
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

homes = pd.read_csv("homes.csv")
y = homes.price > homes.price.mean()  # <- leak
X = homes.drop(columns=["price"])
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
rf = RandomForestClassifier().fit(X_train, y_train)
print("expensive-or-not accuracy", accuracy_score(y_test, rf.predict(X_test)))
