"""Public metadata (column bounds and levels) and the encoding it defines.

A differentially private release may depend on the data only through accounted mechanisms, so
nothing in the encoding is read from the data: numeric columns are scaled to [0, 1] with the
user's ``(low, high)``, discrete columns are one-hot over the user's levels (all of them, observed
or not). The data are only *checked* against this metadata, and refused with the column named and
a count of offending values (never a value) if they do not fit — a check of the data universe on
which the guarantee is stated, as for missing values — or, on request, clipped to the bounds.
A column with one observed value is no special case: it is released as its bounds say.

Column kinds follow the dtype: numbers (float or integer) with a ``(low, high)`` bound are
numeric; booleans, categoricals (ordered or not), strings, and numbers given a *list* of levels
are discrete.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api import types as pdt


@dataclass
class Column:
    """How one column is encoded: ``kind`` is ``"numeric"`` or ``"discrete"``."""

    name: object
    kind: str
    dtype: object
    start: int
    width: int
    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    levels: list = field(default_factory=list)

    @property
    def stop(self) -> int:
        return self.start + self.width


def _show(values, k: int = 5) -> str:
    values = list(values)
    return ", ".join(repr(v) for v in values[:k]) + (", ..." if len(values) > k else "")


# check_frame's reason for refusing missing values (socgan._params.check_frame checks the data)
COMPLETE_DATA = ("synthesize() needs complete data. Impute first (socgan.impute) or drop the "
                 "incomplete rows.")


def _discrete_by_dtype(s: pd.Series) -> bool:
    d = s.dtype
    return (isinstance(d, pd.CategoricalDtype) or pdt.is_bool_dtype(d) or pdt.is_object_dtype(d)
            or pdt.is_string_dtype(d))


def bounds_from_data(data: pd.DataFrame) -> dict:
    """Bounds and levels read from the data — for the *non-private* methods only."""
    out = {}
    for name in data.columns:
        s = data[name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[name] = list(s.dtype.categories)
        elif pdt.is_bool_dtype(s.dtype):
            out[name] = [False, True]
        elif _discrete_by_dtype(s):
            out[name] = sorted(set(s), key=repr)
        else:
            v = s.to_numpy(dtype=float)
            out[name] = (float(v.min()), float(v.max()))
    return out


OUT_OF_BOUNDS = ("raise", "clip")


def _numeric_limits(dtype, low: float, high: float, name) -> tuple[float, float]:
    """The bounds met by values of ``dtype``: integers inside them, the integer type's range."""
    np_dtype = getattr(dtype, "numpy_dtype", dtype)
    if pdt.is_integer_dtype(dtype):
        info = np.iinfo(np_dtype)
        top = float(info.max) if info.bits < 53 else np.nextafter(float(info.max), 0.0)
        lo, hi = max(np.ceil(low), float(info.min)), min(np.floor(high), top)
        if lo > hi:
            raise ValueError(f"`bounds[{name!r}]` = {(low, high)!r} holds no value of column "
                             f"{name!r}'s type {dtype}.")
        return lo, hi
    return low, high


def build_schema(data: pd.DataFrame, bounds, *, out_of_bounds: str = "raise") -> list[Column]:
    """Columns' encoding from the user's ``bounds``, checking that the data fit them.

    The encoding and the release's schema depend on ``bounds`` and the columns' dtypes only
    (a categorical is released with the levels of ``bounds``, whatever categories its dtype
    lists). Data outside the bounds are refused, naming the column, never a value or a count;
    with ``out_of_bounds="clip"`` numeric values are clipped to the bounds instead.
    """
    if not isinstance(bounds, dict):
        raise TypeError(f"`bounds` must be a dict (column -> (low, high) or list of levels), "
                        f"got {type(bounds).__name__}.")
    if out_of_bounds not in OUT_OF_BOUNDS:
        raise ValueError(f"`out_of_bounds` must be 'raise' or 'clip', got {out_of_bounds!r}.")
    extra = [k for k in bounds if k not in data.columns]
    if extra:
        raise ValueError(f"`bounds` names column(s) not in `data`: {_show(extra)}.")
    missing = [c for c in data.columns if c not in bounds]
    if missing:
        raise ValueError(
            f"`bounds` gives nothing for column(s) {_show(missing)}. A private release needs every "
            "column's range (numeric: (low, high)) or levels (discrete: a list) as public metadata, "
            "known without looking at the data, e.g. from the questionnaire."
        )
    cols: list[Column] = []
    start = 0
    for name in data.columns:
        s, b = data[name], bounds[name]
        if pdt.is_complex_dtype(s.dtype) or not (pdt.is_numeric_dtype(s.dtype) or _discrete_by_dtype(s)):
            raise TypeError(f"Column {name!r} has dtype {s.dtype}, which synthesize() cannot take; "
                            "supported are numbers, booleans, categoricals and strings.")
        if isinstance(b, tuple) and len(b) == 2:
            if _discrete_by_dtype(s):
                raise TypeError(f"`bounds[{name!r}]` is a (low, high) range, but column {name!r} is "
                                f"discrete ({s.dtype}); give its levels as a list.")
            if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) and np.isfinite(x)
                       for x in b) or not b[0] <= b[1]:
                raise ValueError(f"`bounds[{name!r}]` must be (low, high) with finite low <= high, "
                                 f"got {b!r}.")
            low, high = _numeric_limits(s.dtype, float(b[0]), float(b[1]), name)
            v = s.to_numpy(dtype=float, na_value=np.nan)
            # whether any value lies outside, never how many (a count of the private data that
            # no accountant paid for would reach the caller; an R user's trial saw "67 values")
            outside = bool((~((v >= low) & (v <= high))).any())  # infinities included
            if outside and out_of_bounds == "raise":
                raise ValueError(f"`bounds[{name!r}]` = {b!r} does not cover the data: some "
                                 f"value(s) of column {name!r} lie outside. Widen the bounds, or "
                                 "pass out_of_bounds='clip' to clip them to the bounds.")
            cols.append(Column(name, "numeric", s.dtype, start, 1, low, high,
                               integer=pdt.is_integer_dtype(s.dtype)))
            start += 1
        elif isinstance(b, (list, pd.Index, np.ndarray)):
            levels = list(b)
            if len(levels) < 1 or len(pd.Index(levels, dtype=object).unique()) != len(levels):
                raise ValueError(f"`bounds[{name!r}]` must list distinct levels (at least one), "
                                 f"got {_show(levels)}.")
            codes = pd.Index(levels, dtype=object).get_indexer(s.astype(object))
            if (codes < 0).any():  # whether, never how many (as above)
                hint = (" For a numeric range give a tuple (low, high), not a list."
                        if pdt.is_numeric_dtype(s.dtype) and len(levels) == 2 else "")
                raise ValueError(f"`bounds[{name!r}]` does not cover the data: some value(s) "
                                 f"of column {name!r} are not among the levels given.{hint}")
            dtype = s.dtype
            if isinstance(dtype, pd.CategoricalDtype):  # the public levels, not the dtype's
                try:  # ... stored as the input's categories are (object stays object)
                    cats = pd.Index(levels, dtype=dtype.categories.dtype)
                except (TypeError, ValueError):
                    cats = pd.Index(levels)
                dtype = pd.CategoricalDtype(cats, ordered=dtype.ordered)
            cols.append(Column(name, "discrete", dtype, start, len(levels), levels=levels))
            start += len(levels)
        else:
            raise TypeError(f"`bounds[{name!r}]` must be a (low, high) tuple for a numeric column "
                            f"or a list of levels for a discrete one, got {b!r}.")
    return cols


def n_features(cols: list[Column]) -> int:
    return cols[-1].stop


def _unit(v: np.ndarray, c: Column) -> np.ndarray:
    """Numeric values to [0, 1] by the public bounds (clipped; a degenerate range maps to 0)."""
    width = c.high - c.low
    return np.clip((v - c.low) / width, 0.0, 1.0) if width > 0 else np.zeros_like(v)


def encode(data: pd.DataFrame, cols: list[Column]) -> np.ndarray:
    """Rows to features: numeric scaled to [0, 1] by the bounds; discrete one-hot over the levels."""
    x = np.zeros((len(data), n_features(cols)), dtype=np.float32)
    for c in cols:
        s = data[c.name]
        if c.kind == "numeric":
            x[:, c.start] = _unit(s.to_numpy(dtype=float), c)
        else:
            codes = pd.Index(c.levels, dtype=object).get_indexer(s.astype(object))
            x[np.arange(len(data)), c.start + codes] = 1.0
    return x


def _numeric_values(u: np.ndarray, c: Column) -> np.ndarray:
    """Features in [0, 1] back to values inside the bounds, representable in the column's dtype."""
    v = c.low + np.clip(u, 0.0, 1.0) * (c.high - c.low)
    if c.integer:
        return np.clip(np.round(v), c.low, c.high)
    return within_bounds(v, c)


def within_bounds(v: np.ndarray, c: Column) -> np.ndarray:
    """Values clipped to the column's bounds, so that they stay inside them also once stored
    in the column's dtype (a float32 bound of 0.1 is 0.10000000149: the nearest float32
    inside the bounds is taken instead)."""
    np_dtype = np.dtype(getattr(c.dtype, "numpy_dtype", c.dtype))
    if np_dtype.kind != "f" or np_dtype.itemsize >= 8:
        return np.clip(v, c.low, c.high)
    # float16/32 round to their own grid: keep the rounded values inside the bounds
    w = np.clip(v, c.low, c.high).astype(np_dtype)
    lo, hi = np_dtype.type(c.low), np_dtype.type(c.high)
    # compared in float64: NumPy 2 would compare float32(0.1) with 0.1 as float32, and agree
    lo = lo if float(lo) >= float(c.low) else np.nextafter(lo, np_dtype.type(np.inf))
    hi = hi if float(hi) <= float(c.high) else np.nextafter(hi, np_dtype.type(-np.inf))
    return np.clip(w, lo, hi)


def decode(x: np.ndarray, cols: list[Column], like: pd.DataFrame) -> pd.DataFrame:
    """Features (numeric in [0, 1], discrete one-hot) back to a DataFrame of the schema's dtypes."""
    out = {}
    for c in cols:
        if c.kind == "numeric":
            out[c.name] = pd.Series(_numeric_values(x[:, c.start], c)).astype(c.dtype)
        else:
            idx = x[:, c.start:c.stop].argmax(axis=1)
            vals = np.empty(len(idx), dtype=object)
            vals[:] = [c.levels[i] for i in idx]
            if isinstance(c.dtype, pd.CategoricalDtype):
                out[c.name] = pd.Series(pd.Categorical(vals, dtype=c.dtype))
            else:
                out[c.name] = pd.Series(vals).astype(c.dtype)
    return pd.DataFrame(out, columns=like.columns)


def cell_codes(x: np.ndarray, cols: list[Column], bins: int) -> tuple[np.ndarray, list[int]]:
    """Each encoded row's cell in each column: a level's index, or one of ``bins`` equal-width
    intervals of the column's *public* bounds (integers rounded first, as ``decode`` does).

    The cells depend on the public metadata only, never on the data, so queries built on them
    (PGB's marginal workload) are data-independent. Returns an ``(n, columns)`` integer array and
    the number of cells of each column.
    """
    codes = np.empty((len(x), len(cols)), dtype=np.int64)
    sizes = []
    for k, c in enumerate(cols):
        if c.kind == "numeric":
            u = _unit(_numeric_values(x[:, c.start], c).astype(float), c)
            codes[:, k] = np.clip(np.floor(u * bins), 0, bins - 1)
            sizes.append(bins)
        else:
            codes[:, k] = x[:, c.start:c.stop].argmax(axis=1)
            sizes.append(c.width)
    return codes, sizes
