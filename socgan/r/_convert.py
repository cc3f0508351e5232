"""pandas DataFrame ↔ R data.frame through rpy2, column by column.

rpy2's pandas2ri converter is not used: it does not know pandas 3, turns R's integer ``NA``
into −2147483648, and its conversion rules are per context and do not follow into new threads.
Here each column goes through :mod:`socgan.r._columns` (one set of type rules for both R
bridges) and is built with rpy2's low-level vectors, missing values written as R's own ``NA``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._params import Frame, Unchecked, validate_params
from ._columns import RColumn, column_from_r, column_to_r, row_names_from_r, row_names_to_r
from ._session import r_session

# R's NA_real_ is a NaN whose low word is 1954; a plain NaN would arrive as NaN, not NA.
_NA_REAL = np.array([0x7FF00000000007A2], dtype=np.uint64).view(np.float64)[0]
_NA_INT = np.int32(-(2**31))


@validate_params({"data": Frame(min_rows=0, min_columns=0)})
def to_r(data: pd.DataFrame):
    """An R data.frame (an rpy2 object) holding ``data``.

    Categoricals become factors (levels and order kept, ordered factors stay ordered),
    integers R integers, bool/boolean logical, strings character, dates at midnight ``Date``;
    every kind of missing value becomes ``NA``. A 0..n-1 or 1..n index becomes R's automatic
    row names, any other unique index the row names. The rules are in :mod:`socgan.r._columns`.
    """
    ro, ri = r_session()
    names = [str(c) for c in data.columns]
    if len(set(names)) != len(names):  # e.g. 1 and "1": one name in R
        raise ValueError(f"Column names must be distinct for R, got {names}.")
    vectors = [_to_vector(ri, column_to_r(name, data.iloc[:, j])) for j, name in enumerate(names)]
    row_names = row_names_to_r(data.index)
    return _r_code(ro).rx2("data_frame")(
        ri.ListSexpVector(vectors), ri.StrSexpVector(names), len(data),
        ri.NULL if row_names is None else _to_vector(ri, row_names))


@validate_params({"frame": Unchecked("an R data.frame (an rpy2 object; its class is checked "
                                     "in R)")})
def from_r(frame) -> pd.DataFrame:
    """A pandas DataFrame from an R data.frame (an rpy2 object).

    double → float64, integer → Int64, logical → boolean, factor → Categorical (same levels,
    order and orderedness), character → the default string dtype, Date → datetime64[s];
    ``NA`` → missing. Automatic row names give a ``RangeIndex`` from 0, other row names the
    index. Other column classes (POSIXct, difftime, list columns, ...) raise ``TypeError``.
    """
    ro, ri = r_session()
    if not bool(ro.r["is.data.frame"](frame)[0]):
        raise TypeError(f"Expected an R data.frame, got an R object of class "
                        f"{list(ro.r['class'](frame))}.")
    names = [str(n) for n in ro.r["names"](frame)]
    columns = [_from_vector(ri, name, frame[j]) for j, name in enumerate(names)]
    n = int(ro.r["nrow"](frame)[0])
    raw_names = ro.r[".row_names_info"](frame, 0)
    if raw_names.typeof == ri.RTYPES.INTSXP and len(raw_names) == 2 and \
            raw_names[0] == ri.NA_Integer:
        index = row_names_from_r(None, n)
    else:
        index = row_names_from_r(_from_vector(ri, "(row names)", raw_names), n)
    data = {c.name: column_from_r(c) for c in columns}
    if len(data) != len(columns):
        raise ValueError(f"Column names must be distinct, got {names}.")
    return pd.DataFrame(data, index=index, columns=[c.name for c in columns])


# Classes are set in R (setting the attribute from rpy2 leaves R's object bit unset, and R
# then ignores the class), and so are the automatic row names, whose compact form only R writes.
_R_CODE = r"""
list(
  factor = function(codes, levels, ordered)
    structure(codes, levels = levels, class = if (ordered) c("ordered", "factor") else "factor"),
  date = function(days) structure(days, class = "Date"),
  data_frame = function(columns, names, n, row_names) structure(columns, names = names,
    row.names = if (is.null(row_names)) .set_row_names(as.integer(n)) else row_names,
    class = "data.frame")
)
"""
_R_FUNCTIONS = None


def _r_code(ro):
    global _R_FUNCTIONS
    if _R_FUNCTIONS is None:
        _R_FUNCTIONS = ro.r(_R_CODE)
    return _R_FUNCTIONS


def _to_vector(ri, col: RColumn):
    missing = np.asarray(col.missing, dtype=bool)
    if col.kind in ("double", "date"):
        values = np.where(missing, _NA_REAL, np.asarray(col.values, dtype=np.float64))
        vec = ri.FloatSexpVector.from_memoryview(memoryview(np.ascontiguousarray(values)))
        if col.kind == "date":
            return _r_code(_robjects()).rx2("date")(vec)
        return vec
    if col.kind == "character":
        levels = list(col.levels)
        return ri.StrSexpVector([ri.NA_Character if miss else levels[code - 1]
                                 for code, miss in zip(col.values.tolist(), missing.tolist())])
    values = np.ascontiguousarray(np.where(missing, _NA_INT, col.values).astype(np.int32))
    if col.kind == "logical":
        return ri.BoolSexpVector.from_memoryview(memoryview(values))
    vec = ri.IntSexpVector.from_memoryview(memoryview(values))
    if col.kind == "factor":
        return _r_code(_robjects()).rx2("factor")(
            vec, ri.StrSexpVector(list(col.levels)), ri.BoolSexpVector([col.ordered]))
    return vec


def _robjects():
    return r_session()[0]


def _from_vector(ri, name: str, vec) -> RColumn:
    classes = _classes(ri, vec)
    typeof = vec.typeof
    if "factor" in classes and typeof == ri.RTYPES.INTSXP:
        codes = np.asarray(vec.memoryview(), dtype=np.int32)
        missing = codes == _NA_INT
        levels = tuple(str(v) for v in vec.do_slot("levels"))
        return RColumn(name, "factor", np.where(missing, 0, codes), missing, levels,
                       "ordered" in classes)
    if "Date" in classes and typeof in (ri.RTYPES.REALSXP, ri.RTYPES.INTSXP):
        days = np.asarray(vec.memoryview(), dtype=np.float64)
        missing = np.isnan(days) if typeof == ri.RTYPES.REALSXP else \
            np.asarray(vec.memoryview()) == _NA_INT
        return RColumn(name, "date", np.where(missing, 0.0, days), missing)
    if classes:
        raise TypeError(f"Column {name!r} has R class {classes}, which socgan does not convert; "
                        "convert it in R to numeric, integer, logical, character, factor or "
                        "Date first.")
    if typeof == ri.RTYPES.REALSXP:
        values = np.asarray(vec.memoryview(), dtype=np.float64)
        missing = np.isnan(values)  # NA and NaN alike
        return RColumn(name, "double", np.where(missing, 0.0, values), missing)
    if typeof in (ri.RTYPES.INTSXP, ri.RTYPES.LGLSXP):
        values = np.asarray(vec.memoryview(), dtype=np.int32)
        missing = values == _NA_INT
        kind = "integer" if typeof == ri.RTYPES.INTSXP else "logical"
        return RColumn(name, kind, np.where(missing, 0, values).astype(np.int32), missing)
    if typeof == ri.RTYPES.STRSXP:
        strings = list(vec)
        missing = np.array([s is ri.NA_Character for s in strings], dtype=bool)
        codes, uniques = pd.factorize(
            pd.Series([None if m else str(s) for s, m in zip(strings, missing)], dtype=object),
            use_na_sentinel=True)
        return RColumn(name, "character", codes.astype(np.int32) + 1, missing,
                       tuple(str(u) for u in uniques))
    raise TypeError(f"Column {name!r} is an R vector of type {typeof!r} (e.g. a list, complex or "
                    "raw column), which socgan does not convert.")


def _classes(ri, vec) -> list[str]:
    # the class attribute only: implicit classes ("numeric", "integer") are not set on a vector
    try:
        cls = vec.do_slot("class")
    except LookupError:
        return []
    return [str(c) for c in cls]
