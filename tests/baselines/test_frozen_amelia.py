"""EM of socgan's EMB against Amelia's estimates frozen in results/amelia_em.json, made by
results/amelia_em.R (Amelia 1.8.1, R 4.2.2) with the data it used (results/freetrade.csv): the
check of the live ``against_r`` test in test_emb.py, run without R."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socgan._core.emb import Design, em

RESULTS = Path(__file__).parent / "results"


def freetrade() -> pd.DataFrame:
    """Amelia's freetrade as R holds it (integers as Int64, country as strings)."""
    return pd.read_csv(RESULTS / "freetrade.csv",
                       dtype={"country": str, "polity": "Int64", "signed": "Int64"})


FROZEN = json.loads((RESULTS / "amelia_em.json").read_text())


@pytest.mark.parametrize("case", FROZEN["cases"], ids=lambda c: f"empri={c['empri']}")
def test_em_estimates_equal_frozen_amelia(case):
    """Same standardisation, dummies, start values, ridge prior and stopping rule as Amelia
    without bootstrap: the same EM estimates and the same number of iterations."""
    design = Design.build(freetrade(), ["country"], None)
    fit = em(design.z, empri=float(case["empri"]), tol=1e-4, max_iter=1000)
    assert fit.iterations == case["iterations"]
    np.testing.assert_allclose(fit.mean, case["mu"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.cov, np.asarray(case["cov"]), rtol=0, atol=1e-8)


def test_the_frozen_data_are_amelias_freetrade():
    data = freetrade()
    assert data.shape == (171, 10) and FROZEN["generated_by"].endswith("amelia_em.R")
    assert data["country"].nunique() == 9 and int(data["tariff"].isna().sum()) == 58
