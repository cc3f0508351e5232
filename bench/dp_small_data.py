"""Degenerate private releases on small data (issue 17, point 7): measure, per setting, how much of
each numeric column a release piles on a bound and whether correlations survive.

Data:

* ``boys``: the 223 complete rows of ``mice::boys`` (written by R: ``na.omit(mice::boys)``), with
  public bounds age (0, 21), hgt (50, 210), wgt (0, 120), bmi (10, 35), hc (30, 70), tv (1, 25) and
  the factor levels of gen, phb, reg;
* ``sim2000``: 2,000 rows simulated as in the R vignette's survey (age uniform on 18..90, smoker,
  region, income = 20 + 0.6 age + N(0, 12) clipped to [0, 200]; cor(age, income) about 0.71),
  bounds age (18, 90), income (0, 200).

Each run: ``synthesize(data, epsilon=EPS, bounds=..., **options)``; reported: the share of rows
within 0.5% of the range from a bound for each numeric column (the worst column), the largest
share of any single synthetic value, the correlation of the key pair (boys: age x hgt; sim2000:
age x income), the mean one-way TVD (``evaluate``), the noise multiplier, the steps used and
the noise-to-signal ratio sigma / expected batch.

Usage::

    python bench/dp_small_data.py boys,sim2000 1,2 '{}' '{"saturation_penalty": 0}'
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def boys() -> tuple[pd.DataFrame, dict, tuple]:
    csv = subprocess.run(["Rscript", "-e", "write.csv(na.omit(mice::boys), stdout(), row.names=FALSE)"],
                         capture_output=True, text=True, check=True).stdout
    from io import StringIO
    d = pd.read_csv(StringIO(csv))
    levels = {"gen": ["G1", "G2", "G3", "G4", "G5"], "phb": ["P1", "P2", "P3", "P4", "P5", "P6"],
              "reg": ["north", "east", "west", "south", "city"]}
    for c, lv in levels.items():
        d[c] = pd.Categorical(d[c], categories=lv)
    d["tv"] = d["tv"].astype("int64")
    bounds = {"age": (0.0, 21.0), "hgt": (50.0, 210.0), "wgt": (0.0, 120.0), "bmi": (10.0, 35.0),
              "hc": (30.0, 70.0), "tv": (1, 25), **levels}
    return d, bounds, ("age", "hgt")


def sim2000(seed: int = 42) -> tuple[pd.DataFrame, dict, tuple]:
    rng = np.random.default_rng(seed)
    n = 2000
    d = pd.DataFrame({"age": rng.integers(18, 91, n).astype(float),
                      "smoker": rng.random(n) < 0.25,
                      "region": rng.choice(["north", "south", "east", "west"], n, p=[.4, .3, .2, .1])})
    d["income"] = np.round(np.clip(20 + 0.6 * d.age + rng.normal(0, 12, n), 0, 200), 1)
    bounds = {"age": (18.0, 90.0), "smoker": [False, True], "region": ["north", "south", "east", "west"],
              "income": (0.0, 200.0)}
    return d, bounds, ("age", "income")


DATA = {"boys": boys, "sim2000": sim2000}


def pile_up(syn: pd.DataFrame, bounds: dict) -> dict:
    at_bound, top_value = {}, {}
    for c, b in bounds.items():
        if isinstance(b, tuple):
            v = syn[c].to_numpy(dtype=float)
            tol = 0.005 * (b[1] - b[0])
            at_bound[c] = float(np.mean((v <= b[0] + tol) | (v >= b[1] - tol)))
            top_value[c] = float(syn[c].value_counts(normalize=True).iloc[0])
    return {"at_bound_max": max(at_bound.values()), "at_bound": at_bound,
            "top_value_max": max(top_value.values())}


def run(name: str, seed: int, options: dict, eps: float) -> dict:
    from socgan import synth
    from socgan.synth._dpgan import LowSignalWarning
    d, bounds, (a, b) = DATA[name]()
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rel = synth.synthesize(d, epsilon=eps, bounds=bounds, seed=seed, **options)
    secs = time.perf_counter() - t0
    s = rel.data
    ev = synth.evaluate(d, s)
    rep = rel.report
    return {"data": name, "seed": seed, "epsilon": eps, "options": options, "seconds": round(secs, 1),
            "steps": rep.get("steps"), "noise_multiplier": rep["noise_multiplier"],
            # the report's own figure: DP-SGD's multiplier over the expected batch, or for
            # method="marginals" the tables' noise sd over the largest table's average cell
            "noise_to_signal": rep["noise_to_signal"],
            "cor_real": float(d[a].corr(d[b])), "cor_synthetic": float(s[a].corr(s[b])),
            "tvd_1way_mean": float(ev.loc[ev.metric == "tvd_1way", "value"].mean()),
            **pile_up(s, {k: v for k, v in bounds.items()}),
            "low_signal_warning": any(issubclass(w.category, LowSignalWarning) for w in caught)}


def main() -> None:
    names = sys.argv[1].split(",")
    seeds = [int(s) for s in sys.argv[2].split(",")]
    settings = [json.loads(a) for a in sys.argv[3:]] or [{}]
    eps = float(os.environ.get("EPS", "1"))
    import torch
    torch.set_num_threads(1)
    for opts in settings:
        for name in names:
            for seed in seeds:
                r = run(name, seed, opts, eps)
                print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
