"""``derived`` (mice's passive imputation): a column computed from others is recomputed from the
completed row wherever it was missing; its observed values stay as they are."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import socgan

FAST = {"epochs": 3, "progress": False}


def _growth(n=200, seed=1):
    """Heights, weights and their BMI (rounded to two decimals, as in ``mice::boys``), with
    values missing in each, an integer sum score of three items and a group."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(0, 20, n)
    hgt = 60 + 6 * age + rng.normal(0, 6, n)
    wgt = np.maximum(3.0, 0.0025 * hgt ** 2 * rng.normal(17, 2, n) / 10)
    items = rng.integers(0, 5, size=(n, 3))
    d = pd.DataFrame({"age": age, "hgt": hgt, "wgt": wgt,
                      "bmi": np.round(wgt / (hgt / 100) ** 2, 2),
                      "q1": items[:, 0], "q2": items[:, 1], "q3": items[:, 2],
                      "total": items.sum(1),
                      "region": pd.Categorical(rng.choice(["north", "south"], n))})
    for col, share in (("hgt", 0.15), ("wgt", 0.1), ("bmi", 0.2), ("q2", 0.1), ("total", 0.2)):
        d.loc[rng.random(n) < share, col] = np.nan
    # as in mice::boys, a BMI (a total) is missing where a part of it is
    d.loc[d["hgt"].isna() | d["wgt"].isna(), "bmi"] = np.nan
    d.loc[d["q2"].isna(), "total"] = np.nan
    d["q1"] = d["q1"].astype("Int64")
    d["q2"] = d["q2"].astype("Int64")
    d["q3"] = d["q3"].astype("Int64")
    d["total"] = d["total"].astype("Int64")
    return d


DERIVED = {"bmi": "wgt / (hgt / 100)^2", "total": "q1 + q2 + q3"}


def test_missing_values_follow_the_formula_and_observed_ones_stay():
    d = _growth()
    before = d.copy(deep=True)
    imp = socgan.impute(d, m=2, seed=1, derived=DERIVED, **FAST)
    pd.testing.assert_frame_equal(d, before)  # the caller's data are never modified
    miss_bmi, miss_total = d["bmi"].isna(), d["total"].isna()
    for x in imp.datasets:
        assert x.notna().all().all()
        np.testing.assert_allclose(x.loc[miss_bmi, "bmi"],
                                   x.loc[miss_bmi, "wgt"] / (x.loc[miss_bmi, "hgt"] / 100) ** 2)
        assert (x.loc[miss_total, "total"] == x.loc[miss_total, ["q1", "q2", "q3"]].sum(axis=1)).all()
        assert x["total"].dtype == "Int64" and x["bmi"].dtype == np.float64
        pd.testing.assert_series_equal(x.loc[~miss_bmi, "bmi"], d.loc[~miss_bmi, "bmi"])
        pd.testing.assert_series_equal(x.loc[~miss_total, "total"], d.loc[~miss_total, "total"])
    assert imp.options["derived"] == DERIVED


def test_the_other_columns_are_imputed_as_without_derived():
    """The derived column stays in the model: only its own imputations change."""
    d = _growth(seed=2)
    with_ = socgan.impute(d, m=2, seed=4, derived={"bmi": "wgt / (hgt / 100)^2"}, **FAST)
    without = socgan.impute(d, m=2, seed=4, **FAST)
    for a, b in zip(with_.datasets, without.datasets):
        pd.testing.assert_frame_equal(a.drop(columns="bmi"), b.drop(columns="bmi"))
    # and without it the imputed BMI is not its formula
    x = without.datasets[0]
    miss = d["bmi"].isna()
    assert not np.allclose(x.loc[miss, "bmi"], x.loc[miss, "wgt"] / (x.loc[miss, "hgt"] / 100) ** 2)


def test_mice_passive_syntax_python_functions_and_chained_formulas():
    d = _growth(seed=3)
    d["bmi_sq"] = d["bmi"] ** 2  # missing where bmi is
    passive = socgan.impute(d, m=2, seed=2, derived={"bmi": "~I(wgt / (hgt / 100)^2)",
                                                     "bmi_sq": "bmi ** 2"}, **FAST)
    func = socgan.impute(d, m=2, seed=2, derived={
        "bmi": lambda x: x["wgt"] / (x["hgt"] / 100) ** 2, "bmi_sq": "bmi^2"}, **FAST)
    for a, b in zip(passive.datasets, func.datasets):
        pd.testing.assert_frame_equal(a, b)
        miss = d["bmi_sq"].isna()
        np.testing.assert_allclose(a.loc[miss, "bmi_sq"], a.loc[miss, "bmi"] ** 2)
    assert func.options["derived"]["bmi"].startswith("<function")


def test_a_function_may_make_a_categorical_column():
    d = _growth(seed=4)
    d["tall"] = pd.Categorical(np.where(d["hgt"] > 120, "yes", "no"), categories=["no", "yes"])
    d.loc[d["hgt"].isna(), "tall"] = np.nan

    def tall(x):
        return np.where(x["hgt"] > 120, "yes", "no")

    imp = socgan.impute(d, m=2, seed=1, derived={"tall": tall}, **FAST)
    for x in imp.datasets:
        assert x["tall"].dtype == d["tall"].dtype
        assert ((x["hgt"] > 120) == (x["tall"] == "yes")).all()
    with pytest.raises(ValueError, match="not a level of the categorical column 'tall'"):
        socgan.impute(d, m=2, seed=1, derived={"tall": lambda x: np.where(x["hgt"] > 120,
                                                                          "Y", "N")}, **FAST)


@pytest.mark.parametrize("derived, error, match", [
    ({"nope": "wgt"}, ValueError, r"`derived\['nope'\]`: `data` has no column 'nope'"),
    ({"bmi": "wgt / hgtx"}, ValueError, r"could not be evaluated on `data`: .*hgtx"),
    ({"bmi": "bmi * 2"}, ValueError, "reads 'bmi' itself"),
    ({"bmi": "wgt / total", "total": "q1 + q2"}, ValueError, "list 'total' first"),
    ({"bmi": ""}, ValueError, "empty formula"),
    ({"bmi": 3}, TypeError, r"must be a formula"),
    ("bmi", TypeError, r"must be a dict \{column: formula\}"),
    ({"total": "q1 + q2 + q3 / 2"}, ValueError, "fractions .* integer column 'total'"),
])
def test_errors_name_the_column(derived, error, match):
    with pytest.raises(error, match=match):
        socgan.impute(_growth(), m=2, seed=1, derived=derived, **FAST)


def test_idvars_and_bounds_cannot_name_a_derived_column():
    d = _growth()
    with pytest.raises(ValueError, match="also in `idvars`"):
        socgan.impute(d, m=2, derived={"bmi": "wgt"}, idvars="bmi", **FAST)
    with pytest.raises(ValueError, match="also in `bounds`"):
        socgan.impute(d, m=2, derived={"bmi": "wgt"}, bounds={"bmi": (0, None)}, **FAST)
    # a formula may read a column kept out of the model (mice: a passive formula may read a
    # column of method ""): a household size that is complete, say
    d["size"] = np.arange(len(d)) % 4 + 1.0
    d["per_head"] = d["wgt"] / d["size"]
    imp = socgan.impute(d, m=2, seed=1, derived={"per_head": "wgt / size"}, idvars="size", **FAST)
    x = imp.datasets[0]
    np.testing.assert_allclose(x["per_head"], x["wgt"] / x["size"])


def test_a_formula_that_disagrees_with_the_observed_values_warns_at_the_callers_line():
    d = _growth()
    with pytest.warns(UserWarning, match=r"differs by more than 1% .* in 100% of") as rec:
        socgan.impute(d, m=2, seed=1, derived={"bmi": "wgt / hgt^2"}, **FAST)  # metres, not cm
    assert all(r.filename == __file__ for r in rec if "derived" in str(r.message))
    with warnings.catch_warnings():  # BMI rounded to two decimals agrees with its formula
        warnings.simplefilter("error")
        socgan.impute(d.drop(columns="total"), m=2, seed=1,
                      derived={"bmi": "wgt / (hgt / 100)^2"}, **FAST)


def test_rows_where_the_formula_gives_nothing_stay_missing():
    """A user's trial: earnings per hour of people who work 0 hours were given a made-up
    value (the model's draw); as in mice's passive imputation, there is none."""
    d = _growth(seed=5)
    d["ratio"] = d["q1"].astype(float) / d["q3"].astype(float).replace(0, np.nan)
    d["ratio"] = d["ratio"].fillna(1.0)
    d.loc[d.index[:30], "ratio"] = np.nan
    zero = d.index[:30][(d.loc[d.index[:30], "q3"] == 0).to_numpy()]
    assert len(zero)
    with pytest.warns(UserWarning, match="gave no finite value in .* row.*a division by zero.*"
                                         "stay missing"):
        imp = socgan.impute(d, m=2, seed=1, derived={"ratio": "q1 / q3"}, **FAST)
    for x in imp.datasets:
        assert x.loc[zero, "ratio"].isna().all()
        others = x["ratio"].drop(index=zero)
        assert others.notna().all() and np.isfinite(others).all()
    assert not imp.imputed.loc[zero, "ratio"].any()


def test_an_observed_total_with_a_missing_part_warns():
    d = _growth(seed=11)
    d.loc[d.index[:10], "q2"] = pd.NA
    d.loc[d.index[:10], "total"] = 5
    with pytest.warns(UserWarning, match=r"in 10 row\(s\) 'total' is observed while a column its "
                                         r"formula reads \('q1', 'q2', 'q3'\) is missing"):
        socgan.impute(d, m=2, seed=1, derived={"total": "q1 + q2 + q3"}, **FAST)


def test_a_fitted_imputer_applies_and_saves_its_formulas(tmp_path):
    d = _growth(seed=6)
    imputer = socgan.GainImputer(m=2, seed=1, derived=DERIVED, **FAST).fit(d)
    new = _growth(n=60, seed=7)
    for x in imputer.impute(new, seed=3).datasets + [imputer.transform(new)]:
        miss = new["bmi"].isna()
        np.testing.assert_allclose(x.loc[miss, "bmi"],
                                   x.loc[miss, "wgt"] / (x.loc[miss, "hgt"] / 100) ** 2)
    path = tmp_path / "imp.safetensors"
    imputer.save(path)
    loaded = socgan.GainImputer.load(path)
    assert loaded.derived == DERIVED and loaded.options_["derived"] == DERIVED
    for a, b in zip(imputer.impute(new, seed=3).datasets, loaded.impute(new, seed=3).datasets):
        pd.testing.assert_frame_equal(a, b)
    func = socgan.GainImputer(m=2, seed=1, derived={"bmi": lambda x: x["wgt"]}, **FAST).fit(d)
    with pytest.raises(ValueError, match=r"`derived\['bmi'\]` is a Python function"):
        func.save(tmp_path / "f.safetensors")


def test_a_formula_can_only_compute_also_from_a_saved_file(tmp_path):
    """A review: pandas' eval runs method calls and attribute walks; a formula read from a saved
    imputer's file would have been code that runs when the model imputes."""
    d = _growth(seed=8)
    for bad in ("wgt.__class__", "wgt.to_csv('x.csv')", "wgt[0]", "where(wgt > 1, 1, 0)"):
        with pytest.raises(ValueError, match=r"`derived\['bmi'\]`: the formula"):
            socgan.impute(d, m=2, seed=1, derived={"bmi": bad}, **FAST)
    imputer = socgan.GainImputer(m=2, seed=1, derived={"bmi": "wgt / (hgt / 100)^2"},
                                 **FAST).fit(d)
    path = tmp_path / "m.safetensors"
    imputer.save(path)
    from safetensors import safe_open
    from safetensors.torch import save_file
    import json
    with safe_open(str(path), framework="pt") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    schema = json.loads(meta["socgan"])
    schema["params"]["derived"] = [["bmi", "wgt.to_csv('leak.csv') or wgt"]]
    save_file(tensors, str(path), metadata={"socgan": json.dumps(schema)})
    with pytest.raises(ValueError, match="a formula may call"):
        socgan.GainImputer.load(path)


def test_float32_and_small_integer_derived_columns_keep_their_dtype():
    d = _growth(seed=9)
    d["bmi"] = d["bmi"].astype("float32")
    d["total"] = d["total"].astype("Int8")
    imp = socgan.impute(d, m=2, seed=1, derived=DERIVED, **FAST)
    for x in imp.datasets:
        assert x["bmi"].dtype == np.float32 and x["total"].dtype == "Int8"
        miss = d["bmi"].isna()
        np.testing.assert_allclose(x.loc[miss, "bmi"], (x.loc[miss, "wgt"] / (x.loc[miss, "hgt"] / 100) ** 2)
                                   .astype("float32"), rtol=1e-6)


def test_overimpute_leaves_derived_columns_out():
    d = _growth(seed=10)
    imputer = socgan.GainImputer(m=2, seed=1, derived=DERIVED, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # hiding hgt values must not warn of BMI's parts
        check = imputer.overimpute(d, draws=19)
    assert "bmi" not in set(check.table["column"]) and "total" not in set(check.table["column"])
    with pytest.raises(ValueError, match="'bmi' is in `derived`"):
        imputer.overimpute(d, columns="bmi", draws=19)
