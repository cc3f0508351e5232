"""Issue 18, point 8: are socgan's imputations plausible on real data, next to mice's?

Two data sets that R ships, read through ``Rscript`` (nothing is downloaded):

* ``mice::boys`` (748 Dutch boys): imputed heights against age. A smooth curve of hgt on age
  (lowess on the observed rows) is fitted; the mean absolute distance of the *imputed* heights
  from it should be within 1.5x that of the *observed* heights. And the fraction of missing
  information (FMI) of ``lm(wgt ~ age + hgt + reg)``, whose variables are almost complete
  (3% of rows miss one), should be in line with mice's.
* ``datasets::airquality`` (153 days in New York, 1973; Ozone missing on 37, Solar.R on 7):
  imputed Ozone against temperature, the same distance ratio; FMI of ``lm(Ozone ~ Temp + Wind)``
  beside mice's.

    python bench/real_data_plausibility.py [--m 5] [--seed 1] [--plot bench/results/boys.png]

mice runs with its defaults (``mice(data, m, seed)``, pmm for numbers, polr for the ordered
pubertal stages, polyreg for region).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.nonparametric.smoothers_lowess import lowess

_R_EXPORT = r"""
args <- commandArgs(TRUE)
out <- args[1]; m <- as.integer(args[2]); seed <- as.integer(args[3])
suppressPackageStartupMessages(library(mice))
run <- function(name, d, formula) {
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
  t0 <- proc.time()[["elapsed"]]
  imp <- mice(d, m = m, seed = seed, printFlag = FALSE)
  secs <- proc.time()[["elapsed"]] - t0
  long <- complete(imp, "long")
  write.csv(long, file.path(out, paste0(name, "_mice.csv")), row.names = FALSE)
  p <- pool(with(imp, lm(as.formula(formula))))
  s <- data.frame(term = as.character(p$pooled$term), estimate = p$pooled$estimate,
                  fmi = p$pooled$fmi, secs = secs)
  write.csv(s, file.path(out, paste0(name, "_mice_pool.csv")), row.names = FALSE)
}
run("boys", boys, "wgt ~ age + hgt + reg")
run("airquality", airquality, "Ozone ~ Temp + Wind")
"""

DATA = {
    "boys": {"x": "age", "y": "hgt", "formula": "wgt ~ age + hgt + reg", "fmi_term": "age"},
    "airquality": {"x": "Temp", "y": "Ozone", "formula": "Ozone ~ Temp + Wind",
                   "fmi_term": "Temp"},
}


def read_r_data(m: int, seed: int, tmp: Path) -> None:
    subprocess.run(["Rscript", "-e", _R_EXPORT, str(tmp), str(m), str(seed)], check=True,
                   capture_output=True, text=True)


def as_python_types(name: str, d: pd.DataFrame) -> pd.DataFrame:
    """R factors arrive as strings: give them back their (ordered) levels."""
    if name == "boys":
        d["gen"] = pd.Categorical(d["gen"], categories=["G1", "G2", "G3", "G4", "G5"], ordered=True)
        d["phb"] = pd.Categorical(d["phb"], categories=[f"P{i}" for i in range(1, 7)], ordered=True)
        d["reg"] = pd.Categorical(d["reg"], categories=["north", "east", "west", "south", "city"])
    else:
        for c in ("Ozone", "Solar.R", "Temp", "Month", "Day"):
            d[c] = d[c].astype("Int64")
        d = d.rename(columns={"Solar.R": "Solar_R"})
    return d


def distance_ratio(obs_x, obs_y, imp_x, imp_y) -> tuple[float, float, float]:
    """Mean |y - smooth(x)| of the imputed and the observed cells, and their ratio; the
    smooth is a lowess of y on x over the observed cells."""
    fit = lowess(obs_y, obs_x, frac=0.3, return_sorted=True)
    fx, fy = fit[:, 0], fit[:, 1]
    curve = lambda x: np.interp(x, fx, fy)  # noqa: E731
    d_obs = float(np.mean(np.abs(obs_y - curve(obs_x))))
    d_imp = float(np.mean(np.abs(imp_y - curve(imp_x))))
    return d_imp, d_obs, d_imp / d_obs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--m", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--plot", default=None, help="scatter of imputed vs observed (PNG)")
    p.add_argument("--gain-opt", action="append", default=[])
    a = p.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from seed_experiment import parse_value

    import socgan
    opts = {k: parse_value(v) for k, v in (kv.split("=", 1) for kv in a.gain_opt)}
    rows, figs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        read_r_data(a.m, a.seed, tmp)
        for name, spec in DATA.items():
            data = as_python_types(name, pd.read_csv(tmp / f"{name}.csv"))
            mice_long = pd.read_csv(tmp / f"{name}_mice.csv").rename(columns={"Solar.R": "Solar_R"})
            mice_pool = pd.read_csv(tmp / f"{name}_mice_pool.csv")
            t0 = time.perf_counter()
            imp = socgan.impute(data, m=a.m, seed=a.seed, progress=False, **opts)
            secs = time.perf_counter() - t0
            x, y = spec["x"], spec["y"]
            miss = data[y].isna().to_numpy() & data[x].notna().to_numpy()
            obs = data[y].notna().to_numpy() & data[x].notna().to_numpy()
            ox, oy = data.loc[obs, x].astype(float).to_numpy(), data.loc[obs, y].astype(float).to_numpy()
            gx = np.concatenate([d.loc[miss, x].astype(float).to_numpy() for d in imp.datasets])
            gy = np.concatenate([d.loc[miss, y].astype(float).to_numpy() for d in imp.datasets])
            mrows = np.tile(miss, a.m)
            mx = mice_long[x].to_numpy(float)[mrows]
            my = mice_long[y].to_numpy(float)[mrows]
            g_imp, d_obs, g_ratio = distance_ratio(ox, oy, gx, gy)
            m_imp, _, m_ratio = distance_ratio(ox, oy, mx, my)
            pooled = imp.fit(spec["formula"]).table.set_index("term")
            term = spec["fmi_term"]
            rows.append({"data": name, "imputed": f"{y} vs {x}", "n_imputed": int(miss.sum()),
                         "dist_observed": d_obs, "dist_socgan": g_imp, "ratio_socgan": g_ratio,
                         "dist_mice": m_imp, "ratio_mice": m_ratio,
                         "fmi_term": term, "fmi_socgan": pooled.loc[term, "fmi"],
                         "fmi_mice": float(mice_pool.set_index("term").loc[term, "fmi"]),
                         "secs_socgan": secs, "secs_mice": float(mice_pool["secs"].iloc[0])})
            figs.append((name, x, y, ox, oy, gx, gy, mx, my))
    out = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(out.round(3).to_string(index=False))
    print(json.dumps({"options": opts, "m": a.m, "seed": a.seed}))
    if a.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2 * len(figs), figsize=(5 * len(figs) * 2, 3.6))
        for k, (name, x, y, ox, oy, gx, gy, mx, my) in enumerate(figs):
            for ax, (who, ix, iy) in zip(axes[2 * k:2 * k + 2], [("socgan", gx, gy), ("mice", mx, my)]):
                ax.scatter(ox, oy, s=4, c="0.7", label="observed")
                ax.scatter(ix, iy, s=10, c="C3", label=f"imputed ({who})")
                ax.set_xlabel(x)
                ax.set_ylabel(y)
                ax.set_title(f"{name}: {who}")
                ax.legend(fontsize="small", frameon=False)
        fig.tight_layout()
        fig.savefig(a.plot, dpi=110)
        print(f"wrote {a.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
