"""socgan.r: the reticulate wire format (no R needed) and the rpy2 bridge (marked against_r).

The R package's own tests (r-bridge/tests/testthat) cover the other side of the wire; they run
with scripts/test_r.sh.
"""

from __future__ import annotations

import builtins
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import socgan.r as sr
from socgan.r import _session
from socgan.r._columns import column_to_r


def mixed_frame(index=None) -> pd.DataFrame:
    """Every column type socgan converts, each with a missing value."""
    return pd.DataFrame({
        "x": [1.5, np.nan, 3.0, -4.25],
        "i": pd.array([1, None, 3, -7], dtype="Int64"),
        "b": pd.array([True, None, False, True], dtype="boolean"),
        "f": pd.Categorical(["b", "a", None, "c"], categories=["c", "b", "a"]),
        "o": pd.Categorical(["lo", "hi", "mid", None], categories=["lo", "mid", "hi"],
                            ordered=True),
        "s": pd.Series(["u", None, "v", "é"], dtype=object),
        "d": pd.to_datetime(["2020-01-01", None, "1969-12-31", "2024-02-29"]),
    }, index=index)


def complete_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "x": [0.5, 1.0, 2.0], "i64": np.array([1, 2, 3], dtype=np.int64),
        "flag": np.array([True, False, True]),
    })


def assert_same_values(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal values and missing cells; the dtypes are checked by the tests themselves."""
    assert list(got.columns) == list(want.columns)
    for c in want.columns:
        assert got[c].isna().tolist() == want[c].isna().tolist(), c
        obs = ~want[c].isna().to_numpy()
        assert list(np.asarray(got[c], dtype=object)[obs]) == \
            list(np.asarray(want[c], dtype=object)[obs]), c


# -- the wire format of the R package (plain Python) ---------------------------------------------

def test_wire_round_trip_keeps_types_levels_and_missing():
    df = mixed_frame()
    back = sr.decode_frame(sr.encode_frame(df))
    assert_same_values(back, df)
    assert back["x"].dtype == np.float64
    assert back["i"].dtype == "Int64"
    assert back["b"].dtype == "boolean"
    assert list(back["f"].cat.categories) == ["c", "b", "a"] and not back["f"].cat.ordered
    assert list(back["o"].cat.categories) == ["lo", "mid", "hi"] and back["o"].cat.ordered
    assert pd.api.types.is_string_dtype(back["s"].dtype)
    assert back["d"].dtype == "datetime64[s]"
    # R's automatic row names arrive as 1..n, which mice calls .id
    assert list(back.index) == [1, 2, 3, 4]


def test_wire_uses_only_types_reticulate_converts():
    payload = sr.encode_frame(mixed_frame())
    allowed = (dict, list, str, int, bool, bytearray, type(None))

    def walk(obj):
        assert isinstance(obj, allowed), type(obj)
        if isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    walk(payload)


def test_wire_integers_never_carry_r_na_sentinel():
    payload = sr.encode_frame(pd.DataFrame({"i": pd.array([None, 5], dtype="Int64")}))
    col = payload["columns"][0]
    assert np.frombuffer(bytes(col["values"]), dtype="=i4").tolist() == [0, 5]
    assert list(col["missing"]) == [1, 0]
    # and the other way: R's NA_integer_ (-2^31) in the bytes is masked away
    payload["columns"][0]["values"] = bytearray(np.array([-(2**31), 5], "=i4").tobytes())
    back = sr.decode_frame(payload)
    assert back["i"].isna().tolist() == [True, False] and back["i"].iloc[1] == 5


def test_wire_accepts_reticulate_scalars_for_one_level():
    # reticulate sends a length-1 character vector as a str, not a list
    payload = {"n": 2, "row_names": None, "columns": [
        {"name": "f", "kind": "factor", "values": bytearray(np.array([1, 0], "=i4").tobytes()),
         "missing": bytearray(b"\x00\x01"), "levels": "only", "ordered": False}]}
    back = sr.decode_frame(payload)
    assert list(back["f"].cat.categories) == ["only"]
    assert back["f"].isna().tolist() == [False, True]


@pytest.mark.parametrize("index", [pd.Index(["a", "b", "c", "d"]), pd.Index([10, 20, 30, 40])])
def test_wire_keeps_row_names(index):
    back = sr.decode_frame(sr.encode_frame(mixed_frame(index=index)))
    assert list(back.index) == list(index)


def test_wire_empty_and_all_missing_columns():
    df = pd.DataFrame({"s": pd.Series([None, None], dtype=object), "x": [np.nan, np.nan]})
    back = sr.decode_frame(sr.encode_frame(df))
    assert back.isna().all().all()
    empty = sr.decode_frame(sr.encode_frame(mixed_frame().iloc[:0]))
    assert len(empty) == 0 and list(empty.columns) == list(mixed_frame().columns)


def test_wire_encode_frames_of_a_list():
    frames = sr.encode_frames([complete_frame(), complete_frame()])
    assert len(frames) == 2 and frames[0]["n"] == 3


@pytest.mark.parametrize("series, message", [
    (pd.Series(pd.to_timedelta([1, 2], unit="D")), "no R counterpart"),
    (pd.Series(pd.to_datetime(["2020-01-01 10:30", "2020-01-02 00:00"])), "times of day"),
    (pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02"]).tz_localize("UTC")), "time zone"),
    (pd.Series([1, "a"], dtype=object), "no R counterpart"),
    (pd.Series([1 + 2j, 3j]), "no R counterpart"),
])
def test_unsupported_columns_raise_clear_errors(series, message):
    with pytest.raises(TypeError, match=message):
        sr.encode_frame(pd.DataFrame({"col": series}))


def test_huge_integers_become_double_with_a_warning():
    with pytest.warns(UserWarning, match="beyond R's integer range"):
        col = column_to_r("big", pd.Series([1, 2**40]))
    assert col.kind == "double" and col.values.tolist() == [1.0, float(2**40)]


def test_non_string_categories_become_text_levels():
    col = column_to_r("c", pd.Series(pd.Categorical([2, 1, None], categories=[1, 2])))
    assert col.levels == ("1", "2") and col.values.tolist() == [2, 1, 0]
    with pytest.raises(ValueError, match="not distinct"):
        column_to_r("c", pd.Series(pd.Categorical([1, "1"], categories=[1, "1"])))


def test_duplicate_index_cannot_become_row_names():
    with pytest.raises(ValueError, match="unique"):
        sr.encode_frame(complete_frame().set_axis([5, 5, 6]))


# -- socgan.r.call / signature / imputations_for_r: how the R package calls socgan -------------

def test_call_returns_value_and_warnings_each_time():
    import warnings

    def warns(x):
        warnings.warn("careful", UserWarning)
        warnings.warn("careful", UserWarning)  # the same warning twice is reported once
        warnings.warn("old API", DeprecationWarning)  # hidden, as Python hides it by default
        return x + 1

    for _ in range(2):  # reported again on the second call, unlike Python's "default" filter
        out = sr.call(warns, 1)
        assert out["value"] == 2 and out["error"] is None
        assert out["warnings"] == [{"class": "UserWarning", "message": "careful"}]


def test_call_returns_errors_as_data():
    def fails(*, hint_rate):
        raise ValueError(f"`hint_rate` must lie in [0.0, 1.0), got {hint_rate!r}.")

    out = sr.call(fails, hint_rate=2.0)
    assert out["value"] is None
    assert out["error"]["class"] == "ValueError"
    assert out["error"]["classes"][:2] == ["ValueError", "Exception"]
    assert out["error"]["message"] == "`hint_rate` must lie in [0.0, 1.0), got 2.0."
    out = sr.call(socgan_impute_unknown_keyword)
    assert out["error"]["class"] == "TypeError"


def socgan_impute_unknown_keyword():
    import socgan
    return socgan.impute(pd.DataFrame({"x": [1.0, np.nan, 2.0]}), epoch=3)


def test_call_lets_keyboard_interrupts_through():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sr.call(interrupted)


def test_signature_gives_plain_defaults_of_impute():
    import inspect

    import socgan
    from socgan._core.gain import GainSettings

    params = {p["name"]: p for p in sr.signature(socgan.impute)}
    assert not params["data"]["has_default"]
    assert params["m"]["default"] == 5 and params["m"]["keyword_only"]
    assert params["seed"]["default"] is None and params["seed"]["keyword_only"]
    # the GAIN settings the R package documents are GainSettings' defaults; the others are
    # internal (not arguments of impute, so not documented in R)
    internal = {"max_hidden", "patience", "odds_weights", "keep_best", "stop_epochs",
                "pattern_share"}
    for name, value in GainSettings().__dict__.items():
        if name not in internal:
            assert params[name]["default"] == value, name
    assert internal.isdisjoint(params)
    assert set(params) == set(inspect.signature(socgan.impute).parameters)


def test_imputations_for_r_is_plain_data():
    import socgan

    df = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0, 2.5, np.nan], "g": list("abab" + "ab")})
    imp = socgan.impute(df, m=2, epochs=2, progress=False)  # seed None: entropy is 128-bit
    out = sr.imputations_for_r(imp)
    assert len(out["datasets"]) == 2
    assert out["options"]["entropy"] == str(imp.options["entropy"])
    assert out["options"]["epochs"] == imp.options["epochs"]
    losses = sr.decode_frame(out["loss_history"])
    assert list(losses.columns) == ["imputation", "epoch", "d_loss", "g_adversarial",
                                    "g_reconstruction", "validation"]
    assert len(losses) == len(imp.diagnostics["loss_history"])
    allowed = (dict, list, str, int, float, bool, bytearray, type(None))

    def walk(obj):
        assert isinstance(obj, allowed), type(obj)
        for v in (obj.values() if isinstance(obj, dict) else obj if isinstance(obj, list) else []):
            walk(v)

    walk(out)


# -- errors without R or rpy2 (no R needed) ------------------------------------------------------

def test_importing_socgan_r_does_not_import_rpy2():
    code = "import sys, socgan.r; assert 'rpy2' not in sys.modules, 'rpy2 was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.fixture
def fresh_session():
    cached = (_session._load, _session._has_package)
    for f in cached:
        f.cache_clear()
    yield
    for f in cached:
        f.cache_clear()


def _failing_import(monkeypatch, name, exc):
    real = builtins.__import__

    def fake(mod, *args, **kwargs):
        if mod == name or mod.startswith(name + "."):
            raise exc
        return real(mod, *args, **kwargs)

    for mod in list(sys.modules):
        if mod == name.split(".")[0] or mod.startswith(name.split(".")[0] + "."):
            monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setattr(builtins, "__import__", fake)


def test_missing_rpy2_says_what_to_install(monkeypatch, fresh_session):
    _failing_import(monkeypatch, "rpy2", ImportError("No module named 'rpy2'"))
    with pytest.raises(sr.RUnavailableError, match=r'pip install "rpy2>=3.5,<3.6"'):
        sr.to_r(complete_frame())
    assert not sr.r_available()


def test_missing_r_says_what_to_install(monkeypatch, fresh_session):
    pytest.importorskip("rpy2", reason="rpy2 is not installed")
    _failing_import(monkeypatch, "rpy2.rinterface", OSError("cannot load libR.so"))
    with pytest.raises(sr.RUnavailableError, match="apt-get install r-base-core r-cran-mice"):
        sr.run_mice(complete_frame())


@pytest.mark.against_r
def test_r_too_old_says_so(monkeypatch, fresh_session):
    if not sr.r_available():
        pytest.skip("R or rpy2 is not installed")
    _session._load.cache_clear()
    monkeypatch.setattr(_session, "MIN_R_VERSION", (99, 0))
    with pytest.raises(sr.RUnavailableError, match="needs R >= 99.0"):
        sr.to_r(complete_frame())


@pytest.mark.against_r
def test_missing_r_package_names_the_debian_package(monkeypatch, fresh_session):
    if not sr.r_available():
        pytest.skip("R or rpy2 is not installed")
    monkeypatch.setattr(_session, "_has_package", lambda pkg: False)
    with pytest.raises(sr.RUnavailableError, match="apt-get install r-cran-amelia"):
        sr.run_amelia(complete_frame())


# -- the rpy2 bridge (needs R) -------------------------------------------------------------------

@pytest.fixture(scope="module")
def ro():
    if not sr.r_available("mice"):
        pytest.skip("R with the mice package, or rpy2, is not installed "
                    '(apt-get install r-base-core r-cran-mice; pip install "rpy2>=3.5,<3.6")')
    import rpy2.robjects as robjects
    return robjects


def r_eval(ro, code, *args):
    return ro.r(f"function(d) {code}")(*args)


@pytest.mark.against_r
def test_to_r_types_levels_and_na(ro):
    r_df = sr.to_r(mixed_frame())
    classes = r_eval(ro, "vapply(d, function(x) paste(class(x), collapse = '/'), '')", r_df)
    assert dict(zip(classes.names, classes)) == {
        "x": "numeric", "i": "integer", "b": "logical", "f": "factor", "o": "ordered/factor",
        "s": "character", "d": "Date"}
    assert list(r_eval(ro, "vapply(d, function(x) sum(is.na(x)), 1L)", r_df)) == [1] * 7
    # NA, not NaN: a plain NaN would not be NA_real_
    assert not r_eval(ro, "any(is.nan(d$x))", r_df)[0]
    assert list(r_eval(ro, "levels(d$f)", r_df)) == ["c", "b", "a"]
    assert list(r_eval(ro, "as.character(d$f)", r_df))[:2] == ["b", "a"]
    assert list(r_eval(ro, "levels(d$o)", r_df)) == ["lo", "mid", "hi"]
    assert r_eval(ro, "is.ordered(d$o)", r_df)[0]
    assert list(r_eval(ro, "format(d$d[-2])", r_df)) == ["2020-01-01", "1969-12-31",
                                                         "2024-02-29"]
    assert list(r_eval(ro, "d$s", r_df))[3] == "é"
    assert r_eval(ro, ".row_names_info(d)", r_df)[0] < 0  # automatic row names


@pytest.mark.against_r
def test_round_trip_through_r(ro):
    df = mixed_frame()
    back = sr.from_r(sr.to_r(df))
    assert_same_values(back, df)
    assert dict(back.dtypes.astype(str)) == {
        "x": "float64", "i": "Int64", "b": "boolean", "f": "category", "o": "category",
        "s": str(pd.Series(["a"]).dtype), "d": "datetime64[s]"}
    assert back["o"].cat.ordered and list(back["f"].cat.categories) == ["c", "b", "a"]
    assert isinstance(back.index, pd.RangeIndex) and back.index.start == 0
    named = mixed_frame(index=pd.Index(["p", "q", "r", "s"]))
    assert list(sr.from_r(sr.to_r(named)).index) == ["p", "q", "r", "s"]
    assert list(sr.from_r(sr.to_r(named.set_axis([7, 3, 9, 1]))).index) == [7, 3, 9, 1]


@pytest.mark.against_r
def test_from_r_handles_r_made_data(ro):
    r_df = ro.r("""data.frame(i = c(1L, NA, 3L), l = c(TRUE, NA, FALSE), s = c("a", NA, "b"),
                   f = factor(c(NA, "y", "x"), levels = c("y", "x")),
                   o = factor(c("lo", "hi", NA), levels = c("lo", "hi"), ordered = TRUE),
                   x = c(NA, NaN, 2.5), d = as.Date(c(NA, "2000-02-29", "1960-01-01")),
                   stringsAsFactors = FALSE)""")
    df = sr.from_r(r_df)
    assert df["i"].dtype == "Int64" and df["i"].isna().tolist() == [False, True, False]
    assert -(2**31) not in df["i"].dropna().tolist()
    assert df["l"].dtype == "boolean" and df["l"].tolist()[0] is True and pd.isna(df["l"][1])
    assert df["s"].isna().tolist() == [False, True, False]
    assert list(df["f"].cat.categories) == ["y", "x"] and pd.isna(df["f"][0])
    assert df["o"].cat.ordered
    assert df["x"].isna().tolist() == [True, True, False]  # NA and NaN are both missing
    assert df["d"].dt.strftime("%Y-%m-%d").tolist()[1:] == ["2000-02-29", "1960-01-01"]
    nhanes = sr.from_r(ro.r("mice::nhanes"))
    assert nhanes.shape == (25, 4) and int(nhanes.isna().sum().sum()) == 27


@pytest.mark.against_r
def test_from_r_rejects_unsupported_classes(ro):
    with pytest.raises(TypeError, match="POSIXct"):
        sr.from_r(ro.r("data.frame(t = as.POSIXct('2020-01-01 10:00', tz = 'UTC'))"))
    with pytest.raises(TypeError, match="data.frame"):
        sr.from_r(ro.r("1:3"))


def hand_made_long(m: int = 2, index=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(incomplete data, mice long format) with known imputed values, like Imputations.long()."""
    data = mixed_frame(index=index).drop(columns="d")
    frames = [data]
    for k in range(1, m + 1):
        filled = data.copy()
        filled.loc[filled.index[1], "x"] = 10.0 * k
        filled.loc[filled.index[1], "i"] = k
        filled.loc[filled.index[1], "b"] = bool(k % 2)
        filled.loc[filled.index[2], "f"] = "a"
        filled.loc[filled.index[3], "o"] = "mid"
        filled.loc[filled.index[1], "s"] = "v"
        frames.append(filled)
    parts = []
    for k, f in enumerate(frames):
        part = f.reset_index(drop=True)
        part.insert(0, ".id", np.asarray(f.index))
        part.insert(0, ".imp", k)
        parts.append(part)
    return data, pd.concat(parts, ignore_index=True)


@pytest.mark.against_r
def test_as_mids_round_trips_the_long_format(ro):
    data, long = hand_made_long(m=2, index=pd.Index([101, 102, 103, 104]))
    mids = sr.as_mids(long)
    assert list(ro.r["class"](mids)) == ["mids"]
    assert int(mids.rx2("m")[0]) == 2
    back = sr.from_r(ro.r("function(imp) mice::complete(imp, 'long', include = TRUE)")(mids))
    # complete() numbers rows 1..n in .id; socgan's .id (the index) is in the row names
    assert back[".id"].tolist() == [1, 2, 3, 4] * 3
    row_names = list(ro.r("function(imp) rownames(imp$data)")(mids))
    assert row_names == ["101", "102", "103", "104"]
    assert back[".imp"].tolist() == long[".imp"].tolist()
    assert_same_values(back.drop(columns=[".imp", ".id"]), long.drop(columns=[".imp", ".id"]))
    assert list(back["o"].cat.categories) == ["lo", "mid", "hi"] and back["o"].cat.ordered
    # where = the missing cells of the original data
    where = np.asarray(ro.r("function(imp) imp$where")(mids))
    assert where.sum() == int(data.isna().sum().sum())


@pytest.mark.against_r
def test_as_mids_checks_the_long_format(ro):
    _, long = hand_made_long()
    with pytest.raises(ValueError, match=r"\.imp and \.id"):
        sr.as_mids(long.drop(columns=".id"))
    with pytest.raises(ValueError, match="same number of rows"):
        sr.as_mids(long.iloc[:-1])
    with pytest.raises(TypeError, match="Imputations"):
        sr.as_mids([1, 2])


@pytest.mark.against_r
def test_save_rds_writes_what_r_reads(ro, tmp_path):
    df = mixed_frame()
    path = sr.save_rds(df, tmp_path / "data.rds")
    assert_same_values(sr.from_r(ro.r["readRDS"](str(path))), df)
    _, long = hand_made_long()
    sr.save_rds(sr.as_mids(long), tmp_path / "imp.rds")
    assert list(ro.r("function(p) class(readRDS(p))")(str(tmp_path / "imp.rds"))) == ["mids"]
    sr.save_rds([df, df], tmp_path / "list.rds")
    assert ro.r("function(p) length(readRDS(p))")(str(tmp_path / "list.rds"))[0] == 2
    with pytest.raises(TypeError, match="DataFrame"):
        sr.save_rds({"a": 1}, tmp_path / "bad.rds")


def incomplete_survey(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "x": rng.normal(size=n),
        "i": pd.array(rng.integers(1, 50, n), dtype="Int64"),
        "b": pd.array(rng.normal(size=n) > 0, dtype="boolean"),
        "f": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["c", "b", "a"]),
        "o": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"],
                            ordered=True),
        "s": np.array(rng.choice(["u", "v"], n), dtype=object),
    }, index=pd.RangeIndex(100, 100 + n))
    for c in df.columns:
        df.loc[df.index[rng.choice(n, 6, replace=False)], c] = None
    return df


@pytest.mark.against_r
def test_run_mice_returns_completed_frames_like_the_input(ro):
    df = incomplete_survey()
    out = sr.run_mice(df, m=2, seed=1, maxit=2)
    assert len(out) == 2
    for completed in out:
        assert completed.index.equals(df.index)
        assert (completed.dtypes == df.dtypes).all()
        assert not completed.isna().any().any()
        observed = df.notna()
        for c in df.columns:
            assert (completed[c][observed[c]] == df[c][observed[c]]).all(), c
    assert list(out[0]["f"].cat.categories) == ["c", "b", "a"] and out[0]["o"].cat.ordered
    again = sr.run_mice(df, m=2, seed=1, maxit=2)
    assert all(a.equals(b) for a, b in zip(out, again))


@pytest.mark.against_r
def test_run_mice_methods(ro):
    df = incomplete_survey()
    cart = sr.run_mice(df, m=1, seed=2, maxit=1, method="cart")
    assert not cart[0].isna().any().any()
    norm = sr.run_mice(df, m=1, seed=2, maxit=1, method={"x": "norm"})
    assert not norm[0].isna().any().any()
    with pytest.raises(ValueError, match="lacks"):
        sr.run_mice(df, method={"nope": "pmm"})
    with pytest.raises(ValueError, match="whole number"):
        sr.run_mice(df, m=2.5)


@pytest.mark.against_r
def test_run_amelia_returns_completed_frames(ro):
    if not sr.r_available("Amelia"):
        pytest.skip("The R package Amelia is not installed (apt-get install r-cran-amelia)")
    df = incomplete_survey().drop(columns="o")
    out = sr.run_amelia(df, m=2, seed=3)
    assert len(out) == 2
    for completed in out:
        assert completed.index.equals(df.index)
        assert not completed.isna().any().any()
        for c in ["x", "b", "f", "s"]:
            assert completed[c].dtype == df[c].dtype, c
    again = sr.run_amelia(df, m=2, seed=3)
    assert all(a.equals(b) for a, b in zip(out, again))
    with pytest.raises(ValueError, match="lacks"):
        sr.run_amelia(df, noms=["nope"])


@pytest.mark.against_r
def test_as_mids_of_real_imputations(ro):
    import socgan

    data = incomplete_survey(n=40)
    imp = socgan.impute(data, m=2, seed=1, epochs=2, progress=False)
    mids = sr.as_mids(imp)
    back = sr.from_r(ro.r("function(imp) mice::complete(imp, 'long', include = TRUE)")(mids))
    long = imp.long()
    assert back[".imp"].tolist() == long[".imp"].tolist()
    assert_same_values(back.drop(columns=[".imp", ".id"]), long.drop(columns=[".imp", ".id"]))
    assert list(ro.r("function(imp) rownames(imp$data)")(mids)) == [str(i) for i in data.index]
    pooled = ro.r("function(imp) summary(mice::pool(with(imp, lm(x ~ f + i))))")(mids)
    assert ro.r["nrow"](pooled)[0] == 4


# -- the converters' tables of constraints (issue 16, point 2); checked before R is started ----

def test_converters_check_their_arguments_by_their_tables(tmp_path):
    for func in (sr.to_r, sr.from_r, sr.as_mids, sr.save_rds, sr.encode_frame, sr.decode_frame,
                 sr.encode_frames, sr.call, sr.signature, sr.imputations_for_r):
        assert func._parameter_constraints, func.__name__
    with pytest.raises(TypeError, match="`data` must be a pandas DataFrame, got ndarray"):
        sr.to_r(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="`data` must be a pandas DataFrame, got list"):
        sr.encode_frame([1, 2])
    with pytest.raises(ValueError, match=r"`data` has duplicate column names: \['a'\]"):
        sr.encode_frame(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(ValueError, match="distinct for R"):  # one name once R has it
        sr.encode_frame(pd.DataFrame([[1, 2]], columns=[1, "1"]))
    with pytest.raises(TypeError, match=r"`frames\[1\]` must be a pandas DataFrame, got int"):
        sr.encode_frames([complete_frame(), 3])
    with pytest.raises(TypeError, match="`frames` must be a list of pandas DataFrames"):
        sr.encode_frames(complete_frame())
    with pytest.raises(TypeError, match="`payload` must be the dict R's encode_frame"):
        sr.decode_frame([1])
    with pytest.raises(TypeError, match=r"`path` must be a file path \(a string or "
                                        r"pathlib.Path\), got 5 \(int\)"):
        sr.save_rds(complete_frame(), 5)
    with pytest.raises(TypeError, match="`obj` must be a DataFrame, an Imputations"):
        sr.save_rds({"a": 1}, tmp_path / "x.rds")
    with pytest.raises(TypeError, match="`imputations` must be an Imputations or a long-format"):
        sr.as_mids([1, 2])
    with pytest.raises(TypeError, match="`function` must be a Python function, got str"):
        sr.signature("impute")
    with pytest.raises(TypeError, match="`imputations` must be a socgan.Imputations"):
        sr.imputations_for_r(complete_frame())
    # empty frames still cross (a loss history with no rows)
    assert sr.decode_frame(sr.encode_frame(complete_frame().iloc[:0])).shape == (0, 3)
    # call() still returns any failure as data, a non-callable included
    assert sr.call(5)["error"]["class"] == "TypeError"
