import sys, time, json
import numpy as np, pandas as pd
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
import statsmodels.formula.api as smf
import socgan
from real_data_mi import load_population, delete_mar, FORMULA
n = int(sys.argv[1]); variants = json.loads(sys.argv[2]); m = int(sys.argv[3])
pop = load_population()
rng = np.random.default_rng(1988)
sample = pop.iloc[rng.choice(len(pop), n, replace=False)].reset_index(drop=True)
fullfit = smf.ols(FORMULA, sample).fit()
data = delete_mar(sample, rng)
print("missing", data.isna().mean().round(2).to_dict(), flush=True)
for name, kw in variants.items():
    t = time.time()
    imp = socgan.impute(data, m=m, seed=1, progress=False, **kw)
    el = time.time() - t
    p = imp.fit(FORMULA).pooled.set_index("term")
    se = np.sqrt(p["t"]); full_se = fullfit.bse.rename(index=lambda s: s.replace("[T.afam]", "[afam]"))
    full_se.index = p.index
    print(f"{name:12s} {el:6.1f}s fmi={p['fmi'].round(2).tolist()} B/ubar={(p['b']/p['ubar']).round(2).tolist()} se/full={(se/full_se.values).round(2).tolist()} err={(p['estimate'].values-fullfit.params.values).round(4).tolist()}", flush=True)
