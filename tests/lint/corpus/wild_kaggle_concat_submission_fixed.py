# expect: none
import pandas as pd
from sklearn.linear_model import Lasso
from sklearn.preprocessing import RobustScaler

train = pd.read_csv("../input/house-prices/train.csv")
test = pd.read_csv("../input/house-prices/test.csv")
y = train["SalePrice"]
ntrain = train.shape[0]
all_data = pd.concat((train, test)).reset_index(drop=True)
all_data = all_data.drop(["SalePrice", "Id"], axis=1)
all_data = pd.get_dummies(all_data)
train_X = all_data[:ntrain]
test_X = all_data[ntrain:]
scaler = RobustScaler()
train_X = scaler.fit_transform(train_X)
test_X = scaler.transform(test_X)
lasso = Lasso(alpha=0.0005, random_state=1)
lasso.fit(train_X, y)
preds = lasso.predict(test_X)
sub = pd.DataFrame({"Id": test["Id"], "SalePrice": preds})
sub.to_csv("submission.csv", index=False)
