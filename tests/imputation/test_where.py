"""``where`` (mice's): which missing cells to impute, for skip patterns."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import socgan

FAST = {"epochs": 3, "progress": False}


def _labour(n=300, seed=1):
    """Hours and earnings asked of the employed only, with item nonresponse among them."""
    rng = np.random.default_rng(seed)
    employed = (rng.random(n) < 0.6).astype(int)
    educ = rng.normal(12, 2, n)
    hours = np.where(employed == 1, np.clip(rng.normal(35, 8, n), 1, 80), np.nan)
    earn = np.where(employed == 1, np.exp(8 + 0.08 * educ + rng.normal(0, 0.4, n)), np.nan)
    d = pd.DataFrame({"employed": employed, "educ": educ, "hours": hours, "earn": earn})
    emp = employed == 1
    d.loc[emp & (rng.random(n) < 0.15), "earn"] = np.nan
    d.loc[emp & (rng.random(n) < 0.1), "hours"] = np.nan
    d.loc[rng.random(n) < 0.1, "educ"] = np.nan
    return d


RULE = {"hours": "employed == 1", "earn": "employed == 1"}


def test_cells_where_an_item_does_not_apply_stay_missing():
    d = _labour()
    before = d.copy(deep=True)
    emp = d["employed"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no skip-pattern warning once `where` says so
        imp = socgan.impute(d, m=2, seed=1, where=RULE, **FAST)
    pd.testing.assert_frame_equal(d, before)
    for x in imp.datasets:
        assert x.loc[~emp, ["hours", "earn"]].isna().all().all()
        assert x.loc[emp, ["hours", "earn"]].notna().all().all() and x["educ"].notna().all()
        pd.testing.assert_frame_equal(x[d.notna()].dropna(how="all"),
                                      d[d.notna()].dropna(how="all"))  # observed cells stay
    assert imp.imputed.loc[~emp, "hours"].sum() == 0
    assert imp.imputed["hours"].sum() == (emp & d["hours"].isna()).sum()
    assert imp.options["where"]["hours"].startswith("employed == 1 (")
    fit = imp.fit("np.log(earn) ~ educ").table  # the employed rows, as they should
    assert fit["estimate"].notna().all()


def test_a_boolean_frame_is_the_same_as_conditions_and_all_true_changes_nothing():
    d = _labour(seed=2)
    emp = d["employed"] == 1
    cells = d.isna()
    cells.loc[~emp, ["hours", "earn"]] = False
    by_rule = socgan.impute(d, m=2, seed=3, where=RULE, **FAST)
    by_frame = socgan.impute(d, m=2, seed=3, where=cells, **FAST)
    by_array = socgan.impute(d, m=2, seed=3, where=cells.to_numpy(), **FAST)
    for a, b, c in zip(by_rule.datasets, by_frame.datasets, by_array.datasets):
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(a, c)
    everything = socgan.impute(d, m=2, seed=3, where=d.isna(), **FAST)
    default = socgan.impute(d, m=2, seed=3, **FAST)
    for a, b in zip(everything.datasets, default.datasets):
        pd.testing.assert_frame_equal(a, b)


def test_skipped_cells_are_not_given_to_the_columns_drawn_after_them():
    """A column drawn later in a row sees a skipped cell as missing, not an invented value:
    imputing educ is the same whether hours and earn of the non-employed are skipped or
    removed from those rows' view (checked against a manual run of the draws)."""
    from socgan.imputation._fit import draw_gain

    d = _labour(seed=4)
    imputer = socgan.GainImputer(m=2, seed=1, **FAST).fit(d)
    enc, pos = imputer.encoder_, imputer.positions_
    x, mask = enc.transform(d.iloc[:, pos])
    skip = np.zeros_like(mask, dtype=bool)
    emp = d["employed"].to_numpy() == 1
    for col in ("hours", "earn"):
        skip[~emp, list(d.columns).index(col)] = True
    got = imputer.impute(d, seed=5, where=RULE).datasets[0]
    rng = np.random.default_rng(np.random.SeedSequence(5).spawn(2)[0])
    manual = draw_gain(imputer.fitted_, x, mask, 0, rng, skip=skip)
    j = list(d.columns).index("educ")
    np.testing.assert_allclose(got.loc[d["educ"].isna(), "educ"].to_numpy(),
                               enc.decode_column(j, manual[j], d.loc[d["educ"].isna(), "educ"]))


@pytest.mark.parametrize("where, error, match", [
    ({"nope": "employed == 1"}, ValueError, r"`where\['nope'\]`: `data` has no column 'nope'"),
    ({"hours": "employed + 1"}, TypeError, "must give True or False"),
    ({"hours": "employd == 1"}, ValueError, "could not be evaluated"),
    ({"hours": "employed.__class__"}, ValueError, "a formula holds"),
    ("hours", TypeError, "must be a boolean DataFrame or array"),
    ({"hours": [True, False]}, ValueError, "has 2 rows; the data have 300"),
    # R's syntax, which pandas does not read: the error says how to write it
    ({"hours": "employed %in% c(1, 2)"}, ValueError, r"not by R: write `x in \['a', 'b'\]` for "
                                                      "R's %in%"),
    ({"hours": "!(employed == 0)"}, ValueError, r"`not \(...\)` for R's !"),
    ({"hours": "is.na(educ)"}, ValueError, r"a logical vector instead of a condition for R's "
                                           r"is.na\(x\)"),
    ({"hours": "employed == 1 && educ > 0"}, ValueError, "`and`/`or`"),
    # a value the column cannot hold: the condition would hold in no row
    ({"hours": "employed == 'yes'"}, ValueError, "compares the numeric column 'employed' with "
                                                 "the text 'yes'"),
])
def test_errors_name_the_column(where, error, match):
    with pytest.raises(error, match=match):
        socgan.impute(_labour(), m=2, seed=1, where=where, **FAST)


def test_true_on_an_observed_cell_is_refused():
    d = _labour()
    cells = d.isna()
    cells.loc[cells.index[~d["educ"].isna()][0], "educ"] = True
    with pytest.raises(ValueError, match=r"`where\['educ'\]` is True in 1 row\(s\) where 'educ' is "
                                         "observed"):
        socgan.impute(d, m=2, seed=1, where=cells, **FAST)


def test_new_waves_take_where_too():
    d = _labour(seed=6)
    imputer = socgan.GainImputer(m=2, seed=1, **FAST).fit(d)
    new = _labour(n=80, seed=7)
    emp = new["employed"] == 1
    out = imputer.impute(new, seed=2, where=RULE)
    for x in out.datasets:
        assert x.loc[~emp, "hours"].isna().all() and x.loc[emp, "hours"].notna().all()


def test_nonresponse_codes_in_numeric_columns_warn():
    """A user's trial: earnings of -9 and -8 and a husband's of 999999 (a CSV's codes) were
    imputed and analysed as numbers without a word."""
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"earn": rng.gamma(2, 2000, 300), "hus": rng.gamma(2, 3000, 300),
                      "temp": rng.normal(0, 10, 300), "age": rng.integers(18, 99, 300) * 1.0})
    d.loc[:19, "earn"] = -9
    d.loc[20:29, "earn"] = -8
    d.loc[30:44, "hus"] = 999999
    d.loc[50:80, "age"] = np.nan
    with pytest.warns(UserWarning, match=r"look like nonresponse codes: 'earn' \(-9, -8: 30 rows\); "
                                         r"'hus' \(999999: 15 rows\)\.") as rec:
        socgan.impute(d, m=2, seed=1, **FAST)
    text = " ".join(str(r.message) for r in rec)
    assert "'temp'" not in text and "'age'" not in text  # negative values, 99 as an age



def test_a_condition_unknown_in_a_row_imputes_the_cell_nullable_columns_included():
    """A review: pandas says False for NaN == 1, so cells whose condition could not be evaluated
    stayed missing (the docs say they are imputed), and a nullable Int64 column crashed."""
    d = _labour(seed=8)
    d.loc[d.index[:20], "employed"] = np.nan
    unknown = d["employed"].isna() & d["hours"].isna()
    for data in (d, d.astype({"employed": "Int64"})):
        imp = socgan.impute(data, m=2, seed=1, where=RULE, **FAST)
        for x in imp.datasets:
            assert x.loc[unknown, "hours"].notna().all()
            assert x.loc[data["employed"] == 0, "hours"].isna().all()
        fit = imp.fit("hours ~ educ").table  # nullable columns left missing: rows dropped
        assert fit["estimate"].notna().all()


def test_a_derived_comparison_has_no_value_where_its_part_is_left_missing():
    d = _labour(seed=9)
    d["overtime"] = (d["hours"] > 40).astype(float).where(d["hours"].notna())
    with pytest.warns(UserWarning, match="no finite value"):
        imp = socgan.impute(d, m=2, seed=1, where=RULE, derived={"overtime": "hours > 40"},
                            **FAST)
    emp = d["employed"] == 1
    for x in imp.datasets:
        assert x.loc[~emp, "overtime"].isna().all()  # not 0: hours does not apply there
        assert x.loc[emp, "overtime"].notna().all()


def test_a_series_must_have_the_datas_index_and_a_new_wave_without_the_item_is_quiet():
    d = _labour(seed=10)
    shuffled = (d["employed"] == 1).sample(frac=1, random_state=1)
    with pytest.raises(ValueError, match="must have `data`'s index"):
        socgan.impute(d, m=2, seed=1, where={"hours": shuffled}, **FAST)
    imputer = socgan.GainImputer(m=2, seed=1, **FAST).fit(d)
    new = _labour(n=40, seed=11).assign(hours=np.nan, employed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the item is not asked and not drawn: no warning
        out = imputer.impute(new, seed=1, where={"hours": "employed == 1"})
    assert out.datasets[0]["hours"].isna().all()
    assert out.options["where"]["hours"].startswith("employed == 1")


def test_a_condition_on_a_level_a_factor_lacks_or_on_its_codes_is_refused():
    """A user's trial (R, mice::nhanes2): 'hyp == "YES"' and 'hyp == 2' held in no row where hyp
    was observed, and the cells silently stayed missing."""
    d = _labour(seed=10)
    d["sector"] = pd.Categorical(np.where(d["employed"] == 1, "private", "none"))
    for rule, match in [('sector == "Private"', r"compares 'sector' with 'Private', which is not "
                                                r"one of its values \('none', 'private'\); did you "
                                                r"mean 'private'\?"),
                        ("sector == 2", r"the number 2, but 'sector' holds categories"),
                        ("sector in ['PRIVATE', 'public']", "'PRIVATE', which is not one")]:
        with pytest.raises(ValueError, match=match):
            socgan.impute(d, m=2, seed=1, where={"hours": rule}, **FAST)
    # fine: a value the data lack may be legitimate (a codebook's list, a new wave)
    for rule in ("`sector` == 'private'", "sector in ['private', 'public']",
                 "sector != 'public'"):
        socgan.impute(d, m=2, seed=1, where={"hours": rule}, **FAST)
    # columns that are not text: pandas decides (no crash)
    d["flag"] = d["employed"] == 1
    d["year"] = pd.Categorical(np.where(d["employed"] == 1, 2020, 2021))
    for rule in ("flag == 'True'", "year == '2020'", "flag == True", "year == 2020"):
        socgan.impute(d, m=2, seed=1, where={"hours": rule}, **FAST)
    # a new wave whose factor lacks the level the condition names
    imputer = socgan.GainImputer(m=2, seed=1, **FAST).fit(d)
    new = d[d["employed"] == 0].copy()
    new["sector"] = new["sector"].cat.remove_unused_categories()
    out = imputer.impute(new, seed=1, where={"hours": "sector == 'private'"})
    assert out.datasets[0]["hours"].isna().all()


def test_a_condition_that_never_holds_and_cells_imputed_for_want_of_it_warn():
    d = _labour(seed=11)
    with pytest.warns(UserWarning, match=r"`where\['hours'\]`: the condition 'educ > 1000' holds "
                                         r"in none of the \d+ rows where it can be evaluated"):
        socgan.impute(d, m=2, seed=1, where={"hours": "educ > 1000"}, **FAST)
    d.loc[d.index[:30], "employed"] = np.nan
    blind = int((d["employed"].isna() & d["hours"].isna()).sum())
    assert blind > 0
    with pytest.warns(UserWarning, match=rf"{blind} missing cell\(s\) of 'hours' are imputed "
                                         r"because the condition 'employed == 1' cannot be "
                                         r"evaluated in their rows \('employed' missing there"):
        socgan.impute(d, m=2, seed=1, where=RULE, **FAST)
