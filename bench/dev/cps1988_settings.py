"""Quick comparison of synthesize's training settings on CPS 1988 (development aid of issue 5).

Runs one socgan method with the given ``synthesize`` keywords on the CPS 1988 training rows of
``bench/cps1988_dp.py`` (run that first: it writes ``bench/out/cps1988/train.csv``) for several
seeds, and prints mean figures that are cheaper than ``socgan.synth.evaluate``: one- and two-way
marginal TVD (numeric columns in 10 *equal-width* bins of the public bounds, not evaluate's real
quantiles), mean |correlation difference| of the three numeric columns, RMSE of the wage
equation's OLS coefficients, and the synthetic education-experience correlation (real: -0.28).
The table of settings in RESULTS.md ("CPS 1988 with socgan's new training defaults") came from::

    OMP_NUM_THREADS=1 python bench/dev/cps1988_settings.py '{"method": "pgb", "steps": 2000, "batch_size": 256, "hidden": 128, "learning_rate": 0.0002}' 1,2

JSON keys are synthesize's keywords, plus ``epsilon`` (default 1; ignored by the non-private
methods) and ``discrete`` (numeric columns to treat as lists of integer levels).
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/
from _common import tvd  # noqa: E402
from cps1988_dp import BENCH_DIR, BOUNDS, FORMULA, read_table  # noqa: E402
from socgan import synth  # noqa: E402

NUMERIC = ["lwage", "education", "experience"]


def cells(d: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: pd.cut(d[c], np.linspace(*BOUNDS[c], 11), include_lowest=True).cat.codes
                         if c in NUMERIC else d[c] for c in d})


def metrics(train: pd.DataFrame, syn: pd.DataFrame) -> dict:
    rc, sc = cells(train), cells(syn)
    tv1 = np.mean([tvd(rc[c].value_counts(normalize=True), sc[c].value_counts(normalize=True)) for c in rc])
    tv2 = np.mean([tvd(rc.groupby([a, b]).size() / len(rc), sc.groupby([a, b]).size() / len(sc))
                   for a, b in itertools.combinations(rc.columns, 2)])
    diff = np.abs(train[NUMERIC].astype(float).corr().to_numpy() - syn[NUMERIC].astype(float).corr().to_numpy())
    try:
        fit = smf.ols(FORMULA, syn).fit()
        rmse = float(np.sqrt(((fit.params - smf.ols(FORMULA, train).fit().params) ** 2).mean()))
    except Exception:  # noqa: BLE001  (a synthetic table without some level cannot fit the formula)
        rmse = float("nan")
    return dict(tvd1=tv1, tvd2=tv2, corr=diff[np.triu_indices_from(diff, 1)].mean(), coef=rmse,
                ed_ex=syn[NUMERIC].corr().loc["education", "experience"])


def main(argv: list[str]) -> None:
    torch.set_num_threads(1)
    opts = json.loads(argv[0])
    seeds = [int(s) for s in argv[1].split(",")] if len(argv) > 1 else [1]
    eps = float(opts.pop("epsilon", 1.0))
    bounds = dict(BOUNDS)
    for c in opts.pop("discrete", []):
        bounds[c] = list(range(BOUNDS[c][0], BOUNDS[c][1] + 1))
    private = opts.get("method", "pgb") in ("pgb", "dpgan")
    train = read_table(BENCH_DIR / "out" / "cps1988" / "train.csv")
    rows = []
    for seed in seeds:
        t0 = time.time()
        rel = synth.synthesize(train, epsilon=eps if private else None, delta=1e-5 if private else None,
                               bounds=bounds, seed=seed, **opts)
        rows.append({**metrics(train, rel.data), "sec": time.time() - t0})
    print(json.dumps(opts), "eps", eps, pd.DataFrame(rows).mean().round(3).to_dict(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
