# expect: none
import pandas as pd
from scipy import stats

sessions = pd.read_csv("sessions.csv")
LOOKS = (6, 13, 20)  # planned before the test: three looks, each at a Bonferroni share of the level


def primary(part):
    users = part.groupby("user_id").agg(arm=("arm", "first"), converted=("converted", "max"))
    return stats.ttest_ind(users[users.arm == "treatment"].converted, users[users.arm == "control"].converted)


for day in LOOKS:
    result = primary(sessions[sessions["day"] <= day])
    if result.pvalue < 0.05 / len(LOOKS):
        break
