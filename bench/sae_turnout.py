"""Small-area turnout benchmark: the layout of the talk's table on a simulation with known truth.

Each replication draws a new world with ``socgan.datasets.turnout`` (1,000,000 census rows,
about 30,000 respondents by default) and runs ``socgan.sae.compare`` with every method on it:
state-level RMSE, MAE, correlation with the true turnout, coverage of the 90% intervals, mean
interval width and wall time. Rows are appended to a CSV as each replication ends, so a long
run can be split over processes (``--reps 0-9`` and ``--reps 10-19``) and summarised later.

    python bench/sae_turnout.py --reps 0-9 --out bench/results/sae_a.csv
    python bench/sae_turnout.py --summarise bench/results/sae_a.csv bench/results/sae_b.csv

The simulation's seed of replication r is 10_000 + r (never the development seed 3).
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

import socgan


def run(reps: list[int], out: Path, *, methods: list[str], m: int, n_census: int,
        n_survey: int, vote_response_odds: float, plot: Path | None) -> None:
    for r in reps:
        sim = socgan.datasets.turnout(n_census=n_census, n_survey=n_survey, seed=10_000 + r,
                                      vote_response_odds=vote_response_odds)
        res = socgan.sae.compare(sim["survey"], sim["census"], outcome="voted", area="state",
                                 truth=sim["truth"], methods=methods, m=m, seed=r,
                                 progress=False)
        table = res["table"].assign(rep=r, m=m, n_census=n_census,
                                    n_survey=len(sim["survey"]),
                                    vote_response_odds=vote_response_odds,
                                    survey_turnout=sim["survey"]["voted"].mean(),
                                    true_turnout=np.average(sim["truth"]["turnout"],
                                                            weights=sim["truth"]["n_census"]))
        est = res["estimates"]
        bias = (est["estimate"] - est["truth"]).groupby(est["method"]).mean()
        table["mean_error"] = table["method"].map(bias)
        table.to_csv(out, mode="a", header=not out.exists(), index=False)
        print(table[["rep", "method", "rmse", "mae", "correlation", "coverage", "mean_error",
                     "seconds"]].round(4).to_string(index=False), flush=True)
        if plot is not None and r == reps[0]:
            socgan.sae.plot(est, path=plot, title=f"Turnout simulation, replication {r}")
            est.to_csv(plot.with_name(plot.stem + "_estimates.csv"), index=False)


def summarise(paths: list[Path]) -> pd.DataFrame:
    df = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    g = df.groupby("method", sort=False)
    out = pd.DataFrame({
        "reps": g["rep"].nunique(),
        "rmse": g["rmse"].mean(), "rmse_mcse": g["rmse"].std() / np.sqrt(g["rep"].nunique()),
        "mae": g["mae"].mean(), "correlation": g["correlation"].mean(),
        "coverage_90": g["coverage"].mean(),
        "coverage_mcse": g["coverage"].std() / np.sqrt(g["rep"].nunique()),
        "mean_width": g["mean_width"].mean(), "mean_error": g["mean_error"].mean(),
        "seconds": g["seconds"].mean()})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", default="0-19", help="replications, e.g. 0-19 or 3,5")
    ap.add_argument("--out", type=Path, default=Path("bench/results/sae_turnout.csv"))
    ap.add_argument("--methods", default=",".join(socgan.sae.METHODS))
    ap.add_argument("--m", type=int, default=5)
    ap.add_argument("--n-census", type=int, default=1_000_000)
    ap.add_argument("--n-survey", type=int, default=30_000)
    ap.add_argument("--vote-response-odds", type=float, default=1.2)
    ap.add_argument("--plot", type=Path, default=None)
    ap.add_argument("--summarise", nargs="+", type=Path, default=None)
    a = ap.parse_args()
    if a.summarise:
        print(summarise(a.summarise).round(4).to_string())
        return
    if "-" in a.reps:
        lo, hi = map(int, a.reps.split("-"))
        reps = list(range(lo, hi + 1))
    else:
        reps = [int(x) for x in a.reps.split(",")]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()}: {platform.processor()}, "
          f"reps {reps}, m={a.m}, methods {a.methods}", flush=True)
    run(reps, a.out, methods=a.methods.split(","), m=a.m, n_census=a.n_census,
        n_survey=a.n_survey, vote_response_odds=a.vote_response_odds, plot=a.plot)


if __name__ == "__main__":
    main()
