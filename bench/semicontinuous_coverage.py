"""Coverage with a semicontinuous column: earnings that are zero for a third of the people.

Why: a continuous column's draws are mean + sd * (a near donor's standardised residual). For a
column with a spike of zeros (earnings, hours, amounts spent) that put imputed cells *near* zero,
almost never on it: on `AER::PSID1976`, 3-9% of the imputed wages were exactly 0 where 47% of the
true ones were, and 40% of the women who did not work got a small positive wage. Since
2026-12-01 a donor at a point mass passes that value on exactly (predictive mean matching for the
spike; `socgan._core.gain._residual_draw`). This script measures what that does to inference.

Design, per replication r (seed = --seed + r), n rows:
    X ~ N(0, 1);  works with P = expit(0.3 + 1.2 X)  (about 57%);
    W = 0 for those who do not work, else exp(0.5 + 0.4 X + 0.5 N(0, 1))  (continuous);
    Y = 1 + 0.5 W + 0.5 X + N(0, 1);
    MAR: W missing with P = expit(-1 + 0.8 Y*) (~30%), X missing with P = expit(-1.5 - 0.5 Y*)
    (~20%), Y* the standardised Y; Y always observed.
Estimands: the coefficients of `Y ~ W + X` (truth 1, 0.5, 0.5), the mean of W, the share of
W = 0, and the mean of log W among those with W > 0 (truth of the last three by simulation of
2,000,000 rows). Intervals: socgan's pooled 95% intervals (Rubin's rules as mice's `pool`; the
summaries pooled with `Imputations.analyze`, complete-data variances var(W)/n, p(1 - p)/n and
var(log W | W > 0)/n_positive), against complete cases.

    python bench/semicontinuous_coverage.py --reps 200 --n 500 --m 5 --seed 20261201 --out out.csv

``--bounds`` imputes W within (0, inf) (``impute(bounds=)``) instead of its observed range.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
from scipy.special import expit


def simulate(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    works = rng.random(n) < expit(0.3 + 1.2 * x)
    w = np.where(works, np.exp(0.5 + 0.4 * x + 0.5 * rng.standard_normal(n)), 0.0)
    y = 1 + 0.5 * w + 0.5 * x + rng.standard_normal(n)
    full = pd.DataFrame({"Y": y, "W": w, "X": x})
    ys = (y - y.mean()) / y.std()
    data = full.copy()
    data.loc[rng.random(n) < expit(-1 + 0.8 * ys), "W"] = np.nan
    data.loc[rng.random(n) < expit(-1.5 - 0.5 * ys), "X"] = np.nan
    return data, full


def _summary_values(w: np.ndarray) -> tuple[list[float], list[float]]:
    pos = w[w > 0]
    p0 = float((w == 0).mean())
    lw = np.log(pos)
    est = [float(w.mean()), p0, float(lw.mean())]
    var = [float(w.var(ddof=1) / len(w)), p0 * (1 - p0) / len(w), float(lw.var(ddof=1) / len(lw))]
    return est, var


NAMES = ["mean_W", "share_W0", "mean_logW_pos"]


def truth() -> dict:
    full = simulate(2_000_000, 1)[1]
    est, _ = _summary_values(full["W"].to_numpy())
    return {"Intercept": 1.0, "W": 0.5, "X": 0.5, **dict(zip(NAMES, est))}


def _summaries(df: pd.DataFrame):
    est, var = _summary_values(df["W"].to_numpy(float))
    return pd.Series(dict(zip(NAMES, est))), var


def run(rep: int, args) -> list[dict]:
    import socgan
    import statsmodels.formula.api as smf
    from scipy import stats

    data, _ = simulate(args.n, args.seed + rep)
    rows = []
    t0 = time.perf_counter()
    imp = socgan.impute(data, m=args.m, seed=args.seed + rep, progress=False,
                        bounds={"W": (0, None)} if args.bounds else None)
    secs = time.perf_counter() - t0
    w_imp = np.concatenate([d.loc[data["W"].isna(), "W"].to_numpy() for d in imp.datasets])
    reg = imp.fit("Y ~ W + X").table
    summ = imp.analyze(_summaries, dfcom=args.n - 1).table
    extra = {"imputed_zero_share": float((w_imp == 0).mean()),
             "imputed_near_zero_share": float(((w_imp > 0) & (w_imp < 0.05)).mean())}
    for tab in (reg, summ):
        for _, r in tab.iterrows():
            rows.append({"rep": rep, "method": "gain", "term": r["term"], "estimate": r["estimate"],
                         "conf_low": r["conf.low"], "conf_high": r["conf.high"], "seconds": secs,
                         **extra})
    cc = data.dropna()
    fit = smf.ols("Y ~ W + X", data=cc).fit()
    ci = fit.conf_int(0.05)
    for term in fit.params.index:
        rows.append({"rep": rep, "method": "cc", "term": term, "estimate": fit.params[term],
                     "conf_low": ci.loc[term, 0], "conf_high": ci.loc[term, 1], "seconds": 0.0})
    wc = data["W"].dropna().to_numpy(float)
    est, var = _summary_values(wc)
    dfs = [len(wc) - 1, len(wc) - 1, int((wc > 0).sum()) - 1]
    for term, e, v, df in zip(NAMES, est, var, dfs):
        tq = stats.t.ppf(0.975, df)
        rows.append({"rep": rep, "method": "cc", "term": term, "estimate": e,
                     "conf_low": e - tq * np.sqrt(v), "conf_high": e + tq * np.sqrt(v),
                     "seconds": 0.0})
    return rows


def summarise(raw: pd.DataFrame, true: dict) -> pd.DataFrame:
    raw = raw.assign(truth=raw["term"].map(true))
    raw["err"] = raw["estimate"] - raw["truth"]
    raw["cover"] = (raw["conf_low"] <= raw["truth"]) & (raw["truth"] <= raw["conf_high"])
    g = raw.groupby(["method", "term"], sort=False)
    out = g.agg(R=("rep", "size"), bias=("err", "mean"),
                rmse=("err", lambda e: np.sqrt(np.mean(e ** 2))),
                coverage=("cover", "mean")).reset_index()
    out["width"] = g.apply(lambda d: (d["conf_high"] - d["conf_low"]).mean()).to_numpy()
    out["bias_mcse"] = g["err"].std().to_numpy() / np.sqrt(out["R"])
    if "imputed_zero_share" in raw:
        out["imputed_zero_share"] = g["imputed_zero_share"].mean().to_numpy()
        out["imputed_near_zero"] = g["imputed_near_zero_share"].mean().to_numpy()
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--rep-start", type=int, default=0)
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--m", type=int, default=5)
    p.add_argument("--seed", type=int, default=20261201)
    p.add_argument("--out", default="semicontinuous_coverage.csv")
    p.add_argument("--bounds", action="store_true",
                   help="impute W with bounds (0, None) (its natural range) instead of its "
                        "observed range")
    p.add_argument("--summarise", nargs="*", default=None, metavar="CSV",
                   help="only summarise these raw files")
    args = p.parse_args(argv)
    true = truth()
    print("truth:", {k: round(v, 4) for k, v in true.items()}, file=sys.stderr, flush=True)
    if args.summarise:
        raw = pd.concat([pd.read_csv(f) for f in args.summarise], ignore_index=True)
        print(summarise(raw, true).round(4).to_string(index=False))
        return 0
    rows = []
    for rep in range(args.rep_start, args.rep_start + args.reps):
        rows += run(rep, args)
        pd.DataFrame(rows).to_csv(args.out, index=False)
        print(f"rep {rep} done", file=sys.stderr, flush=True)
    print(summarise(pd.DataFrame(rows), true).round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
