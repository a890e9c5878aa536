# expect: preprocessing_leak:error@10
import pandas as pd
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

df = pd.read_csv("insurance.csv")
scaler = StandardScaler()
df["bmi"] = scaler.fit_transform(df[["bmi"]])  # <- leak
df = pd.get_dummies(df, drop_first=True)
X = df.drop(columns="charges")
y = df["charges"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
svr = SVR(C=1000).fit(X_train, y_train)
print(mean_absolute_error(y_test, svr.predict(X_test)))
