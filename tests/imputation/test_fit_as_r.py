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


def test_weights_that_are_negative_or_missing_are_refused_by_name():
    imp = _imputations()
    for d in imp.datasets:
        d.loc[3, "w"] = -1.0
    with pytest.raises(ValueError, match=r"`options\['weights'\]` has 1 missing, infinite or "
                                         r"negative"):
        imp.fit("y ~ x", method="wls", options={"weights": "w"})
    with pytest.raises(ValueError, match=r"`options\['var_weights'\]`"):
        imp.fit("y ~ x", method="glm", options={"var_weights": "w"})


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
    with pytest.raises(ValueError, match=r"write I\(x\*\*2\) for R's I\(x\^2\)"):
        imp.fit("y ~ I(x^2)")


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
