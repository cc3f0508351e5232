"""Reference: the analysis model on each replication's sample BEFORE deletion (same draws as prep.py).
Writes results_full.csv (method = 'full'), and checks that the sample matches the saved deleted data."""
import json, numpy as np, pandas as pd, statsmodels.formula.api as smf
from prep import populations, canon
D = "/tmp/width_study/data"
meta = json.load(open(f"{D}/meta.json"))
off = {"beps": 0, "pbc": 10**5, "slid": 2 * 10**5}
rows = []
for d in populations():
    name, pop = d["name"], d["pop"]
    for r in range(1, 101):
        rng = np.random.default_rng(1000 + r + off[name])
        smp = pop.iloc[rng.integers(0, len(pop), d["n"])].reset_index(drop=True)
        saved = pd.read_csv(f"{D}/{name}/rep{r:03d}.csv")
        for c in ["age"]:
            assert np.allclose(saved[c].astype(float), smp[c].astype(float))
        t = list(d["targets"])[0]
        ok = saved[t].notna()
        assert np.allclose(saved.loc[ok, t].astype(float), smp.loc[ok, t].astype(float))
        f = smf.ols(d["formula"], smp).fit(); ci = f.conf_int()
        for k in f.params.index:
            tr = meta[name]["truth"][canon(k)]
            rows.append(dict(dataset=name, rep=r, method="full", term=canon(k), truth=tr, estimate=f.params[k], se=f.bse[k],
                             df=f.df_resid, lo=ci.loc[k, 0], hi=ci.loc[k, 1], covers=int(ci.loc[k, 0] <= tr <= ci.loc[k, 1]),
                             width=ci.loc[k, 1] - ci.loc[k, 0], fmi=np.nan, seconds=np.nan))
pd.DataFrame(rows).to_csv("/tmp/width_study/results_full.csv", index=False)
print("ok", len(rows))
