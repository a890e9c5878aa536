# expect: none
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

df = pd.read_csv("accounts.csv")
X = df[["amount", "age", "balance"]]
y = df["defaulted"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

imputer = SimpleImputer(strategy="median").fit(X_train)
scaler = StandardScaler()
X_train_ready = scaler.fit_transform(imputer.transform(X_train))
X_test_ready = scaler.transform(imputer.transform(X_test))  # transform only: fitted on X_train
model = SVC(probability=True).fit(X_train_ready, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test_ready)[:, 1]))
