"""The wire format between socgan and its R package (r-bridge/), which talks through reticulate.

reticulate cannot be trusted with DataFrames or arrays here: Debian's reticulate 1.28 returns a
pandas 3 DataFrame to R unconverted (pandas 3 names its class ``pandas.DataFrame``), and its
NumPy bridge refuses NumPy 2 ("installation of Numpy >= 1.6 not found"). So a frame crosses as
plain Python objects that every reticulate converts exactly:

* ``dict`` / ``list`` / ``str`` / ``int`` / ``bool`` / ``None`` ↔ R named list / list /
  character / integer / logical / ``NULL``;
* ``bytearray`` ↔ R raw vector: column values travel as native-endian bytes (float64 for
  double and Date, int32 for integer, logical and codes), written and read in R with
  ``writeBin()`` / ``readBin()``: exact, fast, and blind to NumPy versions;
* text travels only as the levels of factor and character columns, never with ``NA`` inside
  (R would send the string ``"NA"``); a separate byte mask (1 = missing) marks missing values.

A frame is ``{"n": rows, "columns": [column, ...], "row_names": column or None}`` and a column
``{"name", "kind", "values", "missing", "levels", "ordered"}`` with ``kind`` one of
``_columns.KINDS``. Because reticulate turns a length-1 R vector into a scalar, ``levels`` may
arrive as one ``str``; :func:`decode_frame` accepts that. The R side lives in
``r-bridge/R/wire.R``; the type rules in ``_columns``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._params import Frame, Instance, Rule, validate_params
from ._columns import RColumn, column_from_r, column_to_r, row_names_from_r, row_names_to_r

_VALUE_DTYPES = {"double": "=f8", "date": "=f8", "integer": "=i4", "logical": "=i4",
                 "factor": "=i4", "character": "=i4"}


# any number of rows and columns (an empty loss history crosses too); distinct names
_FRAME = Frame(min_rows=0, min_columns=0)


def _frames(value, name: str) -> list:
    if isinstance(value, pd.DataFrame) or not isinstance(value, (list, tuple)):
        raise TypeError(f"`{name}` must be a list of pandas DataFrames, got "
                        f"{type(value).__name__}.")
    return [_FRAME(f, f"{name}[{k}]") for k, f in enumerate(value)]


@validate_params({"data": _FRAME})
def encode_frame(data: pd.DataFrame) -> dict:
    """A DataFrame as the wire format's plain Python objects (for R's ``decode_frame()``).

    An index that is 0..n-1 or 1..n becomes R's automatic row names, any other unique index
    the data.frame's row names.
    """
    names = [str(c) for c in data.columns]
    if len(set(names)) != len(names):  # e.g. 1 and "1": one name in R
        raise ValueError(f"Column names must be distinct for R, got {names}.")
    columns = [_encode_column(column_to_r(name, data.iloc[:, j])) for j, name in enumerate(names)]
    row_names = row_names_to_r(data.index)
    return {"n": int(len(data)), "columns": columns,
            "row_names": None if row_names is None else _encode_column(row_names)}


@validate_params({"payload": Instance(Mapping, what="the dict R's encode_frame() sends")})
def decode_frame(payload: dict) -> pd.DataFrame:
    """The DataFrame that R's ``encode_frame()`` sent.

    R's automatic row names become the index 1..n (so that ``.id`` in the long format is what
    ``mice::complete(imp, "long")`` calls it); other row names become the index.
    """
    n = int(payload["n"])
    columns = [_decode_column(c, n) for c in _as_list(payload["columns"])]
    row_names = payload.get("row_names")
    index = row_names_from_r(None if row_names is None else _decode_column(row_names, n), n,
                             automatic_start=1)
    data = {c.name: column_from_r(c) for c in columns}
    if len(data) != len(columns):
        raise ValueError("Column names must be distinct.")
    return pd.DataFrame(data, index=index, columns=[c.name for c in columns])


@validate_params({"frames": Rule(_frames, "a list of pandas DataFrames")})
def encode_frames(frames) -> list[dict]:
    """:func:`encode_frame` for each DataFrame of a list (e.g. ``Imputations.datasets``)."""
    return [encode_frame(f) for f in frames]


def _encode_column(col: RColumn) -> dict:
    dtype = _VALUE_DTYPES[col.kind]
    return {"name": col.name, "kind": col.kind,
            "values": bytearray(np.ascontiguousarray(col.values, dtype=dtype).tobytes()),
            "missing": bytearray(np.asarray(col.missing, dtype=np.uint8).tobytes()),
            "levels": list(col.levels), "ordered": bool(col.ordered)}


def _decode_column(c: dict, n: int) -> RColumn:
    kind = str(c["kind"])
    if kind not in _VALUE_DTYPES:
        raise ValueError(f"Column {c.get('name')!r}: unknown kind {kind!r}.")
    values = np.frombuffer(bytes(c["values"]), dtype=_VALUE_DTYPES[kind])
    missing = np.frombuffer(bytes(c["missing"]), dtype=np.uint8).astype(bool)
    if len(values) != n or len(missing) != n:
        raise ValueError(f"Column {c.get('name')!r}: expected {n} values, got {len(values)} "
                         f"values and {len(missing)} missing flags.")
    return RColumn(str(c["name"]), kind, values.copy(), missing,
                   tuple(str(v) for v in _as_list(c.get("levels"))), bool(c.get("ordered")))


def _as_list(value) -> list:
    # reticulate sends a length-1 R vector as a scalar and NULL as None
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        return [value]
    return list(value)
