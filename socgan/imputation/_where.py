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

import ast
import re
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._derived import _check_formula, expression

# R's ways of writing a condition, which pandas does not read, and what it reads instead
_R_SYNTAX = [(r"%in%", "`x in ['a', 'b']` for R's %in%"),
             (r"&&|\|\|", "`and`/`or` (or `&`/`|`) for R's && and ||"),
             (r"!(?!=)", "`not (...)` for R's !"),
             (r"\b(TRUE|FALSE)\b", "`True`/`False` for R's TRUE/FALSE"),
             (r"\bis\.na\s*\(", "a logical vector instead of a condition for R's is.na(x) "
                                  "(R: where = list(y = is.na(d$x)); pandas: "
                                  "df['x'].isna().to_numpy())"),
             (r"\bc\s*\(", "`['a', 'b']` for R's c('a', 'b')")]


def _r_hint(rule: str) -> str:
    """A sentence on the R syntax in ``rule`` that pandas does not read; '' if none."""
    found = [use for pattern, use in _R_SYNTAX if re.search(pattern, rule)]
    if not found:
        return ""
    return (" Conditions are read by Python's pandas, not by R: write " + "; ".join(found) +
            " (e.g. 'employed == 1 and not (age < 18)').")


def check_where(value, name: str):
    """``where`` as given, checked for its kind (a DataFrame, an array or a dict); the cells are
    checked against the data by :func:`cells`."""
    if isinstance(value, (pd.DataFrame, np.ndarray, Mapping)):
        if isinstance(value, Mapping):
            for col, rule in value.items():
                if isinstance(rule, str):
                    try:
                        _check_formula(expression(rule), f"`{name}[{col!r}]`")
                    except ValueError as e:
                        raise ValueError(str(e) + _r_hint(rule)) from None
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


def _check_values(data: pd.DataFrame, text: str, rule: str, label: str) -> None:
    """A ValueError where the condition compares a column with a value it cannot hold (a level
    spelt differently, "YES" for "yes"; a factor's code, 2, for its level): such a comparison
    is False in every row, and the cells would silently stay missing."""
    # backticked column names (`my col`) become identifiers that Python can parse, mapped back
    names = {}

    def identifier_for(match):
        key = f"__socgan_backticked_{len(names)}__"
        names[key] = match.group(1)
        return key

    try:
        tree = ast.parse(re.sub(r"`([^`]*)`", identifier_for, text), mode="eval")
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for op, a, b in zip(node.ops, sides[:-1], sides[1:]):
            if not isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
                continue
            if isinstance(b, ast.Name) and not isinstance(a, ast.Name):
                a, b = b, a
            if not isinstance(a, ast.Name):
                continue
            column = names.get(a.id, a.id)
            if column not in data.columns:
                continue
            items = b.elts if isinstance(b, (ast.List, ast.Tuple, ast.Set)) else [b]
            if not all(isinstance(i, ast.Constant) for i in items):
                continue
            values = [i.value for i in items]
            col = data[column]
            if isinstance(col, pd.DataFrame):
                continue
            numeric = (pd.api.types.is_numeric_dtype(col.dtype)
                       and not pd.api.types.is_bool_dtype(col.dtype))
            if isinstance(col.dtype, pd.CategoricalDtype):
                held = list(col.cat.categories)
            else:
                held = list(pd.unique(col.dropna()))
            shown = ", ".join(repr(v) for v in held[:12]) + (", ..." if len(held) > 12 else "")
            for v in values:
                if numeric and isinstance(v, str):
                    raise ValueError(f"{label}: the condition {rule!r} compares the numeric "
                                     f"column {column!r} with the text {v!r}; it would hold in "
                                     "no row.")
                if numeric or isinstance(v, bool) or v is None:
                    continue
                if not held or not all(isinstance(h, str) for h in held):
                    continue  # booleans, dates, numbers as categories, mixed: pandas decides
                if not isinstance(v, str):
                    raise ValueError(f"{label}: the condition {rule!r} compares {column!r} with "
                                     f"the number {v!r}, but {column!r} holds categories "
                                     f"({shown}), not codes: compare with one of them, e.g. "
                                     f"{column} == {held[0]!r}.")
                # a value spelt as one the column holds, in another case ("YES" for "yes"): a
                # typo (a value the column lacks may be legitimate: a new wave, a codebook list)
                spelt = [h for h in held if h != v and h.casefold() == v.casefold()]
                if v not in held and spelt:
                    raise ValueError(f"{label}: the condition {rule!r} compares {column!r} with "
                                     f"{v!r}, which is not one of its values ({shown}); did you "
                                     f"mean {spelt[0]!r}?")


def _condition(data: pd.DataFrame, rule: str, label: str) -> np.ndarray:
    """Where the condition holds, per row; True where it cannot be evaluated (a column it
    reads is missing in the row: applicability unknown is treated as applicable)."""
    from ._derived import _names

    text = expression(rule)
    _check_values(data, text, rule, label)
    try:
        result = data.eval(text, engine="python")
    except Exception as e:
        raise ValueError(f"{label}: the condition {rule!r} could not be evaluated on `data`: "
                         f"{e}.{_r_hint(rule)}") from None
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
    return keep, unknown, read


def cells(data: pd.DataFrame, where, stacklevel: int | None = None) -> pd.DataFrame | None:
    """The cells to impute: a boolean DataFrame like ``data`` (True = impute), a subset of its
    missing cells; ``None`` for ``where=None`` (every missing cell). With ``stacklevel``,
    warnings about conditions point that many frames up (None: no warnings, the cells only)."""
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
                keep, unknown, read = _condition(data, rule, label)
                if stacklevel is not None:
                    _warn_condition(data, col, rule, label, keep, unknown, read,
                                    missing.iloc[:, j].to_numpy(), stacklevel + 1)
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


def _warn_condition(data, col, rule, label, keep, unknown, read, missing, stacklevel) -> None:
    """Warn where a condition never holds in the rows it can be evaluated in (a condition on a
    column whose values are not what it compares them with), and of the missing cells imputed
    because the condition could not be evaluated in their rows."""
    answered = ~unknown & ~missing
    if answered.any() and not keep[~unknown].any():
        warnings.warn(f"{label}: the condition {rule!r} holds in none of the {int((~unknown).sum())}"
                      f" rows where it can be evaluated, though {col!r} is observed in "
                      f"{int(answered.sum())} of them, so {col!r} is imputed only where the "
                      "condition cannot be evaluated. Check its spelling and values.",
                      UserWarning, stacklevel=stacklevel)
    blind = missing & unknown
    if blind.any():
        parts = ", ".join(repr(c) for c in read)
        warnings.warn(f"{label}: {int(blind.sum())} missing cell(s) of {col!r} are imputed because "
                      f"the condition {rule!r} cannot be evaluated in their rows ({parts} missing "
                      "there: applicability unknown counts as applicable). Those rows' "
                      f"{parts} are imputed too, and in a completed dataset may not meet the "
                      f"condition while {col!r} holds a value; mice's `where` does the same. To "
                      f"leave them missing instead, give `where` for {col!r} a boolean array (R: a "
                      "logical vector) that is False there.", UserWarning, stacklevel=stacklevel)


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
