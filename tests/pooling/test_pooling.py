"""Tests of socgan.pooling: Rubin's rules as R's mice pools them.

Tests marked ``against_r`` run R (mice) through rpy2 on the same inputs and require agreement to
1e-6 (relative to the size of the value when it exceeds 1, since df can be ~1e8); they skip
with a reason when R, rpy2 or mice is missing. The rest run in Python alone.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socgan.pooling import TABLE_COLUMNS, pool, pool_scalar

from _r import r_eval, require_r_packages

TOL = 1e-6

# The numeric columns of Pooled.table, all of them mice's names (conf.low/conf.high as mice's
# tidy.mipo names the interval)
POOL_COLUMNS = TABLE_COLUMNS[:11]
_NUMBERS = TABLE_COLUMNS[1:]


def _close(a, b, tol=TOL):
    """Elementwise |a - b| <= tol * max(1, |b|), NaN matching NaN and inf matching inf."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    same_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    with np.errstate(invalid="ignore"):
        ok = np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))
    return bool(np.all(both_nan | same_inf | ok))


def _assert_close(a, b, what, tol=TOL):
    assert _close(a, b, tol), f"{what}: socgan {np.asarray(a)!r} vs R {np.asarray(b)!r}"


# ---------------------------------------------------------------------------------------------
# Against R: mice::pool on lm fits
# ---------------------------------------------------------------------------------------------

# m data sets of size n, each fitted with lm(formula); the coefficients differ between the data
# sets, as they would between imputations. Returns the per-fit coefficients and covariance
# matrices, df.residual, and mice's pooled summary (type = "all", conf.int = TRUE).
_R_LM_FITS = """
suppressMessages(library(mice))
set.seed(seed)
fits <- lapply(seq_len(m), function(i) {
  d <- data.frame(x1 = rnorm(n), x2 = rnorm(n), x3 = rbinom(n, 1, 0.4))
  d$y <- 1 + 0.5 * d$x1 - 0.3 * d$x2 + 0.8 * d$x3 + rnorm(n, sd = 1 + 0.3 * i / m)
  if (identical_fits && i > 1) return(first)
  fit <- lm(as.formula(formula), data = d)
  if (i == 1) first <<- fit
  fit
})
pooled <- if (is.null(dfcom)) pool(as.mira(fits)) else pool(as.mira(fits), dfcom = dfcom)
s <- summary(pooled, type = "all", conf.int = TRUE, conf.level = conf_level)
class(s) <- "data.frame"
s$term <- as.character(s$term)
list(coef = do.call(rbind, lapply(fits, coef)),
     vcov = lapply(fits, vcov),
     terms = names(coef(fits[[1]])),
     dfres = df.residual(fits[[1]]),
     summary = s)
"""


def _r_lm_fits(*, m, formula="y ~ x1 + x2 + x3", n=30, seed=1, dfcom=None, conf_level=0.95,
               identical_fits=False):
    require_r_packages("mice")
    res = r_eval(_R_LM_FITS, m=m, n=n, seed=seed, formula=formula, dfcom=dfcom,
                 conf_level=conf_level, identical_fits=identical_fits)
    coef = np.asarray(res["coef"], dtype=float)
    assert coef.shape == (m, np.size(res["terms"]))
    return res, coef


def _compare_with_mice_summary(ours, summary: pd.DataFrame, conf_level: float):
    """``ours.summary(type="all")`` has R's column names in R's order and R's numbers."""
    mine = ours.summary(type="all", conf_level=conf_level)
    assert list(mine.columns) == list(summary.columns)
    assert list(mine["term"]) == list(summary["term"])
    for col in mine.columns[1:]:
        _assert_close(mine[col], summary[col], col)
    # .table holds the same numbers under tidy names; at the level given to pool() its
    # interval is the summary's
    tab = ours.table
    for col in set(tab.columns) & set(summary.columns) - {"term"}:
        _assert_close(tab[col], summary[col], col)
    if conf_level == ours.conf_level:
        _assert_close(tab["conf.low"], mine.iloc[:, 7], "conf.low")
        _assert_close(tab["conf.high"], mine.iloc[:, 8], "conf.high")


@pytest.mark.against_r
@pytest.mark.parametrize("m", [2, 5, 20])
def test_pool_matches_mice_pool_lm_fits(m):
    res, coef = _r_lm_fits(m=m, seed=m)
    ours = pool(coef, res["vcov"], dfcom=res["dfres"], terms=list(res["terms"]))
    assert list(ours.table.columns) == TABLE_COLUMNS
    assert res["summary"]["dfcom"].iloc[0] == res["dfres"] == 26
    _compare_with_mice_summary(ours, res["summary"], 0.95)


@pytest.mark.against_r
def test_pool_matches_mice_pool_one_term_conf_level_090():
    res, coef = _r_lm_fits(m=5, formula="y ~ 1", seed=11, conf_level=0.9)
    assert coef.shape == (5, 1)
    # variances as squared standard errors in an (m x 1) array, conf_level as R passes it
    var = np.array([np.diag(v) for v in res["vcov"]])
    ours = pool(coef, var, dfcom=float(res["dfres"]), conf_level=0.9, terms=["(Intercept)"])
    _compare_with_mice_summary(ours, res["summary"], 0.9)


@pytest.mark.against_r
def test_pool_large_sample_matches_mice_pool_with_infinite_dfcom():
    # dfcom=None is mice's fallback "Infinite sample size assumed." (dfcom = Inf): df = dfold
    res, coef = _r_lm_fits(m=5, seed=3, dfcom=float("inf"))
    assert np.isinf(res["summary"]["dfcom"]).all()
    ours = pool(coef, res["vcov"], terms=list(res["terms"]))
    _compare_with_mice_summary(ours, res["summary"], 0.95)


@pytest.mark.against_r
def test_pool_identical_fits_b_zero_matches_mice():
    res, coef = _r_lm_fits(m=5, seed=4, identical_fits=True)
    assert np.all(coef == coef[0])
    ours = pool(coef, res["vcov"], dfcom=res["dfres"], terms=list(res["terms"]))
    assert np.all(ours.table["b"] == 0) and np.all(ours.table["lambda"] == 0)
    _compare_with_mice_summary(ours, res["summary"], 0.95)


@pytest.mark.against_r
def test_pool_matches_mice_on_nhanes():
    require_r_packages("mice")
    res = r_eval("""
        suppressMessages(library(mice))
        imp <- mice(nhanes, m = 5, seed = 1, printFlag = FALSE)
        fit <- with(imp, lm(chl ~ age + bmi))
        s <- summary(pool(fit), type = "all", conf.int = TRUE)
        class(s) <- "data.frame"
        s$term <- as.character(s$term)
        list(coef = t(sapply(fit$analyses, coef)),
             se = t(sapply(fit$analyses, function(f) sqrt(diag(vcov(f))))),
             dfres = df.residual(fit$analyses[[1]]), summary = s)
    """)
    est = pd.DataFrame(res["coef"], columns=list(res["summary"]["term"]))
    var = pd.DataFrame(res["se"] ** 2, columns=est.columns)
    ours = pool(est, var, dfcom=res["dfres"])
    _compare_with_mice_summary(ours, res["summary"], 0.95)


# ---------------------------------------------------------------------------------------------
# Against R: mice::pool.scalar on random inputs
# ---------------------------------------------------------------------------------------------

_R_POOL_SCALAR = """
r <- mice::pool.scalar(Q, U, n = n, k = k)
r$p_value <- 2 * pt(abs(r$qbar / sqrt(r$t)), pmax(r$df, 0.001), lower.tail = FALSE)
a <- (1 - conf_level) / 2
r$conf_low <- r$qbar + suppressWarnings(qt(a, r$df)) * sqrt(r$t)
r$conf_high <- r$qbar + suppressWarnings(qt(1 - a, r$df)) * sqrt(r$t)
r
"""


def _r_pool_scalar(q, u, n=float("inf"), k=1.0, conf_level=0.95):
    require_r_packages("mice")
    return r_eval(_R_POOL_SCALAR, Q=np.asarray(q, float), U=np.asarray(u, float),
                  n=float(n), k=float(k), conf_level=conf_level)


def _compare_with_pool_scalar(ours, theirs):
    assert ours["m"] == int(theirs["m"])
    for key in ["qbar", "ubar", "b", "t", "df", "r", "fmi", "p_value", "conf_low",
                "conf_high"]:
        _assert_close(ours[key], theirs[key], key)
    np.testing.assert_array_equal(ours["qhat"], np.atleast_1d(theirs["qhat"]))
    np.testing.assert_array_equal(ours["u"], np.atleast_1d(theirs["u"]))


@pytest.mark.against_r
@pytest.mark.parametrize("m", [2, 5, 20])
@pytest.mark.parametrize("finite", [True, False])
def test_pool_scalar_matches_mice_pool_scalar(m, finite):
    rng = np.random.default_rng(100 * m + finite)
    q = rng.normal(2.0, 0.4, m)
    u = rng.uniform(0.05, 0.3, m)
    if finite:
        theirs = _r_pool_scalar(q, u, n=40, k=3)
        ours = pool_scalar(q, u, n_rows=40.0, k=3.0).to_dict()
        _compare_with_pool_scalar(ours, theirs)
        _compare_with_pool_scalar(pool_scalar(q, u, dfcom=37).to_dict(), theirs)
    else:
        theirs = _r_pool_scalar(q, u)
        _compare_with_pool_scalar(pool_scalar(q, u).to_dict(), theirs)


@pytest.mark.against_r
def test_pool_scalar_b_zero_and_conf_level_090_match_mice():
    q = np.full(4, 1.5)
    u = np.array([0.1, 0.2, 0.3, 0.4])
    for n in (25.0, float("inf")):
        _compare_with_pool_scalar(pool_scalar(q, u, n_rows=n, k=2).to_dict(),
                                  _r_pool_scalar(q, u, n=n, k=2))
    q = np.array([1.0, 1.4, 0.7])
    _compare_with_pool_scalar(pool_scalar(q, u[:3], n_rows=12, k=2, conf_level=0.9).to_dict(),
                              _r_pool_scalar(q, u[:3], n=12, k=2, conf_level=0.9))
    # degenerate: zero variances, with and without between-imputation variance (NaN/Inf as R)
    for q in (np.full(3, 1.0), np.array([1.0, 2.0, 3.0])):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ours = pool_scalar(q, np.zeros(3), n_rows=10, k=1).to_dict()
        _compare_with_pool_scalar(ours, _r_pool_scalar(q, np.zeros(3), n=10, k=1))


@pytest.mark.against_r
@pytest.mark.parametrize("m", [2, 5, 20])
@pytest.mark.parametrize("p", [1, 4])
def test_pool_per_term_equals_mice_pool_scalar(m, p):
    # random (m x p) inputs with per-term dfcom; each column against mice::pool.scalar
    rng = np.random.default_rng(7 * m + p)
    q = rng.normal(0.0, 1.0, (m, p)) * rng.uniform(0.1, 2.0, p)
    u = rng.uniform(0.01, 0.5, (m, p))
    dfcom = np.array([10.0, 50.0, np.inf, 200.0])[:p]
    ours = pool(q, u, dfcom=dfcom, conf_level=0.9).table
    for j in range(p):
        theirs = _r_pool_scalar(q[:, j], u[:, j], n=dfcom[j] + 1, k=1, conf_level=0.9)
        row = ours.iloc[j]
        for key, rkey in [("estimate", "qbar"), ("ubar", "ubar"), ("b", "b"), ("t", "t"),
                          ("df", "df"), ("riv", "r"), ("fmi", "fmi"), ("p.value", "p_value"),
                          ("conf.low", "conf_low"), ("conf.high", "conf_high")]:
            _assert_close(row[key], theirs[rkey], f"term {j} {key}")


# ---------------------------------------------------------------------------------------------
# Python only
# ---------------------------------------------------------------------------------------------

def test_hand_computed_example():
    # Q = 1, 2, 3; U = 0.5 each; dfcom = 50. By hand, exactly:
    m = 3
    qbar, ubar, b = Fraction(2), Fraction(1, 2), Fraction(1)
    t = ubar + (1 + Fraction(1, m)) * b                      # 11/6
    riv = (1 + Fraction(1, m)) * b / ubar                    # 8/3
    lam = (1 + Fraction(1, m)) * b / t                       # 8/11
    dfold = (m - 1) / lam**2                                 # 121/32
    dfobs = Fraction(51, 53) * 50 * (1 - lam)                # 7650/583
    df = dfold * dfobs / (dfold + dfobs)
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    assert t == Fraction(11, 6) and riv == Fraction(8, 3) and lam == Fraction(8, 11)

    tab = pool([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], dfcom=50).table
    row = tab.iloc[0]
    assert row["term"] == "term1"
    expect = {"estimate": qbar, "std.error": float(t) ** 0.5, "riv": riv, "lambda": lam,
              "df": df, "fmi": fmi, "statistic": float(qbar) / float(t) ** 0.5}
    for key, value in expect.items():
        assert row[key] == pytest.approx(float(value), rel=1e-12), key
    # t quantile / p-value from scipy, independent of the code's own path
    from scipy import stats
    q975 = stats.t.ppf(0.975, float(df))
    assert row["conf.low"] == pytest.approx(2 - q975 * float(t) ** 0.5, rel=1e-12)
    assert row["conf.high"] == pytest.approx(2 + q975 * float(t) ** 0.5, rel=1e-12)
    assert row["p.value"] == pytest.approx(2 * stats.t.sf(row["statistic"], float(df)), rel=1e-12)

    res = pool_scalar([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], n_rows=52, k=2).to_dict()
    assert res["m"] == 3 and res["dfcom"] == 50.0
    for key, value in [("qbar", qbar), ("ubar", ubar), ("b", b), ("t", t), ("r", riv),
                       ("riv", riv), ("lambda", lam), ("df", df), ("fmi", fmi)]:
        assert res[key] == pytest.approx(float(value), rel=1e-12), key
    for key in ["estimate", "std_error", "statistic", "df", "p_value", "conf_low", "conf_high",
                "riv", "lambda", "fmi"]:
        other = {"estimate": "qbar"}.get(key, key)
        col = {"std_error": "std.error", "p_value": "p.value", "conf_low": "conf.low",
               "conf_high": "conf.high"}.get(key, key)
        assert res[other] == pytest.approx(row[col], rel=1e-12), key


def test_columns_and_types():
    tab = pool(np.ones((3, 2)) + np.arange(6).reshape(3, 2), np.full((3, 2), 0.2)).table
    assert list(tab.columns) == TABLE_COLUMNS
    assert list(tab["term"]) == ["term1", "term2"]
    assert isinstance(tab, pd.DataFrame) and len(tab) == 2
    res = pool_scalar([1.0, 2.0], [0.1, 0.1]).to_dict()
    assert isinstance(res, dict) and isinstance(res["m"], int)
    assert all(isinstance(res[k], float) for k in ["qbar", "ubar", "b", "t", "df", "r", "fmi"])


def test_b_zero_behaves_as_mice():
    # identical estimates: riv = lambda = 0, df from lambda floored at 1e-4 (mice:::barnard.rubin)
    q = np.full((4, 1), 3.0)
    u = np.array([[0.1], [0.2], [0.3], [0.4]])
    big = pool(q, u).table.iloc[0]
    assert big["riv"] == 0 and big["lambda"] == 0
    assert big["df"] == pytest.approx(3 / 1e-8, rel=1e-12)          # (m - 1) / 1e-4^2
    assert big["fmi"] == pytest.approx(2 / (3e8 + 3), rel=1e-12)
    assert big["std.error"] == pytest.approx(np.sqrt(0.25), rel=1e-12)
    small = pool(q, u, dfcom=20).table.iloc[0]
    dfobs = 21 / 23 * 20 * (1 - 1e-4)
    dfold = 3 / 1e-8
    assert small["df"] == pytest.approx(dfold * dfobs / (dfold + dfobs), rel=1e-12)
    assert small["df"] < 20


def test_zero_total_variance_gives_nan_with_warning():
    with pytest.warns(RuntimeWarning, match="total variance is 0"):
        tab = pool(np.ones((3, 1)), np.zeros((3, 1))).table
    row = tab.iloc[0]
    assert np.isinf(row["statistic"]) and np.isnan(row["df"]) and np.isnan(row["p.value"])
    assert np.isnan(row["riv"]) and np.isnan(row["fmi"]) and np.isnan(row["conf.low"])


def test_input_layouts_agree():
    rng = np.random.default_rng(0)
    terms = ["(Intercept)", "x", "z"]
    q = rng.normal(size=(4, 3))
    cov = [np.diag(v) + 0.01 for v in rng.uniform(0.1, 1.0, (4, 3))]
    var = np.array([np.diag(c) for c in cov])
    ref = pool(q, var, dfcom=30, terms=terms).table
    assert list(ref["term"]) == terms
    # DataFrames (rows = imputations, columns = terms), variances in another column order
    got = pool(pd.DataFrame(q, columns=terms),
               pd.DataFrame(var, columns=terms)[["z", "(Intercept)", "x"]], dfcom=30).table
    pd.testing.assert_frame_equal(got, ref)
    # a list of Series (e.g. coef per fit), one with its terms in another order
    series = [pd.Series(r, index=terms) for r in q]
    series[2] = series[2][["x", "z", "(Intercept)"]]
    got = pool(series, [pd.Series(v, index=terms) for v in var], dfcom=30).table
    pd.testing.assert_frame_equal(got, ref)
    # covariance matrices: an m x p x p array, a list of arrays, a list of labelled DataFrames
    pd.testing.assert_frame_equal(pool(q, np.stack(cov), dfcom=30, terms=terms).table, ref)
    pd.testing.assert_frame_equal(pool(q, cov, dfcom=30, terms=terms).table, ref)
    cov_df = [pd.DataFrame(c, index=terms, columns=terms).loc[terms[::-1], terms[::-1]]
              for c in cov]
    pd.testing.assert_frame_equal(pool(pd.DataFrame(q, columns=terms), cov_df, dfcom=30).table, ref)
    # lists of lists; integer estimates
    pd.testing.assert_frame_equal(pool(q.tolist(), var.tolist(), dfcom=30, terms=terms).table, ref)
    assert pool([[1, 2], [3, 5]], [[1, 1], [1, 1]]).table["estimate"].tolist() == [2.0, 3.5]


def test_whole_number_floats_and_numpy_scalars_work():
    q = np.array([[1.0, 4.0], [2.0, 3.5], [1.5, 5.0]])
    u = np.full((3, 2), 0.3)
    ref = pool(q, u, dfcom=25).table
    for dfcom in (25.0, np.float64(25.0), np.int64(25), [25.0, 25.0], np.array([25, 25])):
        pd.testing.assert_frame_equal(pool(q, u, dfcom=dfcom).table, ref)
    pd.testing.assert_frame_equal(pool(q, u, dfcom=25, conf_level=np.float64(0.95)).table, ref)
    a = pool_scalar(q[:, 0], u[:, 0], n_rows=27, k=2).to_dict()
    b = pool_scalar(q[:, 0], u[:, 0], n_rows=27.0, k=2.0).to_dict()
    c = pool_scalar(q[:, 0], u[:, 0], dfcom=25.0).to_dict()
    for key in ["qbar", "t", "df", "fmi", "p_value", "conf_low", "conf_high"]:
        assert a[key] == b[key] == c[key], key
    assert a["df"] == pytest.approx(ref.loc[0, "df"], rel=1e-14)
    # infinite dfcom equals the default
    pd.testing.assert_frame_equal(pool(q, u, dfcom=np.inf).table, pool(q, u).table)
    assert pool_scalar(q[:, 0], u[:, 0], n_rows=np.inf).to_dict()["df"] == pool_scalar(q[:, 0], u[:, 0]).to_dict()["df"]


def test_dfcom_below_one_is_raised_to_one_as_mice_pool():
    q, u = np.array([[1.0], [2.0], [1.2]]), np.full((3, 1), 0.2)
    pd.testing.assert_frame_equal(pool(q, u, dfcom=0.5).table, pool(q, u, dfcom=1).table)
    # mice::pool.scalar does not clamp
    assert pool_scalar(q[:, 0], u[:, 0], dfcom=0.5).to_dict()["df"] != pool_scalar(q[:, 0], u[:, 0],
                                                                         dfcom=1).to_dict()["df"]


def test_per_term_dfcom_equals_separate_pools():
    rng = np.random.default_rng(5)
    q, u = rng.normal(size=(6, 3)), rng.uniform(0.1, 1, (6, 3))
    tab = pool(q, u, dfcom=[10, 100, np.inf]).table
    for j, d in enumerate([10, 100, np.inf]):
        one = pool(q[:, [j]], u[:, [j]], dfcom=d).table
        for col in POOL_COLUMNS[1:]:
            assert tab.loc[j, col] == one.loc[0, col], col
    # a Series of dfcom is matched by term name
    terms = ["a", "b", "c"]
    by_name = pool(pd.DataFrame(q, columns=terms), u, dfcom=pd.Series([100, np.inf, 10],
                                                                       index=["b", "c", "a"])).table
    pd.testing.assert_frame_equal(by_name, pool(q, u, dfcom=[10, 100, np.inf], terms=terms).table)


def test_inputs_are_not_modified():
    q = np.array([[1.0, 2.0], [1.5, 2.5], [0.5, 3.0]])
    u = np.array([[0.1, 0.2], [0.2, 0.2], [0.3, 0.1]])
    cov = np.stack([np.diag(r) for r in u])
    dfq = pd.DataFrame(q, columns=["a", "b"])
    dfcom = np.array([10.0, 20.0])
    keep = [x.copy() for x in (q, u, cov, dfcom)] + [dfq.copy()]
    pool(q, u, dfcom=dfcom).table
    pool(dfq, cov, dfcom=dfcom).table
    res = pool_scalar(q[:, 0], u[:, 0], dfcom=10).to_dict()
    res["qhat"][0] = 99.0  # the returned arrays are copies
    for before, after in zip(keep, (q, u, cov, dfcom, dfq)):
        if isinstance(after, pd.DataFrame):
            pd.testing.assert_frame_equal(before, after)
        else:
            np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(estimates=[[1.0, 2.0]], variances=[[0.1, 0.1]]), ValueError, r"`estimates`.*m = 1"),
    (dict(estimates=[[1.0, 2.0], [1.0, 2.0]], variances=[[0.1, 0.1]]), ValueError,
     r"`variances`.*shape"),
    (dict(estimates=[[1.0, np.nan], [1.0, 2.0]], variances=[[0.1, 0.1]] * 2), ValueError,
     r"`estimates`.*finite"),
    (dict(estimates=[[1.0, np.inf], [1.0, 2.0]], variances=[[0.1, 0.1]] * 2), ValueError,
     r"`estimates`.*finite"),
    (dict(estimates=[[1.0, 2.0], [1.0, 2.0]], variances=[[0.1, -0.1]] * 2), ValueError,
     r"`variances`.*non-negative"),
    (dict(estimates=[[1.0, 2.0], [1.0, 2.0]], variances=[[0.1, np.nan]] * 2), ValueError,
     r"`variances`.*finite"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, conf_level=1.0),
     ValueError, r"`conf_level`"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, conf_level=0),
     ValueError, r"`conf_level`"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, conf_level=95),
     ValueError, r"`conf_level`"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, conf_level="0.9"),
     TypeError, r"`conf_level`"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, dfcom=0),
     ValueError, r"`dfcom`.*positive"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, dfcom=-3),
     ValueError, r"`dfcom`.*positive"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, dfcom=np.nan),
     ValueError, r"`dfcom`"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, dfcom=[1, 2, 3]),
     ValueError, r"`dfcom`.*one value per term"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, dfcom=True),
     TypeError, r"`dfcom`"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, terms=["a"]),
     ValueError, r"`terms`"),
    (dict(estimates=[["a", "b"], ["c", "d"]], variances=[[0.1, 0.1]] * 2), TypeError,
     r"`estimates`.*numeric"),
    (dict(estimates=pd.DataFrame([[1.0, 2.0], [1.5, 2.0]], columns=["a", "b"]),
          variances=pd.DataFrame([[0.1, 0.1]] * 2, columns=["a", "c"])), ValueError,
     r"`variances` has terms"),
    (dict(estimates=np.ones((2, 2, 2)), variances=np.ones((2, 2))), ValueError,
     r"`estimates`.*1-d or 2-d"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=np.ones((2, 2, 3))), ValueError,
     r"`variances`.*m x p x p"),
])
def test_pool_validation_names_the_argument(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        pool(**kwargs)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(estimates=[1.0], variances=[0.1]), ValueError, r"`estimates`.*m = 1"),
    (dict(estimates=[1.0, 2.0], variances=[0.1]), ValueError, r"`variances`"),
    (dict(estimates=[[1.0, 2.0], [1.0, 2.0]], variances=[[0.1, 0.1]] * 2), ValueError,
     r"`estimates`.*1-d"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, 0.1], dfcom=10, n_rows=20), ValueError,
     r"`dfcom` or `n_rows`/`k`"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, 0.1], n_rows=3, k=3), ValueError,
     r"`n_rows` - `k`"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, 0.1], n_rows="20"), TypeError, r"`n_rows`"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, 0.1], k="2"), TypeError, r"`k` must be a number"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, 0.1], conf_level="0.9"), TypeError,
     r"`conf_level` must be a number"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, -0.1]), ValueError, r"`variances`"),
    (dict(estimates=[1.0, 2.0], variances=[0.1, 0.1], conf_level=-0.5), ValueError,
     r"`conf_level`"),
])
def test_pool_scalar_validation_names_the_argument(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        pool_scalar(**kwargs)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

@st.composite
def _mi_inputs(draw):
    m = draw(st.integers(2, 12))
    p = draw(st.integers(1, 3))
    q = np.array(draw(st.lists(st.floats(-1e3, 1e3), min_size=m * p, max_size=m * p)))
    u = np.array(draw(st.lists(st.floats(1e-3, 1e3), min_size=m * p, max_size=m * p)))
    dfcom = draw(st.one_of(st.none(), st.floats(1.0, 1e6)))
    return q.reshape(m, p), u.reshape(m, p), dfcom


@settings(max_examples=150, deadline=None)
@given(_mi_inputs())
def test_properties(inputs):
    q, u, dfcom = inputs
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numerical warnings for reasonable inputs
        tab = pool(q, u, dfcom=dfcom).table
    t, ubar = tab["t"].to_numpy(), tab["ubar"].to_numpy()
    assert np.all(t >= ubar)
    lam = tab["lambda"].to_numpy()
    assert np.all((lam >= 0) & (lam <= 1))
    assert np.all((tab["fmi"] >= 0) & (tab["fmi"] <= 1 + 1e-12))
    df = tab["df"].to_numpy()
    assert np.all(df > 0)
    if dfcom is not None:
        assert np.all(df <= dfcom * (1 + 1e-12))
    assert np.all(tab["conf.low"] <= tab["estimate"])
    assert np.all(tab["estimate"] <= tab["conf.high"])
    assert np.all((tab["p.value"] >= 0) & (tab["p.value"] <= 1))
    # invariant to the order of the imputations
    perm = np.random.default_rng(int(abs(q).sum()) % 2**32).permutation(q.shape[0])
    other = pool(q[perm], u[perm], dfcom=dfcom).table
    for col in POOL_COLUMNS[1:] + ["ubar", "b", "t"]:
        np.testing.assert_allclose(other[col], tab[col], rtol=1e-9, atol=1e-12, err_msg=col)
    # a wider level gives a wider interval
    wide = pool(q, u, dfcom=dfcom, conf_level=0.99).table
    assert np.all(wide["conf.high"] - wide["conf.low"] >= tab["conf.high"] - tab["conf.low"])


@settings(max_examples=100, deadline=None)
@given(_mi_inputs())
def test_pool_scalar_equals_pool_column(inputs):
    q, u, dfcom = inputs
    tab = pool(q, u, dfcom=dfcom).table
    for j in range(q.shape[1]):
        res = pool_scalar(q[:, j], u[:, j], dfcom=dfcom).to_dict()
        keys = [("qbar", "estimate"), ("r", "riv"), ("df", "df"), ("fmi", "fmi"),
                ("std_error", "std.error")]
        # mice writes t as ubar + (1 + 1/m) b in pool and ubar + (m + 1) b / m in pool.scalar;
        # the last-bit difference grows in 1 - lambda when lambda -> 1, and much more in the
        # t quantile when df -> 0, hence the tolerance and the df >= 1 condition.
        if res["df"] >= 1:
            keys.append(("conf_low", "conf.low"))
        for key, col in keys:
            assert res[key] == pytest.approx(tab.loc[j, col], rel=TOL, abs=1e-12), key


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(estimates=[pd.Series([1.0, 2.0], index=["a", "a"])] * 2, variances=[[0.1, 0.1]] * 2),
     ValueError, r"`estimates\[0\]` names term\(s\) \['a'\] more than once"),
    (dict(estimates=pd.DataFrame([[1.0, 2.0], [1.5, 2.0]], columns=["a", "a"]),
          variances=[[0.1, 0.1]] * 2), ValueError, r"`estimates` names term\(s\) \['a'\]"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, terms=["b", "b"]),
     ValueError, r"`terms` names term\(s\) \['b'\]"),
    (dict(estimates=[[1.0, 2.0], [1.5, 2.0]], variances=[[0.1, 0.1]] * 2, terms=5),
     TypeError, r"`terms` must be a list of term names, got 5"),
])
def test_pool_refuses_repeated_or_malformed_term_names(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        pool(**kwargs)


@settings(max_examples=50, deadline=None)
@given(_mi_inputs(), st.floats(-1e6, 1e6), st.sampled_from([1e-150, 1e-3, 1.0, 1e3, 1e150]))
def test_pool_is_affine_equivariant_and_matches_terms_by_name(inputs, shift, scale):
    """Pooling c·Q with variances c²·U gives c·qbar, c·se and the same df, riv, lambda and
    fmi (for c from 1e-150 to 1e150); a shift of Q shifts the estimate; labelled estimates whose
    terms come in another order in each imputation are matched by name; inputs are not
    modified. 50 generated cases."""
    q, u, dfcom = inputs
    m, p = q.shape
    names = [f"t{j}" for j in range(p)]
    tab = pool(q, u, dfcom=dfcom, terms=names).table
    scaled = pool(scale * q, scale**2 * u, dfcom=dfcom, terms=names).table
    np.testing.assert_allclose(scaled["estimate"], scale * tab["estimate"], rtol=1e-9,
                               atol=1e-12 * scale)
    np.testing.assert_allclose(scaled["std.error"], scale * tab["std.error"], rtol=1e-9)
    for col in ("df", "riv", "lambda", "fmi"):
        np.testing.assert_allclose(scaled[col], tab[col], rtol=1e-7, atol=1e-9, err_msg=col)
    shifted = pool(shift + q, u, dfcom=dfcom, terms=names).table
    np.testing.assert_allclose(shifted["estimate"], shift + tab["estimate"], rtol=1e-12,
                               atol=1e-9 * (abs(shift) + 1e3))
    rng = np.random.default_rng(m * 31 + p)
    orders = [rng.permutation(p) for _ in range(m)]
    est = [pd.Series(q[i, o], index=[names[k] for k in o]) for i, o in enumerate(orders)]
    var = [pd.Series(u[i, o], index=[names[k] for k in o]) for i, o in enumerate(orders)]
    before = [s.copy() for s in est]
    by_name = pool(est, var, dfcom=dfcom).table
    assert sorted(by_name["term"]) == names
    pd.testing.assert_frame_equal(by_name.set_index("term").loc[names].reset_index(), tab)
    for s, b in zip(est, before):
        pd.testing.assert_series_equal(s, b)
