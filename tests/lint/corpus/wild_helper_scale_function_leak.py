# expect: preprocessing_leak:error@11
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def scale_features(frame, columns):
    scaler = StandardScaler()
    frame[columns] = scaler.fit_transform(frame[columns])  # <- leak
    return frame


df = pd.read_csv("heart.csv")
numeric = ["age", "trestbps", "chol", "thalach", "oldpeak"]
df = scale_features(df, numeric)
X = df.drop("target", axis=1)
y = df["target"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
clf = LogisticRegression(max_iter=1000)
clf.fit(X_train, y_train)
print(classification_report(y_test, clf.predict(X_test)))
