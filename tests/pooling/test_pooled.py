"""Issue 16 point 3: pool() returns a small result class (R's ``mipo``) with plain-type views.

The column names are mice's: frozen here from mice 3.15 (the R lines that printed them are
quoted beside each list) and checked live against R where rpy2 and mice are present. Old call
patterns (indexing the result as the DataFrame pool() used to return; pool_scalar's dict) keep
working with a FutureWarning.
"""

from __future__ import annotations

import pathlib
import pickle
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan.pooling import TABLE_COLUMNS, Pooled, PooledScalar, pool, pool_scalar

_TESTS = str(pathlib.Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:  # _r.py sits in tests/
    sys.path.insert(0, _TESTS)
from _r import r_eval, require_r_packages  # noqa: E402

# mice 3.15.0, R 4.2.2:
#   imp <- mice(nhanes, m = 3, seed = 1, printFlag = FALSE); p <- pool(with(imp, lm(chl ~ age + bmi)))
#   names(p$pooled)
MICE_POOLED = ["term", "m", "estimate", "ubar", "b", "t", "dfcom", "df", "riv", "lambda", "fmi"]
#   names(summary(p))
MICE_SUMMARY = ["term", "estimate", "std.error", "statistic", "df", "p.value"]
#   names(summary(p, conf.int = TRUE))
MICE_SUMMARY_CI = MICE_SUMMARY + ["2.5 %", "97.5 %"]
#   names(summary(p, conf.int = TRUE, conf.level = 0.9))
MICE_SUMMARY_CI90 = MICE_SUMMARY + ["5 %", "95 %"]
#   names(summary(p, type = "all", conf.int = TRUE))
MICE_SUMMARY_ALL = ["term", "m", "estimate", "std.error", "statistic", "df", "p.value", "2.5 %",
                    "97.5 %", "riv", "lambda", "fmi", "ubar", "b", "t", "dfcom"]

Q = np.array([[1.0, 10.0], [2.0, 12.0], [3.0, 11.0]])
U = np.array([[0.5, 2.0], [0.5, 2.0], [0.5, 2.0]])


def _example(**kw) -> Pooled:
    return pool(Q, U, dfcom=50, terms=["a", "b"], **kw)


def test_views_have_mice_column_names():
    res = _example()
    assert isinstance(res, Pooled)
    assert list(res.pooled.columns) == MICE_POOLED
    assert list(res.summary(conf_int=False).columns) == MICE_SUMMARY
    assert list(res.summary().columns) == MICE_SUMMARY_CI
    assert list(res.summary(conf_level=0.9).columns) == MICE_SUMMARY_CI90
    assert list(res.summary(type="all").columns) == MICE_SUMMARY_ALL
    # the tidy table: every column, the interval named as mice's tidy.mipo names it
    assert list(res.table.columns) == TABLE_COLUMNS
    assert set(TABLE_COLUMNS) == set(MICE_SUMMARY_ALL) - {"2.5 %", "97.5 %"} | {"conf.low",
                                                                                 "conf.high"}
    assert res.m == 3 and res.terms == ["a", "b"] and res.conf_level == 0.95


# stats:::format.perc(c(a, 1 - a), 3) with a = (1 - level) / 2, R 4.2.2
R_INTERVAL_NAMES = {0.95: ["2.5 %", "97.5 %"], 0.9: ["5 %", "95 %"], 0.99: ["0.5 %", "99.5 %"],
                    0.999: ["0.05 %", "99.95 %"], 0.8: ["10 %", "90 %"], 0.5: ["25 %", "75 %"],
                    0.683: ["15.8 %", "84.2 %"], 0.9999: ["0.005 %", "99.995 %"]}


@pytest.mark.parametrize("level", sorted(R_INTERVAL_NAMES))
def test_interval_columns_are_named_as_r_names_them(level):
    assert list(_example().summary(conf_level=level).columns[-2:]) == R_INTERVAL_NAMES[level]


def test_views_agree_and_are_copies():
    res = _example()
    tab, summ = res.table, res.summary(type="all")
    for col in ("estimate", "std.error", "statistic", "df", "p.value", "riv", "lambda", "fmi",
                "ubar", "b", "t", "dfcom", "m"):
        np.testing.assert_array_equal(tab[col], summ[col], err_msg=col)
        if col in MICE_POOLED:
            np.testing.assert_array_equal(tab[col], res.pooled[col], err_msg=col)
    np.testing.assert_array_equal(tab["conf.low"], summ["2.5 %"])
    np.testing.assert_array_equal(tab["conf.high"], summ["97.5 %"])
    np.testing.assert_array_equal(res.estimates.to_numpy(), Q)
    np.testing.assert_array_equal(res.variances.to_numpy(), U)
    assert list(res.estimates.columns) == ["a", "b"]
    tab, est = res.table, res.estimates
    tab.loc[0, "estimate"] = 99.0
    est.iloc[0, 0] = 99.0
    assert res.table.loc[0, "estimate"] == 2.0 and res.estimates.iloc[0, 0] == 1.0


def test_summary_at_another_level_equals_pooling_at_that_level():
    res90 = pool(Q, U, dfcom=50, conf_level=0.9).summary()
    again = pool(Q, U, dfcom=50).summary(conf_level=0.9)
    pd.testing.assert_frame_equal(res90, again, rtol=1e-14)
    with pytest.raises(ValueError, match="`conf_level`"):
        _example().summary(conf_level=1.5)
    with pytest.raises(ValueError, match="`type`"):
        _example().summary(type="everything")
    with pytest.raises(TypeError, match="`conf_int`"):
        _example().summary(conf_int="yes")


def test_old_dataframe_patterns_warn_and_give_the_old_columns():
    res = _example()
    tab = res.table
    with pytest.warns(FutureWarning, match=r"\.table"):
        assert list(res.columns) == ["term", "estimate", "std_error", "statistic", "df",
                                     "p_value", "conf_low", "conf_high", "riv", "lambda", "fmi"]
    with pytest.warns(FutureWarning):
        np.testing.assert_array_equal(res["std_error"], tab["std.error"])
    with pytest.warns(FutureWarning):
        assert res.loc[1, "conf_high"] == tab.loc[1, "conf.high"]
    with pytest.warns(FutureWarning):
        assert res[["term", "p_value"]].shape == (2, 2)
    assert len(res) == 2
    with pytest.warns(FutureWarning, match="`details`"):
        old = pool(Q, U, dfcom=50, details=True)
    with pytest.warns(FutureWarning):
        assert list(old.columns)[-5:] == ["m", "ubar", "b", "t", "dfcom"]
    with pytest.raises(AttributeError):
        res.no_such_attribute


def test_pool_scalar_returns_a_class_with_mice_names_and_the_old_dict():
    res = pool_scalar([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], n_rows=52, k=2)
    assert isinstance(res, PooledScalar) and isinstance(res, Pooled)
    assert (res.m, res.qbar, res.b) == (3, 2.0, 1.0)
    assert res.t == pytest.approx(11 / 6) and res.r == res.riv == pytest.approx(8 / 3)
    assert res.lambda_ == pytest.approx(8 / 11)
    old = res.to_dict()
    assert set(old) == {"m", "qhat", "u", "qbar", "ubar", "b", "t", "df", "r", "fmi", "riv",
                        "lambda", "dfcom", "std_error", "statistic", "p_value", "conf_low",
                        "conf_high", "conf_level"}
    with pytest.warns(FutureWarning, match="to_dict"):
        assert res["df"] == old["df"] == res.df
    with pytest.warns(FutureWarning):
        assert dict(res.items())["fmi"] == res.fmi
    with pytest.raises(KeyError):
        res["nothing"]
    tab = res.table
    assert tab["term"].tolist() == ["estimate"] and list(tab.columns) == TABLE_COLUMNS
    assert tab.loc[0, "std.error"] == res.std_error and tab.loc[0, "conf.low"] == res.conf_low
    assert list(res.summary().columns) == MICE_SUMMARY_CI
    res.qhat[0] = 99.0  # attributes are copies
    assert res.qhat[0] == 1.0


def test_plot_shows_each_term_with_its_interval(tmp_path):
    res = _example()
    fig = res.plot(path=tmp_path / "pooled.png", title="pooled")
    assert (tmp_path / "pooled.png").stat().st_size > 1000
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["a  (fmi 0.82)", "b  (fmi 0.50)"]
    segments = ax.collections[0].get_segments()  # the intervals, at the pooled level
    tab = res.table
    np.testing.assert_allclose([seg[:, 0] for seg in segments],
                               tab[["conf.low", "conf.high"]].to_numpy())
    assert "95% interval" in ax.get_xlabel() and "m = 3" in ax.get_xlabel()
    narrow = res.plot(conf_level=0.5, terms=["b"])
    assert [t.get_text() for t in narrow.axes[0].get_yticklabels()] == ["b  (fmi 0.50)"]
    with pytest.raises(ValueError, match=r"`terms`.*\['c'\]"):
        res.plot(terms=["c"])


def test_results_pickle_and_print():
    for res in (_example(), pool_scalar([1.0, 2.0, 3.0], [0.5, 0.5, 0.5])):
        back = pickle.loads(pickle.dumps(res))
        pd.testing.assert_frame_equal(back.table, res.table)
        assert type(back) is type(res)
        text = repr(res)
        assert "m = 3" in text
    assert "std.error" in repr(_example())


def test_imputations_fit_and_analyze_return_pooled():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60)})
    data.loc[:5, "y"] = np.nan
    datasets = [data.fillna({"y": rng.normal()}) for _ in range(3)]
    imp = socgan.Imputations(data=data, datasets=datasets)
    res = imp.fit("y ~ x")
    assert isinstance(res, Pooled) and res.terms == ["Intercept", "x"]
    assert res.table["dfcom"].tolist() == [58.0, 58.0]  # each fit's residual df, as mice
    mean = imp.analyze(lambda d: (pd.Series({"mean": d["y"].mean()}),
                                  [d["y"].var() / len(d)]))
    assert isinstance(mean, Pooled) and mean.terms == ["mean"]


@pytest.mark.against_r
def test_views_match_mice_names_and_numbers_live():
    require_r_packages("mice")
    res = r_eval("""
        suppressMessages(library(mice))
        imp <- mice(nhanes, m = 3, seed = 1, printFlag = FALSE)
        fit <- with(imp, lm(chl ~ age + bmi))
        p <- pool(fit)
        plain <- function(x) { class(x) <- "data.frame"; x$term <- as.character(x$term); x }
        list(coef = t(sapply(fit$analyses, coef)),
             se = t(sapply(fit$analyses, function(f) sqrt(diag(vcov(f))))),
             terms = names(coef(fit$analyses[[1]])),
             dfres = df.residual(fit$analyses[[1]]),
             pooled = plain(p$pooled),
             tests = plain(summary(p)),
             all90 = plain(summary(p, type = "all", conf.int = TRUE, conf.level = 0.9)))
    """)
    ours = pool(res["coef"], res["se"] ** 2, dfcom=res["dfres"], terms=list(res["terms"]))
    for mine, theirs in ((ours.pooled, res["pooled"]),
                         (ours.summary(conf_int=False), res["tests"]),
                         (ours.summary(type="all", conf_level=0.9), res["all90"])):
        assert list(mine.columns) == list(theirs.columns)
        assert mine["term"].tolist() == list(theirs["term"])
        for col in mine.columns[1:]:
            np.testing.assert_allclose(mine[col].to_numpy(dtype=float),
                                       theirs[col].to_numpy(dtype=float), rtol=1e-6,
                                       err_msg=col)


# -- the declared tables (issue 16, point 2) ---------------------------------------------------

def test_pool_and_its_views_declare_their_arguments():
    """pool, pool_scalar and the result's methods are checked by their tables of constraints
    (socgan._params), with the argument named."""
    for func in (pool, pool_scalar, Pooled.summary, Pooled.plot):
        assert func._parameter_constraints, func
    # R's 0.9 and numpy numbers are fine; text is not, and the message names the argument
    assert pool(Q, U, conf_level=np.float32(0.5)).conf_level == 0.5
    with pytest.raises(TypeError, match="`conf_level` must be a number, got '0.9'"):
        pool(Q, U, conf_level="0.9")
    with pytest.raises(TypeError, match="`conf_level` must be a number"):
        _example().summary(conf_level="0.9")
    with pytest.raises(TypeError, match=r"`path` must be a file path \(a string or pathlib.Path\)"
                                        r" or a file opened for writing, got 5"):
        _example().plot(path=5)
    with pytest.raises(TypeError, match="`title` must be a string, got 3"):
        _example().plot(title=3)
    with pytest.raises(TypeError, match="`terms` must be a list of term names, got 5"):
        _example().plot(terms=5)


def test_pool_scalar_takes_n_rows_and_its_old_name_n():
    """mice's ``n`` (the sample size) is ``n_rows``, as every number of rows in socgan; R's
    whole-number doubles are fine; ``n`` still works, with a FutureWarning."""
    new = pool_scalar([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], n_rows=52.0, k=2.0)
    with pytest.warns(FutureWarning, match="`n` of pool_scalar.* is now called `n_rows`"):
        old = pool_scalar([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], n=52, k=2)
    assert old.to_dict()["df"] == new.to_dict()["df"] and new.dfcom == 50.0
    with pytest.raises(TypeError, match="both `n`"):
        pool_scalar([1.0, 2.0], [0.5, 0.5], n=5, n_rows=5)
