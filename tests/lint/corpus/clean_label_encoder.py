# expect: none
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder

df = pd.read_csv("species.csv")
encoder = LabelEncoder()
y = encoder.fit_transform(df["species"])  # label codes from every row: harmless, the labels are known
X = df.drop(columns=["species"])
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
forest = RandomForestClassifier(random_state=0).fit(X_train, y_train)
print(f1_score(y_test, forest.predict(X_test), average="macro"))
