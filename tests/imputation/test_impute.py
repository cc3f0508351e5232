"""socgan.impute: the contract of the result, mixed types, seeds, and errors on bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import socgan
from socgan.datasets import seed_experiment

FAST = dict(epochs=3, progress=False)


@pytest.fixture(scope="module")
def seed_data():
    return seed_experiment(300, seed=11)


@pytest.fixture(scope="module")
def seed_imp(seed_data):
    return socgan.impute(seed_data, m=3, seed=5, **FAST)


def mixed_frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame({
        "age": pd.array(rng.integers(18, 90, n), dtype="Int64"),
        "income": np.exp(rng.normal(10, 0.5, n)) + 1000 * x,
        "voted": pd.array(rng.random(n) < 0.6, dtype="boolean"),
        "female": rng.integers(0, 2, n).astype(float),
        "party": pd.Categorical(rng.choice(["dem", "rep", "ind"], n), categories=["dem", "rep", "ind", "green"]),
        "educ": pd.Categorical(rng.choice(["low", "mid", "high"], n), categories=["low", "mid", "high"], ordered=True),
        "region": rng.choice(["north", "south", "east", "west"], n).astype(object),
    })
    for j, col in enumerate(df.columns):
        miss = rng.random(n) < 0.15 + 0.02 * j
        df.loc[miss, col] = None
    return df


# -- the result's contract -------------------------------------------------------------------
def test_datasets_keep_columns_index_dtypes_and_fill_every_cell(seed_data, seed_imp):
    assert seed_imp.m == 3 and len(seed_imp.datasets) == 3
    for d in seed_imp.datasets:
        assert list(d.columns) == list(seed_data.columns)
        assert d.index.equals(seed_data.index)
        assert d.dtypes.equals(seed_data.dtypes)
        assert not d.isna().any().any()


def test_observed_cells_never_change(seed_data, seed_imp):
    obs = seed_data.notna()
    for d in seed_imp.datasets:
        for col in seed_data.columns:
            pd.testing.assert_series_equal(d.loc[obs[col], col], seed_data.loc[obs[col], col])


def test_callers_data_not_modified():
    df = mixed_frame()
    before = df.copy(deep=True)
    socgan.impute(df, m=2, seed=1, **FAST)
    pd.testing.assert_frame_equal(df, before)


def test_same_seed_same_imputations_and_other_seed_differs(seed_data, seed_imp):
    again = socgan.impute(seed_data, m=3, seed=5, **FAST)
    for a, b in zip(seed_imp.datasets, again.datasets):
        pd.testing.assert_frame_equal(a, b)
    other = socgan.impute(seed_data, m=3, seed=6, **FAST)
    assert not other.datasets[0].equals(seed_imp.datasets[0])


def test_imputations_differ_between_datasets(seed_imp):
    miss = seed_imp.where["X"]
    a, b = (d.loc[miss, "X"] for d in seed_imp.datasets[:2])
    assert not np.allclose(a, b)


def test_whole_number_floats_accepted_as_counts(seed_data):
    imp = socgan.impute(seed_data, m=2.0, seed=3.0, epochs=2.0, batch_size=64.0, progress=False)
    assert imp.m == 2


def test_long_format_is_mice_long(seed_data, seed_imp):
    long = seed_imp.long()
    assert list(long.columns[:2]) == [".imp", ".id"]
    assert list(long.columns[2:]) == list(seed_data.columns)
    assert long[".imp"].tolist() == sorted(long[".imp"].tolist())
    assert long[".imp"].unique().tolist() == [0, 1, 2, 3]
    block0 = long[long[".imp"] == 0].drop(columns=[".imp", ".id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(block0, seed_data.reset_index(drop=True))
    # .id counts rows from 1, as mice (R's row names) and the command line do
    assert long[".id"].tolist() == list(range(1, len(seed_data) + 1)) * 4
    assert len(seed_imp.long(include=False)) == 3 * len(seed_data)


def test_complete_is_mices_complete(seed_data, seed_imp):
    pd.testing.assert_frame_equal(seed_imp.complete(), seed_imp.datasets[0])
    pd.testing.assert_frame_equal(seed_imp.complete(2.0), seed_imp.datasets[1])  # R's 2
    pd.testing.assert_frame_equal(seed_imp.complete(0), seed_data)
    first = seed_imp.complete(1)
    first.iloc[0, 0] = 1e9  # a copy: the Imputations are not changed through it
    assert seed_imp.datasets[0].iloc[0, 0] != 1e9
    long = seed_imp.complete("long")
    assert sorted(long[".imp"].unique()) == list(range(1, seed_imp.m + 1))  # mice: include=FALSE
    pd.testing.assert_frame_equal(seed_imp.complete("long", include=True), seed_imp.long())
    every = seed_imp.complete("all", include=True)
    assert len(every) == seed_imp.m + 1 and every[0].isna().any().any()
    for bad, words in [(seed_imp.m + 1, "at most m"), (-1, "at least 0"), (1.5, "whole number"),
                       ("broad", "'long' or 'all'"), (True, "whole number")]:
        with pytest.raises((ValueError, TypeError), match=words):
            seed_imp.complete(bad)


def test_long_format_id_is_the_label_of_a_labelled_index(seed_imp):
    """Only pandas' default positions 0..n-1 become R's 1..n; labels (respondent ids, the rows
    of a subset) stay, as R keeps a data.frame's row names."""
    shift = lambda d: d.set_axis(d.index + 1001)  # noqa: E731
    labelled = socgan.Imputations(data=shift(seed_imp.data), loss_history=seed_imp.loss_history,
                                  datasets=[shift(d) for d in seed_imp.datasets])
    ids = labelled.long()[".id"]
    assert ids.iloc[0] == 1001 and ids.tolist() == list(shift(seed_imp.data).index) * 4


def test_fit_pools_ols_logit_glm(seed_imp):
    import statsmodels.api as sm

    ols = seed_imp.fit("Y ~ X * Bin").table
    assert ols.columns.tolist() == ["term", "estimate", "std.error", "statistic", "df", "p.value",
                                    "conf.low", "conf.high", "riv", "lambda", "fmi", "m", "ubar",
                                    "b", "t", "dfcom"]
    assert ols["term"].tolist() == ["Intercept", "X", "Bin", "X:Bin"]
    assert (ols["conf.low"] < ols["estimate"]).all() and (ols["estimate"] < ols["conf.high"]).all()
    # dfcom is the residual df of the complete-data fits, so df < n - p.
    assert (ols["df"] < 300 - 4).all()
    logit = seed_imp.fit("Bin ~ Y + C(Categ)", method="logit").table
    glm = seed_imp.fit("Bin ~ Y + C(Categ)", method="glm",
                       options={"family": sm.families.Binomial()}).table
    np.testing.assert_allclose(logit["estimate"], glm["estimate"], rtol=1e-5)
    with pytest.raises(ValueError, match="`method`"):
        seed_imp.fit("Y ~ X", method="probit")


def test_analyze_pools_a_user_function(seed_imp):
    def mean_y_given_bin(df):
        g = df.groupby("Bin")["Y"]
        est = g.mean()
        est.index = [f"mean_Y_Bin{k}" for k in est.index]
        return est, (g.var() / g.size()).to_numpy(), len(df) - 2

    out = seed_imp.analyze(mean_y_given_bin).table
    assert out["term"].tolist() == ["mean_Y_Bin0", "mean_Y_Bin1"]
    with pytest.raises(TypeError, match="func"):
        seed_imp.analyze(lambda df: 3.0)


def test_fit_matches_manual_pooling(seed_imp):
    import statsmodels.formula.api as smf

    fits = [smf.ols("Y ~ X", d).fit() for d in seed_imp.datasets]
    manual = socgan.pool([f.params for f in fits], [f.cov_params() for f in fits],
                         dfcom=fits[0].df_resid)
    pd.testing.assert_frame_equal(seed_imp.fit("Y ~ X").table, manual.table)


def test_plots(seed_imp, tmp_path):
    fig = seed_imp.plot(path=tmp_path / "dens.png")
    assert (tmp_path / "dens.png").stat().st_size > 1000
    assert len([a for a in fig.axes if a.get_visible()]) == 4  # X, Bin, Bimod, Categ
    fig2 = seed_imp.plot_losses(path=tmp_path / "loss.png")
    assert (tmp_path / "loss.png").exists() and fig2 is not None
    losses = seed_imp.diagnostics["loss_history"]
    assert set(losses.columns) == {"imputation", "epoch", "d_loss", "g_adversarial",
                                   "g_reconstruction", "validation"}
    assert len(losses) == 3 * 3
    with pytest.raises(KeyError, match="nope"):
        seed_imp.plot(columns=["nope"])


def test_progress_bar_can_be_switched_on_and_off(seed_data, capsys):
    socgan.impute(seed_data, m=2, seed=1, epochs=1, progress=True)
    assert "GAIN imputation" in capsys.readouterr().err
    socgan.impute(seed_data, m=2, seed=1, epochs=1, progress=False)
    assert capsys.readouterr().err == ""


# -- mixed types -----------------------------------------------------------------------------
def test_mixed_types_respect_kind_levels_and_range():
    df = mixed_frame(250, seed=3)
    imp = socgan.impute(df, m=2, seed=2, **FAST)
    for d in imp.datasets:
        assert d.dtypes.equals(df.dtypes)
        assert not d.isna().any().any()
        age = d["age"].astype(int)
        assert age.between(df["age"].min(), df["age"].max()).all()
        assert d["income"].between(df["income"].min(), df["income"].max()).all()
        assert set(d["female"].unique()) <= {0.0, 1.0}
        assert set(d["voted"].unique()) <= {True, False}
        # 'green' is a category that is never observed: it is never imputed.
        assert "green" not in set(d["party"].astype(object))
        assert list(d["party"].cat.categories) == ["dem", "rep", "ind", "green"]
        assert d["educ"].cat.ordered and list(d["educ"].cat.categories) == ["low", "mid", "high"]
        assert set(d["region"]) <= {"north", "south", "east", "west"}


def test_string_dtype_columns(seed_data):
    df = seed_data.assign(Categ=seed_data["Categ"].astype("string"))
    imp = socgan.impute(df, m=1, seed=1, **FAST)
    assert imp.datasets[0]["Categ"].dtype == df["Categ"].dtype
    assert set(imp.datasets[0]["Categ"]) <= {"a", "b", "c", "d"}


def test_integer_imputations_are_whole_numbers():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"kids": pd.array(rng.poisson(2, 300), dtype="Int64"),
                       "x": rng.normal(size=300)})
    df.loc[rng.random(300) < 0.3, "kids"] = pd.NA
    d = socgan.impute(df, m=1, seed=1, **FAST).datasets[0]
    assert d["kids"].dtype == "Int64"
    assert (d["kids"] >= 0).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), n=st.integers(20, 80), share=st.floats(0.05, 0.6))
def test_invariants_hold_for_random_mixed_data(seed, n, share):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "c": rng.normal(size=n) * 10,
        "i": pd.array(rng.integers(-5, 6, n), dtype="Int64"),
        "b": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "k": pd.Categorical(rng.choice(["x", "y", "z"], n)),
    })
    df.iloc[0] = [1.5, 2, True, "x"]  # every column keeps observed variation
    df.iloc[1] = [-1.5, -2, False, "y"]
    miss = rng.random(df.shape) < share
    miss[:2] = False
    df = df.mask(miss)
    before = df.copy(deep=True)
    imp = socgan.impute(df, m=2, seed=seed, epochs=1, progress=False)
    pd.testing.assert_frame_equal(df, before)
    for d in imp.datasets:
        assert d.dtypes.equals(df.dtypes) and not d.isna().any().any()
        obs = df.notna()
        for col in df.columns:
            pd.testing.assert_series_equal(d.loc[obs[col], col], df.loc[obs[col], col])
        assert d["c"].between(df["c"].min(), df["c"].max()).all()
        assert d["i"].between(df["i"].min(), df["i"].max()).all()
        assert set(d["k"].astype(object)) <= set(df["k"].dropna().astype(object))


# -- bad input -------------------------------------------------------------------------------
def test_not_a_dataframe():
    with pytest.raises(TypeError, match="`data` must be a pandas DataFrame"):
        socgan.impute(np.zeros((5, 2)))


def test_no_missing_values_warns_and_copies():
    df = seed_experiment(50, seed=1, missing=False)
    with pytest.warns(UserWarning, match="no missing values"):
        imp = socgan.impute(df, m=3, progress=False)
    assert imp.m == 3
    for d in imp.datasets:
        pd.testing.assert_frame_equal(d, df)


def test_column_all_missing(seed_data):
    df = seed_data.assign(empty=np.nan)
    with pytest.raises(ValueError, match="'empty' has every value missing"):
        socgan.impute(df, **FAST)


def test_rows_all_missing_are_imputed_with_a_warning(seed_data):
    df = seed_data.copy()
    df.iloc[[3, 7]] = np.nan
    with pytest.warns(UserWarning, match="2 row"):
        imp = socgan.impute(df, m=1, seed=1, **FAST)
    assert not imp.datasets[0].isna().any().any()


def test_infinite_values(seed_data):
    df = seed_data.copy()
    df.loc[4, "Bimod"] = np.inf
    with pytest.raises(ValueError, match="'Bimod' contains 1 infinite"):
        socgan.impute(df, **FAST)


def test_object_column_mixing_numbers_and_strings(seed_data):
    df = seed_data.assign(mixed=pd.Series(["a", 1, "b", 2.5] * 75, dtype=object))
    with pytest.raises(TypeError, match="'mixed' mixes strings"):
        socgan.impute(df, **FAST)


def test_categorical_with_one_level(seed_data):
    df = seed_data.assign(one=pd.Categorical(["only"] * 299 + [None]))
    with pytest.raises(ValueError, match="'one' has only one observed level"):
        socgan.impute(df, **FAST)


def test_constant_numeric_column(seed_data):
    df = seed_data.assign(const=[1.0] * 299 + [np.nan])
    with pytest.raises(ValueError, match="'const' has only one observed value"):
        socgan.impute(df, **FAST)


@pytest.mark.parametrize("m, exc", [(0, ValueError), (-1, ValueError), (2.5, ValueError),
                                    ("5", TypeError), (True, TypeError)])
def test_bad_m(seed_data, m, exc):
    with pytest.raises(exc, match="`m`"):
        socgan.impute(seed_data, m=m, **FAST)


def test_bad_options(seed_data):
    with pytest.raises(ValueError, match="`epochs`"):
        socgan.impute(seed_data, epochs=0, progress=False)
    with pytest.raises(ValueError, match="`hint_rate`"):
        socgan.impute(seed_data, hint_rate=1.5, **FAST)
    with pytest.raises(ValueError, match="`hint_rate`"):
        socgan.impute(seed_data, hint_rate=1.0, **FAST)
    with pytest.raises(ValueError, match="`seed`"):
        socgan.impute(seed_data, seed=-1, **FAST)
    with pytest.raises(TypeError, match="`bootstrap`"):
        socgan.impute(seed_data, bootstrap="yes", **FAST)


def test_duplicate_column_names(seed_data):
    df = seed_data.copy()
    df.columns = ["Y", "X", "X", "Bimod", "Categ"]
    with pytest.raises(ValueError, match=r"duplicate column names: \['X'\]"):
        socgan.impute(df, **FAST)


def test_unsupported_dtype(seed_data):
    df = seed_data.assign(when=pd.period_range("2020-01", periods=300, freq="M"))
    with pytest.raises(TypeError, match="'when' has dtype"):
        socgan.impute(df, **FAST)


def test_complete_dates_inform_the_model_and_come_back_unchanged(seed_data):
    """As the R package does with Date/POSIXct columns: a complete date, time (with a time zone)
    or duration is a number of days for the networks and is returned as it was."""
    n = len(seed_data)
    df = seed_data.assign(when=pd.date_range("2020-01-01", periods=n, freq="D"),
                          stamp=pd.date_range("2021-03-01", periods=n, freq="h", tz="Europe/Berlin"),
                          took=pd.to_timedelta(np.arange(n), unit="min"))
    imp = socgan.impute(df, m=2, seed=1, **FAST)
    for d in imp.datasets:
        pd.testing.assert_series_equal(d["when"], df["when"])
        pd.testing.assert_series_equal(d["stamp"], df["stamp"])
        pd.testing.assert_series_equal(d["took"], df["took"])
        assert not d.isna().any().any()
    # the days the networks see: as R's as.numeric() of a Date (days since 1970-01-01, UTC)
    from socgan._core.encoding import time_as_days
    assert time_as_days(df["when"])[0] == 18262.0
    assert time_as_days(df["stamp"])[0] == pytest.approx(18687.0 - 1 / 24)
    assert time_as_days(df["took"])[60] == pytest.approx(1 / 24)


def test_dates_beyond_nanoseconds_and_python_dates_are_complete_dates_too(seed_data):
    """Dates in seconds or days that nanoseconds cannot hold (before 1677), and an object column
    of datetime.date values (pandas' reading of a Parquet date32, which R's arrow writes for a
    Date), are dates as well."""
    import datetime

    from socgan._core.encoding import time_as_days
    n = len(seed_data)
    old = pd.Series(np.arange(n).astype("datetime64[D]") - np.timedelta64(200_000, "D"),
                    dtype="datetime64[s]")
    days = [datetime.date(2020, 1, 1) + datetime.timedelta(days=int(i)) for i in range(n)]
    df = seed_data.assign(old=old.to_numpy(), day=pd.Series(days, dtype=object))
    imp = socgan.impute(df, m=2, seed=1, **FAST)
    for d in imp.datasets:
        pd.testing.assert_series_equal(d["old"], df["old"])
        pd.testing.assert_series_equal(d["day"], df["day"])
    assert time_as_days(df["old"])[0] == -200_000.0
    assert time_as_days(df["day"])[0] == 18262.0
    missing = df.copy()
    missing.loc[missing.index[2], "day"] = None
    with pytest.raises(ValueError, match=r"'day' holds dates/times"):
        socgan.impute(missing, **FAST)


def test_dates_with_missing_values_are_refused_by_name(seed_data):
    df = seed_data.assign(when=pd.date_range("2020-01-01", periods=len(seed_data)))
    df.loc[df.index[4], "when"] = pd.NaT
    with pytest.raises(ValueError, match=r"'when' holds dates/times .* 1 missing value"):
        socgan.impute(df, **FAST)
    fitted = socgan.GainImputer(m=2, seed=1, **FAST).fit(df.dropna(subset=["when"]))
    with pytest.raises(ValueError, match=r"'when' holds dates/times"):
        fitted.impute(df)


def test_no_torch_traceback_for_tiny_data():
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": ["x", "y", None]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = socgan.impute(df, m=2, seed=1, **FAST)
    assert not imp.datasets[1].isna().any().any()


def test_two_valued_numbers_are_imputed_as_those_two_values():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"hyp": rng.choice([1.0, 2.0], 200), "grade": pd.array(rng.choice([3, 7], 200), dtype="Int64"),
                       "x": rng.normal(size=200)})
    df.loc[rng.random(200) < 0.3, "hyp"] = np.nan
    df.loc[rng.random(200) < 0.3, "grade"] = pd.NA
    d = socgan.impute(df, m=1, seed=1, **FAST).datasets[0]
    assert set(d["hyp"]) == {1.0, 2.0} and set(d["grade"]) == {3, 7}
    assert d.dtypes.equals(df.dtypes)


def test_a_single_imputation_is_made_with_a_warning_that_it_cannot_be_pooled(seed_data):
    """A user's trial: m = 1 trained without a word and .fit() refused only afterwards."""
    with pytest.warns(UserWarning, match=r"m = 1 makes a single imputation.*m >= 2") as caught:
        imp = socgan.impute(seed_data, m=1, seed=1, **FAST)
    assert caught[0].filename == __file__
    with pytest.raises(ValueError, match="m >= 2"):
        imp.fit("Y ~ X")


# -- edge cases found in review ------------------------------------------------------------
def test_diverging_training_is_a_clear_error(seed_data):
    with pytest.raises(FloatingPointError, match="learning_rate"):
        socgan.impute(seed_data, m=1, seed=1, epochs=2, learning_rate=1e30, progress=False)


def test_long_ids_are_unique_for_duplicate_or_multi_index(seed_data):
    dup = seed_data.iloc[:40].copy()
    dup.index = ["a", "b"] * 20
    long = socgan.impute(dup, m=2, seed=1, **FAST).long()
    assert long.loc[long[".imp"] == 0, ".id"].tolist() == list(range(1, 41))
    multi = seed_data.iloc[:40].copy()
    multi.index = pd.MultiIndex.from_arrays([[1] * 20 + [2] * 20, list(range(40))])
    assert socgan.impute(multi, m=2, seed=1, **FAST).long()[".id"].max() == 40
    clash = seed_data.iloc[:40].rename(columns={"Bimod": ".id"})
    with pytest.raises(ValueError, match=r"\.id"):
        socgan.impute(clash, m=2, seed=1, **FAST).long()


def test_plot_refuses_complete_columns_and_keeps_backend(seed_imp):
    import matplotlib

    before = matplotlib.get_backend()
    with pytest.raises(ValueError, match="nothing imputed: \\['Y'\\]"):
        seed_imp.plot(columns=["Y"])
    seed_imp.plot()
    assert matplotlib.get_backend() == before


def test_whole_number_floats_and_object_bools():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"kids": rng.poisson(2, 200).astype(float),
                       "flag": pd.Series(list(rng.random(200) < 0.5), dtype=object),
                       "x": rng.normal(size=200)})
    df.loc[rng.random(200) < 0.3, "kids"] = np.nan
    df.loc[rng.random(200) < 0.3, "flag"] = None
    d = socgan.impute(df, m=1, seed=1, **FAST).datasets[0]
    assert (d["kids"] == d["kids"].round()).all() and d["kids"].dtype == float
    assert set(d["flag"]) <= {True, False} and d["flag"].dtype == object
    nums = df.assign(obj=pd.Series([1, 2.5, None] * 66 + [1, 2], dtype=object))
    with pytest.raises(TypeError, match="'obj' holds numbers stored as Python objects"):
        socgan.impute(nums, **FAST)


def test_complete_constant_columns_are_carried_along(seed_data):
    df = seed_data.assign(wave=3, one=pd.Categorical(["w1"] * 300))
    imp = socgan.impute(df, m=2, seed=1, **FAST)
    for d in imp.datasets:
        assert (d["wave"] == 3).all() and (d["one"] == "w1").all()
        assert d.dtypes.equals(df.dtypes)
    with pytest.warns(UserWarning, match="no missing values"):
        socgan.impute(seed_experiment(50, seed=1, missing=False).assign(wave=1), m=2, progress=False)


def test_seed_none_records_entropy_that_repeats_the_run(seed_data):
    small = seed_data.iloc[:60]
    a = socgan.impute(small, m=1, epochs=1, progress=False)
    b = socgan.impute(small, m=1, epochs=1, progress=False, seed=a.options["entropy"])
    pd.testing.assert_frame_equal(a.datasets[0], b.datasets[0])


def test_wls_with_a_weight_column_and_ols_weights_refused(seed_imp):
    import statsmodels.formula.api as smf

    weighted = socgan.Imputations(data=seed_imp.data.assign(w=np.linspace(1, 2, 300)),
                                  datasets=[d.assign(w=np.linspace(1, 2, 300)) for d in seed_imp.datasets],
                                  diagnostics=seed_imp.diagnostics)
    out = weighted.fit("Y ~ X", method="wls", options={"weights": "w"}).table
    first = smf.wls("Y ~ X", weighted.datasets[0], weights=weighted.datasets[0]["w"]).fit()
    assert out["estimate"].notna().all() and len(out) == len(first.params)
    with pytest.raises(ValueError, match="method='wls'"):
        seed_imp.fit("Y ~ X", options={"weights": "w"})


def test_survey_weights_given_as_freq_weights_are_warned_about(seed_imp):
    import statsmodels.api as sm

    w = np.linspace(0.5, 3, 300)
    weighted = socgan.Imputations(data=seed_imp.data.assign(w=w, n=np.arange(300) % 3 + 1),
                                  datasets=[d.assign(w=w, n=np.arange(300) % 3 + 1)
                                            for d in seed_imp.datasets],
                                  diagnostics=seed_imp.diagnostics)
    gaussian = sm.families.Gaussian()
    with pytest.warns(UserWarning, match="Survey weights are `var_weights`") as caught:
        weighted.fit("Y ~ X", method="glm", options={"family": gaussian, "freq_weights": "w"})
    assert caught[0].filename == __file__  # points at the user's call
    # scaled survey weights: var_weights give the same intervals (as R's glm(weights =))
    a = weighted.fit("Y ~ X", method="glm", options={"family": gaussian, "var_weights": "w"})
    scaled = socgan.Imputations(data=weighted.data.assign(w=1000 * w),
                                datasets=[d.assign(w=1000 * w) for d in weighted.datasets],
                                diagnostics=seed_imp.diagnostics)
    b = scaled.fit("Y ~ X", method="glm", options={"family": gaussian, "var_weights": "w"})
    np.testing.assert_allclose(a.table["std.error"], b.table["std.error"], rtol=1e-8)
    with warnings.catch_warnings():  # whole-number counts are what freq_weights are for
        warnings.simplefilter("error")
        weighted.fit("Y ~ X", method="glm", options={"family": gaussian, "freq_weights": "n"})


def test_a_weights_option_that_names_no_column_is_refused_by_name(seed_imp):
    # a misspelt column used to reach statsmodels as a string ("could not convert string to float")
    weighted = socgan.Imputations(data=seed_imp.data.assign(w=1.0),
                                  datasets=[d.assign(w=1.0) for d in seed_imp.datasets],
                                  diagnostics=seed_imp.diagnostics)
    with pytest.raises(ValueError, match=r"`options\['weights'\]` is 'W'.*Did you mean 'w'"):
        weighted.fit("Y ~ X", method="wls", options={"weights": "W"})
    with pytest.raises(ValueError, match=r"`options\['var_weights'\]` is 'wt'"):
        weighted.fit("Y ~ X", method="glm", options={"var_weights": "wt"})
    # WLS without weights is OLS: said, at the user's line
    with pytest.warns(UserWarning, match="without `weights`") as caught:
        out = weighted.fit("Y ~ X", method="wls")
    assert caught[0].filename == __file__
    np.testing.assert_allclose(out.table["estimate"], weighted.fit("Y ~ X").table["estimate"])


def test_max_steps_caps_training_and_progress(seed_data, capsys):
    # 300 rows, batch 128: 2 steps per epoch; 5 steps = 2.5 epochs, evaluated after 2, 4 and 5 steps.
    imp = socgan.impute(seed_data, m=1, seed=1, epochs=10, max_steps=5, progress=True)
    assert imp.diagnostics["loss_history"]["epoch"].tolist() == [1, 2, 2.5]
    assert "5/5" in capsys.readouterr().err
    with pytest.raises(ValueError, match="`max_steps`"):
        socgan.impute(seed_data, max_steps=0, progress=False)


# -- hardening (issue 14): dtypes, magnitudes, checks before training ------------------------
def _with_holes(df, seed=0, share=0.25):
    rng = np.random.default_rng(seed)
    out = df.copy()
    for col in out.columns:
        out.loc[rng.random(len(out)) < share, col] = None
    return out


@pytest.mark.parametrize("dtype", ["float16", "float32", "Float32", "float64[pyarrow]"])
def test_low_precision_float_columns_are_imputed_in_their_dtype(dtype):
    rng = np.random.default_rng(3)
    df = _with_holes(pd.DataFrame({"x": pd.Series(rng.normal(size=60)).astype(dtype),
                                   "y": rng.normal(size=60)}))
    for d in socgan.impute(df, m=2, seed=1, **FAST).datasets:
        assert d.dtypes.equals(df.dtypes) and not d.isna().any().any()
        assert d["x"].between(df["x"].min(), df["x"].max()).all()


def test_sparse_column_is_imputed_and_stays_sparse():
    rng = np.random.default_rng(4)
    x = rng.normal(size=60)
    x[rng.random(60) < 0.3] = np.nan
    df = pd.DataFrame({"x": pd.arrays.SparseArray(x), "y": rng.normal(size=60)})
    d = socgan.impute(df, m=1, seed=1, **FAST).datasets[0]
    assert d["x"].dtype == df["x"].dtype and not d["x"].isna().any()


@pytest.mark.parametrize("magnitude", [1e154, 1e200, 1e300, 1.5e308])
def test_huge_magnitudes_leave_no_missing_value(magnitude):
    # The sd of values ~1e154 overflowed, and 0 * inf left NaN in imputed cells silently.
    rng = np.random.default_rng(5)
    df = _with_holes(pd.DataFrame({"big": rng.uniform(-1, 1, 50) * magnitude,
                                   "y": rng.normal(size=50)}))
    for d in socgan.impute(df, m=2, seed=1, **FAST).datasets:
        assert not d.isna().any().any()
        assert d["big"].between(df["big"].min(), df["big"].max()).all()


def test_integers_beyond_float_precision_are_refused_by_name():
    top = 2**63 - 1
    df = pd.DataFrame({"id": pd.array([top, top - 1, None, top - 7] * 5, dtype="Int64"),
                       "y": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"'id' holds integers beyond ±2\*\*53"):
        socgan.impute(df, **FAST)
    # complete, but the distinct values are one float: not 'only one observed value'
    df = pd.DataFrame({"id": pd.array([top, top - 1, top - 2, top - 7] * 5, dtype="Int64"),
                       "y": [np.nan, 1.0, 2.0, 3.0] * 5})
    with pytest.raises(ValueError, match="'id' has 4 distinct values that are all the same"):
        socgan.impute(df, **FAST)


def test_progress_must_be_true_or_false(seed_data):
    with pytest.raises(TypeError, match="`progress`"):
        socgan.impute(seed_data, progress="no", epochs=1)


def test_a_column_that_cannot_take_its_imputations_fails_before_training(seed_data, monkeypatch):
    from socgan._core import encoding as _encoding
    from socgan.imputation import _impute

    def trained(*args, **kwargs):
        raise AssertionError("training started")

    def wrong(self, j, values, like):  # a decoder giving text for a number column
        return pd.Series(["text"] * len(values), index=like.index)

    monkeypatch.setattr(_impute, "fit_gain", trained)
    monkeypatch.setattr(_encoding.Encoder, "decode_column", wrong)
    with pytest.raises(TypeError, match=r"Column 'X' \(dtype float64\) cannot hold"):
        socgan.impute(seed_data, m=1, seed=1, **FAST)


def test_networks_too_large_for_memory_are_refused_before_training(seed_data, monkeypatch):
    from socgan.imputation import _impute

    wide = seed_data.assign(code=[f"c{i % 150}" for i in range(300)])
    monkeypatch.setattr(_impute, "_memory_available", lambda device: 10 * 2**20)
    monkeypatch.setattr(_impute, "fit_gain", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError("training started")))
    with pytest.raises(ValueError, match=r"needs about \d+ MiB.*158 encoded features.*"
                                         r"'code' \(150 levels\)"):
        socgan.impute(wide, m=1, seed=1, **FAST)


def test_default_width_is_capped_for_many_features(monkeypatch):
    from socgan._core import gain as _gain

    widths = []
    real = _gain.GainModels.__init__

    def record(self, enc, hidden, *args, **kwargs):
        widths.append(hidden)
        real(self, enc, hidden, *args, **kwargs)

    monkeypatch.setattr(_gain.GainModels, "__init__", record)
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(20, 600)), columns=[f"v{j}" for j in range(600)])
    df.iloc[0, 0] = np.nan
    with pytest.warns(UserWarning, match="600 encoded features.*capped at 1024"):
        socgan.impute(df, m=1, seed=1, epochs=1, max_steps=1, progress=False)
    assert widths == [1024]  # not 2 x 600


def test_fit_drops_categories_no_dataset_has(seed_imp):
    data = seed_imp.data.assign(Categ=seed_imp.data["Categ"].cat.add_categories(["never"]))
    imp = socgan.Imputations(data=data, diagnostics=seed_imp.diagnostics,
                             datasets=[d.assign(Categ=d["Categ"].cat.add_categories(["never"]))
                                       for d in seed_imp.datasets])
    out = imp.fit("Y ~ X + Categ").table
    assert not out["term"].str.contains("never").any()
    assert out["df"].notna().all() and (out["std.error"] > 0).all()
    pd.testing.assert_frame_equal(out, seed_imp.fit("Y ~ X + Categ").table)


def test_dropping_unused_levels_keeps_the_reference_level(seed_imp):
    """An SPSS file's labelled missing codes leave unused levels; pandas 3.1's
    remove_categories then sorted the others, and the first level (R's reference) changed."""
    cats = list(seed_imp.data["Categ"].cat.categories)
    order = [cats[-1], *cats[:-1], "never"]  # the reference is not first alphabetically
    recode = lambda d: d.assign(Categ=d["Categ"].cat.set_categories(order))  # noqa: E731
    imp = socgan.Imputations(data=recode(seed_imp.data), diagnostics=seed_imp.diagnostics,
                             datasets=[recode(d) for d in seed_imp.datasets])
    terms = list(imp.fit("Y ~ X + Categ").table["term"])
    assert [t for t in terms if t.startswith("Categ")] == [f"Categ[T.{c}]" for c in cats[:-1]]


def test_fit_errors_name_the_problem(seed_imp):
    with pytest.raises(TypeError, match="`formula` must be a string"):
        seed_imp.fit(None)
    with pytest.raises(ValueError, match=r"`options`.*\['cov_typ'\]"):
        seed_imp.fit("Y ~ X", options={"cov_typ": "HC1"})
    assert seed_imp.fit("Y ~ X", options={"cov_type": "HC1"}).table["std.error"].notna().all()
    collinear = socgan.Imputations(
        data=seed_imp.data, diagnostics=seed_imp.diagnostics,
        datasets=[d.assign(X2=2 * d["X"]) for d in seed_imp.datasets])
    with pytest.raises(ValueError, match="'Bin ~ X \\+ X2'.*singular"):
        collinear.fit("Bin ~ X + X2", method="logit")


def test_analyze_refuses_mismatched_estimates_and_variances(seed_imp):
    with pytest.raises(ValueError, match="2 estimate.*3 variance.*imputation 1"):
        seed_imp.analyze(lambda d: (pd.Series([1.0, 2.0]), np.eye(3)))
    # a non-finite estimate names the term and the imputed dataset (a user's trial: a log of an
    # imputed 0 gave only "`estimates` must be finite")
    count = iter(range(1, 100))

    def fails_in_second(d):
        bad = next(count) == 2
        return pd.Series({"a": 1.0, "log_x": -np.inf if bad else 0.5}), np.ones(2)

    with pytest.raises(ValueError, match=r"'log_x' in imputed dataset 2 \(`.complete\(2\)`\)"):
        seed_imp.analyze(fails_in_second)


def _with_datasets(imp, datasets):
    return socgan.Imputations(data=imp.data, diagnostics=imp.diagnostics, datasets=datasets)


def test_logit_takes_a_two_level_outcome_as_r_glm_does(seed_imp):
    """A two-level categorical (or string, or boolean) outcome: its first level is 0, the other
    1, as R's glm(binomial) codes a factor; the fit equals the one on the 0/1 column."""
    import statsmodels.api as sm

    ref = seed_imp.fit("Bin ~ Y + X", method="logit").table
    as_factor = _with_datasets(seed_imp, [d.assign(Bin=pd.Categorical(
        np.where(d["Bin"] == 1, "yes", "no"), categories=["no", "yes"])) for d in seed_imp.datasets])
    for frame in (as_factor.fit("Bin ~ Y + X", method="logit").table,
                  as_factor.fit("Q('Bin') ~ Y + X", method="logit").table,
                  as_factor.fit("Bin ~ Y + X", method="glm",
                                options={"family": sm.families.Binomial()}).table):
        np.testing.assert_allclose(frame["estimate"], ref["estimate"], rtol=1e-5)
    as_text = _with_datasets(seed_imp, [d.assign(Bin=np.where(d["Bin"] == 1, "yes", "no").astype(object))
                                        for d in seed_imp.datasets])
    np.testing.assert_allclose(as_text.fit("Bin ~ Y + X", method="logit").table["estimate"],
                               ref["estimate"], rtol=1e-5)
    with pytest.raises(ValueError, match="outcome 'Categ' of a logit must have two levels; it has 4"):
        seed_imp.fit("Categ ~ Y", method="logit")
    with pytest.raises(ValueError, match="evaluates to several columns"):
        as_factor.fit("I(Bin == 'yes') ~ Y", method="logit")
    # a numeric outcome that is not 0/1 is named (statsmodels: "endog must be in the unit
    # interval"; a user's trial)
    with pytest.raises(ValueError, match=r"outcome 'Y' of a logit .* must be 0/1 .*I\(\(Y > "):
        seed_imp.fit("Y ~ X", method="logit")


def test_logit_that_does_not_converge_is_an_error_naming_the_imputation(seed_imp):
    """Perfect separation: statsmodels returns huge coefficients with only a ConvergenceWarning;
    socgan refuses to pool them (the docstring's promise), naming the imputation."""
    separated = _with_datasets(seed_imp, [d.assign(S=(d["Y"] > d["Y"].median()).astype(int))
                                          for d in seed_imp.datasets])
    with pytest.raises(ValueError, match=r"did not converge on imputed dataset 1 .*separation"):
        separated.fit("S ~ Y", method="logit")


def test_every_column_that_cannot_be_imputed_is_named_in_one_error():
    """A user fixing a wide file should not need one failed call per bad column."""
    df = pd.DataFrame({"ok": [1.0, np.nan, 3.0, 4.0], "empty": [np.nan] * 4,
                       "const": [7.0, np.nan, 7.0, 7.0], "mixed": ["a", 1, None, "b"]})
    with pytest.raises(ValueError, match="3 columns cannot be imputed") as err:
        socgan.impute(df, m=2, seed=1, progress=False)
    for name in ("'empty'", "'const'", "'mixed'"):
        assert name in str(err.value)
    assert "'ok'" not in str(err.value)
    with pytest.raises(ValueError, match="^Column 'empty' has every value missing"):
        socgan.impute(df[["ok", "empty"]], m=2, seed=1, progress=False)


def test_a_column_of_identifiers_is_named_in_a_warning():
    """A user's trial: a unique string id per row was one-hot encoded without a word."""
    rng = np.random.default_rng(0)
    n = 60
    df = pd.DataFrame({"track": [f"song {i}" for i in range(n)], "x": rng.normal(size=n),
                       "y": rng.normal(size=n)})
    df.loc[rng.random(n) < 0.2, "x"] = np.nan
    with pytest.warns(UserWarning, match="'track'.*look like identifiers"):
        socgan.impute(df, m=2, seed=1, epochs=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        socgan.impute(df.drop(columns="track"), m=2, seed=1, epochs=1, progress=False)


def test_numbers_written_as_text_warn_that_they_are_imputed_as_categories():
    """A user's trial (R): as.character(chl) was imputed as 13 categories without a word."""
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"chl": rng.integers(120, 300, 80).astype(str),
                      "size": rng.choice(["1", "2", "3"], 80),  # few values: codes, no warning
                      "zip": [f"{z:05d}" for z in rng.integers(1000, 99999, 80)],  # leading 0s
                      "ref": rng.integers(100, 999, 80).astype(str),  # complete: not imputed
                      "age": rng.normal(40, 10, 80)})
    d.loc[::7, "chl"] = None
    d.loc[::6, "zip"] = None
    d.loc[::5, "age"] = np.nan
    d.loc[1::9, "size"] = None
    with pytest.warns(UserWarning, match=r"numbers written as text: 'chl' \(\d+ values\)\. Their "
                                         r"missing cells") as rec:
        socgan.impute(d, m=2, seed=1, epochs=2, progress=False)
    text = " ".join(str(r.message) for r in rec if "written as text" in str(r.message))
    assert "'size'" not in text and "'zip'" not in text and "'ref'" not in text
