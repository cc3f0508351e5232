"""``idvars`` (Amelia's): columns kept out of the model and copied into every completed
dataset as they are, missing values included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan.baselines import emb_impute

FAST = {"epochs": 3, "progress": False}


def _survey(n=120, seed=1):
    d = socgan.datasets.seed_experiment(n, seed=seed)
    d.insert(0, "respid", np.arange(1000.0, 1000.0 + n))
    d.loc[7, "respid"] = np.nan
    d["note"] = pd.Series(["free text"] * n, dtype=object)
    d.loc[[3, 9], "note"] = None
    d["interview"] = pd.date_range("2024-01-01", periods=n, freq="D")
    d.loc[4, "interview"] = pd.NaT  # a date with a missing value is refused unless kept out
    return d


def test_idvars_are_copied_and_the_imputations_are_those_without_them():
    d = _survey()
    before = d.copy(deep=True)
    ids = ["respid", "note", "interview"]
    imp = socgan.impute(d, m=2, seed=3, idvars=ids, **FAST)
    ref = socgan.impute(d.drop(columns=ids), m=2, seed=3, **FAST)
    pd.testing.assert_frame_equal(d, before)  # the caller's data are never modified
    for got, want in zip(imp.datasets, ref.datasets):
        assert list(got.columns) == list(d.columns)
        pd.testing.assert_frame_equal(got.drop(columns=ids), want)
        for c in ids:  # as they were, missing values included
            pd.testing.assert_series_equal(got[c], d[c])
    assert imp.options["idvars"] == ids
    assert imp.where["respid"].sum() == 1 and not imp.imputed[ids].to_numpy().any()
    assert "respid" not in repr(imp) and "X:" in repr(imp)


def test_one_name_as_r_passes_it_and_the_id_warning_points_to_idvars():
    d = socgan.datasets.seed_experiment(120, seed=2)
    d.insert(0, "id", np.arange(1, 121))
    with pytest.warns(UserWarning, match="idvars="):
        socgan.impute(d, m=2, seed=1, **FAST)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no identifier warning once it is kept out
        imp = socgan.impute(d, m=2, seed=1, idvars="id", **FAST)
    assert imp.options["idvars"] == ["id"]


@pytest.mark.parametrize("bad, error, match", [
    ({"idvars": "nope"}, ValueError, "`idvars`: `data` has no column 'nope'"),
    ({"idvars": ["X", "X"]}, ValueError, "names 'X' more than once"),
    ({"idvars": ["Y", "X", "Bin", "Bimod", "Categ"]}, ValueError, "nothing is left to impute"),
    ({"idvars": "X", "bounds": {"X": (None, None)}}, ValueError, "both name 'X'"),
    ({"idvars": [None]}, TypeError, "must name columns"),
    ({"idvars": 2.5}, ValueError, "`data` has no column 2.5"),
])
def test_idvars_errors_name_the_column(bad, error, match):
    d = socgan.datasets.seed_experiment(60, seed=1)
    with pytest.raises(error, match=match):
        socgan.impute(d, m=2, **FAST, **bad)


def test_nothing_to_impute_outside_the_idvars():
    d = socgan.datasets.seed_experiment(60, seed=1, missing=False)
    d["id"] = np.arange(60.0)
    d.loc[0, "id"] = np.nan
    with pytest.warns(UserWarning, match="no missing values"):
        imp = socgan.impute(d, m=2, seed=1, idvars="id", **FAST)
    assert np.isnan(imp.datasets[1].loc[0, "id"])


def test_a_fitted_imputer_keeps_its_idvars_when_saved(tmp_path):
    d = _survey()
    ids = ["respid", "note", "interview"]
    imputer = socgan.GainImputer(m=2, seed=1, idvars=ids, **FAST).fit(d.iloc[:80])
    path = tmp_path / "w.safetensors"
    imputer.save(path)
    same = socgan.GainImputer.load(path)
    assert same.get_params()["idvars"] == ids and same.options_["idvars"] == ids
    new = d.iloc[80:].copy()
    new.loc[new.index[0], "respid"] = np.nan  # new rows may miss them too
    a, b = imputer.impute(new, seed=5), same.impute(new, seed=5)
    for x, y in zip(a.datasets, b.datasets):
        pd.testing.assert_frame_equal(x, y)
        pd.testing.assert_series_equal(x["respid"], new["respid"])


def test_emb_impute_takes_idvars_as_amelia_does():
    d = _survey().drop(columns="interview")
    imp = emb_impute(d, m=2, seed=3, idvars=["respid", "note"], progress=False)
    ref = emb_impute(d.drop(columns=["respid", "note"]), m=2, seed=3, progress=False)
    for got, want in zip(imp.datasets, ref.datasets):
        pd.testing.assert_frame_equal(got.drop(columns=["respid", "note"]), want)
        pd.testing.assert_series_equal(got["note"], d["note"])
    with pytest.raises(ValueError, match="both name 'respid'"):
        emb_impute(d, idvars="respid", noms=["respid"], progress=False)


def test_emb_impute_with_idvars_warns_at_the_callers_line():
    d = _survey().drop(columns="interview")
    with pytest.warns(UserWarning, match="EM did not converge") as got:
        emb_impute(d, m=1, seed=1, idvars=["respid", "note"], max_iter=1, progress=False)
    assert all(w.filename == __file__ for w in got)


def test_new_rows_may_hold_anything_in_the_idvars():
    """A new wave whose free-text column is empty (read as float) is copied as it is."""
    d = _survey()
    imputer = socgan.GainImputer(m=2, seed=1, idvars=["note", "interview"], **FAST).fit(
        d.drop(columns="respid"))
    new = d.drop(columns="respid").iloc[:10].assign(note=np.nan)
    out = imputer.impute(new, seed=1).datasets[0]
    assert out["note"].isna().all() and out["X"].notna().all()



def test_a_numbered_cluster_column_warns_and_points_to_idvars():
    """An R user's trial: mice::popmis's school (1..100, 20 pupils each, sorted) was used as a
    quantity without a word."""
    rng = np.random.default_rng(3)
    school = np.repeat(np.arange(1, 31), 8)
    y = rng.normal(size=240) + 0.1 * school
    y[rng.random(240) < 0.3] = np.nan
    d = pd.DataFrame({"school": school, "x": rng.normal(size=240), "y": y})
    with pytest.warns(UserWarning, match=r"'school' \(about 8 rows per value\) number consecutive"):
        socgan.impute(d, m=2, seed=1, **FAST)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        socgan.impute(d, m=2, seed=1, idvars="school", **FAST)
        socgan.impute(d.assign(school=d["school"] + 1990), m=2, seed=1, **FAST)  # years: no


def test_a_column_with_no_observed_value_in_new_rows_warns():
    d = _survey().drop(columns=["respid", "note", "interview"])
    imputer = socgan.GainImputer(m=2, seed=1, **FAST).fit(d)
    with pytest.warns(UserWarning, match=r"'X' have no observed value in `new_data`") as got:
        imputer.impute(d.iloc[:10].assign(X=np.nan), seed=1)
    assert any(w.filename == __file__ for w in got)
