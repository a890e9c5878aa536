# expect: preprocessing_leak:error@8
import pandas as pd
from autogluon.tabular import TabularPredictor
from sklearn.model_selection import train_test_split

df = pd.read_csv("adult.csv")
train_data, test_data = train_test_split(df, test_size=0.2, random_state=0)
predictor = TabularPredictor(label="income").fit(df, time_limit=120)  # <- leak
predictions = predictor.predict(test_data.drop(columns=["income"]))
print((predictions == test_data["income"]).mean())
