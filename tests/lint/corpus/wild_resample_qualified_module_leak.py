# expect: resampling_overlap:error@11
import imblearn
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

claims = pd.read_csv("claims_fraud.csv")
X, y = claims.drop(columns="is_fraud"), claims["is_fraud"]
oversample = imblearn.over_sampling.RandomOverSampler(sampling_strategy=0.5)
X, y = oversample.fit_resample(X, y)  # <- leak
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
clf = LogisticRegression(max_iter=1000).fit(X_train, y_train)
print(average_precision_score(y_test, clf.predict_proba(X_test)[:, 1]))
