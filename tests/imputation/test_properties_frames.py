"""Property-based tests (hypothesis) of ``socgan.impute`` and ``emb_impute`` on random mixed
DataFrames holding every dtype a user can hand over.

Each generated frame has 12-30 rows and 2-4 columns drawn from: float16/32/64, nullable
Int8..Int64 and UInt8..UInt64, nullable Float32/Float64, numpy bool and nullable boolean,
categoricals (unordered and ordered, each with an unused level), and strings (object, ``str``,
``string``, pyarrow-backed ``string[pyarrow]``), with random shares of missing cells (0-50%),
magnitudes from 1e-300 to 1e300 (within each dtype's range), full-range integers and
near-constant columns. Either the call fails with a clear error that names a column (or, for
EMB, Amelia's own refusals), or: every cell is filled, observed cells are unchanged, dtypes and
categories are kept, imputed numbers lie within the observed range (GAIN), the same seed gives
the same result, and the input is not modified.

Generated cases per run: 30 frames for ``impute`` (each imputed twice, m = 2, 2 training
steps) and 30 for ``emb_impute``; about a minute in all on one core. bench/RESULTS.md lists the
counts of every property test of the suite.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import socgan
from socgan.baselines import emb_impute

pytest.importorskip("pyarrow")

#: dtype name -> largest magnitude its values may take in a generated frame
FLOATS = {"float16": 1e4, "float32": 1e37, "float64": 1e300, "Float32": 1e37, "Float64": 1e300}
INTEGERS = ["Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"]
DISCRETE = ["bool", "boolean", "category", "ordered", "object", "str", "string",
            "string[pyarrow]"]
DTYPES = list(FLOATS) + INTEGERS + DISCRETE
LEVELS = ["a", "b", "c"]
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])


def _column(kind: str, n: int, rng: np.random.Generator, magnitude: float, extreme_ints: bool,
            near_constant: bool):
    if kind in FLOATS:
        values = rng.normal(size=n) * min(magnitude, FLOATS[kind])
        if near_constant:  # one value but for one or two cells
            values = np.full(n, values[0])
            values[rng.integers(n, size=2)] += abs(values[0]) * 1e-3 + 1e-3
        return pd.Series(values).astype(kind)
    if kind in INTEGERS:
        info = np.iinfo(kind.lower())
        low, high = (info.min, info.max) if extreme_ints else (max(info.min, -50), min(info.max, 50))
        values = rng.integers(low, high, size=n, endpoint=True, dtype=kind.lower())
        if near_constant:
            values[:] = values[0]
            values[rng.integers(n)] = values[0] ^ 1
        return pd.Series(pd.array(values, dtype=kind))
    choice = rng.choice(LEVELS, size=n, p=[0.9, 0.05, 0.05] if near_constant else None)
    if kind == "bool":
        return pd.Series(choice == "a")
    if kind == "boolean":
        return pd.Series(pd.array(choice == "a", dtype="boolean"))
    if kind in ("category", "ordered"):
        return pd.Series(pd.Categorical(choice, categories=[*LEVELS, "unused"],
                                        ordered=kind == "ordered"))
    return pd.Series(choice, dtype=kind)


@st.composite
def frames(draw):
    n = draw(st.integers(12, 30))
    kinds = draw(st.lists(st.sampled_from(DTYPES), min_size=2, max_size=4))
    seed = draw(st.integers(0, 2**32 - 1))
    magnitude = draw(st.sampled_from([1.0, 1e-300, 1e-5, 1e6, 1e150, 1e300]))
    extreme_ints = draw(st.booleans())
    near_constant = draw(st.lists(st.booleans(), min_size=len(kinds), max_size=len(kinds)))
    shares = draw(st.lists(st.floats(0.0, 0.5), min_size=len(kinds), max_size=len(kinds)))
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"{kind}_{j}": _column(kind, n, rng, magnitude, extreme_ints, near)
                       for j, (kind, near) in enumerate(zip(kinds, near_constant))})
    for col, kind, share in zip(df.columns, kinds, shares):
        if kind != "bool":  # numpy bool cannot hold a missing value
            df.loc[rng.random(n) < share, col] = None
    return df, seed


def _names_a_column(exc: Exception, df: pd.DataFrame) -> bool:
    return any(repr(c) in str(exc) for c in df.columns)


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _check_completed(d: pd.DataFrame, df: pd.DataFrame, *, same_dtypes: bool, in_range: bool):
    assert list(d.columns) == list(df.columns) and d.index.equals(df.index)
    assert not d.isna().any().any()
    for col in df.columns:
        s, out = df[col], d[col]
        obs = s.notna().to_numpy()
        if same_dtypes or not (pd.api.types.is_integer_dtype(s.dtype) and not obs.all()):
            assert out.dtype == s.dtype, col
            pd.testing.assert_series_equal(out[obs], s[obs], obj=col)
        else:  # EMB: an integer column with missing values comes back as float64 (documented)
            assert out.dtype == np.float64, col
            np.testing.assert_array_equal(out[obs].to_numpy(), s[obs].to_numpy(dtype=float))
        if isinstance(s.dtype, pd.CategoricalDtype):
            assert list(out.cat.categories) == list(s.cat.categories)
            assert out.cat.ordered == s.cat.ordered
        ordinal_scale = not in_range and isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered
        if not obs.all() and ordinal_scale:
            # EMB, as Amelia's `ords`: whole steps between the lowest and highest observed
            # level, so a level in between that nobody chose can be drawn
            codes, seen = out.cat.codes[~obs], s.cat.codes[obs]
            assert codes.between(seen.min(), seen.max()).all(), col
        elif not obs.all() and not _numeric(s):  # imputed levels are observed levels
            assert set(out[~obs].astype(object)) <= set(s[obs].astype(object)), col
        if in_range and not obs.all() and _numeric(s):
            assert out[~obs].between(s.min(), s.max()).all(), col


@settings(max_examples=30, **SETTINGS)
@given(frames())
def test_impute_on_every_dtype(case):
    df, seed = case
    before = df.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # blank rows, no missing values, capped width
        try:
            imp = socgan.impute(df, m=2, seed=seed, epochs=1, max_steps=2, progress=False)
        except (ValueError, TypeError) as exc:
            assert _names_a_column(exc, df), exc
            return
        again = socgan.impute(df, m=2, seed=seed, epochs=1, max_steps=2, progress=False)
    pd.testing.assert_frame_equal(df, before)
    for d, e in zip(imp.datasets, again.datasets):
        _check_completed(d, df, same_dtypes=True, in_range=True)
        pd.testing.assert_frame_equal(d, e)


# Amelia's refusals that concern the data as a whole rather than one column.
_EMB_REFUSALS = ("Too few rows", "not positive definite", "every modelled value missing",
                 "No bootstrap resample")


@settings(max_examples=30, **SETTINGS)
@given(frames())
def test_emb_impute_on_every_dtype(case):
    df, seed = case
    before = df.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            imp = emb_impute(df, m=2, seed=seed, empri=1.0)
        except (ValueError, TypeError, FloatingPointError) as exc:
            assert _names_a_column(exc, df) or any(r in str(exc) for r in _EMB_REFUSALS), exc
            return
        again = emb_impute(df, m=2, seed=seed, empri=1.0)
    pd.testing.assert_frame_equal(df, before)
    for d, e in zip(imp.datasets, again.datasets):
        _check_completed(d, df, same_dtypes=False, in_range=False)
        pd.testing.assert_frame_equal(d, e)
