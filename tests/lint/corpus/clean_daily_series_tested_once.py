# expect: none
import pandas as pd
from scipy import stats

sessions = pd.read_csv("sessions.csv")
daily = []
for day in range(21):  # a daily chart of the running difference, for the readout's appendix
    part = sessions[sessions["day"] <= day]
    daily.append(part.groupby("arm")["converted"].mean().diff().iloc[-1])

users = sessions.groupby("user_id").agg(arm=("arm", "first"), converted=("converted", "max"))
final = stats.ttest_ind(users[users.arm == "treatment"].converted, users[users.arm == "control"].converted)
significant = final.pvalue < 0.05
