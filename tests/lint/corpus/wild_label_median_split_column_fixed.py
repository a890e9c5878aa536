# expect: none
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

students = pd.read_csv("students.csv")
features = students[["studytime", "failures", "absences", "age"]]
X_train, X_test, g3_train, g3_test = train_test_split(features, students["G3"], random_state=3)
cut = g3_train.median()
y_train, y_test = (g3_train > cut).astype(int), (g3_test > cut).astype(int)
model = LogisticRegression().fit(X_train, y_train)
print(f1_score(y_test, model.predict(X_test)))
