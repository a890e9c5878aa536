# expect: resampling_overlap:error@13
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.utils import resample

df = pd.read_csv("defaults.csv")
minority = df[df["label"] == 1]
majority = df[df["label"] == 0]

# upsampling by hand: duplicates of the rare rows, made before the split
upsampled = resample(minority, replace=True, n_samples=len(majority), random_state=0)
balanced = pd.concat([majority, upsampled])
train, test = train_test_split(balanced, test_size=0.2, stratify=balanced["label"], random_state=0)
FEATURES = ["income", "debt", "age"]
model = LogisticRegression().fit(train[FEATURES], train["label"])
print(average_precision_score(test["label"], model.predict_proba(test[FEATURES])[:, 1]))
