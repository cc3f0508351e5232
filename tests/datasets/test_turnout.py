"""socgan.datasets.turnout: the contract of the result, the known truth, the survey's biases, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socgan.datasets import turnout

SMALL = dict(n_census=20_000, n_survey=3_000)
COVARIATES = ["state", "region", "prev_turnout", "age", "educ", "race", "sex", "income"]


@pytest.fixture(scope="module")
def sim():
    return turnout(**SMALL, seed=7)


def test_result_is_a_dict_of_frames(sim):
    assert set(sim) == {"survey", "census", "truth"}
    assert all(isinstance(v, pd.DataFrame) for v in sim.values())
    assert list(sim["census"].columns) == COVARIATES
    assert list(sim["survey"].columns) == COVARIATES + ["voted"]
    assert list(sim["truth"].columns) == ["state", "turnout", "n_census"]
    assert len(sim["census"]) == SMALL["n_census"]
    assert len(sim["truth"]) == 51


def test_dtypes_agree_between_survey_and_census(sim):
    census, survey = sim["census"], sim["survey"]
    for col in COVARIATES:
        assert census[col].dtype == survey[col].dtype, col
    assert survey["voted"].dtype == np.int64
    assert set(survey["voted"].unique()) <= {0, 1}
    assert census["prev_turnout"].dtype == np.float64
    states = census["state"].cat.categories.tolist()
    assert len(states) == 51 and states == sorted(states) and "DC" in states
    assert not census["state"].cat.ordered and not census["race"].cat.ordered
    assert census["age"].cat.ordered and census["educ"].cat.ordered and census["income"].cat.ordered
    assert census["age"].cat.categories.tolist() == ["18-29", "30-44", "45-64", "65+"]
    assert census["educ"].cat.categories.tolist() == ["no HS", "HS", "some college", "BA+"]
    assert census["race"].cat.categories.tolist() == ["white", "black", "hispanic", "other"]
    assert census["sex"].cat.categories.tolist() == ["female", "male"]
    assert census["region"].cat.categories.tolist() == ["Northeast", "Midwest", "South", "West"]
    assert sim["truth"]["state"].dtype == census["state"].dtype


def test_state_level_variables_are_constant_within_state(sim):
    census = sim["census"]
    by_state = census.groupby("state", observed=True)
    assert (by_state["region"].nunique() == 1).all()
    assert (by_state["prev_turnout"].nunique() == 1).all()
    region = by_state["region"].first()
    assert region["CA"] == "West" and region["DC"] == "South" and region["VT"] == "Northeast"
    assert region["OH"] == "Midwest"
    prev = by_state["prev_turnout"].first()
    assert prev.between(0.40, 0.82).all()
    # the previous election predicts the current one well, but not perfectly
    r = np.corrcoef(prev.to_numpy(), sim["truth"]["turnout"].to_numpy())[0, 1]
    assert 0.5 < r < 0.999


def test_states_sized_by_population_with_a_floor(sim):
    truth, census, survey = sim["truth"], sim["census"], sim["survey"]
    counts = census["state"].value_counts().reindex(truth["state"])
    assert (counts.to_numpy() == truth["n_census"].to_numpy()).all()
    assert truth["n_census"].sum() == SMALL["n_census"] and truth["n_census"].min() >= 100
    n = truth.set_index("state")["n_census"]
    assert n.idxmax() == "CA" and n["TX"] > n["OH"] > n["VT"]
    assert set(survey["state"].unique()) <= set(truth["state"])
    svy = survey["state"].value_counts()
    assert svy["CA"] > 5 * svy["WY"]
    # at the smallest allowed census every state has exactly the floor
    tiny = turnout(n_census=5_100, n_survey=200, seed=1)["truth"]
    assert (tiny["n_census"] == 100).all()


def test_truth_is_a_realised_share_with_real_world_spread(sim):
    truth = sim["truth"]
    assert truth["state"].tolist() == truth["state"].cat.categories.tolist()
    voters = truth["turnout"] * truth["n_census"]
    np.testing.assert_allclose(voters, np.round(voters), atol=1e-6)  # whole numbers of voters
    assert truth["turnout"].between(0.35, 0.9).all()
    for seed in range(3):
        t = turnout(n_census=100_000, n_survey=1_000, seed=seed)["truth"]["turnout"]
        assert 0.15 < t.max() - t.min() < 0.45


def test_same_seed_same_output_and_new_seed_new_world(sim):
    again = turnout(n_census=20_000.0, n_survey=3_000.0, seed=7.0)  # R's numbers arrive as floats
    for key in sim:
        pd.testing.assert_frame_equal(sim[key], again[key])
    other = turnout(**SMALL, seed=8)
    assert not np.allclose(sim["truth"]["turnout"], other["truth"]["turnout"])


def test_survey_size_near_request(sim):
    assert abs(len(sim["survey"]) - SMALL["n_survey"]) < 0.1 * SMALL["n_survey"]


def test_survey_overstates_turnout_more_as_voters_respond_more():
    args = dict(n_census=100_000, n_survey=20_000, seed=3, missing=False)
    ignorable = turnout(**args, vote_response_odds=1.0)
    default = turnout(**args)
    strong = turnout(**args, vote_response_odds=3.0)
    # the world and the population do not depend on the survey's response model
    pd.testing.assert_frame_equal(ignorable["truth"], strong["truth"])
    truth = ignorable["truth"]
    national = (truth["turnout"] * truth["n_census"]).sum() / truth["n_census"].sum()
    means = [s["survey"]["voted"].mean() for s in (ignorable, default, strong)]
    assert national < means[0] < means[1] < means[2]  # covariates alone already push it up
    assert means[2] - national > 0.08


def test_missing_shares_roughly_as_documented(sim):
    census, survey = sim["census"].isna().mean(), sim["survey"].isna().mean()
    assert abs(census["income"] - 0.05) < 0.02 and abs(census["educ"] - 0.02) < 0.01
    assert abs(survey["income"] - 0.10) < 0.03 and abs(survey["educ"] - 0.03) < 0.015
    assert abs(survey["race"] - 0.02) < 0.012
    for col in ["state", "region", "prev_turnout", "age", "sex"]:
        assert census[col] == 0 and survey[col] == 0
    assert census["race"] == 0 and survey["voted"] == 0


def test_missing_false_gives_complete_data():
    sim = turnout(**SMALL, seed=7, missing=False)
    assert not sim["census"].isna().any().any()
    assert not sim["survey"].isna().any().any()


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(n_census=5_000), ValueError, "n_census"),
    (dict(n_census=20_000.5), ValueError, "n_census"),
    (dict(n_census="big"), TypeError, "n_census"),
    (dict(n_survey=50), ValueError, "n_survey"),
    (dict(n_survey=10_001), ValueError, "n_survey"),
    (dict(vote_response_odds=0), ValueError, "vote_response_odds"),
    (dict(vote_response_odds=-1.0), ValueError, "vote_response_odds"),
    (dict(vote_response_odds=float("inf")), ValueError, "vote_response_odds"),
    (dict(vote_response_odds=float("nan")), ValueError, "vote_response_odds"),
    (dict(vote_response_odds="high"), TypeError, "vote_response_odds"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(missing="yes"), TypeError, "missing"),
])
def test_errors_name_the_argument(kwargs, error, name):
    args = dict(n_census=20_000, n_survey=3_000, seed=1) | kwargs
    with pytest.raises(error, match=name):
        turnout(**args)
