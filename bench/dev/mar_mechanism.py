"""Issue 18, point 1: what GAIN's imputations converge to under strong MAR, per model variant.

For replication r, ``seed_experiment(n, seed=base + r, mar_strength=...)`` is imputed with the
given ``socgan.impute`` options and ``Y ~ X * Bin`` pooled; the script prints, per replication and
on average, the pooled estimates' error against the truth and against the complete-data fit,
and whether the 95% intervals cover the truth.

    python bench/dev/mar_mechanism.py --reps 8 --mar strong --opt adversarial=0 [--opt epochs=300]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # bench/
from seed_experiment import parse_value  # noqa: E402

TERMS = ["Intercept", "X", "Bin", "X:Bin"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=8)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--m", type=int, default=5)
    p.add_argument("--seed", type=int, default=500)
    p.add_argument("--mar", default="strong")
    p.add_argument("--opt", action="append", default=[], help="socgan.impute option key=value")
    p.add_argument("--setting", action="append", default=[],
                   help="internal GainSettings field key=value (e.g. odds_weights=true)")
    a = p.parse_args(argv)
    opts = {k: parse_value(v) for k, v in (kv.split("=", 1) for kv in a.opt)}
    import torch

    import socgan
    from socgan.datasets import SEED_EXPERIMENT_TRUTH, seed_experiment
    torch.set_num_threads(1)
    if a.setting:  # internal settings that impute() does not expose
        import dataclasses

        from socgan.imputation import _impute
        extra = {k: parse_value(v) for k, v in (kv.split("=", 1) for kv in a.setting)}
        plain = _impute.gain_settings
        _impute.gain_settings = lambda **kw: dataclasses.replace(plain(**kw), **extra)
    truth = np.array([SEED_EXPERIMENT_TRUTH[t] for t in TERMS])
    rows = []
    for r in range(a.reps):
        s = a.seed + r
        df = seed_experiment(a.n, seed=s, mar_strength=a.mar)
        full = seed_experiment(a.n, seed=s, missing=False).astype({"Bin": float})
        full_est = smf.ols("Y ~ X * Bin", full).fit().params.to_numpy()
        t0 = time.perf_counter()
        imp = socgan.impute(df, m=a.m, seed=s, progress=False, **opts)
        secs = time.perf_counter() - t0
        res = imp.fit("Y ~ X * Bin").table.set_index("term").loc[TERMS]
        est = res["estimate"].to_numpy()
        cov = ((res["conf.low"] <= truth) & (truth <= res["conf.high"])).to_numpy()
        rows.append({"rep": r, **{f"err_{t}": e for t, e in zip(TERMS, est - truth)},
                     **{f"vsfull_{t}": e for t, e in zip(TERMS, est - full_est)},
                     **{f"cov_{t}": c for t, c in zip(TERMS, cov)},
                     "se_X:Bin": res.loc["X:Bin", "std.error"], "secs": secs})
        print(f"rep {r}: X:Bin err {est[3] - truth[3]:+.3f} (vs full {est[3] - full_est[3]:+.3f}), "
              f"X err {est[1] - truth[1]:+.3f}, {secs:.1f}s", flush=True)
    d = pd.DataFrame(rows)
    print(f"\nmar={a.mar} n={a.n} m={a.m} reps={a.reps} seeds {a.seed}.. opts={opts} "
          f"settings={a.setting}")
    print(d.drop(columns="rep").mean().round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
