"""``GainImputer.overimpute``: held-out observed values drawn by models fitted without them
(Amelia's ``overimpute``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan.imputation._overimpute import order_statistic

FAST = {"epochs": 3, "progress": False}


def _normal(n=500, seed=5):
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0, 0], [[1, .6, .3], [.6, 1, .4], [.3, .4, 1]], size=n)
    d = pd.DataFrame(z, columns=["a", "b", "c"])
    d["k"] = rng.integers(1, 8, n)  # a whole-number column (numpy int64)
    d["g"] = pd.Categorical(rng.choice(["x", "y"], n))
    for col in ("a", "b", "k"):
        d.loc[rng.random(n) < 0.2, col] = np.nan
    d["k"] = d["k"].astype("Int64")
    return d


def test_the_interval_is_the_order_statistics_a_right_model_covers_at_its_level():
    assert order_statistic(20, 0.90) == 1  # (x_(1), x_(20)) of 20 draws: 19/21 = 0.905
    assert order_statistic(99, 0.90) == 5  # (x_(5), x_(95)): 90/100
    assert order_statistic(40, 0.95) == 1
    with pytest.raises(ValueError, match="too few for a 90% interval: it needs at least 19"):
        order_statistic(10, 0.90)
    # the coverage of (x_(k), x_(n+1-k)) for a value from the draws' distribution, simulated
    rng = np.random.default_rng(1)
    draws, value = np.sort(rng.normal(size=(20_000, 20)), axis=1), rng.normal(size=20_000)
    covered = (draws[:, 0] <= value) & (value <= draws[:, -1])
    assert abs(covered.mean() - 19 / 21) < 0.01


def test_held_out_values_are_checked_and_nothing_is_modified():
    d = _normal()
    before = d.copy(deep=True)
    imputer = socgan.GainImputer(m=3, seed=2, **FAST)
    o = imputer.overimpute(d, holdout=0.25, draws=19)
    pd.testing.assert_frame_equal(d, before)
    assert not hasattr(imputer, "fitted_")  # the imputer itself is not fitted by the check
    assert list(o.coverage["column"]) == ["a", "b", "k"]  # numeric columns with missing values
    t = o.table
    for col in ("a", "b", "k"):
        part = t[t["column"] == col]
        n_obs = int(d[col].notna().sum())
        assert len(part) == round(0.25 * n_obs)
        # the observed column holds the real (hidden) values of those rows
        np.testing.assert_array_equal(part["observed"].to_numpy(),
                                      d.loc[part["row"], col].to_numpy(dtype=float))
        assert (part["lower"] <= part["mean"]).all() and (part["mean"] <= part["upper"]).all()
        row = o.coverage.set_index("column").loc[col]
        assert row["coverage"] == pytest.approx(part["covered"].mean())
        assert row["expected"] == pytest.approx(18 / 20)  # 19 draws at 0.90: k = 1
    whole = t[t["column"] == "k"]
    assert (whole[["lower", "upper"]] % 1 == 0).all().all()  # whole numbers stay whole
    assert "expected" in o.summary() and "20% " not in o.summary()
    same = socgan.GainImputer(m=3, seed=2, **FAST).overimpute(d, holdout=0.25, draws=19)
    pd.testing.assert_frame_equal(o.table, same.table)  # the seed fixes the check too


def test_a_fitted_model_covers_about_as_often_as_it_should():
    """MVN data, where mice's `norm` (the right model) covers 0.89 of held-out values with 20
    draws' range (expected 0.905) and `pmm` 0.83 (bench/RESULTS.md, sixteenth session)."""
    d = _normal(n=800, seed=7).drop(columns=["k", "g"])
    o = socgan.GainImputer(m=5, seed=1, progress=False).overimpute(d, holdout=0.3)
    cov = o.coverage.set_index("column")
    assert cov.loc[["a", "b"], "coverage"].between(0.75, 0.97).all()
    assert (cov.loc[["a", "b"], "correlation"] > 0.3).all()
    # the model predicts: its error is below that of guessing the mean
    assert (cov.loc[["a", "b"], "rmse"] < cov.loc[["a", "b"], "rmse_no_model"]).all()
    assert np.allclose(cov["coverage_se"], np.sqrt(cov["coverage"] * (1 - cov["coverage"]) / cov["n"]))
    fig = o.plot()
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"columns": "g"}, ValueError, "'g' is categorical; overimputation checks numeric"),
    ({"columns": "nope"}, ValueError, "`data` has no column 'nope'"),
    ({"columns": "c", "draws": 10}, ValueError, "too few for a 90% interval"),
    ({"holdout": 0.7}, ValueError, "holdout"),
])
def test_errors_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        socgan.GainImputer(m=2, seed=1, **FAST).overimpute(_normal(), **kwargs)


def test_idvars_are_not_checked_and_a_plot_names_an_unchecked_column():
    d = _normal()
    d["w"] = np.linspace(1, 2, len(d))
    imputer = socgan.GainImputer(m=2, seed=1, idvars="w", **FAST)
    with pytest.raises(ValueError, match="'w' is not modelled"):
        imputer.overimpute(d, columns="w", draws=19)
    o = imputer.overimpute(d, columns=["a"], draws=19, max_cells=10)
    assert len(o.table) == 10
    with pytest.raises(ValueError, match=r"no overimputation of \['b'\]"):
        o.plot(columns=["b"])


def test_a_column_with_few_held_out_values_warns_that_its_coverage_says_little():
    """A user's trial (mice::nhanes, 25 rows): 3 held-out values gave a coverage of 1.000 with a
    standard error of 0.000, and nothing said that this judges nothing."""
    d = _normal(n=60, seed=7)
    with pytest.warns(UserWarning, match=r"held out fewer than 20 values of 'a' \(\d+\), 'b' "
                                         r"\(\d+\), 'k' \(\d+\): their coverage rests on too few"):
        socgan.GainImputer(m=2, seed=1, **FAST).overimpute(d)
