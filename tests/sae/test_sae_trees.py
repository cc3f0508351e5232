"""BART poststratification (socgan.sae._trees): the tree-ensemble baseline of SAE."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

pytest.importorskip("stochtree")

from socgan.sae._trees import TREE_OPTIONS, tree_area_means  # noqa: E402

FAST = dict(n_trees=20, n_burnin=30, n_draws=100)  # small sampler for the quick checks
COLS = ["area", "estimate", "std_error", "conf_low", "conf_high"]
COVS = ["region", "prev", "age", "educ", "race", "hours"]


def _world(seed=0, n_area=51, n_survey=3_000, n_census=20_000, empty_area=7):
    """A survey and a census of 51 areas with known area means; NaN in three covariates."""
    rng = np.random.default_rng(seed)
    areas = [f"A{i:02d}" for i in range(n_area)]
    region = rng.integers(0, 4, n_area)
    prev = rng.normal(0.6, 0.08, n_area)
    effect = rng.normal(0, 0.3, n_area) + 4 * (prev - 0.6)

    def draw(n):
        a = rng.integers(0, n_area, n)
        age = rng.integers(0, 5, n)
        educ = rng.integers(0, 4, n)
        race = rng.choice(3, n, p=[0.7, 0.2, 0.1])
        hours = rng.normal(35, 10, n)
        eta = (0.2 + effect[a] + 0.3 * age + 0.4 * educ - 0.5 * (race == 1) - 0.3 * (race == 2)
               + 0.02 * (hours - 35))
        df = pd.DataFrame({
            "area": pd.Categorical.from_codes(a, areas),
            "region": pd.Categorical.from_codes(region[a], ["NE", "MW", "S", "W"]),
            "prev": prev[a],
            "age": pd.Categorical.from_codes(age, ["18-29", "30-44", "45-59", "60-74", "75+"],
                                             ordered=True),
            "educ": pd.Categorical.from_codes(educ, ["<HS", "HS", "some", "BA+"], ordered=True),
            "race": pd.Categorical.from_codes(race, ["white", "black", "other"]),
            "hours": hours,
        })
        for col, share in (("educ", 0.05), ("race", 0.03), ("hours", 0.08)):
            df.loc[rng.random(n) < share, col] = np.nan
        return df, expit(eta)

    census, p_census = draw(n_census)
    survey, p_survey = draw(n_survey)
    survey["y"] = (rng.random(n_survey) < p_survey).astype(float)
    survey["z"] = 10 * p_survey + rng.normal(0, 1, n_survey)  # continuous outcome
    survey = survey[survey["area"] != areas[empty_area]].reset_index(drop=True)
    codes = census["area"].cat.codes.to_numpy()
    truth = np.bincount(codes, p_census, n_area) / np.bincount(codes, minlength=n_area)
    return survey, census, truth, areas[empty_area]


@pytest.fixture(scope="module")
def world():
    return _world()


def _run(survey, census, outcome="y", binary=True, seed=1, conf_level=0.9, **options):
    return tree_area_means(survey, census, outcome=outcome, area="area", covariates=COVS,
                           binary=binary, conf_level=conf_level, seed=seed, **options)


def _check_table(out, census):
    assert list(out.columns) == COLS
    cats = census["area"].cat.categories
    assert len(out) == len(cats)
    assert list(out["area"].astype(str)) == list(cats)
    assert isinstance(out["area"].dtype, pd.CategoricalDtype)
    values = out[COLS[1:]].to_numpy()
    assert np.isfinite(values).all()
    assert (out["std_error"] > 0).all()
    assert (out["conf_low"] <= out["estimate"]).all()
    assert (out["estimate"] <= out["conf_high"]).all()


def test_binary_defaults_track_truth_and_leave_inputs_alone(world):
    survey, census, truth, empty = world
    s0, c0 = survey.copy(deep=True), census.copy(deep=True)
    out = _run(survey, census)  # the default sampler (50 trees, 100 + 1000 draws)
    _check_table(out, census)
    pd.testing.assert_frame_equal(survey, s0)
    pd.testing.assert_frame_equal(census, c0)
    est = out["estimate"].to_numpy()
    assert ((est > 0) & (est < 1)).all()
    assert np.corrcoef(est, truth)[0, 1] > 0.6
    assert np.sqrt(np.mean((est - truth) ** 2)) < 0.08
    # the area without respondents gets a finite estimate in (0, 1), from its region / prev
    row = out[out["area"] == empty].iloc[0]
    assert 0 < row["estimate"] < 1 and row["conf_low"] < row["conf_high"]


def test_same_seed_same_output_other_seed_other_output(world):
    survey, census, _, _ = world
    a = _run(survey, census, seed=3, **FAST)
    b = _run(survey, census, seed=3, **FAST)
    pd.testing.assert_frame_equal(a, b)
    c = _run(survey, census, seed=4, **FAST)
    assert not np.allclose(a["estimate"], c["estimate"])


def test_interval_level_and_unused_census_category(world):
    survey, census, _, _ = world
    wide = _run(survey, census, conf_level=0.95, **FAST)
    narrow = _run(survey, census, conf_level=0.5, **FAST)
    assert (wide["conf_high"] - wide["conf_low"] > narrow["conf_high"] - narrow["conf_low"]).all()
    pd.testing.assert_series_equal(wide["estimate"], narrow["estimate"])
    # a category of `area` without census rows gets no row; the order stays category order
    cats = census["area"].cat.categories
    keep = census["area"] != cats[0]
    out = _run(survey[survey["area"] != cats[0]], census[keep], **FAST)
    assert list(out["area"].astype(str)) == list(cats[1:])


def test_continuous_outcome(world):
    survey, census, truth, _ = world
    out = _run(survey, census, outcome="z", binary=False, **FAST)
    _check_table(out, census)
    assert np.corrcoef(out["estimate"], truth)[0, 1] > 0.6
    assert abs(out["estimate"].mean() - 10 * truth.mean()) < 1


def test_no_missing_values_and_numeric_only_covariates(world):
    survey, census, _, _ = world
    s = survey.dropna().reset_index(drop=True)
    c = census.dropna().reset_index(drop=True)
    out = tree_area_means(s, c, outcome="y", area="area", covariates=["prev", "hours"],
                          binary=True, conf_level=0.9, seed=1, **FAST)
    _check_table(out, c)


def test_turnout_simulation_if_available():
    datasets = pytest.importorskip("socgan.datasets")
    if not hasattr(datasets, "turnout"):
        pytest.skip("socgan.datasets.turnout is not there yet")
    sim = datasets.turnout(n_census=20_000, n_survey=2_000, seed=2)
    survey, census = sim["survey"].copy(), sim["census"]
    survey["voted"] = survey["voted"].astype(float)
    covs = ["region", "prev_turnout", "age", "educ", "race", "sex", "income"]
    out = tree_area_means(survey, census, outcome="voted", area="state", covariates=covs,
                          binary=True, conf_level=0.9, seed=1, **FAST)
    assert len(out) == len(census["state"].cat.categories)
    assert np.isfinite(out[COLS[1:]].to_numpy()).all()
    truth = sim["truth"]["turnout"].to_numpy()
    assert np.corrcoef(out["estimate"], truth)[0, 1] > 0.3


def test_settings_are_checked(world):
    survey, census, _, _ = world
    assert set(TREE_OPTIONS) == {"n_trees", "n_burnin", "n_draws", "n_gfr", "n_threads"}
    with pytest.raises(ValueError, match="n_draws"):
        _run(survey, census, n_draws=1)
    with pytest.raises(TypeError, match="n_trees"):
        _run(survey, census, n_trees="many")
    one_value = survey.assign(y=1.0)
    with pytest.raises(ValueError, match="one value"):
        _run(one_value, census, **FAST)


def test_missing_dependency_names_the_install_command(world, monkeypatch):
    survey, census, _, _ = world
    monkeypatch.setitem(sys.modules, "stochtree", None)  # makes `import stochtree` fail
    with pytest.raises(ImportError, match="pip install stochtree"):
        _run(survey, census, **FAST)
