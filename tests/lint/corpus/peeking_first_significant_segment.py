# expect: peeking_loop:hint@10
import pandas as pd
from scipy import stats

users = pd.read_csv("users.csv")

for country, part in users.groupby("country"):
    treated = part[part["arm"] == "treatment"]["converted"]
    control = part[part["arm"] == "control"]["converted"]
    if stats.mannwhitneyu(treated, control).pvalue < 0.05:
        winner = country
        break
