"""Property-based tests of ``synth.synthesize`` over random mixed frames (issue 14, point 3).

Random frames of every kind of column a user hands over — float16/32/64, nullable Float, int8 to
int64, nullable Int and UInt, bool and boolean, categoricals (ordered or not, categories read
from the data or with unused levels), object, ``string`` and pyarrow strings, numbers declared
discrete — with 0 to 12 rows, degenerate (one-valued) columns and extreme magnitudes, drawn
inside public bounds. A private release must have the schema the bounds say (columns, dtypes,
categorical levels of ``bounds``, values inside the bounds, ``n_rows`` rows, no missing value);
the caller's frame is unchanged; and when a value falls outside the bounds the error names the
column and a count but never a private value. Cheap settings (2 steps, tiny networks); the suite
runs 10 + 10 generated cases here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socgan.synth import synthesize

TINY = dict(steps=2, batch_size=1, snapshots=1, candidates=8, pgb_rounds=2, hidden=4,
            count_share=0.5)
NUMERIC = ["float64", "float32", "float16", "Float64", "int64", "int32", "int8", "Int64",
           "Int16", "UInt8", "uint16"]
DISCRETE = ["bool", "boolean", "category", "ordered", "object", "string", "pyarrow",
            "int-levels"]


@st.composite
def column(draw, n: int):
    """(values as a Series, public bound) of one random kind."""
    kind = draw(st.sampled_from(NUMERIC + DISCRETE))
    if kind in NUMERIC:
        integer = "int" in kind.lower()
        small = kind in ("int8", "UInt8", "float16")
        # magnitudes the dtype can hold: extreme ones (1e9) for the 32/64-bit types only
        scales = ([1.0, 10.0] if small else [1.0, 1e3] if kind in ("Int16", "uint16")
                  else [1.0, 1e3, 1e9] if kind != "int32" else [1.0, 1e3, 1e8])
        scale = draw(st.sampled_from(scales))
        low = draw(st.integers(-3, 3)) * scale if kind not in ("UInt8", "uint16") else 0.0
        width = draw(st.sampled_from([0.0, 1.0, 7.5, 2.0]) if not small else st.sampled_from([0.0, 1.0, 2.0])) * scale
        high = low + width
        if integer:
            low, high = float(np.ceil(low)), float(np.floor(high))
        u = np.asarray(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)), dtype=float)
        v = low + u * (high - low)
        if integer:
            v = np.clip(np.round(v), low, high)
        s = pd.Series(v).astype(kind)
        if kind in ("float16", "float32"):  # the cast may round just outside: bounds from the cast
            low, high = min(low, float(s.min()) if n else low), max(high, float(s.max()) if n else high)
        return s, (low, high)
    levels = {"bool": [False, True], "boolean": [False, True], "int-levels": [0, 1, 5]}.get(
        kind, ["a", "b", "é", "zz"])
    if draw(st.booleans()) and kind not in ("bool", "boolean"):
        levels = levels[:1]  # a single public level
    picks = draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n))
    if kind == "category":  # categories read from the data, as pd.Categorical does
        s = pd.Series(pd.Categorical(picks))
    elif kind == "ordered":  # the public levels plus order, some unused
        s = pd.Series(pd.Categorical(picks, categories=levels, ordered=True))
    elif kind == "pyarrow":
        s = pd.Series(picks, dtype="string[pyarrow]")
    elif kind == "int-levels":
        s = pd.Series(picks, dtype="int64")
    else:
        s = pd.Series(picks, dtype=kind)
    return s, list(levels)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    k = draw(st.integers(1, 4))
    cols = [draw(column(n)) for _ in range(k)]
    df = pd.DataFrame({f"c{i}": s for i, (s, _) in enumerate(cols)})
    return df, {f"c{i}": b for i, (_, b) in enumerate(cols)}


def _expected_dtype(s: pd.Series, bound):
    if isinstance(s.dtype, pd.CategoricalDtype):
        return pd.CategoricalDtype(bound, ordered=s.dtype.ordered)
    return s.dtype


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(frames(), st.integers(1, 9), st.sampled_from(["pgb", "dpgan", "marginals"]))
def test_release_has_the_schema_the_bounds_say(case, n_rows, method):
    df, bounds = case
    before = df.copy(deep=True)
    rel = synthesize(df, epsilon=1.0, method=method, bounds=bounds, n_rows=n_rows,
                     insecure_seed=0, **TINY)
    pd.testing.assert_frame_equal(df, before)
    out = rel.data
    assert list(out.columns) == list(df.columns) and len(out) == n_rows
    assert not out.isna().any().any()
    for name, b in bounds.items():
        assert out[name].dtype == _expected_dtype(df[name], b), name
        if isinstance(b, tuple):
            v = out[name].to_numpy(dtype=float)
            assert ((v >= b[0]) & (v <= b[1])).all(), (name, b, v)
        else:
            assert set(out[name].astype(object)) <= set(b), name
    assert set(rel.report) >= {"epsilon", "rows_noisy_count", "privacy_randomness"}
    assert rel.epsilon <= 1.0


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(frames(), st.data())
def test_values_outside_the_bounds_are_refused_without_quoting_them(case, data):
    df, bounds = case
    if len(df) == 0:
        return
    name = data.draw(st.sampled_from(list(df.columns)))
    row = data.draw(st.integers(0, len(df) - 1))
    b = bounds[name]
    df = df.copy()
    if isinstance(b, tuple):
        secret = 123457.25 if not pd.api.types.is_integer_dtype(df[name].dtype) else 123457
        if df[name].dtype in (np.float16, np.int8, np.uint8, np.uint16, np.int16) or \
                str(df[name].dtype) in ("UInt8", "Int16"):
            df[name] = df[name].astype("float64" if "f" in str(df[name].dtype).lower() else "int64")
        df.loc[row, name] = b[1] + secret
        shown = [str(df.loc[row, name]), f"{df.loc[row, name]:g}"]
    else:
        if isinstance(df[name].dtype, pd.CategoricalDtype):
            df[name] = df[name].cat.add_categories(["Secret-Xq"])
        elif not pd.api.types.is_object_dtype(df[name].dtype) and \
                not pd.api.types.is_string_dtype(df[name].dtype):
            df[name] = df[name].astype(object)
        df.loc[row, name] = "Secret-Xq"
        shown = ["Secret-Xq"]
    before = df.copy(deep=True)
    with pytest.raises(ValueError) as err:
        synthesize(df, epsilon=1.0, bounds=bounds, n_rows=3, **TINY)
    msg = str(err.value)
    assert repr(name) in msg and "some value(s)" in msg and "1 value" not in msg  # no count
    for text in shown:
        assert text not in msg, (text, msg)
    pd.testing.assert_frame_equal(df, before)
