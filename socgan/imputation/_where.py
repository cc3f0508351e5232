"""``where``: which missing cells to impute (mice's ``where``), for skip patterns.

A survey asks hours worked only of people with a job: for the others the cell is missing because
the question does not apply, not because of nonresponse, and imputing it invents hours for people
who do not work. ``impute(where=...)`` names the cells to impute; the other missing cells stay
missing in every completed dataset, are never drawn, and stay hidden from the columns drawn after
them in the same row (so nothing is conditioned on an invented value). The models are trained on the
observed cells as always.

``where`` is, as in mice, a boolean DataFrame (or array) of the data's shape, True where a cell is to
be imputed (only missing cells may be True: observed values are never changed); or a dict by column,
whose value is a condition (a formula string, as ``derived``'s, such as ``"employed == 1"``) or a
boolean array: the column's missing cells are imputed where it holds. A condition that cannot be
evaluated in a row (``employed`` missing there) imputes the cell: applicability unknown is treated as
applicable. Columns the dict does not name are imputed wherever they are missing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._derived import _check_formula, expression


def check_where(value, name: str):
    """``where`` as given, checked for its kind (a DataFrame, an array or a dict); the cells are
    checked against the data by :func:`cells`."""
    if isinstance(value, (pd.DataFrame, np.ndarray, Mapping)):
        if isinstance(value, Mapping):
            for col, rule in value.items():
                if isinstance(rule, str):
                    _check_formula(expression(rule), f"`{name}[{col!r}]`")
        return value
    raise TypeError(f"`{name}` must be a boolean DataFrame or array of the data's shape (True: "
                    "impute that cell), or a dict {column: condition} such as "
                    "{'hours': 'employed == 1'}; got " + type(value).__name__ + ".")


def _as_bool(values, where: str, n: int) -> np.ndarray:
    arr = np.asarray(values.to_numpy() if isinstance(values, (pd.Series, pd.DataFrame))
                     else values)
    if arr.shape[0] != n:
        raise ValueError(f"{where} has {arr.shape[0]} rows; the data have {n}.")
    if arr.dtype == object or pd.api.types.is_bool_dtype(arr.dtype):
        flat = pd.Series(arr.reshape(-1))
        if flat.isna().any() or not flat.map(lambda v: isinstance(v, (bool, np.bool_))).all():
            raise TypeError(f"{where} must hold True or False only.")
        return flat.to_numpy(dtype=bool).reshape(arr.shape)
    raise TypeError(f"{where} must hold True or False, not {arr.dtype} values.")


def _condition(data: pd.DataFrame, rule: str, label: str) -> np.ndarray:
    """Where the condition holds, per row; True where it cannot be evaluated (a column it
    reads is missing in the row: applicability unknown is treated as applicable)."""
    from ._derived import _names

    text = expression(rule)
    try:
        result = data.eval(text, engine="python")
    except Exception as e:
        raise ValueError(f"{label}: the condition {rule!r} could not be evaluated on `data`: "
                         f"{e}") from None
    result = pd.Series(np.broadcast_to(np.asarray(result, dtype=object), len(data)),
                       index=data.index)
    read = [c for c in data.columns if c in _names(text)]
    unknown = result.isna().to_numpy().copy()
    if read:  # pandas says False for NaN == 1: the row's condition is unknown, not false
        unknown |= data[read].isna().any(axis=1).to_numpy()
    known = result[~unknown]
    if not known.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        raise TypeError(f"{label}: the condition {rule!r} must give True or False (a comparison "
                        "such as 'employed == 1').")
    keep = np.ones(len(data), dtype=bool)
    keep[~unknown] = known.to_numpy(dtype=bool)
    return keep


def cells(data: pd.DataFrame, where) -> pd.DataFrame | None:
    """The cells to impute: a boolean DataFrame like ``data`` (True = impute), a subset of its
    missing cells; ``None`` for ``where=None`` (every missing cell)."""
    if where is None:
        return None
    missing = data.isna()
    out = missing.copy()
    columns = list(data.columns)
    if isinstance(where, Mapping):
        for col, rule in where.items():
            label = f"`where[{col!r}]`"
            hits = [j for j, c in enumerate(columns) if c == col]
            if not hits:
                raise ValueError(f"{label}: `data` has no column {col!r}.")
            j = hits[0]
            if isinstance(rule, str):
                keep = _condition(data, rule, label)
            else:
                if isinstance(rule, pd.Series) and not rule.index.equals(data.index):
                    raise ValueError(f"{label}: a Series must have `data`'s index (it is read "
                                     "row by row, not aligned by label).")
                keep = _as_bool(rule, label, len(data))
                if keep.ndim != 1:
                    raise ValueError(f"{label} must be one value per row.")
            out.iloc[:, j] = missing.iloc[:, j].to_numpy() & keep.astype(bool)
        return out
    label = "`where`"
    if isinstance(where, pd.DataFrame):
        unknown = [c for c in where.columns if c not in columns]
        if unknown:
            raise ValueError(f"{label} has column(s) {unknown} that `data` lacks.")
        if len(where) != len(data):
            raise ValueError(f"{label} must have `data`'s rows; it has {len(where)} rows, the "
                             f"data {len(data)}.")
        if not where.index.equals(data.index):
            raise ValueError(f"{label} must have `data`'s index (its rows in the same order).")
        for col in where.columns:
            j = columns.index(col)
            keep = _as_bool(where[col], f"`where[{col!r}]`", len(data))
            observed = keep & ~missing.iloc[:, j].to_numpy()
            if observed.any():
                raise ValueError(f"`where[{col!r}]` is True in {int(observed.sum())} row(s) where "
                                 f"{col!r} is observed; `where` marks missing cells to impute "
                                 "(observed values are never changed).")
            out.iloc[:, j] = keep
        return out
    keep = _as_bool(where, label, len(data))
    if keep.shape != data.shape:
        raise ValueError(f"{label} must have `data`'s shape {data.shape}, got {keep.shape}.")
    observed = keep & ~missing.to_numpy()
    if observed.any():
        col = columns[int(np.flatnonzero(observed.any(0))[0])]
        raise ValueError(f"`where` is True in {int(observed.sum())} observed cell(s) (first in "
                         f"column {col!r}); `where` marks missing cells to impute (observed "
                         "values are never changed).")
    return pd.DataFrame(keep, index=data.index, columns=data.columns)


def describe(where, missing: pd.DataFrame, fill: pd.DataFrame | None) -> dict | None:
    """For ``.options``: per column that keeps missing cells, its condition (or how many
    cells it leaves missing); None without ``where``."""
    if fill is None:
        return None
    left = (missing & ~fill).sum()
    out = {}
    for col, n in left.items():
        if n == 0:
            continue
        rule = where.get(col) if isinstance(where, Mapping) else None
        out[col] = (f"{rule} ({int(n)} cells left missing)" if isinstance(rule, str)
                    else f"{int(n)} cells left missing")
    return out
