# expect: peeking_loop:error@13
import pandas as pd
from statsmodels.stats.proportion import proportions_ztest


def readout(sessions):
    week = 1
    while week <= 3:
        part = sessions[sessions["day"] < 7 * week]
        users = part.groupby("user_id").agg(arm=("arm", "first"), converted=("converted", "max"))
        counts = users.groupby("arm")["converted"].agg(["sum", "size"])
        _, p = proportions_ztest(counts["sum"], counts["size"])
        if p <= 0.05:
            return {"p_value": p, "weeks": week}
        week += 1
    return {"p_value": p, "weeks": 3}


result = readout(pd.read_csv("sessions.csv"))
