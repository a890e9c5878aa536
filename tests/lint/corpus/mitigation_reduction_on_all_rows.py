# expect: mitigation_on_evaluated_rows:error@12
import pandas as pd
from fairlearn.reductions import ExponentiatedGradient, TruePositiveRateParity
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

df = pd.read_csv("applications.csv")
X, y, group = df[["income", "age"]], df["repaid"], df["group"]

# A reduction fitted on every row, its accuracy under the constraint then measured on those same rows.
mitigator = ExponentiatedGradient(LogisticRegression(max_iter=1000), constraints=TruePositiveRateParity())
mitigator.fit(X, y, sensitive_features=group)
print(accuracy_score(y, mitigator.predict(X)))
