"""Where the semicontinuous study's bias in the mean of W comes from: imputed minus true values
among the deleted cells of 20 data sets (m = 5): `python bench/semicontinuous_diagnose.py`."""
import sys, numpy as np
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from semicontinuous_coverage import simulate
import socgan
rows = []
for r in range(20):
    data, full = simulate(500, 20261201 + r)
    miss = data["W"].isna().to_numpy()
    imp = socgan.impute(data, m=5, seed=20261201 + r, progress=False)
    hi = data["W"].max()
    tw = full.loc[miss, "W"].to_numpy()
    for d in imp.datasets:
        w = d.loc[miss, "W"].to_numpy()
        rows.append((w.mean() - tw.mean(), (w == 0).mean() - (tw == 0).mean(),
                     w[w > 0].mean() - tw[tw > 0].mean(), (w == hi).mean(), (tw > hi).mean(),
                     np.log(w[w > 0]).mean() - np.log(tw[tw > 0]).mean()))
a = np.array(rows)
print("imputed - true among deleted cells: mean W %.3f, zero share %.3f, mean of positives %.3f, at observed max %.4f, true above observed max %.4f, mean log positives %.3f" % tuple(a.mean(0)))
