# expect: none
import pandas as pd
import statsmodels.api as sm
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

ads = pd.read_csv("advertising.csv")
X = sm.add_constant(ads[["TV", "radio", "newspaper"]])
y = ads["sales"]
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=0.7, random_state=100)
ols = sm.OLS(y_train, X_train).fit()
print(ols.summary())
y_pred = ols.predict(X_test)
print("R2 on test:", r2_score(y_test, y_pred))
