# expect: none
import pandas as pd
from autogluon.tabular import TabularPredictor
from sklearn.model_selection import train_test_split

df = pd.read_csv("adult.csv")
train_data, test_data = train_test_split(df, test_size=0.2, random_state=0)
predictor = TabularPredictor(label="income").fit(train_data, time_limit=120)
predictions = predictor.predict(test_data.drop(columns=["income"]))
print((predictions == test_data["income"]).mean())
