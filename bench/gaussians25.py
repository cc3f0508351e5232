"""The 25-Gaussians toy example of Private Post-GAN Boosting (Neunhoeffer, Wu & Dwork, ICLR 2021).

Real data: ``n`` draws from an equal mixture of 25 bivariate normals with means on the 5 x 5 grid
{-4, -2, 0, 2, 4}^2 and standard deviation ``sd`` in each coordinate (seeded). Public bounds
x, y in [-6, 6]. ``socgan.synth.synthesize`` is run with the same seed and settings for

* ``gan``            -- GAN without privacy, release drawn from the last generator;
* ``pgb-nonprivate`` -- non-private post-GAN boosting over the kept generator/discriminator pairs;
* ``dpgan``          -- DP-GAN (DP-SGD on the discriminator's real-data term), (epsilon, delta)-DP;
* ``pgb``            -- the same DP training plus Private PGB, the whole budget shared.

Scores per panel (as in the paper's and DRS's mode-coverage metrics): the share of synthetic
points within 3 SD (Euclidean distance ``3 * sd``) of the nearest mode ("high-quality samples"),
and the number of the 25 modes "covered", i.e. holding at least 1% of all synthetic points within
3 SD. The same two scores with a looser fixed radius of 0.5 are given as well.

Outputs: a 1 x 5 figure of scatter plots (``bench/results/gaussians25.png``) and the table
(``bench/results/gaussians25.csv``), printed too.

Command (the run recorded in bench/RESULTS.md)::

    python bench/gaussians25.py --n 10000 --steps 10000 --epsilon 1 --seed 2021
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from socgan import synth

GRID = np.array([(a, b) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)], dtype=float)
BOUNDS = {"x": (-6.0, 6.0), "y": (-6.0, 6.0)}
METHODS = [("gan", "GAN"), ("pgb-nonprivate", "PGB (non-private)"),
           ("dpgan", "DP-GAN"), ("pgb", "Private PGB")]


def make_data(n: int, sd: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = rng.integers(len(GRID), size=n)
    xy = GRID[k] + rng.normal(0.0, sd, size=(n, 2))
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})


def scores(xy: np.ndarray, radius: float, min_share: float = 0.01) -> tuple[float, int]:
    """Share of points within ``radius`` of their nearest mode; modes with >= min_share of all points there."""
    d = np.sqrt(((xy[:, None, :] - GRID[None, :, :]) ** 2).sum(-1))
    nearest, dist = d.argmin(1), d.min(1)
    good = dist <= radius
    counts = np.bincount(nearest[good], minlength=len(GRID))
    return float(good.mean()), int((counts >= min_share * len(xy)).sum())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="real rows (and rows released)")
    ap.add_argument("--steps", type=int, default=10_000, help="GAN training steps")
    ap.add_argument("--epsilon", type=float, default=1.0, help="budget of the private methods")
    ap.add_argument("--delta", type=float, default=1e-5)
    ap.add_argument("--seed", type=int, default=2021)
    ap.add_argument("--sd", type=float, default=0.05, help="SD of each Gaussian")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--snapshots", type=int, default=50)
    ap.add_argument("--candidates", type=int, default=50_000)
    ap.add_argument("--pgb-rounds", type=int, default=200)
    ap.add_argument("--pgb-share", type=float, default=0.2)
    ap.add_argument("--methods", default=",".join(m for m, _ in METHODS))
    ap.add_argument("--out-dir", default=str(Path(__file__).resolve().parent / "results"))
    args = ap.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    real = make_data(args.n, args.sd, args.seed)
    common = dict(seed=args.seed, bounds=BOUNDS, steps=args.steps, batch_size=args.batch_size,
                  hidden=args.hidden, learning_rate=args.learning_rate, snapshots=args.snapshots,
                  candidates=args.candidates, pgb_rounds=args.pgb_rounds, pgb_share=args.pgb_share)
    wanted = args.methods.split(",")
    panels = [("real", "Real", real.to_numpy(), math.inf, None, 0.0)]
    for method, label in METHODS:
        if method not in wanted:
            continue
        private = method in ("pgb", "dpgan")
        t0 = time.perf_counter()
        rel = synth.synthesize(real, epsilon=args.epsilon if private else None,
                               delta=args.delta if private else None, method=method, **common)
        secs = time.perf_counter() - t0
        print(f"{method}: {secs:.1f} s; {rel}; noise multiplier "
              f"{rel.report.get('noise_multiplier')}", flush=True)
        panels.append((method, label, rel.data.to_numpy(), rel.epsilon, rel.report, secs))

    rows = []
    for method, label, xy, eps, rep, secs in panels:
        hq3, cov3 = scores(xy, 3 * args.sd)
        hq5, cov5 = scores(xy, 0.5)
        rows.append({"method": method, "epsilon": None if method == "real" else eps,
                     "delta": (rep or {}).get("delta"),
                     "noise_multiplier": (rep or {}).get("noise_multiplier"),
                     "share_within_3sd": round(hq3, 4), "modes_covered_3sd": cov3,
                     "share_within_0.5": round(hq5, 4), "modes_covered_0.5": cov5,
                     "seconds": round(secs, 1)})
    table = pd.DataFrame(rows)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "gaussians25.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))

    fig = Figure(figsize=(4 * len(panels), 4.2), dpi=110)
    axes = fig.subplots(1, len(panels), sharex=True, sharey=True)
    for ax, (method, label, xy, eps, rep, secs), row in zip(axes, panels, rows):
        ax.scatter(xy[:, 0], xy[:, 1], s=2, alpha=0.25, color="C0" if method == "real" else "C3",
                   linewidths=0)
        ax.scatter(GRID[:, 0], GRID[:, 1], s=12, marker="+", color="k", linewidths=0.6)
        eps_txt = "" if method == "real" else (
            r", $\varepsilon=\infty$" if not math.isfinite(eps)
            else rf", $\varepsilon={eps:.2f}$, $\delta$={rep['delta']:.0e}")
        ax.set_title(f"{label}{eps_txt}", fontsize=10)
        ax.text(0.02, 0.02, f"within 3 SD: {row['share_within_3sd']:.2f}\n"
                f"modes: {row['modes_covered_3sd']}/25", transform=ax.transAxes, fontsize=8,
                va="bottom", bbox=dict(facecolor="white", alpha=0.8, linewidth=0))
        ax.set_xlim(-6, 6)
        ax.set_ylim(-6, 6)
        ax.set_aspect("equal")
    fig.suptitle(f"25 Gaussians (n = {args.n:,}, SD = {args.sd}), {args.steps:,} GAN steps, "
                 f"seed {args.seed}", fontsize=11)
    fig.tight_layout()
    fig.savefig(out / "gaussians25.png")
    print(f"wrote {out / 'gaussians25.png'} and {out / 'gaussians25.csv'}")


if __name__ == "__main__":
    main()
