# expect: metric_choice:error@14
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("screening.csv")
X, y = df.drop(columns=["positive"]), df["positive"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# one positive for every ~99 negatives, so positives weigh 99 times more
model = LogisticRegression(class_weight={0: 1, 1: 99}, max_iter=1000)
model.fit(X_train, y_train)
test_accuracy = accuracy_score(y_test, model.predict(X_test))

# the one number of the write-up
print(f"test accuracy: {test_accuracy:.4f}")
