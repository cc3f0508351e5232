"""Overimputation (``GainImputer.overimpute``) beside mice on the same held-out values.

For each data set, socgan's check hides 20% of each numeric column's observed values (seeded),
fits m = 5 models without them and draws each hidden value 20 times; the same cells are then
hidden for R's mice (``mice(m = 20, maxit = 10)``, methods ``pmm`` (its default) and ``norm``), and
the 20 imputations' range is the interval (order statistics 1 and 20: a right model covers
19/21 = 0.905). Reported per column: coverage, mean width, RMSE of the draws' mean.

    python bench/overimpute_check.py --seed 1 --out bench/results/overimpute_check.csv
    python bench/overimpute_check.py --sets small --seed 1 --out small.csv   # seven small real data sets
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import socgan  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(mice))
args <- commandArgs(TRUE)
d <- read.csv(args[1], stringsAsFactors = TRUE)
for (v in strsplit(args[4], ",")[[1]]) if (nzchar(v)) d[[v]] <- factor(d[[v]])
h <- read.csv(args[2])
out <- list()
for (meth in c("pmm", "norm")) {
  method <- make.method(d)
  num <- names(method)[method == "pmm"]
  method[num] <- meth
  imp <- mice(d, m = 20, maxit = 10, method = method, printFlag = FALSE, seed = 1)
  for (v in unique(h$column)) {
    hv <- h[h$column == v, ]
    vals <- sapply(1:20, function(k) complete(imp, k)[[v]][hv$pos + 1])
    vals <- matrix(vals, nrow = nrow(hv))
    lo <- apply(vals, 1, min); hi <- apply(vals, 1, max)
    out[[length(out) + 1]] <- data.frame(method = paste0("mice_", meth), column = v,
      coverage = mean(lo <= hv$observed & hv$observed <= hi), mean_width = mean(hi - lo),
      rmse = sqrt(mean((rowMeans(vals) - hv$observed)^2)), n = nrow(hv))
  }
}
write.csv(do.call(rbind, out), args[3], row.names = FALSE)
"""


def mvn(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0, 0], [[1, .6, .3], [.6, 1, .4], [.3, .4, 1]], size=1000)
    d = pd.DataFrame(z, columns=["a", "b", "c"])
    for c in "abc":
        d.loc[rng.random(1000) < 0.2, c] = np.nan
    return d


def r_data(name: str) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "d.csv")
        subprocess.run(["Rscript", "-e", f"write.csv({name}, '{path}', row.names = FALSE)"],
                       check=True, capture_output=True)
        return pd.read_csv(path)


def small_sets() -> dict:
    """Seven small real data sets that R packages ship (47 to 506 rows): what the imputations'
    noise meets where the networks can nearly memorise their rows."""
    boys = r_data("mice::boys")
    boys = boys.sample(200, random_state=1).reset_index(drop=True)
    for c in ("gen", "phb", "reg"):
        boys[c] = pd.Categorical(boys[c])
    survey = r_data("MASS::survey")
    factors = ["Sex", "W.Hnd", "Fold", "Clap", "Exer", "Smoke", "M.I"]
    for c in factors:
        survey[c] = pd.Categorical(survey[c])
    free = r_data("Amelia::freetrade")[["year", "tariff", "polity", "pop", "gdp.pc", "intresmi",
                                        "signed", "fiveop", "usheg"]]
    free["pop"] = free["pop"] / 1e6  # in millions: mice's normal equations were singular in persons
    return {"airquality": (r_data("airquality"), []), "freetrade": (free, []),
            "survey": (survey, factors), "mammalsleep": (r_data("mice::mammalsleep")
                                                         .drop(columns="species"), []),
            "boys200": (boys, ["gen", "phb", "reg"]), "boston": (r_data("MASS::Boston"), []),
            "swiss": (r_data("swiss"), [])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sets", choices=["default", "small"], default="default")
    ap.add_argument("--out", default="overimpute_check.csv")
    args = ap.parse_args()
    if args.sets == "small":
        sets = small_sets()
    else:
        boys = r_data("mice::boys")
        for c in ("gen", "phb", "reg"):
            boys[c] = pd.Categorical(boys[c])
        air = r_data("airquality")
        sets = {"mvn": (mvn(args.seed), []), "boys": (boys, ["gen", "phb", "reg"]),
                "airquality": (air, [])}
    rows = []
    for name, (d, factors) in sets.items():
        check = socgan.GainImputer(m=5, seed=args.seed, progress=False).overimpute(d)
        for _, r in check.coverage.iterrows():
            rows.append({"data": name, "method": "socgan", "column": r["column"],
                         "coverage": r["coverage"], "mean_width": r["mean_width"],
                         "rmse": r["rmse"], "n": r["n"]})
        t = check.table
        hidden = d.copy()
        pos = {c: list(d.columns).index(c) for c in t["column"].unique()}
        h = pd.DataFrame({"column": t["column"],
                          "pos": [d.index.get_loc(r) for r in t["row"]],
                          "observed": t["observed"]})
        for c in pos:
            idx = h.loc[h["column"] == c, "pos"].to_numpy()
            hidden.iloc[idx, pos[c]] = np.nan
        with tempfile.TemporaryDirectory() as tmp:
            paths = [os.path.join(tmp, f) for f in ("d.csv", "h.csv", "o.csv", "s.R")]
            hidden.to_csv(paths[0], index=False)
            h.to_csv(paths[1], index=False)
            open(paths[3], "w").write(R_SCRIPT)
            subprocess.run(["Rscript", paths[3], paths[0], paths[1], paths[2], ",".join(factors)],
                           check=True)
            r = pd.read_csv(paths[2])
        r.insert(0, "data", name)
        rows += r.to_dict("records")
        print(pd.DataFrame(rows).query("data == @name").to_string(index=False), flush=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
