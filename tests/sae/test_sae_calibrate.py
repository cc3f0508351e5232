"""Known totals: the logit shift (Ghitza & Gelman 2013) and its use by every method."""

import importlib.util

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

import socgan
from socgan.sae._calibrate import additive_shift, logit_shift

HAS_STOCHTREE = importlib.util.find_spec("stochtree") is not None


def test_logit_shift_recovers_a_known_shift():
    rng = np.random.default_rng(0)
    eta = rng.normal(0, 2, size=(300, 7))
    eta[:5, 0] = np.inf      # certain units: counted whatever the shift
    eta[5:9, 1] = -np.inf
    w = rng.integers(1, 50, size=300).astype(float)
    true = np.array([-3.0, -0.7, 0.0, 0.2, 1.5, 4.0, 8.0])
    total = (w[:, None] * expit(eta + true)).sum(0)
    delta = logit_shift(eta, w, total)
    np.testing.assert_allclose(delta, true, atol=1e-9)
    np.testing.assert_allclose((w[:, None] * expit(eta + delta)).sum(0), total, rtol=1e-12)


def test_logit_shift_refuses_an_unreachable_total():
    eta = np.array([[0.0], [1.0], [np.inf]])
    w = np.array([10.0, 10.0, 5.0])
    with pytest.raises(ValueError, match="cannot be reached"):
        logit_shift(eta, w, 5.0)       # the certain unit alone gives 5
    with pytest.raises(ValueError, match="cannot be reached"):
        logit_shift(eta, w, 25.0)


def test_additive_shift():
    y = np.array([[1.0, 2.0], [3.0, 5.0]])
    w = np.array([1.0, 3.0])
    d = additive_shift(y, w, 20.0)
    np.testing.assert_allclose(w @ (y + d), [20.0, 20.0])


@pytest.fixture(scope="module")
def world():
    sim = socgan.datasets.turnout(n_census=20_000, n_survey=2_000, seed=1)
    truth = sim["truth"]
    region = sim["census"].groupby("state", observed=True)["region"].first()
    votes = truth["turnout"] * truth["n_census"]
    by_region = votes.groupby(truth["state"].map(region).to_numpy()).sum().rename_axis("region")
    return sim, float(votes.sum()), by_region, region


def _group_totals(est, region):
    votes = est["estimate"] * est["n_census"]
    return votes.groupby(est["area"].map(region).astype(str).to_numpy()).sum()


METHODS = [("mrp", {"n_draws": 200}), ("amelia", {}),
           ("gain", {"epochs": 2, "max_steps": 60})]
if HAS_STOCHTREE:
    METHODS.append(("bart", {"n_burnin": 20, "n_draws": 60}))


@pytest.mark.parametrize("method,options", METHODS, ids=[m for m, _ in METHODS])
def test_calibrated_totals_equal_known_totals(world, method, options):
    sim, total, by_region, region = world
    kw = dict(outcome="voted", area="state", method=method, m=2, seed=1, progress=False,
              options=options)
    plain = socgan.sae.estimate(sim["survey"], sim["census"], **kw).table
    whole_res = socgan.sae.estimate(sim["survey"], sim["census"], known_totals=total, **kw)
    whole = whole_res.table
    assert (whole["estimate"] * whole["n_census"]).sum() == pytest.approx(total, rel=1e-9)
    # the survey overstates turnout (voters answer more often): calibration lowers it
    assert (plain["estimate"] * plain["n_census"]).sum() > total
    assert whole_res.settings["known_totals"]["by"] is None
    regional_res = socgan.sae.estimate(sim["survey"], sim["census"], known_totals=by_region, **kw)
    regional = regional_res.table
    got = _group_totals(regional, region)
    np.testing.assert_allclose(got.sort_index().to_numpy(),
                               by_region.rename(index=str).sort_index().to_numpy(), rtol=1e-9)
    assert (regional["conf_high"] - regional["conf_low"]).gt(0).all()
    assert regional_res.settings["known_totals"]["by"] == "region"


def test_known_totals_as_a_frame_and_for_some_groups(world):
    sim, _, by_region, region = world
    frame = by_region.iloc[:2].reset_index(name="total")    # two regions only
    kw = dict(outcome="voted", area="state", method="mrp", seed=1, progress=False,
              options={"n_draws": 100})
    plain = socgan.sae.estimate(sim["survey"], sim["census"], **kw).table
    est = socgan.sae.estimate(sim["survey"], sim["census"], known_totals=frame, **kw).table
    got = _group_totals(est, region)
    for label, total in zip(frame["region"], frame["total"]):
        assert got[str(label)] == pytest.approx(total, rel=1e-9)
    untouched = ~est["area"].map(region).isin(frame["region"]).to_numpy()
    np.testing.assert_allclose(est["estimate"].to_numpy()[untouched],
                               plain["estimate"].to_numpy()[untouched])


def test_one_total_per_area_gives_the_totals(world):
    sim, _, _, _ = world
    truth = sim["truth"]
    totals = pd.Series((truth["turnout"] * truth["n_census"]).to_numpy(),
                       index=truth["state"].astype(str).to_numpy()).rename_axis("state")
    est = socgan.sae.estimate(sim["survey"], sim["census"], outcome="voted", area="state",
                              method="mrp", seed=1, progress=False, options={"n_draws": 50},
                              known_totals=totals).table
    np.testing.assert_allclose(est["estimate"], truth["turnout"], rtol=1e-9)
    np.testing.assert_allclose(est["conf_high"] - est["conf_low"], 0.0, atol=1e-9)


def test_known_totals_errors(world):
    sim, total, by_region, _ = world
    kw = dict(outcome="voted", area="state", method="mrp", progress=False)
    s, c = sim["survey"], sim["census"]
    with pytest.raises(ValueError, match="strictly between 0"):
        socgan.sae.estimate(s, c, known_totals=float(len(c)), **kw)
    # a turnout rate given where a count of voters is meant (a user's trial got estimates of
    # 1e-5 without a word)
    with pytest.raises(ValueError, match=rf"is 0.15, a share rather than a count.*"
                                         rf"0.15 x {len(c)} rows = {0.15 * len(c):.0f}"):
        socgan.sae.estimate(s, c, known_totals=0.15, **kw)
    with pytest.raises(ValueError, match="index named"):
        socgan.sae.estimate(s, c, known_totals=by_region.rename_axis(None), **kw)
    with pytest.raises(ValueError, match="not a column of `census`"):
        socgan.sae.estimate(s, c, known_totals=by_region.rename_axis("division"), **kw)
    with pytest.raises(ValueError, match="no census row"):
        socgan.sae.estimate(s, c, known_totals=pd.Series([10.0], index=pd.Index(
            ["Atlantis"], name="region")), **kw)
    with pytest.raises(ValueError, match="several values within area"):
        socgan.sae.estimate(s, c, known_totals=pd.Series([10.0], index=pd.Index(
            ["white"], name="race")), **kw)
    with pytest.raises(TypeError, match="known_totals"):
        socgan.sae.estimate(s, c, known_totals="13172", **kw)


def test_truth_may_name_its_area_column_area_whatever_the_areas_are_called():
    from socgan.sae._estimate import truth_series

    truth = pd.DataFrame({"area": ["1990", "2000"], "truth": [0.1, 0.2]})
    out = truth_series(truth, area="year")
    assert out.to_dict() == {"1990": 0.1, "2000": 0.2}
    with pytest.raises(ValueError, match="must have the area column 'year'"):
        truth_series(truth.rename(columns={"area": "decade"}), area="year")


@pytest.mark.parametrize("method, options", [("mrp", {"n_draws": 300}), ("bart", {})])
def test_intervals_of_small_areas_carry_the_spread_of_their_rows_outcomes(method, options):
    """The estimand is the realised share of an area's census rows: an area of 12 rows has a
    binomial spread of sqrt(p(1 - p)/12) ~ 0.14 whatever the model knows (a user's trial: MRP
    covered 0.19 of nominal 0.90 in such areas)."""
    rng = np.random.default_rng(5)
    areas = [f"a{k}" for k in range(25)]
    census = pd.DataFrame({"area": pd.Categorical(np.repeat(areas, 12), categories=areas),
                           "x": rng.normal(size=300)})
    survey = pd.DataFrame({"area": pd.Categorical(rng.choice(areas, 400), categories=areas),
                           "x": rng.normal(size=400)})
    survey["y"] = (rng.random(400) < 1 / (1 + np.exp(-0.3 * survey["x"]))).astype(int)
    est = socgan.sae.estimate(survey, census, outcome="y", area="area", method=method, seed=1,
                              progress=False, options=options).table
    p = est["estimate"].to_numpy()
    binomial = 2 * 1.645 * np.sqrt(p * (1 - p) / 12)
    assert (est["conf_high"] - est["conf_low"]).to_numpy().mean() > 0.8 * binomial.mean()


def test_mrp_takes_census_categories_the_survey_lacks_and_the_others_refuse_them():
    sim = socgan.datasets.turnout(n_census=20_000, n_survey=2_000, seed=3, vote_response_odds=1)
    survey = sim["survey"][sim["survey"]["race"] != "other"]
    kw = dict(outcome="voted", area="state", seed=1, progress=False)
    with pytest.warns(UserWarning, match=r"'race' has categories in `census` but not in `survey`: "
                                         r"'other'. MRP gives them the average effect") as caught:
        est = socgan.sae.estimate(survey, sim["census"], method="mrp", **kw).table
    assert caught[0].filename == __file__
    assert est["estimate"].notna().all() and len(est) == sim["truth"].shape[0]
    with pytest.raises(ValueError, match=r"method='mrp' alone takes census categories"):
        socgan.sae.estimate(survey, sim["census"], method="bart", **kw)
    with pytest.raises(ValueError, match=r"method='mrp' alone"):
        socgan.sae.compare(survey, sim["census"], methods=["mrp", "bart"], **kw)


def test_amelia_pinned_small_area_warns_and_its_unreachable_total_names_the_area(world):
    """A user's trial: a state with two respondents, both non-voters, got an Amelia-style
    estimate of 0 with the interval [0, 0] and no word; per-state known totals then failed with
    a message that named neither the state nor the cause."""
    sim, _, _, _ = world
    s, c, truth = sim["survey"], sim["census"], sim["truth"]
    st = s["state"].astype(str)
    two = s.index[(st == "RI") & (s["voted"] == 0)][:2]
    small = s[(st != "RI") | s.index.isin(two)]
    kw = dict(outcome="voted", area="state", method="amelia", m=2, progress=False)
    with pytest.warns(UserWarning, match=r"1 area\(s\) is 0 or 1 in every imputation.*\(RI\)"):
        est = socgan.sae.estimate(small, c, seed=2, **kw).table
    ri = est[est["area"].astype(str) == "RI"].iloc[0]
    assert ri["estimate"] == 0.0 and ri["conf_high"] == ri["conf_low"]
    totals = pd.Series((truth["turnout"] * truth["n_census"]).to_numpy(),
                       index=truth["state"].astype(str).to_numpy()).rename_axis("state")
    with pytest.raises(ValueError, match=r"known total of state = 'RI' \(57 of 100 census rows\)"
                                         r".*estimated at 0 or 1 exactly"):
        socgan.sae.estimate(small, c, seed=1, known_totals=totals, **{**kw, "m": 5})


def test_mrp_says_when_it_leaves_out_respondents_and_reports_its_model(world):
    """A user's trial: MRP dropped the 10% of respondents who missed a covariate without a word
    (complete cases), and nothing showed the fitted variance components."""
    sim, _, _, _ = world
    s = sim["survey"].copy()
    s.loc[s.index[::10], "age"] = np.nan
    covariates = [v for v in sim["census"].columns if v != "state"]
    answered = s["voted"].notna()
    dropped = int((answered & s[covariates].isna().any(axis=1)).sum())
    with pytest.warns(UserWarning, match=rf"{dropped} of {int(answered.sum())} respondents with an "
                                         "observed outcome miss a covariate"):
        res = socgan.sae.estimate(s, sim["census"], outcome="voted", area="state", method="mrp",
                                  seed=1, progress=False, options={"n_draws": 50})
    model = res.settings["model"]
    assert model["n_dropped"] == dropped and model["n_obs"] == answered.sum() - dropped
    # the census rows it leaves out of the poststratification are named too (the simulated
    # census misses some education and income)
    c = sim["census"]
    left = int(c[covariates].isna().any(axis=1).sum())
    assert left > 0
    with pytest.warns(UserWarning, match=rf"{left} of {len(c)} census rows miss 'educ', "
                                         "'income' and are left out") as caught:
        socgan.sae.estimate(sim["survey"], c, outcome="voted", area="state", method="mrp",
                            seed=1, progress=False, options={"n_draws": 50})
    assert any(w.filename == __file__ for w in caught)
    assert set(model["sd"]) >= {"state"} and all(v >= 0 for v in model["sd"].values())
    assert model["converged"] is True and isinstance(model["loglik"], float)
    assert res.table["n_survey"].sum() == answered.sum()


def test_conditioned_variance_is_gaussian_conditioning_on_the_groups_total():
    from socgan.sae._calibrate import Calibration

    cal = Calibration(group_of_area=np.array([0, 0, 1, -1]), totals=np.array([10.0, 4.0]),
                      labels=["a", "b"], by="region", area_size=np.array([10, 30, 8, 5]),
                      binary=True)
    var = np.array([[0.02, 0.01, 0.03, 0.05]])
    got = cal.conditioned_variance(var)
    n2v = np.array([100 * 0.02, 900 * 0.01])
    np.testing.assert_allclose(got[0, :2], var[0, :2] - n2v * var[0, :2] / n2v.sum())
    assert got[0, 2] == 0.0 and got[0, 3] == 0.05  # its own group; no total
    # against simulation: independent area means, then conditioned on the group's total
    rng = np.random.default_rng(0)
    e = rng.standard_normal((200_000, 2)) * np.sqrt(var[0, :2])
    s = e @ np.array([10.0, 30.0])
    beta = (np.array([10.0, 30.0]) * var[0, :2]) / n2v.sum()
    resid = e - s[:, None] * beta
    np.testing.assert_allclose(resid.var(0), got[0, :2], rtol=0.02)


def test_gain_calibrates_a_group_of_one_row_areas():
    """A review's finding: with each imputation's variance, GAIN's imputed 0/1 area means were
    still shifted to the totals (only to count the imputations), and a group of one-row areas
    all 0 or all 1 in some imputation made every such call fail; the expected means calibrate."""
    sim = socgan.datasets.turnout(n_census=8_000, n_survey=900, seed=3)
    c = sim["census"].copy()
    c["state"] = c["state"].cat.add_categories(["Z1", "Z2"])
    c["region"] = c["region"].astype("category").cat.add_categories(["Tiny"])
    extra = pd.concat([c.iloc[[0]].assign(state="Z1", region="Tiny"),
                       c.iloc[[1]].assign(state="Z2", region="Tiny")])
    c = pd.concat([c, extra], ignore_index=True)
    covariates = [v for v in sim["survey"].columns if v not in ("state", "region", "voted")]
    est = socgan.sae.estimate(sim["survey"], c, outcome="voted", area="state", method="gain",
                              m=2, seed=1, progress=False, covariates=covariates,
                              options={"max_steps": 30},
                              known_totals=pd.Series({"Tiny": 1.0}).rename_axis("region")).table
    tiny = est[est["area"].astype(str).isin(["Z1", "Z2"])]
    assert (tiny["estimate"] * tiny["n_census"]).sum() == pytest.approx(1.0, rel=1e-9)
    assert tiny["estimate"].between(0.01, 0.99).all() and (tiny["std_error"] > 0.2).all()


def test_gain_shifts_the_logits_of_its_census_units_not_its_area_means():
    """Nonresponse that favours voters shifts every person's log-odds alike; a shift of the
    units' logits undoes it exactly, a shift of each area's mean does not (the mean of
    logit^-1(eta + d) is not logit^-1 of the mean's logit + d): GAIN stacking's expected means
    are calibrated unit by unit, as MRP's cells are."""
    from socgan.sae._calibrate import Calibration
    from socgan.sae._stacking import RandomIntercept, _shifted_expectations, expected_probability

    rng = np.random.default_rng(5)
    n_areas = 6
    area = np.repeat(np.arange(n_areas), 400)
    spread = np.array([0.2, 0.5, 1.0, 1.5, 2.0, 0.3])[area]  # areas unlike within
    eta_true = rng.normal(0.3, 1.0, len(area)) * spread
    w = rng.integers(1, 5, len(area)).astype(float)
    size = np.bincount(area, weights=w, minlength=n_areas)
    groups = np.array([0, 0, 0, 1, 1, -1])
    truth = np.bincount(area, weights=w * expit(eta_true), minlength=n_areas) / size
    totals = np.array([(truth * size)[groups == g].sum() for g in (0, 1)])
    cal = Calibration(group_of_area=groups, totals=totals, labels=["a", "b"], by="region",
                      area_size=size, binary=True)
    biased = eta_true + 0.6  # the survey's common overstatement
    mean, var = _shifted_expectations(biased, area, w, None, cal, n_areas, size)
    grouped = groups >= 0
    np.testing.assert_allclose(mean[grouped], truth[grouped], atol=1e-9)
    assert mean[~grouped] == pytest.approx(
        (np.bincount(area, weights=w * expit(biased), minlength=n_areas) / size)[~grouped])
    assert (var > 0).all()
    # the same shift applied to the area means misses areas whose people differ more
    plain = np.bincount(area, weights=w * expit(biased), minlength=n_areas) / size
    one_level_up = cal.area_means(plain)
    assert np.abs(one_level_up - truth)[grouped].max() > 0.005
    # a random intercept: each group's expected total is its known total, and units drawn
    # as 0/1 (+-inf) count whatever the shift
    for post_sd in (0.4, 3.0, 8.0):  # an area without respondents has the intercept's own sd
        fit = RandomIntercept(sd=post_sd, modes=rng.normal(0, 0.3, n_areas),
                              post_sd=np.full(n_areas, post_sd), loglik=0.0)
        mean, _ = _shifted_expectations(biased, area, w, fit, cal, n_areas, size)
        got = [(mean * size)[groups == g].sum() for g in (0, 1)]
        np.testing.assert_allclose(got, totals, rtol=1e-10)
    fixed = biased.copy()
    fixed[:50] = np.inf
    fixed[50:80] = -np.inf
    mean, _ = _shifted_expectations(fixed, area, w, None, cal, n_areas, size)
    np.testing.assert_allclose([(mean * size)[groups == g].sum() for g in (0, 1)], totals,
                               rtol=1e-9)
    assert expected_probability(np.array([np.inf]), np.array([0.0]), np.array([0.4]))[0] == 1.0
    # rows drawn as 1 that leave the total out of the units' reach (a group of three rows, two
    # drawn as 1, total 1.5): the group's area means are shifted instead, as before
    tiny = Calibration(group_of_area=np.array([0]), totals=np.array([1.5]), labels=["x"],
                       by="region", area_size=np.array([3.0]), binary=True)
    mean, _ = _shifted_expectations(np.array([np.inf, np.inf, 0.0]), np.zeros(3, dtype=int),
                                    np.ones(3), None, tiny, 1, np.array([3.0]))
    assert mean[0] == pytest.approx(0.5)
    # and a total no shift reaches says why, with the reachable range
    two = Calibration(group_of_area=np.array([0, 0]), totals=np.array([1.5]), labels=["x"],
                      by="region", area_size=np.array([2.0, 1.0]), binary=True)
    with pytest.raises(ValueError, match=r"region = 'x' .*fixed at exactly 0 or 1.*between 2 and 3"):
        _shifted_expectations(np.array([np.inf, np.inf, 0.0]), np.array([0, 0, 1]), np.ones(3),
                              None, two, 2, np.array([2.0, 1.0]))
