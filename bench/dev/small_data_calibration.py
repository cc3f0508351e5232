"""Overimputation coverage of socgan on small real data sets (issue 18: imputations' noise).

Each data set of ``bench/overimpute_check.py --sets small`` (read from R: airquality,
Amelia::freetrade, MASS::survey, mice::mammalsleep, 200 rows of mice::boys, MASS::Boston, swiss) is
checked with ``GainImputer(m=5, seed=s, **opts).overimpute(data)`` for seeds 1..S; per numeric
column: coverage of the 20-draw intervals (a right model: 0.905), RMSE of the draws' mean and the
RMSE of guessing the mean. socgan alone (mice's side: ``bench/overimpute_check.py``).

    python bench/dev/small_data_calibration.py --seeds 3 [--sets airquality,swiss] [--opt hidden=16] --out res.csv

(The seventeenth session's runs read the same data from CSV files that R wrote; boys' 200 rows were
R's ``sample`` with ``set.seed(1)`` there, pandas' ``sample(200, random_state=1)`` here.)
"""
import argparse
import os
import sys
import time
import warnings

import pandas as pd

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(BENCH))
sys.path.insert(0, BENCH)
import socgan  # noqa: E402
from overimpute_check import small_sets  # noqa: E402

SETS = ["airquality", "freetrade", "survey", "mammalsleep", "boys200", "boston", "swiss"]

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--out", default=None)
    ap.add_argument("--opt", action="append", default=[], help="GainImputer option KEY=VALUE")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    opts = {k: float(v) for k, v in (o.split("=") for o in a.opt)}
    out = []
    data = small_sets()
    for name in a.sets.split(","):
        d = data[name][0]
        for s in range(1, a.seeds + 1):
            t0 = time.time()
            res = socgan.GainImputer(m=5, seed=s, progress=False, **opts).overimpute(d, progress=False)
            c = res.coverage.assign(data=name, seed=s, seconds=time.time() - t0)
            out.append(c)
    df = pd.concat(out)
    if a.out:
        df.to_csv(a.out, index=False)
    g = df.groupby(["data", "column"], sort=False).agg(
        n=("n", "sum"), coverage=("coverage", "mean"), rmse=("rmse", "mean"),
        rmse_no_model=("rmse_no_model", "mean"), width=("mean_width", "mean"))
    print(g.round(3).to_string())
    print("mean coverage", round(df.coverage.mean(), 3))
