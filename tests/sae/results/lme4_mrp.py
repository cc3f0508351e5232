"""lme4's fits of MRP's model, frozen in lme4_mrp.json for tests/sae/test_frozen_lme4.py (the
live comparisons, marked against_r, stay in tests/sae/test_mrp.py).

The worlds are simulated here (:func:`world`, the live tests' ``_world``) and fitted in R by
``socgan.r.run_glmer_mrp``: ``lme4::glmer(cbind(y, n - y) ~ ..., family = binomial, nAGQ = 1)``
or ``lme4::lmer(y ~ ..., REML = FALSE)`` on the data of ``socgan.sae._mrp.reference_frames``,
poststratified in R (the R code is ``glmer_mrp`` in socgan/r/_bridge.py). Regenerate from the
repository root (needs R with lme4, and rpy2):

    PYTHONPATH=$PWD python3 tests/sae/results/lme4_mrp.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

COVARIATES = ["region", "prev_turnout", "age", "educ", "sex"]
#: (name, seed, binary) of each frozen fit: seed 0 gives glmer a singular fit (sex SD 0)
CASES = [("glmer, seed 0", 0, True), ("glmer, seed 3", 3, True), ("lmer, seed 2", 2, False)]
PATH = Path(__file__).with_name("lme4_mrp.json")


def world(seed=0, *, n_areas=51, n_census=20_000, n_survey=3_000, binary=True, missing=True):
    """A census and a survey drawn from it: 51 areas (the last without respondents), an
    area-level region and previous turnout, individual age, education and sex (sex without
    effect, so its SD is often estimated as 0), and some missing covariates in both frames."""
    rng = np.random.default_rng(seed)
    region = rng.integers(0, 4, n_areas)
    prev = rng.normal(0.6, 0.08, n_areas)
    a = rng.integers(0, n_areas, n_census)
    age, educ, sex = (rng.integers(0, k, n_census) for k in (5, 4, 3))
    census = pd.DataFrame({
        "state": pd.Categorical.from_codes(a, categories=[f"S{i:02d}" for i in range(n_areas)]),
        "region": pd.Categorical.from_codes(region[a], categories=["NE", "MW", "S", "W"]),
        "prev_turnout": prev[a],
        "age": pd.Categorical.from_codes(age, categories=["18-29", "30-44", "45-64", "65-74",
                                                          "75+"], ordered=True),
        "educ": pd.Categorical.from_codes(educ, categories=["<HS", "HS", "Some", "BA+"]),
        "sex": pd.Categorical.from_codes(sex, categories=["F", "M", "X"]),
    })
    eta = (-0.2 + 3 * (prev[a] - 0.6) + rng.normal(0, 0.3, n_areas)[a]
           + np.array([0.2, -0.1, -0.2, 0.1])[region[a]]
           + np.array([-0.8, -0.3, 0.2, 0.5, 0.4])[age] + np.array([-0.6, -0.2, 0.2, 0.6])[educ])
    idx = rng.choice(n_census, n_survey, replace=False)
    idx = idx[a[idx] != n_areas - 1]
    survey = census.iloc[idx].reset_index(drop=True)
    if binary:
        survey["voted"] = (rng.random(idx.size) < 1 / (1 + np.exp(-eta[idx]))).astype(float)
    else:
        survey["voted"] = eta[idx] + rng.normal(0, 1, idx.size)
    if missing:
        survey.loc[rng.random(len(survey)) < 0.03, "educ"] = np.nan
        survey.loc[rng.random(len(survey)) < 0.02, "prev_turnout"] = np.nan
        census.loc[rng.random(n_census) < 0.02, "age"] = np.nan
    return survey, census


def main() -> int:
    from socgan.r import run_glmer_mrp
    from socgan.r._session import r_session

    ro, _ = r_session("lme4")
    cases = []
    for name, seed, binary in CASES:
        survey, census = world(seed, binary=binary)
        ref = run_glmer_mrp(survey, census, outcome="voted", area="state",
                            covariates=COVARIATES, binary=binary)
        cases.append({
            "name": name, "seed": seed, "binary": binary,
            "fixed": {str(k): float(v) for k, v in ref["fixed"].items()},
            "sd": {str(k): float(v) for k, v in ref["sd"].items()},
            "loglik": ref["loglik"], "notes": ref["notes"],
            "area": [str(a) for a in ref["area_means"]["area"]],
            "estimate": [None if math.isnan(v) else v for v in ref["area_means"]["estimate"]],
        })
    out = {"generated_by": "tests/sae/results/lme4_mrp.py",
           "R": str(ro.r("R.version.string")[0]),
           "lme4": str(ro.r("as.character(packageVersion('lme4'))")[0]),
           "numpy": np.__version__, "cases": cases}
    PATH.write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
