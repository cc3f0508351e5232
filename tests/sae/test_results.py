"""Issue 16 point 3: sae.estimate returns AreaEstimates (.table, .settings, .plot()) and
sae.compare a Comparison instead of a dict; the old DataFrame/.attrs and dict patterns keep
working with a FutureWarning. MRP on a small simulated census keeps these tests quick."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan.sae import AreaEstimates, Comparison

COLUMNS = ["area", "estimate", "std_error", "conf_low", "conf_high", "n_survey", "n_census"]


@pytest.fixture(scope="module")
def sim():
    return socgan.datasets.turnout(n_census=8_000, n_survey=900, seed=3)


@pytest.fixture(scope="module")
def est(sim):
    return socgan.sae.estimate(sim["survey"], sim["census"], outcome="voted", area="state",
                               covariates=["age", "educ"], method="mrp", seed=2,
                               progress=False, options={"n_draws": 200})


def test_estimate_returns_area_estimates_with_table_and_settings(est, sim):
    assert isinstance(est, AreaEstimates)
    tab = est.table
    assert list(tab.columns) == COLUMNS and len(tab) == len(est) == 51
    assert isinstance(tab["area"].dtype, pd.CategoricalDtype) and tab.attrs == {}
    s = est.settings
    model = s.pop("model")  # the fitted model in plain types
    assert set(model) == {"sd", "fixed", "n_obs", "n_dropped", "n_cells", "loglik", "converged"}
    assert set(model["sd"]) == {"state", "age", "educ"} and model["n_obs"] + model["n_dropped"] == \
        tab["n_survey"].sum()
    assert s == {"method": "mrp", "m": None, "seed": 2, "conf_level": 0.9,
                 "options": {"n_draws": 200}, "outcome": "voted", "area": "state",
                 "covariates": ["age", "educ"], "binary": True, "outcome_values": None,
                 "outcome_level": None, "known_totals": None}
    assert est.method == "mrp" and est.conf_level == 0.9
    # views are copies: the result cannot be changed through them
    tab.loc[0, "estimate"] = -1.0
    s["method"] = "changed"
    assert est.table.loc[0, "estimate"] != -1.0 and est.settings["method"] == "mrp"
    back = pickle.loads(pickle.dumps(est))
    pd.testing.assert_frame_equal(back.table, est.table)
    assert back.settings == est.settings
    assert "AreaEstimates" in repr(est) and "'mrp'" in repr(est)


def test_area_estimates_plot(est, sim, tmp_path):
    fig = est.plot(truth=sim["truth"], path=tmp_path / "areas.png", title="MRP")
    assert (tmp_path / "areas.png").stat().st_size > 1000
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "mrp"
    assert fig._supxlabel.get_text() == "estimate with 90% interval"  # level from .settings
    # the module function takes the result and its table alike
    socgan.sae.plot(est)
    socgan.sae.plot(est.table)
    with pytest.raises(ValueError, match="`estimates`"):
        socgan.sae.plot({"area": []})


def test_old_dataframe_and_attrs_patterns_warn_and_still_work(est):
    tab = est.table
    with pytest.warns(FutureWarning, match=r"\.settings"):
        assert est.attrs["method"] == "mrp"
    with pytest.warns(FutureWarning, match=r"\.table"):
        np.testing.assert_array_equal(est["estimate"], tab["estimate"])
    with pytest.warns(FutureWarning):
        assert list(est.columns) == COLUMNS
    with pytest.warns(FutureWarning):
        assert est.loc[0, "n_census"] == tab.loc[0, "n_census"]
    with pytest.raises(AttributeError):
        est.no_such_thing


def test_compare_returns_a_comparison(sim, tmp_path):
    res = socgan.sae.compare(sim["survey"], sim["census"], outcome="voted", area="state",
                             covariates=["age", "educ"], truth=sim["truth"],
                             methods=["mrp"], seed=2, progress=False,
                             options={"mrp": {"n_draws": 200}})
    assert isinstance(res, Comparison)
    assert list(res.table.columns) == ["method", "rmse", "mae", "correlation", "coverage",
                                       "mean_width", "areas_scored", "seconds"]
    assert list(res.estimates.columns) == ["method"] + COLUMNS + ["truth"]
    assert list(res.measured_coverage["method"]) == ["mrp"]
    assert isinstance(res.results["mrp"], AreaEstimates)
    pd.testing.assert_frame_equal(res.estimates.drop(columns=["method", "truth"]),
                                  res.results["mrp"].table)
    s = res.settings
    assert s["methods"] == ["mrp"] and s["options"] == {"mrp": {"n_draws": 200}}
    assert s["truth_given"] and s["outcome"] == "voted" and s["conf_level"] == 0.9
    # coverage in the table is the share of areas whose interval holds the truth
    e = res.estimates
    inside = ((e["conf_low"] <= e["truth"]) & (e["truth"] <= e["conf_high"])).mean()
    assert res.table.loc[0, "coverage"] == pytest.approx(inside)
    fig = res.plot(path=tmp_path / "cmp.png")
    assert len(fig.axes) == 1 and (tmp_path / "cmp.png").exists()
    # the dict it used to be
    with pytest.warns(FutureWarning, match=r"\.table"):
        pd.testing.assert_frame_equal(res["table"], res.table)
    with pytest.warns(FutureWarning):
        assert res.keys() == ["table", "estimates", "measured_coverage"]
    assert "estimates" in res
    with pytest.raises(KeyError):
        res["nothing"]
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(back.estimates, res.estimates)


def test_plot_marks_areas_without_respondents(est, tmp_path):
    """A user's trial: the plot did not show which areas had no respondents."""
    table = est.table
    table.loc[[0, 3], "n_survey"] = 0
    fig = socgan.sae.plot(table.assign(method="mrp"), path=tmp_path / "a.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "estimate, no respondents" in labels
    hollow = [ln for ln in fig.axes[0].lines if ln.get_label() == "estimate, no respondents"][0]
    assert len(hollow.get_xdata()) == 2
    fig = socgan.sae.plot(est)  # every area has respondents here: no such entry
    assert "estimate, no respondents" not in [t.get_text() for t in
                                              fig.axes[0].get_legend().get_texts()]
