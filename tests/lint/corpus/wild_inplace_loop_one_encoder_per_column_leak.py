# expect: preprocessing_leak:error@13
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OrdinalEncoder

cars = pd.read_csv("car_evaluation.csv")
categorical = ["buying", "maint", "doors", "persons", "lug_boot", "safety"]
encoders = {}
for col in categorical:
    enc = OrdinalEncoder()
    cars[col] = enc.fit_transform(cars[[col]])  # <- leak
    encoders[col] = enc
X_train, X_test, y_train, y_test = train_test_split(
    cars[categorical], cars["class"], test_size=0.33, random_state=42
)
gb = GradientBoostingClassifier().fit(X_train, y_train)
print(f1_score(y_test, gb.predict(X_test), average="micro"))
