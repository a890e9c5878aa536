# expect: none
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("marketing.csv")
train, test = train_test_split(df, test_size=0.2, stratify=df["subscribed"], random_state=1)
majority = train[train.subscribed == 0]
minority = train[train.subscribed == 1]
upsampled = pd.concat([majority, minority.sample(len(majority), replace=True, random_state=1)])
lr = LogisticRegression(max_iter=500).fit(upsampled.drop(columns="subscribed"), upsampled["subscribed"])
print(recall_score(test["subscribed"], lr.predict(test.drop(columns="subscribed"))))
