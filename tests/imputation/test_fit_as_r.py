"""Imputations.fit / analyze as R's glm + mice::pool: weights of 0, families by name, an
outcome outside its family's range, the formula's names, several-equation models
(a pooling user's trial against mice 3.15, seventeenth session)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import socgan

N = 200


def _imputations(m=3, seed=0):
    """m 'completed' datasets that differ a little (as imputations do), built directly."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N)
    z = rng.normal(size=N)
    base = pd.DataFrame({"x": x, "z": z, "w": np.where(np.arange(N) % 4 == 0, 0.0,
                                                       rng.uniform(0.5, 2, N)),
                         "count": rng.poisson(np.exp(0.3 + 0.4 * x)).astype(float),
                         "y": 1 + 2 * x + rng.normal(size=N),
                         "lev": pd.Categorical(rng.choice(["a", "b", "c"], N))})
    data = base.copy()
    data.loc[:19, "x"] = np.nan
    sets = []
    for ell in range(m):
        d = base.copy()
        d.loc[:19, "x"] = base.loc[:19, "x"] + rng.normal(0, 0.5, 20)
        sets.append(d)
    return socgan.Imputations(data=data, datasets=sets)


def test_glm_with_zero_weights_counts_rows_as_r_does():
    imp = _imputations()
    glm = imp.fit("y ~ x + z", method="glm", options={"family": sm.families.Gaussian(),
                                                       "var_weights": "w"}).table
    wls = imp.fit("y ~ x + z", method="wls", options={"weights": "w"}).table
    kept = int((imp.datasets[0]["w"] > 0).sum())
    assert glm["dfcom"].iloc[0] == kept - 3  # R: df.residual leaves weight-0 rows out
    np.testing.assert_allclose(glm["std.error"], wls["std.error"], rtol=1e-8)
    # the first dataset's fit without those rows, as R's glm(weights = w) gives it
    d = imp.datasets[0][imp.datasets[0]["w"] > 0]
    one = smf.glm("y ~ x + z", d, var_weights=d["w"]).fit()
    assert one.df_resid == kept - 3


def test_weights_negative_missing_zero_or_of_the_wrong_length():
    imp = _imputations()
    ref = imp.fit("y ~ x", method="wls", options={"weights": "w"}).table
    ref_w7 = imp.datasets[0].loc[7, "w"]
    # a missing weight drops its row, as R's lm (na.omit) does: as a weight of 0 there
    for d in imp.datasets:
        d.loc[7, "w"] = np.nan
    nan = imp.fit("y ~ x", method="wls", options={"weights": "w"}).table
    for d in imp.datasets:
        d.loc[7, "w"] = 0.0
    zero = imp.fit("y ~ x", method="wls", options={"weights": "w"}).table
    pd.testing.assert_frame_equal(nan, zero)
    assert zero["dfcom"].iloc[0] == ref["dfcom"].iloc[0] - (ref_w7 > 0)
    for d in imp.datasets:
        d.loc[3, "w"] = -1.0
    with pytest.raises(ValueError, match=r"`options\['weights'\]` has 1 negative or infinite"):
        imp.fit("y ~ x", method="wls", options={"weights": "w"})
    with pytest.raises(ValueError, match=r"`options\['var_weights'\]`"):
        imp.fit("y ~ x", method="glm", options={"var_weights": "w"})
    with pytest.raises(ValueError, match=r"`options\['weights'\]` has 3 value\(s\) but the data "
                                         r"have 200 rows"):
        imp.fit("y ~ x", method="wls", options={"weights": np.ones(3)})
    with pytest.raises(ValueError, match=r"`options\['var_weights'\]` gives every row a weight "
                                         r"of 0"):
        imp.fit("y ~ x", method="glm", options={"var_weights": np.zeros(N)})


def test_subset_keeps_arrays_of_weights_in_line_with_the_rows():
    imp = _imputations()
    keep = np.arange(N) >= 50
    w = imp.datasets[0]["w"].to_numpy()
    sub = imp.fit("y ~ x", method="wls", options={"weights": w, "subset": keep}).table
    cut = socgan.Imputations(data=imp.data[keep], datasets=[d[keep] for d in imp.datasets])
    direct = cut.fit("y ~ x", method="wls", options={"weights": w[keep]}).table
    pd.testing.assert_frame_equal(sub, direct)


def test_families_by_r_name_and_quasi_families():
    imp = _imputations()
    by_name = imp.fit("count ~ x", method="glm", options={"family": "poisson"}).table
    by_class = imp.fit("count ~ x", method="glm", options={"family": sm.families.Poisson}).table
    by_obj = imp.fit("count ~ x", method="glm", options={"family": sm.families.Poisson()}).table
    pd.testing.assert_frame_equal(by_name, by_obj)
    pd.testing.assert_frame_equal(by_class, by_obj)
    quasi = imp.fit("count ~ x", method="glm", options={"family": "quasipoisson"}).table
    np.testing.assert_allclose(quasi["estimate"], by_obj["estimate"])
    # R's quasipoisson: the dispersion is Pearson's X² / df.residual
    one = smf.glm("count ~ x", imp.datasets[0], family=sm.families.Poisson()).fit()
    phi = one.pearson_chi2 / one.df_resid
    se = [np.sqrt(np.diag(smf.glm("count ~ x", d, family=sm.families.Poisson()).fit(
        scale="X2").cov_params())) for d in imp.datasets]
    assert abs(phi - 1) > 0.01
    np.testing.assert_allclose(quasi["ubar"], np.mean(np.square(se), axis=0), rtol=1e-8)
    with pytest.raises(ValueError, match=r"`options\['family'\]` is 'binomal'"):
        imp.fit("count ~ x", method="glm", options={"family": "binomal"})
    with pytest.raises(TypeError, match=r"`options\['family'\]` must be a statsmodels family"):
        imp.fit("count ~ x", method="glm", options={"family": 3})


def test_an_outcome_outside_its_familys_range_is_refused():
    imp = _imputations()
    with pytest.raises(ValueError, match=r"outcome 'y'.*Poisson family"):
        imp.fit("y ~ z", method="glm", options={"family": "poisson"})
    with pytest.raises(ValueError, match=r"outcome 'y'.*Gamma family"):
        imp.fit("y ~ z", method="glm", options={"family": "Gamma"})
    with pytest.raises(ValueError, match=r"outcome 'count'.*must be 0/1"):
        imp.fit("count ~ z", method="glm", options={"family": "binomial"})


def _double(v):
    return 2 * v


def test_a_formula_sees_the_callers_names_and_not_socgans():
    imp = _imputations()
    knots = 0.5
    out = imp.fit("y ~ _double(x) + I(z > knots)").table
    assert list(out["term"]) == ["Intercept", "I(z > knots)[T.True]", "_double(x)"]
    # R's names of the usual transformations work without an import, as in synth.evaluate
    assert "log(count + 1)" in list(imp.fit("y ~ log(count + 1)").table["term"])
    with pytest.raises(Exception, match="name 'kw' is not defined"):
        imp.fit("y ~ I(x > len(kw))")  # a name inside socgan's fitting code
    with pytest.raises(ValueError, match=r"Write I\(x\*\*2\) for R's I\(x\^2\)"):
        imp.fit("y ~ I(x^2)")
    ages = socgan.Imputations(data=imp.data.assign(age=np.arange(N) % 50 + 20),
                              datasets=[d.assign(age=np.arange(N) % 50 + 20) for d in imp.datasets])
    with pytest.raises(ValueError, match="exclusive or"):  # fitted as age XOR 2 before
        ages.fit("y ~ I(age^2)")
    assert "I(age ** 2)" in list(ages.fit("y ~ I(age ** 2)").table["term"])
    assert len(imp.fit('y ~ Q("x")').table) == 2  # a quoted name is not looked into


def test_dfcom_is_the_first_fits_residual_df_as_mice_takes_it():
    imp = _imputations()
    for ell, d in enumerate(imp.datasets):  # a different number of usable rows per dataset
        d.loc[100:100 + 3 * ell, "z"] = np.nan
    out = imp.fit("y ~ x + z").table
    assert out["dfcom"].iloc[0] == N - 1 - 3


def test_analyze_pools_a_multinomial_logit_equation_by_equation():
    imp = _imputations()

    def mnl(d):
        return smf.mnlogit("code ~ x", d.assign(code=d["lev"].cat.codes)).fit(disp=0)

    out = imp.analyze(mnl).table
    assert list(out["term"]) == ["1:Intercept", "1:x", "2:Intercept", "2:x"]
    first = mnl(imp.datasets[0])
    assert out["dfcom"].iloc[0] == first.df_resid
    ests = [mnl(d).params.to_numpy().T.ravel() for d in imp.datasets]
    np.testing.assert_allclose(out["estimate"], np.mean(ests, axis=0))


@pytest.mark.against_r
def test_glm_with_zero_weights_and_odds_ratios_match_mice():
    from _r import r_eval, require_r_packages

    require_r_packages("mice")
    imp = _imputations()
    long = imp.long()
    ours = imp.fit("I((count > 1) * 1) ~ x + z", method="glm",
                   options={"family": "binomial", "var_weights": "w"}).summary(
        type="all", exponentiate=True)
    theirs = r_eval(
        "d <- long; d$hi <- as.integer(d$count > 1); imp <- mice::as.mids(d)\n"
        "fit <- with(imp, glm(hi ~ x + z, family = binomial, weights = w))\n"
        "as.data.frame(summary(mice::pool(fit), type = 'all', conf.int = TRUE, "
        "exponentiate = TRUE))", long=long.assign(lev=long["lev"].astype(str)))
    for ours_col, r_col in [("estimate", "estimate"), ("std.error", "std.error"), ("df", "df"),
                            ("2.5 %", "2.5 %"), ("97.5 %", "97.5 %"), ("dfcom", "dfcom")]:
        np.testing.assert_allclose(ours[ours_col].to_numpy(), theirs[r_col].to_numpy(),
                                   rtol=1e-5, err_msg=ours_col)


def test_analyze_names_each_estimate_by_its_covariance_row_whatever_the_order():
    """A VAR's covariance is ordered term by term (then equation); a multinomial logit's
    equation by equation: each estimate must sit beside its own variance."""
    class TermFirst:  # as statsmodels' VARResults
        def __init__(self, d):
            self.params = pd.DataFrame({"y": [1.0, 2.0], "z": [3.0, 4.0]},
                                       index=["const", "L1.y"]) + d
            idx = pd.MultiIndex.from_tuples([("const", "y"), ("const", "z"), ("L1.y", "y"),
                                             ("L1.y", "z")])
            self._cov = pd.DataFrame(np.diag([0.1, 0.3, 0.2, 0.4]), index=idx, columns=idx)
            self.df_resid = 50.0

        def cov_params(self):
            return self._cov

    imp = _imputations()
    out = imp.analyze(lambda d: TermFirst(0.0)).table.set_index("term")
    assert out.loc["y:const", "estimate"] == 1.0 and out.loc["z:const", "estimate"] == 3.0
    assert out.loc["y:L1.y", "estimate"] == 2.0 and out.loc["z:L1.y", "estimate"] == 4.0
    np.testing.assert_allclose(out.loc["z:const", "ubar"], 0.3)
    np.testing.assert_allclose(out.loc["y:L1.y", "ubar"], 0.2)
