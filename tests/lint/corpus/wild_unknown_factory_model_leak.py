# expect: preprocessing_leak:error@11
import pandas as pd
from models import build_model  # the team's own package
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

data = pd.read_parquet("events.parquet")
X, y = data.drop(columns=["converted"]), data["converted"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
model = build_model(depth=6)
model.fit(X, y)  # <- leak
print("AUC", roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
