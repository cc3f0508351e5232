"""Coverage check of the population variance of the stacking methods, where the model is right.

A population of ``--n-census`` people in 10 areas: x ~ N(area shift, 1), y = area effect + 0.8·x
+ e with e ~ N(0, 1). A simple random sample of ``--n-survey`` has y observed; the census has x
and the area. The truth is each area's population mean of y (a finite-population quantity).
The multivariate normal model of EMB (``method="amelia"``) with area dummies is then correct, so
its intervals should cover at their nominal rate when the variance is right. For each
replication the script records, per area, whether the 90% interval of ``socgan.sae.estimate``
(T = (1 + 1/m)·B, t(m − 1); Vink & van Buuren 2014) holds the truth, and the same for Rubin's
rule, which adds the within variance Ū an infinite-population analysis would use (the variance
of the area mean of y, s²_a / N_a, from the completed census; computed here from the estimate's
own m draws, see ``_rubin_interval``).

    python bench/sae_variance_check.py --reps 100 --method amelia
    python bench/sae_variance_check.py --reps 20 --method gain
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
from scipy import stats

import socgan


def world(rng: np.random.Generator, n_census: int, n_survey: int):
    areas = np.array([f"a{k:02d}" for k in range(10)])
    share = rng.dirichlet(np.full(10, 3.0))
    a = rng.choice(10, size=n_census, p=share)
    effect = rng.normal(0, 0.5, 10)
    shift = rng.normal(0, 0.5, 10)
    x = shift[a] + rng.normal(size=n_census)
    y = effect[a] + 0.8 * x + rng.normal(size=n_census)
    area = pd.Categorical(areas[a], categories=areas)
    census = pd.DataFrame({"area": area, "x": x})
    rows = rng.choice(n_census, size=n_survey, replace=False)
    survey = pd.DataFrame({"y": y[rows], "area": area[rows], "x": x[rows]})
    truth = pd.Series(y, index=areas[a]).groupby(level=0).mean().reindex(areas)
    var_within = pd.Series(y, index=areas[a]).groupby(level=0).var().reindex(areas) / \
        np.bincount(a, minlength=10)
    return survey, census, truth, var_within


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--method", default="amelia")
    ap.add_argument("--m", type=int, default=5)
    ap.add_argument("--n-census", type=int, default=20_000)
    ap.add_argument("--n-survey", type=int, default=1_000)
    ap.add_argument("--out", default=None)
    ap.add_argument("--options", default=None,
                    help='JSON of the method\'s options, e.g. \'{"area_effect": "fixed"}\'')
    ap.add_argument("--rep-start", type=int, default=0)
    a = ap.parse_args()
    options = json.loads(a.options) if a.options else None
    rows = []
    start = time.time()
    for r in range(a.rep_start, a.rep_start + a.reps):
        rng = np.random.default_rng(20_000 + r)
        survey, census, truth, u = world(rng, a.n_census, a.n_survey)
        est = socgan.sae.estimate(survey, census, outcome="y", area="area", method=a.method,
                                  m=a.m, seed=r, progress=False, conf_level=0.9,
                                  options=options)
        t = truth.to_numpy()
        se = est.table["std_error"].to_numpy()
        q = est.table["estimate"].to_numpy()
        # Rubin's rule: add U-bar (the infinite-population variance of an area mean, here the
        # population s²/N, which the completed census reproduces on average) and use the
        # Barnard-Rubin df with dfcom = inf
        m = a.m
        b = se ** 2 / (1 + 1 / m)
        ubar = u.to_numpy()
        tr = ubar + (1 + 1 / m) * b
        lam = (1 + 1 / m) * b / tr
        df = (m - 1) / lam ** 2
        half_r = stats.t.ppf(0.95, df) * np.sqrt(tr)
        rows.append(pd.DataFrame({
            "rep": r, "area": truth.index, "error": q - t,
            "covered": (est.table["conf_low"].to_numpy() <= t) & (t <= est.table["conf_high"].to_numpy()),
            "width": est.table["conf_high"].to_numpy() - est.table["conf_low"].to_numpy(),
            "covered_rubin": np.abs(q - t) <= half_r, "width_rubin": 2 * half_r,
            "n_survey": est.table["n_survey"].to_numpy()}))
        if len(rows) % 10 == 0:
            d = pd.concat(rows)
            print(f"{r + 1} reps, {time.time() - start:.0f} s: coverage {d.covered.mean():.3f} "
                  f"(Rubin {d.covered_rubin.mean():.3f})", flush=True)
    d = pd.concat(rows, ignore_index=True)
    if a.out:
        d.to_csv(a.out, index=False)
    n = len(d)
    cov = d["covered"].mean()
    print(f"method={a.method} m={a.m} reps={a.reps} census={a.n_census} survey={a.n_survey}")
    print(f"population rule: coverage {cov:.3f} (MC SE {np.sqrt(cov * (1 - cov) / n):.3f}, "
          f"areas x reps = {n}; correlated within reps), mean width {d['width'].mean():.4f}")
    cr = d["covered_rubin"].mean()
    print(f"Rubin's rule:    coverage {cr:.3f}, mean width {d['width_rubin'].mean():.4f}")
    print(f"RMSE {np.sqrt((d['error'] ** 2).mean()):.4f}, mean error {d['error'].mean():.4f}, "
          f"{(time.time() - start) / a.reps:.1f} s per replication")


if __name__ == "__main__":
    main()
