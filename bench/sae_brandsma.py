"""Small-area estimation on real data: the pupils of mice's ``brandsma`` data as the population.

Brandsma & Knuver (1989) measured 4,106 Dutch pupils in 216 schools (R package mice,
``mice::brandsma``). The pupils whose grade repetition is recorded (4,093) are taken as the whole
population; the outcome is whether a pupil repeated a grade (``rpg > 0``, 13%), the areas are the
schools (about 19 pupils each), and the truth is each school's share, computed from all its pupils.
Each replication draws a survey from this population — a simple random sample (``--design srs``)
or one whose response rises with the language pretest (``--design informative``: response odds
x1.5 per SD, ignorable given the covariates) — and runs ``socgan.sae.compare`` with the census of
all pupils' covariates: language and arithmetic pretests (0-49, 0-20), pupil SES (about -17 to
22), verbal IQ (about -8 to 7) and sex, with the missing values they have in the data.

    python bench/sae_brandsma.py --reps 0-9 --out bench/results/sae_brandsma.csv

Needs R with mice (the data are read through rpy2); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import socgan

COVARIATES = ["lpr", "apr", "ses", "iqv", "sex"]


def population() -> pd.DataFrame:
    import rpy2.robjects as ro
    from rpy2.robjects import pandas2ri
    from rpy2.robjects.conversion import localconverter

    ro.r("suppressPackageStartupMessages(library(mice))")
    with localconverter(ro.default_converter + pandas2ri.converter):
        b = ro.conversion.rpy2py(ro.r("as.data.frame(lapply(mice::brandsma, as.numeric))"))
    b = b[b["rpg"].notna()].reset_index(drop=True)
    return pd.DataFrame({
        "repeated": (b["rpg"] > 0).astype(np.int64),
        "school": pd.Categorical(b["sch"].astype(int)),
        "lpr": b["lpr"], "apr": b["apr"], "ses": b["ses"], "iqv": b["iqv"],
        "sex": pd.Categorical(b["sex"].map({0.0: "boy", 1.0: "girl"})),
    })


def survey_of(pop: pd.DataFrame, rng, fraction: float, design: str) -> pd.DataFrame:
    if design == "srs":
        take = rng.random(len(pop)) < fraction
    else:  # response odds x1.5 per SD of the language pretest (observed: ignorable given it)
        z = ((pop["lpr"] - pop["lpr"].mean()) / pop["lpr"].std()).fillna(0.0).to_numpy()
        odds = fraction / (1 - fraction) * 1.5 ** z
        take = rng.random(len(pop)) < odds / (1 + odds)
    return pop[take].reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", default="0-9")
    ap.add_argument("--methods", default=",".join(socgan.sae.METHODS))
    ap.add_argument("--fraction", type=float, default=0.25)
    ap.add_argument("--design", choices=("srs", "informative"), default="srs")
    ap.add_argument("--m", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("bench/results/sae_brandsma.csv"))
    a = ap.parse_args()
    lo, hi = map(int, a.reps.split("-")) if "-" in a.reps else (int(a.reps), int(a.reps))
    pop = population()
    census = pop.drop(columns="repeated")
    truth = pop.groupby("school", observed=True)["repeated"].mean().rename("truth")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}: population {len(pop)} pupils, "
          f"{pop['school'].nunique()} schools, {pop['repeated'].mean():.3f} repeated; "
          f"design {a.design}, fraction {a.fraction}", flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    for r in range(lo, hi + 1):
        rng = np.random.default_rng(30_000 + r)
        survey = survey_of(pop, rng, a.fraction, a.design)
        ests, cpu = [], {}
        for meth in a.methods.split(","):
            start = time.process_time()
            res = socgan.sae.compare(survey, census, outcome="repeated", area="school",
                                     covariates=COVARIATES, truth=truth, methods=[meth], m=a.m,
                                     seed=r, progress=False)
            cpu[meth] = time.process_time() - start
            ests.append(res.estimates)
        # scored on the schools every method estimates (MRP has none for a school whose
        # pupils all lack a covariate), so that the methods are compared on the same areas
        e = pd.concat(ests, ignore_index=True)
        common = e.groupby("area", observed=True)["estimate"].apply(lambda v: v.notna().all())
        e = e[e["area"].map(common).astype(bool)]
        rows = []
        for meth, d in e.groupby("method", sort=False):
            err = d["estimate"] - d["truth"]
            rows.append({"method": meth, "rep": r, "design": a.design, "n_survey": len(survey),
                         "areas": len(d), "rmse": float(np.sqrt((err ** 2).mean())),
                         "mae": float(err.abs().mean()),
                         "correlation": float(np.corrcoef(d["estimate"], d["truth"])[0, 1]),
                         "coverage": float(((d["conf_low"] <= d["truth"])
                                            & (d["truth"] <= d["conf_high"])).mean()),
                         "mean_width": float((d["conf_high"] - d["conf_low"]).mean()),
                         "mean_error": float(err.mean()), "cpu_seconds": cpu[meth]})
        table = pd.DataFrame(rows)
        table.to_csv(a.out, mode="a", header=not a.out.exists(), index=False)
        print(table.round(4).to_string(index=False), flush=True)
    df = pd.read_csv(a.out)
    print(df.groupby(["design", "method"])[["rmse", "correlation", "coverage", "mean_width",
                                            "mean_error", "cpu_seconds"]].mean().round(4))


if __name__ == "__main__":
    main()
