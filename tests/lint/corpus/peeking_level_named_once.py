# expect: peeking_loop:error@18
import pandas as pd
from scipy import stats

ALPHA = 0.05
sessions = pd.read_csv("sessions.csv")


def welch(users):
    treated = users.loc[users["arm"] == "treatment", "converted"]
    control = users.loc[users["arm"] == "control", "converted"]
    return stats.ttest_ind(treated, control, equal_var=False).pvalue


for end in (6, 13, sessions["day"].max()):
    so_far = sessions[sessions["day"] <= end]
    users = so_far.groupby("user_id").agg(arm=("arm", "first"), converted=("converted", "max"))
    if welch(users) < ALPHA:
        break
