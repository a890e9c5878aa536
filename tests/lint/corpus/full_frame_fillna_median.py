# expect: full_frame_statistic:error@12
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

FEATURES = ["amount", "age", "balance"]
df = pd.read_csv("loans.csv")
print(df.describe())  # exploring is fine: nothing computed here reaches the model

# the gaps are filled with the median of every row, test rows included
df["balance"] = df["balance"].fillna(df["balance"].median())

train, test = train_test_split(df, test_size=0.25, stratify=df["default"], random_state=3)
model = LogisticRegression().fit(train[FEATURES], train["default"])
print(average_precision_score(test["default"], model.predict_proba(test[FEATURES])[:, 1]))
