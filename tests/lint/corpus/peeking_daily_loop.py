# expect: peeking_loop:error@14
import pandas as pd
from scipy import stats

sessions = pd.read_csv("sessions.csv")


def primary(part):
    users = part.groupby("user_id").agg(arm=("arm", "first"), converted=("converted", "max"))
    return stats.ttest_ind(users[users.arm == "treatment"].converted, users[users.arm == "control"].converted)


for day in range(1, 21):
    if primary(sessions[sessions["day"] <= day]).pvalue < 0.05:
        print("significant on day", day)
        break
