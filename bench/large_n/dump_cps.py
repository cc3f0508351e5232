import sys
import numpy as np
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from real_data_mi import load_population, delete_mar
import statsmodels.formula.api as smf
n = int(sys.argv[1])
pop = load_population()
rng = np.random.default_rng(1988)
sample = pop.iloc[rng.choice(len(pop), n, replace=False)].reset_index(drop=True)
sample.to_csv(f"/tmp/cps_full_{n}.csv", index=False)
data = delete_mar(sample, rng)
data.to_csv(f"/tmp/cps_mar_{n}.csv", index=False)
