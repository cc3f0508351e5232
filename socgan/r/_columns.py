"""One column in R's terms: the type rules both R bridges share.

A pandas column becomes an :class:`RColumn` (the R type it will have, its values as a plain
numpy array, a boolean missing mask, and the levels of a factor or character column); an
``RColumn`` becomes a pandas column again. The rpy2 bridge (``_convert``) and the reticulate
wire format (``_wire``) only move ``RColumn`` objects across, so the two bridges cannot
disagree about types.

=====================================  =============  ========================================
pandas                                 R              back in pandas
=====================================  =============  ========================================
float32/float64, Float64               double         float64 (NaN for missing)
int*/uint*/Int* within ±(2^31 − 1)     integer        Int64 (nullable)
int*/uint*/Int* outside that range     double         float64 (a warning says so)
bool, boolean                          logical        boolean (nullable)
Categorical (ordered or not)           factor         Categorical, same levels, order, ordered
str / object holding strings           character      the default string dtype
datetime64 at midnight, no time zone   Date           datetime64[s]
=====================================  =============  ========================================

Missing values (NaN, None, ``pd.NA``, ``NaT``) travel as the mask, never as sentinel values,
so R's integer ``NA`` (stored as −2147483648) cannot leak into pandas. Factor levels are the
``str()`` of the categories, because R's levels are character strings.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

RKind = Literal["double", "integer", "logical", "factor", "character", "date"]
KINDS: tuple[str, ...] = ("double", "integer", "logical", "factor", "character", "date")

_INT_MAX = 2**31 - 1  # R's integers are int32; -2^31 is its NA
_STR_DTYPE = pd.Series(["a"]).dtype  # pandas 3: "str"; pandas 2: object

_SUPPORTED = ("float, integer, boolean, categorical, string and date (datetime64 at midnight, "
              "no time zone)")


@dataclass(frozen=True)
class RColumn:
    """A column as R will hold it.

    ``values`` is float64 for ``double`` and ``date`` (days since 1970-01-01), int32 for
    ``integer`` and ``logical`` (0/1), and int32 1-based codes into ``levels`` for ``factor``
    and ``character``; entries under ``missing`` hold 0 as filler.
    """

    name: str
    kind: RKind
    values: np.ndarray
    missing: np.ndarray
    levels: tuple[str, ...] = ()
    ordered: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown R column kind {self.kind!r}; expected one of {KINDS}.")
        if len(self.values) != len(self.missing):
            raise ValueError(f"Column {self.name!r}: {len(self.values)} values but "
                             f"{len(self.missing)} missing flags.")


# -- pandas -> R --------------------------------------------------------------------------------

def column_to_r(name, series: pd.Series) -> RColumn:
    """Describe a pandas column as the R vector it becomes (see the module docstring)."""
    name = str(name)
    dtype = series.dtype
    missing = series.isna().to_numpy(dtype=bool)

    if isinstance(dtype, pd.CategoricalDtype):
        levels = tuple(str(c) for c in dtype.categories)
        if len(set(levels)) != len(levels):
            raise ValueError(f"Column {name!r}: categories {list(dtype.categories)} are not "
                             "distinct once written as text, as R's factor levels must be.")
        codes = series.cat.codes.to_numpy().astype(np.int32) + 1  # -1 (missing) becomes 0
        return RColumn(name, "factor", codes, missing, levels, bool(dtype.ordered))
    if pd.api.types.is_bool_dtype(dtype):
        return _logical(name, series, missing)
    if pd.api.types.is_integer_dtype(dtype):
        return _integer(name, series, missing)
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return RColumn(name, "double", np.where(missing, 0.0, values), missing)
    if pd.api.types.is_datetime64_dtype(dtype):
        return _date(name, series, missing)
    if isinstance(dtype, pd.DatetimeTZDtype):
        raise TypeError(f"Column {name!r} holds times with a time zone ({dtype}); R's Date "
                        "holds days only. Convert it to dates (.dt.normalize().dt.tz_localize"
                        "(None)) or to text first.")
    if pd.api.types.is_string_dtype(dtype) or dtype == object:
        return _objects(name, series, missing)
    raise TypeError(f"Column {name!r} has dtype {dtype}, which has no R counterpart here; "
                    f"socgan's R bridges convert {_SUPPORTED} columns.")


def _logical(name: str, series: pd.Series, missing: np.ndarray) -> RColumn:
    values = series.to_numpy(dtype=object, na_value=False).astype(bool).astype(np.int32)
    values[missing] = 0
    return RColumn(name, "logical", values, missing)


def _integer(name: str, series: pd.Series, missing: np.ndarray) -> RColumn:
    observed = series[~missing]
    if len(observed) and (int(observed.min()) < -_INT_MAX or int(observed.max()) > _INT_MAX):
        warnings.warn(f"Column {name!r} has integers beyond R's integer range (±{_INT_MAX}); "
                      "it is sent to R as double.", stacklevel=3)
        values = series.to_numpy(dtype=np.float64, na_value=0.0)
        return RColumn(name, "double", np.where(missing, 0.0, values), missing)
    values = series.to_numpy(dtype=np.int64, na_value=0).astype(np.int32)
    values[missing] = 0
    return RColumn(name, "integer", values, missing)


def _date(name: str, series: pd.Series, missing: np.ndarray) -> RColumn:
    stamps = series.to_numpy(dtype="datetime64[ns]")
    days = stamps.astype("datetime64[D]")
    if np.any((stamps != days.astype("datetime64[ns]")) & ~missing):
        raise TypeError(f"Column {name!r} holds times of day; R's Date holds days only. "
                        "Convert it with .dt.normalize() or to text first.")
    values = np.where(missing, 0.0, days.astype(np.int64).astype(np.float64))
    return RColumn(name, "date", values, missing)


def _objects(name: str, series: pd.Series, missing: np.ndarray) -> RColumn:
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in ("string", "empty"):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        levels = tuple(str(u) for u in uniques)
        return RColumn(name, "character", codes.astype(np.int32) + 1, missing, levels)
    if inferred == "boolean":
        return _logical(name, series.astype("boolean"), missing)
    if inferred == "integer":
        return _integer(name, series.astype("Int64"), missing)
    if inferred in ("floating", "mixed-integer-float", "decimal"):
        return column_to_r(name, series.astype("float64"))
    if inferred in ("date", "datetime", "datetime64"):
        return _date(name, pd.to_datetime(series), missing)
    raise TypeError(f"Column {name!r} is an object column holding {inferred} values, which "
                    f"have no R counterpart here; socgan's R bridges convert {_SUPPORTED} "
                    "columns.")


# -- R -> pandas --------------------------------------------------------------------------------

def column_from_r(col: RColumn):
    """The pandas array for an :class:`RColumn` (see the module docstring for the dtypes)."""
    missing = np.asarray(col.missing, dtype=bool)
    if col.kind == "double":
        return np.where(missing, np.nan, np.asarray(col.values, dtype=np.float64))
    if col.kind == "integer":
        return pd.arrays.IntegerArray(np.asarray(col.values, dtype=np.int64), missing.copy())
    if col.kind == "logical":
        return pd.arrays.BooleanArray(np.asarray(col.values) != 0, missing.copy())
    if col.kind == "factor":
        codes = np.where(missing, -1, np.asarray(col.values, dtype=np.int64) - 1)
        return pd.Categorical.from_codes(codes, categories=list(col.levels), ordered=col.ordered)
    if col.kind == "character":
        levels = np.asarray(list(col.levels) + [None], dtype=object)
        codes = np.where(missing, len(col.levels), np.asarray(col.values, dtype=np.int64) - 1)
        return pd.array(levels[codes], dtype=_STR_DTYPE)
    # date: whole days since 1970-01-01 (R allows fractional days; they are floored)
    days = np.floor(np.where(missing, 0.0, np.asarray(col.values, dtype=np.float64)))
    stamps = days.astype(np.int64).astype("datetime64[D]").astype("datetime64[s]")
    stamps[missing] = np.datetime64("NaT")
    return stamps


# -- row names --------------------------------------------------------------------------------

def row_names_to_r(index: pd.Index) -> RColumn | None:
    """R row names for a pandas index: ``None`` for R's automatic ones (1..n).

    A default ``RangeIndex`` (0..n-1) and the index 1..n both map to automatic row names; other
    unique integer indexes become integer row names, unique text indexes character ones.
    """
    n = len(index)
    if isinstance(index, pd.MultiIndex):
        raise ValueError("A MultiIndex cannot become R row names; call .reset_index() first.")
    if pd.api.types.is_integer_dtype(index.dtype):
        values = np.asarray(index, dtype=np.int64)
        if np.array_equal(values, np.arange(n)) or np.array_equal(values, np.arange(1, n + 1)):
            return None
    if not index.is_unique:
        raise ValueError("R row names must be unique, but the index has duplicates; "
                         "call .reset_index() first.")
    if index.hasnans:
        raise ValueError("R row names cannot be missing, but the index has missing values; "
                         "call .reset_index() first.")
    col = column_to_r("(row names)", pd.Series(index, dtype=index.dtype))
    if col.kind not in ("integer", "character"):
        raise ValueError(f"R row names are integers or text; the index has dtype {index.dtype}. "
                         "Call .reset_index() first.")
    return col


def row_names_from_r(col: RColumn | None, n: int, *, automatic_start: int = 0) -> pd.Index:
    """The pandas index for R row names; automatic ones give ``RangeIndex(start, start + n)``."""
    if col is None:
        return pd.RangeIndex(automatic_start, automatic_start + n)
    values = column_from_r(col)
    if col.kind == "integer":
        return pd.Index(np.asarray(values, dtype=np.int64))
    return pd.Index(values)
