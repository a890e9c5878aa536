# expect: metric_choice:hint@12
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

df = pd.read_csv("screening.csv")
X, y = df.drop(columns=["positive"]), df["positive"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# balanced class weights say the classes are uneven, but not how uneven: a hint, not an error
forest = RandomForestClassifier(class_weight="balanced", random_state=0).fit(X_train, y_train)
print("test accuracy", forest.score(X_test, y_test))
