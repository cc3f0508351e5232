"""``bounds=``: the range within which a numeric column's imputations are drawn (Amelia's
``bounds``); by default the observed range."""

import numpy as np
import pandas as pd
import pytest

import socgan

FAST = dict(max_steps=300, progress=False)


@pytest.fixture(scope="module")
def above():
    """y = x + noise, missing mostly where x is large: the missing values lie largely above
    the observed maximum (MAR on x)."""
    rng = np.random.default_rng(2)
    n = 800
    x = rng.normal(size=n)
    y = x + 0.3 * rng.normal(size=n)
    df = pd.DataFrame({"x": x, "y": y,
                       "count": pd.array(np.round(10 * y + 40).astype(int), dtype="Int64")})
    miss = (x > 1.2) & (rng.random(n) < 0.9)
    df.loc[miss, ["y", "count"]] = np.nan
    return df, miss


def test_default_keeps_the_observed_range_and_bounds_widen_it(above):
    df, miss = above
    before = df.copy()
    default = socgan.impute(df, m=2, seed=1, **FAST)
    wide = socgan.impute(df, m=2, seed=1, bounds={"y": (None, None), "count": (0, np.inf)},
                         **FAST)
    pd.testing.assert_frame_equal(df, before)  # never modified
    assert default.options["bounds"] == {}
    assert wide.options["bounds"] == {"y": (-np.inf, np.inf), "count": (0.0, np.inf)}
    top, top_count = df["y"].max(), df["count"].max()
    for d in default.datasets:
        assert d["y"].max() <= top and d["count"].max() <= top_count
    beyond = [(d.loc[miss, "y"] > top).sum() for d in wide.datasets]
    beyond_count = [(d.loc[miss, "count"] > top_count).sum() for d in wide.datasets]
    assert sum(beyond) > 0 and sum(beyond_count) > 0
    for d in wide.datasets:
        # observed cells unchanged; the integer column stays whole and in its dtype
        pd.testing.assert_series_equal(d.loc[~miss, "y"], df.loc[~miss, "y"])
        assert d["count"].dtype == "Int64" and d["count"].notna().all()
        assert d["count"].min() >= 0


def test_a_low_bound_holds(above):
    df, miss = above
    shifted = df.assign(y=df["y"] - df["y"].min())  # observed min 0
    imp = socgan.impute(shifted, m=2, seed=1, bounds={"y": (0, None)}, **FAST)
    for d in imp.datasets:
        assert d["y"].min() >= 0


def test_default_bounds_give_the_imputations_of_no_bounds(above):
    df, _ = above
    a = socgan.impute(df, m=2, seed=3, **FAST)
    b = socgan.impute(df, m=2, seed=3, bounds={}, **FAST)
    observed = {"y": (df["y"].min(), df["y"].max())}
    c = socgan.impute(df, m=2, seed=3, bounds=observed, **FAST)
    for x, y, z in zip(a.datasets, b.datasets, c.datasets):
        pd.testing.assert_frame_equal(x, y)
        pd.testing.assert_frame_equal(x, z)


@pytest.mark.parametrize("bounds, error, words", [
    ({"nope": (0, 1)}, ValueError, "`data` has no column 'nope'"),
    ({"y": (0, 1)}, ValueError, "column 'y' has observed values outside [0, 1]"),
    ({"y": (1, 0)}, ValueError, "low bound must be below the high bound"),
    ({"y": (0,)}, ValueError, "must be a pair (low, high)"),
    ({"y": 5}, ValueError, "must be a pair (low, high)"),
    ({"y": (float("nan"), 1)}, ValueError, "the low bound is missing"),
    ({"y": ("0", 1)}, TypeError, "the low bound must be a number or None"),
    ({"y": (True, 9)}, TypeError, "the low bound must be a number or None"),
    ([("y", (0, 1))], TypeError, "`bounds` must be a dict"),
    ({"g": (0, 1)}, ValueError, "column 'g' is categorical; bounds apply to numeric columns"),
])
def test_bad_bounds_are_named_before_training(above, bounds, error, words):
    df, _ = above
    df = df.assign(g=pd.Categorical(np.where(df["x"] > 0, "a", "b")))
    with pytest.raises(error) as exc:
        socgan.impute(df, m=2, seed=1, bounds=bounds, **FAST)
    assert words in str(exc.value)


def test_bounds_on_a_complete_date_column_are_refused(above):
    df, _ = above
    df = df.assign(when=pd.date_range("2020-01-01", periods=len(df), freq="D"))
    with pytest.raises(ValueError, match="'when' holds dates or times"):
        socgan.impute(df, m=2, seed=1, bounds={"when": (0, None)}, **FAST)


def test_fitted_imputer_keeps_its_bounds_when_saved(above, tmp_path):
    df, miss = above
    imputer = socgan.GainImputer(m=2, seed=1, bounds={"y": (None, None)}, **FAST).fit(df)
    assert "bounds={'y': (None, None)}" in repr(imputer)
    imputer.save(tmp_path / "m.safetensors")
    loaded = socgan.GainImputer.load(tmp_path / "m.safetensors")
    a = imputer.impute(df, seed=5)
    b = loaded.impute(df, seed=5)
    for x, y in zip(a.datasets, b.datasets):
        pd.testing.assert_frame_equal(x, y)
    assert any((d.loc[miss, "y"] > df["y"].max()).any() for d in b.datasets)


def test_bounds_of_an_integer_column_are_taken_inward_to_whole_numbers():
    rng = np.random.default_rng(4)
    x = rng.normal(size=300)
    y = np.maximum(1, np.round(2 + 1.5 * x + rng.normal(size=300)))
    for dtype in ("float", "Int64"):
        df = pd.DataFrame({"x": x, "y": pd.array(y, dtype="Int64").astype(dtype)})
        df.loc[rng.random(300) < 0.4, "y"] = np.nan
        imp = socgan.impute(df, m=2, seed=1, max_steps=100, progress=False,
                            bounds={"y": (0.3, 20.5)})
        assert imp.options["bounds"] == {"y": (0.3, 20.5)}
        for d in imp.datasets:
            values = d["y"].astype(float)
            assert (values == np.round(values)).all() and values.min() >= 1 and values.max() <= 20
            assert not np.signbit(values).any()


def test_a_later_set_params_does_not_change_what_a_saved_imputer_says(above, tmp_path):
    df, _ = above
    imputer = socgan.GainImputer(m=2, seed=1, bounds={"y": (None, None)}, **FAST).fit(df)
    imputer.set_params(bounds={"y": (-100, 100)})
    imputer.save(tmp_path / "m.safetensors")
    assert socgan.GainImputer.load(tmp_path / "m.safetensors").bounds == {"y": (-np.inf, np.inf)}
