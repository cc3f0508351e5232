"""socgan.pool and pool_scalar against mice's numbers frozen in results/mice_pool.json, made by
results/mice_pool.R (mice 3.15.0, R 4.2.2): the same checks as the live ``against_r`` tests in
test_pooling.py, run without R. Agreement to 1e-6, relative where a value exceeds 1."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import socgan.pooling
from socgan.pooling import pool, pool_scalar

RESULTS = Path(__file__).parent / "results"
TOL = 1e-6
# The columns of summary(pool(fit), type = "all", conf.int = TRUE), in mice's names; the
# interval's two columns are named by the level ("2.5 %") and compared with conf.low/conf.high.
R_COLUMNS = ["estimate", "std.error", "statistic", "df", "p.value", "riv", "lambda", "fmi", "m",
             "ubar", "b", "t", "dfcom"]
_MICE_NAMES = {"std_error": "std.error", "p_value": "p.value", "conf_low": "conf.low",
               "conf_high": "conf.high"}
_SPECIAL = {"Inf": np.inf, "-Inf": -np.inf, "NaN": np.nan, "NA": np.nan}


def _numbers(obj):
    """jsonlite's strings for R's non-finite numbers as floats."""
    if isinstance(obj, dict):
        return {k: _numbers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_numbers(v) for v in obj]
    return _SPECIAL.get(obj, obj) if isinstance(obj, str) else obj


def _cases(kind: str) -> list[dict]:
    frozen = _numbers(json.loads((RESULTS / "mice_pool.json").read_text()))
    return frozen["cases"][kind]


def _assert_close(ours, theirs, what):
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    same = (np.isnan(a) & np.isnan(b)) | (np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b)))
    with np.errstate(invalid="ignore"):
        ok = same | (np.abs(a - b) <= TOL * np.maximum(1.0, np.abs(b)))
    assert ok.all(), f"{what}: socgan {a!r} vs mice {b!r}"


def _pooled_table(coef, vcov, **options) -> pd.DataFrame:
    """pool()'s table under mice's column names: the ``.table`` of its result class, or the
    DataFrame (asked for with every column) that pool() returned before issue 16 made it one."""
    if hasattr(socgan.pooling, "Pooled"):
        return pool(coef, vcov, **options).table
    return pool(coef, vcov, details=True, **options).rename(columns=_MICE_NAMES)


def _scalar(q, u, **options) -> dict:
    """pool_scalar()'s numbers as a dict (its result class's ``to_dict()``, or the old dict)."""
    result = pool_scalar(q, u, **options)
    return result.to_dict() if hasattr(result, "to_dict") else result


@pytest.mark.parametrize("case", _cases("pool"), ids=lambda c: c["name"])
def test_pool_equals_frozen_mice_pool(case):
    coef = np.asarray(case["coef"], dtype=float).reshape(case["m"], -1)
    vcov = [np.atleast_2d(np.asarray(v, dtype=float)) for v in case["vcov"]]
    dfcom = case["dfcom"]
    ours = _pooled_table(coef, vcov, dfcom=None if np.isinf(dfcom) else dfcom,
                         terms=case["terms"], conf_level=case["conf_level"])
    summary = pd.DataFrame(case["summary"])
    assert list(ours["term"]) == list(summary["term"])
    for col in R_COLUMNS:
        _assert_close(ours[col], summary[col], f"{case['name']}: {col}")
    level = case["conf_level"]
    low, high = f"{100 * (1 - level) / 2:g} %", f"{100 * (1 - (1 - level) / 2):g} %"
    _assert_close(ours["conf.low"], summary[low], "conf.low")
    _assert_close(ours["conf.high"], summary[high], "conf.high")


@pytest.mark.parametrize("case", _cases("pool_scalar"), ids=lambda c: c["name"])
def test_pool_scalar_equals_frozen_mice_pool_scalar(case):
    q = np.atleast_1d(np.asarray(case["Q"], dtype=float))
    u = np.atleast_1d(np.asarray(case["U"], dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # zero variances: NaN/Inf as in R
        ours = _scalar(q, u, n_rows=case["n"], k=case["k"], conf_level=case["conf_level"])
    theirs = case["result"]
    assert ours["m"] == theirs["m"]
    for key in ["qbar", "ubar", "b", "t", "df", "r", "fmi", "p_value", "conf_low", "conf_high"]:
        _assert_close(ours[key], theirs[key], f"{case['name']}: {key}")


def test_the_frozen_values_come_from_the_script_beside_them():
    frozen = json.loads((RESULTS / "mice_pool.json").read_text())
    assert frozen["generated_by"] == "tests/pooling/results/mice_pool.R"
    assert (RESULTS / "mice_pool.R").is_file() and frozen["mice"]
    assert len(frozen["cases"]["pool"]) == 7 and len(frozen["cases"]["pool_scalar"]) == 7
