# expect: none
import pandas as pd
from scipy import stats

LOOKS = (6, 13, 20)
LEVEL = 0.05 / len(LOOKS)  # a level computed from the planned looks: a sequential design
sessions = pd.read_csv("sessions.csv")


def welch(users):
    treated = users.loc[users["arm"] == "treatment", "converted"]
    control = users.loc[users["arm"] == "control", "converted"]
    return stats.ttest_ind(treated, control, equal_var=False).pvalue


for day in LOOKS:
    users = sessions[sessions["day"] <= day].groupby("user_id").agg(
        arm=("arm", "first"), converted=("converted", "max")
    )
    if welch(users) < LEVEL:
        break
