# expect: none
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("titanic/train.csv")
df.drop(["Name", "Ticket", "Cabin"], axis=1, inplace=True)
df = pd.get_dummies(df, columns=["Sex", "Embarked"], drop_first=True)
X = df.drop("Survived", axis=1)
y = df["Survived"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=101)
train_means = X_train.mean(numeric_only=True)
X_train.fillna(train_means, inplace=True)
X_test.fillna(train_means, inplace=True)
logmodel = LogisticRegression(max_iter=1000)
logmodel.fit(X_train, y_train)
print(accuracy_score(y_test, logmodel.predict(X_test)))
