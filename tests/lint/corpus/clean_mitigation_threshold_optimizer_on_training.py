# expect: none
import pandas as pd
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("applications.csv")
X, y = df.drop(columns=["repaid"]), df["repaid"]
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
features = ["income", "age"]
model = LogisticRegression(max_iter=1000).fit(X_train[features], y_train)

# the post-processor learns its thresholds on the training rows, is measured on validation
optimiser = ThresholdOptimizer(estimator=model, constraints="true_positive_rate_parity", prefit=True)
optimiser.fit(X_train[features], y_train, sensitive_features=X_train["group"])
adjusted = optimiser.predict(X_valid[features], sensitive_features=X_valid["group"], random_state=0)
print(accuracy_score(y_valid, adjusted))
