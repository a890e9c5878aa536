# expect: resampled_evaluation:error@18
import pandas as pd
from imblearn.pipeline import make_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import precision_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("claims.csv")
X, y = df.drop(columns=["fraud"]), df["fraud"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

model = make_pipeline(RandomUnderSampler(random_state=0), RandomForestClassifier(random_state=0))
model.fit(X_train, y_train)  # right: undersampling inside the pipeline, training rows only

# wrong: the test rows are rebalanced too, so precision is measured at a 50/50 class ratio
X_eval, y_eval = RandomUnderSampler(random_state=1).fit_resample(X_test, y_test)
print(precision_score(y_eval, model.predict(X_eval)))
