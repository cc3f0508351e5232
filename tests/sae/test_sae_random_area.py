"""GAIN stacking's area as a random intercept (issue 18, point 3): the intercepts' fit against
lme4's glmer, its limits, and the option's contract."""

import numpy as np
import pandas as pd
import pytest
from _r import r_eval, require_r_packages
from scipy.special import expit

import socgan
from socgan.sae._stacking import random_intercept


def _data(seed, n_areas=30, sd=0.4, n=3_000):
    rng = np.random.default_rng(seed)
    area = rng.integers(0, n_areas, n)
    area[:n_areas] = np.arange(n_areas)  # every area has rows
    offset = rng.normal(-0.2, 0.8, n)
    u = rng.normal(0, sd, n_areas)
    y = (rng.random(n) < expit(offset + u[area])).astype(float)
    return y, offset, area, n_areas


@pytest.mark.against_r
@pytest.mark.parametrize("seed,sd", [(0, 0.4), (1, 0.15)])
def test_random_intercept_agrees_with_glmer(seed, sd):
    require_r_packages("lme4")
    y, offset, area, n_areas = _data(seed, sd=sd)
    ref = r_eval(
        "a <- factor(sprintf('A%03d', a)); "
        "fit <- lme4::glmer(y ~ 0 + offset(f) + (1 | a), family = binomial); "
        "list(sd = as.numeric(attr(lme4::VarCorr(fit)$a, 'stddev')), "
        "     modes = lme4::ranef(fit)$a[[1]], loglik = as.numeric(logLik(fit)))",
        y=y, f=offset, a=area)
    fit = random_intercept(y, offset, area, n_areas)
    assert fit.loglik >= ref["loglik"] - 1e-6           # at least as good an optimum
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-4)
    assert fit.sd == pytest.approx(ref["sd"], abs=2e-3)
    np.testing.assert_allclose(fit.modes, ref["modes"], atol=2e-3)


def test_random_intercept_limits():
    y, offset, area, n_areas = _data(2, sd=0.5)
    fit = random_intercept(y, offset, area, n_areas + 1)      # the last area has no rows
    assert fit.modes[-1] == 0.0 and fit.post_sd[-1] == pytest.approx(fit.sd)
    # an area's posterior is narrower than the prior and shrinks toward 0 its own estimate
    assert np.all(fit.post_sd[:-1] < fit.sd)
    # no variation between areas: sigma at (or next to) its lower bound, every mode ~0
    rng = np.random.default_rng(3)
    y0 = (rng.random(len(y)) < expit(offset)).astype(float)
    none = random_intercept(y0, offset, area, n_areas)
    assert none.sd < 0.08 and np.max(np.abs(none.modes)) < 0.05
    # weights of 2 are two copies of each row
    w = random_intercept(y, offset, area, n_areas, weights=np.full(len(y), 2.0))
    twice = random_intercept(np.tile(y, 2), np.tile(offset, 2), np.tile(area, 2), n_areas)
    assert w.sd == pytest.approx(twice.sd, rel=1e-5)
    np.testing.assert_allclose(w.modes, twice.modes, atol=1e-6)
    draws = np.array([fit.draw(np.random.default_rng(s)) for s in range(400)])
    np.testing.assert_allclose(draws.std(0), fit.post_sd, rtol=0.2)


def test_area_effect_option_contract():
    sim = socgan.datasets.turnout(n_census=6_000, n_survey=600, seed=4)
    survey = sim["survey"].assign(score=lambda d: d["voted"] + np.random.default_rng(0)
                                  .normal(0, 1, len(d)))
    # a numeric outcome: the Gaussian random intercept is its default too
    num = dict(outcome="score", area="state", m=2, seed=1, progress=False)
    nr = socgan.sae.estimate(survey.drop(columns="voted"), sim["census"], **num,
                             options={"area_effect": "random", "max_steps": 30})
    nd = socgan.sae.estimate(survey.drop(columns="voted"), sim["census"], **num,
                             options={"max_steps": 30})
    pd.testing.assert_frame_equal(nr.table, nd.table)
    nf = socgan.sae.estimate(survey.drop(columns="voted"), sim["census"], **num,
                             options={"area_effect": "fixed", "max_steps": 30})
    assert np.isfinite(nr.table["estimate"]).all() and (nr.table["std_error"] > 0).all()
    assert not np.allclose(nr.table["estimate"], nf.table["estimate"])
    with pytest.raises(ValueError, match="area_effect"):
        socgan.sae.estimate(sim["survey"], sim["census"], outcome="voted", area="state", m=2,
                            seed=1, progress=False, options={"area_effect": "pooled"})
    common = dict(outcome="voted", area="state", m=2, seed=1, progress=False)
    a = socgan.sae.estimate(sim["survey"], sim["census"], options={"max_steps": 50}, **common)
    b = socgan.sae.estimate(sim["survey"], sim["census"],
                            options={"max_steps": 50, "area_effect": "random"}, **common)
    pd.testing.assert_frame_equal(a.table, b.table)   # random is the binary outcome's default
    c = socgan.sae.estimate(sim["survey"], sim["census"],
                            options={"max_steps": 50, "area_effect": "fixed"}, **common)
    assert not np.allclose(a.table["estimate"], c.table["estimate"])
    assert a.table["estimate"].between(0, 1).all()
    assert (a.table["conf_low"] <= a.table["estimate"]).all()


def test_early_stopping_option():
    """By default (``early_stopping=True``) GAIN stacking's models stop on their out-of-bag
    respondents' loss (a small survey runs hundreds of epochs to the cap); with False every
    model trains to the cap; ``.settings["epochs_trained"]`` says how long each trained."""
    sim = socgan.datasets.turnout(n_census=6_000, n_survey=600, seed=5)
    common = dict(outcome="voted", area="state", m=2, seed=1, progress=False)
    est = socgan.sae.estimate(sim["survey"], sim["census"], **common)
    trained = est.settings["epochs_trained"]
    assert len(trained) == 2 and all(0 < e < 300 for e in trained)   # the cap: ~440 epochs
    full = socgan.sae.estimate(sim["survey"], sim["census"], **common,
                               options={"early_stopping": False, "max_steps": 200})
    assert full.settings["epochs_trained"] == [pytest.approx(200 / ((600 + 600) // 128), abs=1e-3)] * 2
    assert est.table["estimate"].between(0, 1).all()
    capped = socgan.sae.estimate(sim["survey"], sim["census"], **common,
                                 options={"max_steps": 60})
    steps_per_epoch = (600 + 600) // 128
    assert capped.settings["epochs_trained"] == [pytest.approx(60 / steps_per_epoch, abs=1e-3)] * 2
    with pytest.raises(TypeError, match="early_stopping"):
        socgan.sae.estimate(sim["survey"], sim["census"], **common,
                            options={"early_stopping": "yes"})


@pytest.mark.against_r
def test_gaussian_intercept_agrees_with_lmer():
    """A numeric outcome's area intercept (on the network's residuals) is lmer's ML fit."""
    require_r_packages("lme4")
    from socgan.sae._stacking import gaussian_intercept

    rng = np.random.default_rng(0)
    n_areas, n = 30, 1_500
    area = rng.integers(0, n_areas, n)
    area[:n_areas] = np.arange(n_areas)
    r = rng.normal(0, 0.4, n_areas)[area] + rng.normal(0, 1.0, n)
    ref = r_eval(
        "a <- factor(sprintf('A%03d', a)); fit <- lme4::lmer(r ~ 0 + (1 | a), REML = FALSE); "
        "list(sd = as.numeric(attr(lme4::VarCorr(fit)$a, 'stddev')), "
        "     modes = lme4::ranef(fit)$a[[1]], loglik = as.numeric(logLik(fit)))", r=r, a=area)
    fit = gaussian_intercept(r, area, n_areas)
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-4)
    assert fit.sd == pytest.approx(ref["sd"], abs=1e-4)
    np.testing.assert_allclose(fit.modes, ref["modes"], atol=1e-5)
    # an area without rows: mode 0, the prior's SD; weights of 2 are two copies of each row
    empty = gaussian_intercept(r, area, n_areas + 1)
    assert empty.modes[-1] == 0.0 and empty.post_sd[-1] == pytest.approx(empty.sd)
    w = gaussian_intercept(r, area, n_areas, weights=np.full(n, 2.0))
    twice = gaussian_intercept(np.tile(r, 2), np.tile(area, 2), n_areas)
    assert w.sd == pytest.approx(twice.sd, rel=1e-4)
    np.testing.assert_allclose(w.modes, twice.modes, atol=1e-5)


def test_a_numeric_outcomes_variance_per_imputation_matches_the_spread_of_its_draws(monkeypatch):
    """Each imputation's variance of its area means given its model (W, from the 20 further
    draws) plus the expected means' spread must account for the spread of the imputed area
    means themselves (B): both estimate the posterior variance. The further draws once gave each
    row its own area intercept, which averaged the intercept's spread away: W was 40-70% short
    on ``mice::brandsma``'s schools and the intervals covered 0.75-0.85."""
    from socgan.sae import _stacking

    rng = np.random.default_rng(3)
    n, areas = 4000, 40
    area = rng.integers(0, areas, n)
    x = rng.normal(size=n)
    y = 1.0 + 0.8 * x + rng.normal(0, 0.7, areas)[area] + rng.normal(0, 1.0, n)
    census = pd.DataFrame({"area": pd.Categorical(area), "x": x})
    pick = rng.choice(n, 400, replace=False)
    survey = census.iloc[pick].assign(y=y[pick]).reset_index(drop=True)
    seen = {}
    original = _stacking.population_pool

    def capture(q, conf_level, expected=None, within=None):
        seen.update(q=q, expected=expected, within=within)
        return original(q, conf_level, expected, within)

    monkeypatch.setattr(_stacking, "population_pool", capture)
    socgan.sae.estimate(survey, census, outcome="y", area="area", method="gain", m=5, seed=2,
                        progress=False, options={"max_steps": 300})
    b = seen["q"].var(0, ddof=1).mean()
    model = (seen["within"].mean(0) + seen["expected"].var(0, ddof=1)).mean()
    assert 0.7 < model / b < 1.4, (model, b)
