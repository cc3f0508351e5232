"""EMB (Amelia II's EM with bootstrapping) in socgan.baselines: the EM estimates, R's Amelia,
and the imputation contract."""

import warnings

import numpy as np
import pandas as pd
import pytest
from _r import r_eval, require_r_packages
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from socgan.baselines import emb_impute
from socgan._core.emb import Design as _Design
from socgan._core.emb import _patterns
from socgan._core.emb import em as _em
from socgan.imputation import Imputations

# -- missingness patterns ---------------------------------------------------------------------------

def _patterns_by_unique(miss):
    """The definition: np.unique's row order, each pattern's rows ascending."""
    patterns, inverse = np.unique(miss, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    return [(np.flatnonzero(p), np.flatnonzero(~p), np.flatnonzero(inverse == g))
            for g, p in enumerate(patterns) if p.any()]


@settings(max_examples=150, deadline=None)
@given(miss=st.integers(1, 140).flatmap(lambda k: st.integers(1, 60).flatmap(
    lambda n: arrays(bool, (n, k)))), repeat=st.integers(1, 8))
def test_patterns_are_np_unique_s_groups_in_its_order(miss, repeat):
    # repeated rows (repeat > 1) make patterns shared by many rows, as in survey data; widths
    # over 64 columns span several packed words
    miss = np.tile(miss, (repeat, 1))[np.random.default_rng(repeat).permutation(len(miss) * repeat)]
    got, want = _patterns(miss), _patterns_by_unique(miss)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        for a, b in zip(g, w):
            np.testing.assert_array_equal(a, b)


# -- EM point estimates ---------------------------------------------------------------------------

MEAN = np.array([1.0, -2.0, 0.5])
COV = np.array([[1.0, 0.6, 0.3],
                [0.6, 2.0, -0.5],
                [0.3, -0.5, 1.5]])


def _mvn(n, seed):
    rng = np.random.default_rng(seed)
    full = pd.DataFrame(rng.multivariate_normal(MEAN, COV, size=n), columns=["a", "b", "c"])
    data = full.copy()
    # MAR: b and c go missing more often when a (always observed) is large
    p = 1 / (1 + np.exp(-(full["a"] - 1.0) * 2))
    data.loc[rng.random(n) < 0.6 * p, "b"] = np.nan
    data.loc[rng.random(n) < 0.4 * p, "c"] = np.nan
    return full, data


def _em_original_scale(data, **kw):
    design = _Design.build(data, None, None)
    fit = _em(design.z, empri=kw.get("empri", 0.0), tol=1e-8, max_iter=1000)
    assert fit.converged
    return (design.center + design.scale * fit.mean,
            fit.cov * np.outer(design.scale, design.scale))


def test_em_recovers_mvn_moments_under_mar():
    full, data = _mvn(20_000, seed=1)
    mean, cov = _em_original_scale(data)
    # close to what the data would have given without missing values (only the information lost
    # separates them), and to the truth within sampling error
    np.testing.assert_allclose(mean, full.mean(), atol=0.02)
    np.testing.assert_allclose(cov, full.cov(ddof=0), atol=0.04)
    np.testing.assert_allclose(mean, MEAN, atol=0.04)
    np.testing.assert_allclose(cov, COV, atol=0.08)
    # ... where the complete cases are biased (so the test has power)
    assert abs(data.dropna()["b"].mean() - MEAN[1]) > 0.15


def test_em_on_complete_data_gives_sample_moments():
    full, _ = _mvn(500, seed=2)
    design = _Design.build(full, None, None)
    fit = _em(design.z, empri=0.0, tol=1e-4, max_iter=1000)
    np.testing.assert_allclose(fit.mean, design.z.mean(0), atol=1e-12)
    np.testing.assert_allclose(fit.cov, np.cov(design.z, rowvar=False), atol=1e-12)


def test_ridge_prior_shrinks_correlations():
    _, data = _mvn(300, seed=3)
    design = _Design.build(data, None, None)
    plain = _em(design.z, empri=0.0, tol=1e-6, max_iter=1000)
    ridge = _em(design.z, empri=100.0, tol=1e-6, max_iter=1000)
    off = ~np.eye(3, dtype=bool)
    assert np.all(np.abs(ridge.cov[off]) < np.abs(plain.cov[off]))


# -- against R's Amelia ---------------------------------------------------------------------------

def _freetrade() -> pd.DataFrame:
    """Amelia's freetrade, loaded in R and converted with socgan.r.from_r (polity and signed
    come as Int64, country as strings)."""
    from socgan.r import from_r
    from socgan.r._session import r_session

    ro, _ = r_session("Amelia")
    return from_r(ro.r("local({data(freetrade, package = 'Amelia'); freetrade})"))


@pytest.mark.against_r
@pytest.mark.parametrize("empri", [0.0, 5.0])
def test_em_estimates_match_amelia(empri):
    """Amelia without bootstrap (boot.type = "none") on freetrade, country nominal, no ts/cs:
    same standardisation, dummies, start values, ridge prior and stopping rule give the same
    EM estimates and the same number of iterations."""
    require_r_packages("Amelia")
    res = r_eval("""
      data(freetrade, package = "Amelia")
      prep <- Amelia:::amelia.prep(freetrade, noms = "country", p2s = 0)
      a <- Amelia::amelia(freetrade, m = 1, noms = "country", p2s = 0, boot.type = "none",
                          empri = if (e > 0) e else NULL)
      # amelia() labels $mu and $covMatrices in the data's column order, but they are in the
      # order of its stacked columns (prep$p.order): put them back
      back <- order(prep$p.order)
      list(mu = a$mu[back, 1], cov = a$covMatrices[back, back, 1],
           iterations = nrow(a$iterHist[[1]]))
    """, e=empri)
    design = _Design.build(_freetrade(), ["country"], None)
    fit = _em(design.z, empri=empri, tol=1e-4, max_iter=1000)
    assert fit.iterations == res["iterations"]
    np.testing.assert_allclose(fit.mean, res["mu"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.cov, res["cov"], rtol=0, atol=1e-8)


@pytest.mark.against_r
def test_pooled_coefficients_match_amelia_on_freetrade():
    """The canonical freetrade analysis, m = 20 from each side, pooled by the same code: every
    coefficient within 3 Monte-Carlo standard errors sqrt(b_py/m + b_r/m)."""
    require_r_packages("Amelia")
    from socgan.r import run_amelia

    data = _freetrade()
    m = 20
    formula = 'tariff ~ polity + pop + Q("gdp.pc") + year + C(country)'
    ours = emb_impute(data, m=m, seed=1).fit(formula).table
    # R: amelia(freetrade, m = 20, noms = "country", p2s = 0), country nominal, no ts/cs
    theirs = Imputations(data=data, datasets=run_amelia(data, m=m, seed=1)).fit(formula).table
    assert list(ours["term"]) == list(theirs["term"])

    def between(t):  # b, from lambda = (1 + 1/m) b / t
        return t["lambda"] * t["std.error"] ** 2 / (1 + 1 / m)

    mc_se = np.sqrt(between(ours) / m + between(theirs) / m)
    z = (ours["estimate"] - theirs["estimate"]) / mc_se
    assert np.all(np.abs(z) < 3), dict(zip(ours["term"], np.round(z, 2)))
    ratio = ours["std.error"] / theirs["std.error"]
    assert np.all((ratio > 2 / 3) & (ratio < 3 / 2)), dict(zip(ours["term"], np.round(ratio, 2)))


# -- the contract ---------------------------------------------------------------------------------

def _mixed(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = rng.choice(["north", "south", "east"], size=n)
    df = pd.DataFrame({
        "x": x,
        "y": 2 * x + rng.normal(size=n),
        "count": pd.array(np.round(5 + 2 * x + rng.normal(size=n)).astype(int), dtype="Int64"),
        "score": pd.array(rng.integers(1, 6, size=n), dtype="Int64"),
        "region": pd.Categorical(group),
        "edu": pd.Categorical(rng.choice(["low", "mid", "high"], size=n),
                              categories=["low", "mid", "high"], ordered=True),
        "sex": pd.array(rng.choice(["f", "m"], size=n), dtype="string"),
        "urban": pd.array(rng.random(n) < 0.4, dtype="boolean"),
        "wave": 3.0,
    }, index=pd.Index([f"r{i}" for i in range(n)], name="id"))
    for col in ["x", "y", "count", "score", "region", "edu", "sex", "urban"]:
        df.loc[rng.random(n) < 0.15, col] = np.nan if col in ("x", "y") else pd.NA
    return df


def test_contract_observed_kept_dtypes_index_and_input_untouched():
    df = _mixed()
    before = df.copy(deep=True)
    imp = emb_impute(df, m=3, seed=1, ords=["score"])
    pd.testing.assert_frame_equal(df, before)
    # EM records its iterations; GAIN's loss history is no field of an EM result (issue 16)
    assert imp.options["method"] == "emb" and list(imp.diagnostics) == ["em_iterations"]
    assert len(imp.diagnostics["em_iterations"]) == 3 and "em_iterations" not in imp.options
    with pytest.raises(AttributeError, match="no loss history.*'emb'"):
        imp.loss_history
    with pytest.raises(ValueError, match="only GAIN"):
        imp.plot_losses()
    for out in imp.datasets:
        assert out.index.equals(df.index) and list(out.columns) == list(df.columns)
        assert not out.isna().any().any()
        for col in df.columns:
            if col == "count":  # an integer imputed on the continuous scale, as Amelia does
                assert out[col].dtype == np.float64
            else:
                assert out[col].dtype == df[col].dtype, col
            obs = df[col].notna()
            pd.testing.assert_series_equal(out.loc[obs, col].astype(object),
                                           df.loc[obs, col].astype(object))
        assert set(out["score"]) <= set(range(1, 6))
        assert set(out["sex"]) <= {"f", "m"} and set(out["region"]) <= {"north", "south", "east"}
    # proper MI: the imputed values differ between imputations
    miss = df["y"].isna()
    assert not np.allclose(imp.datasets[0].loc[miss, "y"], imp.datasets[1].loc[miss, "y"])


def test_same_seed_same_imputations_and_whole_number_floats():
    df = _mixed(120, seed=4)
    a = emb_impute(df, m=2, seed=7)
    b = emb_impute(df, m=2.0, seed=7.0)
    c = emb_impute(df, m=2, seed=8)
    for da, db in zip(a.datasets, b.datasets):
        pd.testing.assert_frame_equal(da, db)
    assert not a.datasets[0].equals(c.datasets[0])


def test_nominal_rule_follows_a_strong_predictor():
    rng = np.random.default_rng(5)
    n = 600
    level = rng.choice(["a", "b", "c"], size=n)
    # one indicator-like predictor per non-baseline level: the linear model can learn them
    df = pd.DataFrame({"level": pd.Series(level, dtype=object),
                       "vb": 3.0 * (level == "b") + rng.normal(0, 0.3, n),
                       "vc": 3.0 * (level == "c") + rng.normal(0, 0.3, n)})
    miss = rng.random(n) < 0.2
    df.loc[miss, "level"] = None
    imp = emb_impute(df, m=2, seed=1)
    for out in imp.datasets:
        # chance would be 1/3; the draws carry the normal noise of the imputed dummies
        assert (out.loc[miss, "level"].to_numpy() == level[miss]).mean() > 0.75


def test_no_missing_values_warns_and_copies():
    df = _mixed(50).dropna()
    with pytest.warns(UserWarning, match="no missing values"):
        imp = emb_impute(df, m=2, seed=1)
    assert all(d.equals(df) for d in imp.datasets)


@pytest.mark.parametrize("change, error, match", [
    (lambda d: d.to_numpy(), TypeError, "pandas DataFrame"),
    (lambda d: d.assign(z=np.nan), ValueError, "'z' has no observed values"),
    (lambda d: d.assign(x=d["x"].where(d["x"].isna(), 1.0)), ValueError, "'x' has a single"),
    (lambda d: d.assign(y=d["y"].replace(d["y"].iloc[0], np.inf)), ValueError, "'y' has infinite"),
    (lambda d: d.assign(t=pd.Series(pd.date_range("2020-01-01", periods=len(d)), index=d.index)),
     TypeError, "'t' has dtype"),
])
def test_errors_name_the_problem(change, error, match):
    df = _mixed(80)
    df.loc[df.index[0], "y"] = 0.5  # observed, so the infinite case has something to replace
    with pytest.raises(error, match=match):
        emb_impute(change(df), m=2, seed=1)


def test_argument_errors():
    df = _mixed(80)
    with pytest.raises(ValueError, match="`m`"):
        emb_impute(df, m=0)
    with pytest.raises(ValueError, match="`m`"):
        emb_impute(df, m=2.5)
    with pytest.raises(ValueError, match="`empri`"):
        emb_impute(df, empri=-1)
    with pytest.raises(ValueError, match="`noms` names columns"):
        emb_impute(df, noms=["nope"])
    with pytest.raises(ValueError, match="both in `noms` and `ords`"):
        emb_impute(df, noms=["score"], ords=["score"])


def test_blank_rows_are_refused_and_constant_complete_columns_carried():
    df = _mixed(80)
    df.iloc[3, :] = np.nan
    df["wave"] = df["wave"].fillna(3.0)
    with pytest.raises(ValueError, match="every modelled value missing.*'r3'"):
        emb_impute(df, m=2, seed=1)
    ok = _mixed(80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few rows for the columns
        out = emb_impute(ok, m=1, seed=1).datasets[0]
    assert (out["wave"] == 3.0).all()


def test_em_limits_warn_and_too_few_rows_are_refused():
    df = _mixed(120)
    with pytest.warns(UserWarning, match="did not converge within max_iter=1"):
        emb_impute(df, m=1, seed=1, max_iter=1)
    small = _mixed(40).iloc[:8]  # ~10 modelled columns, dummies included, for 8 rows
    with pytest.raises(ValueError, match="Too few rows"):
        emb_impute(small, m=1, seed=1)


# -- hardening (issue 14) -----------------------------------------------------------------------
def _holes(df, seed=0, share=0.2):
    """Missing cells in the first column (no row left blank: EMB refuses those)."""
    rng = np.random.default_rng(seed)
    out = df.copy()
    out.loc[rng.random(len(out)) < share, out.columns[0]] = None
    return out


@pytest.mark.parametrize("dtype", ["float16", "float32", "Float32"])
def test_low_precision_float_columns_keep_their_dtype(dtype):
    rng = np.random.default_rng(2)
    df = _holes(pd.DataFrame({"x": pd.Series(rng.normal(size=60)).astype(dtype),
                              "y": rng.normal(size=60)}))
    for d in emb_impute(df, m=2, seed=1).datasets:
        assert d.dtypes.equals(df.dtypes) and not d.isna().any().any()


def test_complete_bool_and_sparse_columns():
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    x[rng.random(60) < 0.2] = np.nan
    df = pd.DataFrame({"flag": rng.random(60) < 0.5, "x": pd.arrays.SparseArray(x),
                       "y": rng.normal(size=60)})
    df.loc[rng.random(60) < 0.2, "y"] = np.nan
    d = emb_impute(df, m=1, seed=1).datasets[0]
    assert d.dtypes.equals(df.dtypes) and not d.isna().any().any()
    pd.testing.assert_series_equal(d["flag"], df["flag"])


@pytest.mark.parametrize("magnitude", [1e154, 1e300])
def test_huge_magnitudes_are_standardised_without_overflow(magnitude):
    rng = np.random.default_rng(4)
    df = _holes(pd.DataFrame({"big": rng.normal(size=60) * magnitude, "y": rng.normal(size=60)}))
    d = emb_impute(df, m=1, seed=1).datasets[0]
    assert np.isfinite(d["big"]).all()
