# expect: resampling_overlap:error@10
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("marketing.csv")
majority = df[df.subscribed == 0]
minority = df[df.subscribed == 1]
upsampled = pd.concat([majority, minority.sample(len(majority), replace=True, random_state=1)])  # <- leak
X, y = upsampled.drop(columns="subscribed"), upsampled["subscribed"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1)
lr = LogisticRegression(max_iter=500).fit(X_train, y_train)
print(recall_score(y_test, lr.predict(X_test)))
