# expect: fit_in_serving_path:error@23, fit_in_serving_path:hint@28
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

NUMERIC = ["amount", "age", "balance"]
df = pd.read_csv("transactions.csv")
X_train, X_test, y_train, y_test = train_test_split(
    df[NUMERIC], df["label"], test_size=0.2, stratify=df["label"], random_state=0
)
model = make_pipeline(StandardScaler(), LogisticRegression())
model.fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))


def prepare_features(frame):
    # called on each batch of new rows at prediction time: the scaler learns that batch's
    # means, not the training data's
    scaler = StandardScaler()
    return scaler.fit_transform(frame[NUMERIC])


def predict_batch(frame):
    # the batch's own medians fill its gaps: the same row gets different values in another batch
    filled = frame[NUMERIC].fillna(frame[NUMERIC].median())
    return model.predict_proba(filled)[:, 1]
