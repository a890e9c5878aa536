# expect: full_frame_statistic:error@8
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

students = pd.read_csv("students.csv")
students["high_scorer"] = (students["G3"] > students["G3"].median()).astype(int)  # <- leak
features = students[["studytime", "failures", "absences", "age"]]
X_train, X_test, y_train, y_test = train_test_split(features, students["high_scorer"], random_state=3)
model = LogisticRegression().fit(X_train, y_train)
print(f1_score(y_test, model.predict(X_test)))
