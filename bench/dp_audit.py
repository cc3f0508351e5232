"""Black-box privacy audit of ``socgan.synth.synthesize``: a distinguishing game with positive controls.

The game (Annamalai, Ganev & De Cristofaro 2024, "A linear reconstruction approach..." / "the
distinguishing game" of their synthetic-data audits): a fixed data set D0 of ``N0`` ordinary rows and
a worst-case target row x* (every numeric column at its upper bound, a discrete level nobody in D0
has); D1 = D0 + x*, a pair of add/remove neighbours. In each trial a fair bit b picks D_b, the
release is made from it with fresh randomness, and the attacker guesses b from the release alone.

Attacker statistics of a release: its number of rows; the share of rows with the target's level;
the share of rows in the target's top numeric cell. Each is turned into a pre-registered rule
(``RULES``: guess "target in" when the statistic exceeds a threshold fixed before the runs); its
false-positive and false-negative rates give, through Clopper–Pearson bounds (Bonferroni over the
rules, each rate at 0.05 / (2 x rules)), the empirical lower bound

    eps_lb = max( log((1 - delta - FPR_hi) / FNR_hi), log((1 - delta - FNR_hi) / FPR_hi) )

(Kairouz, Oh & Viswanath 2015; Jagielski, Ullman & Oprea 2020; Nasr et al. 2021). A sound release
keeps eps_lb below its claimed epsilon; an audit is only worth something if it finds leakage where
there is some, so two positive controls run through the same code:

- ``leak_n``: the pre-fix behaviour, a release with as many rows as the private data (here by
  passing ``n_rows=len(data)``, which the old default did);
- ``nonprivate``: the same pipeline without privacy (``method="pgb-nonprivate"``), releasing a
  fixed number of rows so that only the content can give the target away.

Cheap settings (tiny data, 30 steps, small networks) keep a trial to seconds; run it in the
background on a shared machine::

    OMP_NUM_THREADS=1 nice -n 10 python3 bench/dp_audit.py --trials 70 --configs leak_n pgb_eps1
    OMP_NUM_THREADS=1 nice -n 10 python3 bench/dp_audit.py --trials 120 --configs nonprivate

Results (one row per trial) go to ``bench/results/dp_audit.csv``; ``--analyse`` only re-reads them.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from socgan import synth  # noqa: E402

N0 = 20
EPSILON = 1.0
DELTA = 1e-6
BOUNDS = {"age": (18, 99), "income": (0, 10_000), "group": ["a", "b", "c", "z"]}
#: batch_size above the data: the sampling rate sits at its cap of 0.5 (the worst case for
#: privacy), and the accountant's calibration is the same in every trial (cached).
SETTINGS = dict(steps=30, batch_size=200, hidden=16, snapshots=5, candidates=400, pgb_rounds=20,
                pgb_marginals=1, pgb_bins=5)
#: n_rows: "n" = len(data) (the old default, a leak), an int = public, None = socgan's default
CONFIGS = {
    "leak_n": dict(method="pgb", epsilon=EPSILON, delta=DELTA, n_rows="n"),
    "nonprivate": dict(method="pgb-nonprivate", epsilon=None, delta=None, n_rows=N0),
    "pgb_eps1": dict(method="pgb", epsilon=EPSILON, delta=DELTA, n_rows=None),
    # added after "nonprivate" showed no content leak at 20 rounds and 20 rows released: PGB's
    # marginal queries, run long enough to fit the one-way margins, and a larger release
    "nonprivate_fit": dict(method="pgb-nonprivate", epsilon=None, delta=None, n_rows=200,
                           extra=dict(pgb_rounds=400)),
    # issue 17: the marginals method (noisy two-way tables), and its exact-table control
    "marginals_eps1": dict(method="marginals", epsilon=EPSILON, delta=DELTA, n_rows=None),
    "marginals_nonprivate": dict(method="marginals-nonprivate", epsilon=None, delta=None,
                                 n_rows=200),
}
#: settings of the GAN methods, which the marginals methods do not take
_GAN_ONLY = set(SETTINGS)
#: Pre-registered decision rules (statistic, threshold): guess "target in" when above. Fixed
#: before any trial ran, so every trial is a test trial; Bonferroni over the rules.
RULES = [("rows", N0 + 0.5), ("share_z", 0.05), ("share_top", 0.05),
         ("share_z", 0.02)]  # the last added with "nonprivate_fit", before it ran
OUT = os.path.join(os.path.dirname(__file__), "results", "dp_audit.csv")


def worlds() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2024)
    d0 = pd.DataFrame({
        "age": rng.integers(25, 70, N0),
        "income": rng.normal(3000, 600, N0).clip(0, 10_000).round(2),
        "group": pd.Categorical(rng.choice(["a", "b", "c"], N0), categories=["a", "b", "c", "z"]),
    })
    target = pd.DataFrame({"age": [99], "income": [10_000.0],
                           "group": pd.Categorical(["z"], categories=["a", "b", "c", "z"])})
    return d0, pd.concat([d0, target], ignore_index=True)


def release_stats(data: pd.DataFrame) -> dict:
    return {"rows": len(data),
            "share_z": float((data["group"] == "z").mean()) if len(data) else 0.0,
            "share_top": float(((data["income"] >= 8000) & (data["age"] >= 83)).mean())
            if len(data) else 0.0}


def run(trials: int, configs: list[str]) -> None:
    d0, d1 = worlds()
    done = pd.read_csv(OUT) if os.path.exists(OUT) else pd.DataFrame()
    for name in configs:
        cfg = CONFIGS[name]
        have = int((done["config"] == name).sum()) if len(done) else 0
        for t in range(have, trials):
            b = t % 2  # balanced worlds; all randomness of a release is fresh
            data = d1 if b else d0
            start = time.time()
            settings = dict(SETTINGS, **cfg.get("extra", {}))
            if cfg["method"].startswith("marginals"):
                settings = {k: v for k, v in settings.items() if k not in _GAN_ONLY}
                settings["progress"] = False
            elif cfg["epsilon"] is None:  # without privacy n is public: the same rate 0.5
                settings["batch_size"] = len(data) // 2
            rel = synth.synthesize(data, epsilon=cfg["epsilon"], delta=cfg["delta"],
                                   method=cfg["method"], bounds=BOUNDS,
                                   n_rows=len(data) if cfg["n_rows"] == "n" else cfg["n_rows"],
                                   **settings)
            row = {"config": name, "trial": t, "b": b, **release_stats(rel.data),
                   "epsilon": rel.epsilon, "seconds": time.time() - start}
            done = pd.concat([done, pd.DataFrame([row])], ignore_index=True)
            done.to_csv(OUT, index=False)
            print(f"{name} trial {t} b={b} rows={row['rows']} z={row['share_z']:.3f} "
                  f"({row['seconds']:.1f}s)", flush=True)


def _cp_upper(k: int, n: int, alpha: float) -> float:
    return 1.0 if k >= n else float(stats.beta.ppf(1 - alpha, k + 1, n - k))


def epsilon_lower_bound(fp: int, n0: int, fn: int, n1: int, delta: float,
                        alpha: float = 0.05) -> float:
    """Clopper–Pearson lower bound on epsilon from a test's errors (each rate at alpha/2)."""
    fpr, fnr = _cp_upper(fp, n0, alpha / 2), _cp_upper(fn, n1, alpha / 2)
    cands = [0.0]
    for a, c in ((fpr, fnr), (fnr, fpr)):
        if c > 0 and 1 - delta - a > 0:
            cands.append(math.log((1 - delta - a) / c))
    return max(cands)


def analyse(delta: float = DELTA) -> pd.DataFrame:
    df = pd.read_csv(OUT)
    rows = []
    for name, g in df.groupby("config", sort=False):
        for stat, thr in RULES:
            s0, s1 = g.loc[g.b == 0, stat].to_numpy(), g.loc[g.b == 1, stat].to_numpy()
            fp, fn = int((s0 > thr).sum()), int((s1 <= thr).sum())
            rows.append({"config": name, "trials": len(g), "rule": f"{stat} > {thr:g}",
                         "fpr": fp / max(len(s0), 1), "fnr": fn / max(len(s1), 1),
                         "epsilon_lower_bound": epsilon_lower_bound(
                             fp, len(s0), fn, len(s1), delta, alpha=0.05 / len(RULES)),
                         "epsilon_claimed": g["epsilon"].iloc[0],
                         "mean_world0": s0.mean(), "mean_world1": s1.mean(),
                         "seconds_per_trial": g["seconds"].mean()})
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = table.loc[table.groupby("config", sort=False)["epsilon_lower_bound"].idxmax()]
    fig, ax = plt.subplots(figsize=(6, 3))
    y = np.arange(len(table))
    ax.barh(y, table["epsilon_lower_bound"], color="tab:blue", label="audit: eps lower bound (95%)")
    claimed = table["epsilon_claimed"].replace(np.inf, np.nan)
    ax.scatter(claimed, y, color="tab:red", marker="|", s=300, label="claimed eps")
    ax.set_yticks(y, table["config"])
    ax.set_xlabel("epsilon")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=70, help="trials per configuration (even)")
    ap.add_argument("--configs", nargs="*", default=list(CONFIGS))
    ap.add_argument("--analyse", action="store_true", help="only analyse the saved trials")
    args = ap.parse_args()
    if not args.analyse:
        run(args.trials, args.configs)
    table = analyse()
    print(table.to_string(index=False))
    plot(table, os.path.join(os.path.dirname(OUT), "dp_audit.png"))
