"""Pooled tests of several parameters (mice's D1, D2, anova on mira) and the pooled R²
(mice::pool.r.squared), against R on the same completed datasets, and their properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

import socgan
from socgan.pooling import pool, pool_r_squared, pool_wald

TOL = 1e-6


def _close(ours, theirs, what):
    assert abs(ours - theirs) <= TOL * max(1.0, abs(theirs)), f"{what}: socgan {ours} vs R {theirs}"


@pytest.fixture(scope="module")
def imputed():
    """A survey-like table with a three-level factor, imputed (m = 8)."""
    rng = np.random.default_rng(7)
    n = 300
    region = rng.choice(["north", "south", "west"], n)
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + np.select([region == "south", region == "west"], [0.4, -0.2], 0.0) \
        + rng.normal(size=n)
    df = pd.DataFrame({"y": y, "x": x, "region": pd.Categorical(region)})
    df.loc[rng.random(n) < 0.25, "x"] = np.nan
    df.loc[rng.random(n) < 0.2, "region"] = np.nan
    return socgan.impute(df, m=8, seed=3, epochs=20, progress=False)


def _r_datasets(imp):
    return {f"d{k}": d.assign(region=d["region"].astype(str)) for k, d in enumerate(imp.datasets)}


@pytest.mark.against_r
@pytest.mark.parametrize("test, null, m, terms", [
    ("D1", "y ~ x", 8, ["region[T.south]", "region[T.west]"]),
    ("D2", "y ~ x", 8, ["region[T.south]", "region[T.west]"]),
    # D1(fit1): every term but the intercept
    ("D1", None, 8, ["region[T.south]", "region[T.west]", "x"]),
    ("D2", None, 8, ["region[T.south]", "region[T.west]", "x"]),
    # one parameter, m = 5: k(m - 1) = 4, where mitml's small-sample df is 4
    ("D1", "y ~ region", 5, ["x"]),
])
def test_wald_test_matches_mice(imputed, test, null, m, terms):
    from _r import r_eval, require_r_packages

    require_r_packages("mice", "mitml")
    sub = socgan.Imputations(imputed.datasets[0], imputed.datasets[:m])
    ours = sub.wald_test("y ~ x + region", null, test=test)
    r_null = "NULL" if null is None else \
        f"mice::as.mira(lapply(dats, function(d) lm({null}, data = d)))"
    r = r_eval(f"""
        dats <- mget(sprintf("d%d", 0:{m - 1}))
        dats <- lapply(dats, function(d) {{ d$region <- factor(d$region); d }})
        fit1 <- mice::as.mira(lapply(dats, function(d) lm(y ~ x + region, data = d)))
        out <- summary(mice::{test}(fit1, {r_null}))$comparisons
        unlist(out[, c("statistic", "df1", "df2", "p.value", "riv")])
    """, **_r_datasets(sub))
    assert ours.terms == terms
    for name, theirs in zip(["statistic", "df1", "df2", "p_value", "riv"], r):
        _close(getattr(ours, name), theirs, f"{test} {name}")
    assert ours.table.columns.tolist() == ["test", "statistic", "df1", "df2", "dfcom",
                                           "p.value", "riv"]


@pytest.mark.against_r
def test_identical_fits_give_rs_chi_square_limit():
    """No imputed variable in the model: B = 0 and df2 is infinite; R's pf() then gives the
    chi-square limit (scipy's F gives NaN)."""
    from _r import r_eval, require_r_packages

    require_r_packages("stats")
    est = [pd.Series([0.2, 0.1], index=["a", "b"])] * 5
    cov = [np.eye(2) * 0.01] * 5
    for method in ("D1", "D2"):
        res = pool_wald(est, cov, method=method)
        assert np.isinf(res.df2) and res.riv == 0
        _close(res.p_value, r_eval("pf(F, 2, Inf, lower.tail = FALSE)", F=res.statistic),
               f"{method} p")


@pytest.mark.against_r
def test_r_squared_without_intercept_is_uncentred_as_in_r(imputed):
    """statsmodels centres R² when the terms span a constant (all levels of a factor); R's
    summary.lm does not without an intercept."""
    from _r import r_eval, require_r_packages

    require_r_packages("mice")
    for adjusted in (False, True):
        ours = imputed.r_squared("y ~ 0 + x + region", adjusted=adjusted)
        r = r_eval(f"""
            dats <- mget(sprintf("d%d", 0:7))
            fit <- mice::as.mira(lapply(dats, function(d) lm(y ~ 0 + x + factor(region), data = d)))
            as.numeric(mice::pool.r.squared(fit, adjusted = {str(adjusted).upper()}))
        """, **_r_datasets(imputed))
        for name, theirs in zip(["est", "lo 95", "hi 95", "fmi"], r):
            _close(float(ours[name].iloc[0]), theirs, f"R^2 {name}")


@pytest.mark.against_r
@pytest.mark.parametrize("adjusted", [False, True])
def test_r_squared_matches_mice(imputed, adjusted):
    from _r import r_eval, require_r_packages

    require_r_packages("mice")
    ours = imputed.r_squared("y ~ x + region", adjusted=adjusted)
    r = r_eval(f"""
        dats <- mget(sprintf("d%d", 0:7))
        fit <- mice::as.mira(lapply(dats, function(d) lm(y ~ x + factor(region), data = d)))
        as.numeric(mice::pool.r.squared(fit, adjusted = {str(adjusted).upper()}))
    """, **_r_datasets(imputed))
    for name, theirs in zip(["est", "lo 95", "hi 95", "fmi"], r):
        _close(float(ours[name].iloc[0]), theirs, f"R^2 {name}")
    assert ours.index.tolist() == (["adj R^2"] if adjusted else ["R^2"])


def test_one_parameter_d1_statistic_is_the_squared_rubin_t(imputed):
    """For a single parameter, D1's F is Rubin's t statistic squared (r = (1 + 1/m) b / ubar,
    so (1 + r) ubar is the total variance T)."""
    pooled = imputed.fit("y ~ x + region").table.set_index("term")
    test = imputed.wald_test("y ~ x + region", "y ~ region")
    assert test.terms == ["x"] and test.df1 == 1
    assert test.statistic == pytest.approx(pooled.loc["x", "statistic"] ** 2, rel=1e-10)
    assert test.riv == pytest.approx(pooled.loc["x", "riv"], rel=1e-10)


def test_identical_imputations_give_the_complete_data_f_test():
    """No between-imputation variance: D1 is the complete-data Wald F test."""
    rng = np.random.default_rng(1)
    est = pd.Series([1.0, 0.3, -0.2], index=["a", "b", "c"])
    a = rng.normal(size=(3, 3))
    cov = pd.DataFrame(a @ a.T / 50 + np.eye(3) * 0.01, index=est.index, columns=est.index)
    jitter = [est + 1e-9 * rng.normal(size=3) for _ in range(5)]
    res = pool_wald(jitter, [cov] * 5, terms=["b", "c"])
    sub = cov.loc[["b", "c"], ["b", "c"]].to_numpy()
    wald = est[["b", "c"]].to_numpy() @ np.linalg.solve(sub, est[["b", "c"]].to_numpy()) / 2
    assert res.statistic == pytest.approx(wald, rel=1e-6)
    assert res.riv < 1e-12 and res.df2 > 1e10
    assert res.p_value == pytest.approx(stats.f.sf(wald, 2, res.df2), rel=1e-6)


def test_null_values_shift_the_hypothesis():
    rng = np.random.default_rng(2)
    est = [pd.Series([0.5, 2.0], index=["x", "y"]) + 0.05 * rng.normal(size=2) for _ in range(6)]
    cov = [np.eye(2) * 0.01] * 6
    at_truth = pool_wald(est, cov, null=[0.5, 2.0])
    at_zero = pool_wald(est, cov)
    assert at_truth.p_value > 0.05 > at_zero.p_value
    assert at_truth.terms == ["x", "y"]


def test_small_sample_df_needs_enough_imputations_and_errors_name_the_argument():
    est = [pd.Series([0.1, 0.2], index=["a", "b"])] * 3
    cov = [np.eye(2)] * 3
    with pytest.raises(ValueError, match=r"k\(m - 1\) >= 4.*k = 1.*m = 3"):
        pool_wald([e + i * 0.01 for i, e in enumerate(est)], cov, terms=["a"], dfcom=50)
    with pytest.raises(ValueError, match=r"`null` has 3 values for 2 tested terms"):
        pool_wald(est, cov, null=[0, 1, 2])
    with pytest.raises(ValueError, match=r"`null` gives no value for the tested term\(s\) \['b'\]"):
        pool_wald(est, cov, null={"a": 0.0})
    varied = [e + i * 0.01 for i, e in enumerate(est)]
    assert pool_wald(varied, cov, null={"a": 0.1, "b": 0.2}).statistic == pytest.approx(
        pool_wald(varied, cov, null=[0.1, 0.2]).statistic)
    with pytest.raises(ValueError, match="at least 2 imputations"):
        pool_wald(est[:1], cov[:1])
    with pytest.raises(ValueError, match="`covariances` 2"):
        pool_wald(est, cov[:2])
    with pytest.raises(ValueError, match=r"`terms` \['z'\]"):
        pool_wald(est, cov, terms=["z"])
    with pytest.raises(ValueError, match="`method` must be one of"):
        pool_wald(est, cov, method="D3")


def test_wald_test_dfcom_gives_the_large_sample_df_where_the_small_sample_one_fails(imputed):
    few = socgan.Imputations(data=imputed.data, datasets=imputed.datasets[:3],
                             diagnostics=imputed.diagnostics)
    with pytest.raises(ValueError, match=r"k = 1.*m = 3.*wald_test's dfcom=inf"):
        few.wald_test("y ~ x + region", "y ~ region")
    large = few.wald_test("y ~ x + region", "y ~ region", dfcom=np.inf)
    fits = [smf.ols("y ~ x + region", d).fit() for d in few.datasets]
    expected = pool_wald([f.params for f in fits], [f.cov_params() for f in fits], terms=["x"])
    assert large.df2 == pytest.approx(expected.df2) and np.isfinite(large.p_value)
    for bad, error, words in [(True, TypeError, "must be None or a positive number"),
                              ("10", TypeError, "must be None or a positive number"),
                              (0, ValueError, "must be a positive number")]:
        with pytest.raises(error, match=words):
            imputed.wald_test("y ~ x + region", "y ~ region", dfcom=bad)
    with pytest.raises(ValueError, match="applies to test='D1'"):
        imputed.wald_test("y ~ x + region", "y ~ region", test="D2", dfcom=40)
    given = imputed.wald_test("y ~ x + region", "y ~ region", dfcom=40)
    fits = [smf.ols("y ~ x + region", d).fit() for d in imputed.datasets]
    assert given.df2 == pytest.approx(pool_wald([f.params for f in fits],
                                                [f.cov_params() for f in fits], terms=["x"],
                                                dfcom=40).df2)


def test_wald_test_refuses_models_that_are_not_nested(imputed):
    with pytest.raises(ValueError, match="must be nested"):
        imputed.wald_test("y ~ x", "y ~ region")
    with pytest.raises(ValueError, match="nothing to test"):
        imputed.wald_test("y ~ x", "y ~ x")
    with pytest.raises(ValueError, match="models another outcome"):
        imputed.wald_test("y ~ x + region", "x ~ region")


def test_collinear_terms_are_an_error_naming_the_imputation(imputed):
    """statsmodels solves a rank-deficient design by a pseudo-inverse, with a warning at most;
    R's lm reports NA for the aliased term and mitml refuses the singular matrix."""
    with pytest.raises(ValueError, match=r"imputed dataset 1: its design is singular \(rank 4 for 5"):
        imputed.wald_test("y ~ x + I(2 * x) + region", "y ~ region")
    with pytest.raises(ValueError, match="imputed dataset 1: its design is singular"):
        imputed.fit("y ~ x + I(2 * x)")


def test_r_squared_input_checks():
    with pytest.raises(ValueError, match="At least two"):
        pool_r_squared([0.3], 100)
    with pytest.raises(ValueError, match="below 1"):
        pool_r_squared([0.3, 1.2], 100)
    with pytest.warns(RuntimeWarning, match="negative"):  # an adjusted R² below 0: NaN, as R
        assert pool_r_squared([0.01, -0.002], 100).isna().all(axis=None)
    out = pool_r_squared([0.3, 0.3, 0.3], 1000)
    assert out.loc[0, "est"] == pytest.approx(0.3)
    assert out.loc[0, "lo 95"] < 0.3 < out.loc[0, "hi 95"]


def test_pool_is_unchanged_by_the_refactoring(imputed):
    """fit() now goes through the same fitting function as wald_test(): its result is pool()
    of the statsmodels fits, as before."""
    import statsmodels.formula.api as smf

    fits = [smf.ols("y ~ x + region", d).fit() for d in imputed.datasets]
    expected = pool([f.params for f in fits], [np.diag(f.cov_params()) for f in fits],
                    dfcom=min(f.df_resid for f in fits)).table
    pd.testing.assert_frame_equal(imputed.fit("y ~ x + region").table, expected)


@pytest.mark.against_r
def test_weighted_fit_with_zero_weights_pools_as_r():
    """R's lm leaves rows of weight 0 out of the residual df (and sigma); statsmodels' WLS
    counted them, so standard errors, df and D1's dfcom differed from mice's."""
    from _r import r_eval, require_r_packages

    require_r_packages("mice", "mitml")
    rng = np.random.default_rng(1)
    n = 120
    w = np.where(rng.random(n) < 0.2, 0.0, rng.random(n) + 0.5)  # observed: the same in each
    dats = []
    for _ in range(6):
        d = pd.DataFrame({"y": rng.normal(size=n), "x": rng.normal(size=n),
                          "z": rng.normal(size=n), "w": w})
        d["y"] += 0.5 * d["x"]
        dats.append(d)
    imp = socgan.Imputations(dats[0], dats)
    ours = imp.fit("y ~ x + z", method="wls", options={"weights": "w"}).table
    test = imp.wald_test("y ~ x + z", "y ~ x", method="wls", options={"weights": "w"})
    r = r_eval("""
        fits <- function(f) mice::as.mira(lapply(list(d0, d1, d2, d3, d4, d5),
                                                 function(d) lm(f, data = d, weights = w)))
        s <- summary(mice::pool(fits(y ~ x + z)))
        t <- summary(mice::D1(fits(y ~ x + z), fits(y ~ x)))$comparisons
        c(s$std.error, s$df, t$statistic, t$df2, t$dfcom)
    """, **{f"d{k}": d for k, d in enumerate(dats)})
    for ours_value, theirs in zip([*ours["std.error"], *ours["df"], test.statistic, test.df2,
                                   test.dfcom], r):
        _close(float(ours_value), theirs, "weighted")
