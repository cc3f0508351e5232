"""Derived columns (mice's passive imputation): a column computed from others is recomputed from
the completed columns wherever it was missing, so that every completed dataset is consistent.

Survey files hold columns that are functions of others: body-mass index from height and weight
(``mice::boys``), a sum score of items, an income per head. Imputed as a column of its own, such a
column disagrees with the imputed columns it is computed from (on ``mice::boys`` imputed ``bmi``
was 1.2 units from ``wgt / (hgt / 100)^2`` in the median row, up to 4). mice's answer is passive
imputation (van Buuren & Groothuis-Oudshoorn 2011, *J. Stat. Softw.* 45(3), section 3.4: method
``"~I(wgt / (hgt / 100)^2)"``); socgan's is ``derived=``:

* the column stays in the model, so where it is observed it informs the imputation of the
  others (a respondent's observed BMI and weight say much about a missing height);
* in every completed dataset its missing values are replaced by the formula evaluated on the
  completed row; its observed values are never changed;
* derived columns are computed in the order given, so one may use another listed before it.

A formula is a string evaluated by :meth:`pandas.DataFrame.eval` (arithmetic, comparisons,
``log``, ``exp``, ``sqrt``, ``abs``...; a column name with spaces in backticks), where ``^`` is a
power as in R (``**`` works too); mice's ``"~I(...)"`` is accepted as it is. From Python a
formula may also be a function of the completed DataFrame returning its values (any kind of
column, e.g. an age group from ``pd.cut``); a fitted model with such a function cannot be saved.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Where observed values of a derived column and its formula disagree (relative difference above
# _RTOL) in more than _DISAGREE of the rows where both exist, the formula is probably not how the
# column was made (units, a typo): a warning says so. Rounding in the file (BMI to two decimals)
# stays far below.
_RTOL = 0.01
_DISAGREE = 0.05


# What a formula may hold: names, numbers and strings, arithmetic, comparisons, and the
# mathematical functions pandas' eval knows. Nothing else is evaluated (no attribute, item or
# method access): a formula read from a saved imputer's file is code, and must only compute.
_FUNCTIONS = frozenset({"sin", "cos", "tan", "exp", "log", "expm1", "log1p", "sqrt", "sinh",
                        "cosh", "tanh", "arcsin", "arccos", "arctan", "arccosh", "arcsinh",
                        "arctanh", "abs", "log10", "floor", "ceil", "arctan2"})
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Name, ast.Load,
          ast.Constant, ast.List, ast.Tuple, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)


def _check_formula(text: str, where: str) -> None:
    """A ValueError naming ``where`` unless the formula holds only what :data:`_NODES` and
    :data:`_FUNCTIONS` allow."""
    plain = re.sub(r"`[^`]*`", "_column_", text)
    try:
        tree = ast.parse(plain, mode="eval")
    except SyntaxError as e:
        raise ValueError(f"{where}: the formula {text!r} is not an expression ({e.msg}).") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            ok = (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
                  and not node.keywords)
            if not ok:
                called = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ValueError(
                    f"{where}: the formula {text!r} calls {called!r}; a formula may call "
                    f"{', '.join(sorted(_FUNCTIONS))} only.")
        elif not isinstance(node, _NODES):
            raise ValueError(
                f"{where}: the formula {text!r} holds {ast.unparse(node)!r}; a formula holds "
                "column names (in backticks if they are not plain names), numbers, strings, "
                "arithmetic, comparisons and functions such as log() and sqrt(), nothing else.")


def check_derived(value, name: str) -> dict:
    """``derived`` as ``{column: formula}``: a formula is a non-empty string or (Python) a
    function. Checked against the data when fitting (:func:`plan`)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"`{name}` must be a dict {{column: formula}} such as "
                        "{'bmi': 'wgt / (hgt / 100)^2'} (R: a named list or named character "
                        f"vector, c(bmi = \"wgt / (hgt / 100)^2\")), got {type(value).__name__}.")
    out = {}
    for col, formula in value.items():
        formula = formula.item() if isinstance(formula, np.generic) else formula
        if isinstance(formula, str):
            if not formula.strip():
                raise ValueError(f"`{name}[{col!r}]` is an empty formula.")
            _check_formula(expression(formula), f"`{name}[{col!r}]`")
        elif not callable(formula):
            raise TypeError(f"`{name}[{col!r}]` must be a formula (a string such as "
                            f"'wgt / (hgt / 100)^2') or a function of the completed DataFrame; "
                            f"got {type(formula).__name__}.")
        out[col] = formula
    return out


def expression(formula: str) -> str:
    """A formula as :meth:`pandas.DataFrame.eval` reads it: mice's ``~I(...)`` unwrapped, ``^``
    as a power."""
    text = formula.strip()
    if text.startswith("~"):
        text = text[1:].strip()
        if text.startswith("I(") and text.endswith(")"):
            text = text[2:-1].strip()
    return text.replace("^", "**")


def _names(text: str) -> set:
    """The names a formula reads (plain identifiers and backticked names)."""
    quoted = re.findall(r"`([^`]*)`", text)
    plain = re.sub(r"`[^`]*`", "0", text)
    try:
        tree = ast.parse(plain, mode="eval")
    except SyntaxError:
        return set(quoted)
    return set(quoted) | {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


@dataclass(frozen=True)
class Derivation:
    """One derived column: its position in the data, the user's formula, and the columns it
    reads (``None`` for a function: unknown)."""

    position: int
    column: object
    formula: object
    sources: frozenset | None

    def values(self, data: pd.DataFrame) -> pd.Series:
        """The formula evaluated on ``data`` (one value per row, index of ``data``)."""
        if callable(self.formula):
            result = self.formula(data.copy(deep=True))
        else:
            result = data.eval(expression(self.formula), engine="python")
        if np.isscalar(result):
            result = pd.Series(result, index=data.index)
        result = pd.Series(np.asarray(result) if not isinstance(result, pd.Series)
                           else result.to_numpy(), index=data.index)
        if len(result) != len(data):
            raise ValueError(f"`derived[{self.column!r}]` gave {len(result)} values for "
                             f"{len(data)} rows.")
        if self.sources:  # a part missing (left so by `where`): no value (NaN > 40 is False)
            unknown = data[[c for c in data.columns if c in self.sources]].isna().any(axis=1)
            if unknown.any():
                result = result.astype(object).where(~unknown.to_numpy(), None)
        return result


def derivations(columns, derived: dict) -> list[Derivation]:
    """The derived columns at their positions in ``columns`` (a fitted imputer's, whose
    formulas were checked when it was fitted)."""
    columns = list(columns)
    out = []
    for col, formula in derived.items():
        sources = (frozenset(n for n in _names(expression(formula)) if n in columns)
                   if isinstance(formula, str) else None)
        out.append(Derivation(columns.index(col), col, formula, sources))
    return out


def plan(data: pd.DataFrame, derived: dict, idvars: list, bounds: dict,
         stacklevel: int) -> list[Derivation]:
    """The derived columns checked against ``data``, in the order they are computed: each names
    one column, not an id column or a bounded one; a formula reads existing columns, not its own
    column nor one derived after it; and it evaluates on ``data``. Warns when the observed values
    of a column and its formula mostly disagree."""
    out: list[Derivation] = []
    columns = list(data.columns)
    order = list(derived)
    for k, (col, formula) in enumerate(derived.items()):
        where = f"`derived[{col!r}]`"
        hits = [j for j, c in enumerate(columns) if c == col]
        if not hits:
            raise ValueError(f"{where}: `data` has no column {col!r}.")
        if len(hits) > 1:
            raise ValueError(f"{where}: `data` has {len(hits)} columns named {col!r}.")
        if col in idvars:
            raise ValueError(f"{where}: {col!r} is also in `idvars`. A derived column stays in "
                             "the model (its observed values inform the others) and is "
                             "recomputed where missing; drop it from one of the two.")
        if col in bounds:
            raise ValueError(f"{where}: {col!r} is also in `bounds`; a derived column's values "
                             "come from its formula, so bounds do not apply to it.")
        sources = None
        if isinstance(formula, str):
            names = _names(expression(formula))
            sources = frozenset(n for n in names if n in columns)
            if col in sources:
                raise ValueError(f"{where}: the formula {formula!r} reads {col!r} itself.")
            later = [c for c in order[k + 1:] if c in sources]
            if later:
                raise ValueError(f"{where}: the formula reads {later[0]!r}, which is derived "
                                 f"after it; list {later[0]!r} first in `derived`.")
        d = Derivation(hits[0], col, formula, sources)
        try:
            values = d.values(data)
        except Exception as e:  # pandas' own message names an unknown column
            raise ValueError(f"{where}: the formula {formula!r} could not be evaluated on "
                             f"`data`: {e}") from None
        # the values must fit the column (whole numbers, levels) before any training
        ok = values.notna().to_numpy()
        if ok.any():
            _written(data.iloc[:, d.position], np.flatnonzero(ok), values[ok], col)
        _check_agreement(d, data, values, stacklevel + 1)
        _check_parts(d, data, stacklevel + 1)
        out.append(d)
    return out


def _check_parts(d: Derivation, data: pd.DataFrame, stacklevel: int) -> None:
    """Warn of rows where the column is observed while a column its formula reads is missing:
    the observed value stays, the part is imputed, and the formula need not hold there."""
    if not d.sources:
        return
    parts = [c for c in data.columns if c in d.sources]
    gaps = data[parts].isna().any(axis=1) & data.iloc[:, d.position].notna()
    if gaps.any():
        warnings.warn(
            f"`derived[{d.column!r}]`: in {int(gaps.sum())} row(s) {d.column!r} is observed while "
            f"a column its formula reads ({', '.join(map(repr, parts))}) is missing. There the "
            f"observed {d.column!r} stays and the missing part is imputed by the model (which sees "
            "it), so the formula need not hold in those rows (mice's passive imputation has the "
            "same gap); if the part follows from the others, fill it before imputing.",
            UserWarning, stacklevel=stacklevel)


def _check_agreement(d: Derivation, data: pd.DataFrame, values: pd.Series,
                     stacklevel: int) -> None:
    """Warn when the column's observed values mostly differ from its formula's."""
    observed = data.iloc[:, d.position]
    if not pd.api.types.is_numeric_dtype(observed) or pd.api.types.is_bool_dtype(observed):
        return
    obs = pd.to_numeric(observed, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    calc = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    both = np.isfinite(obs) & np.isfinite(calc)
    if both.sum() < 5:
        return
    scale = np.maximum(np.abs(obs[both]), np.abs(calc[both]))
    off = np.abs(obs[both] - calc[both]) > _RTOL * np.where(scale > 0, scale, 1.0)
    if off.mean() > _DISAGREE:
        warnings.warn(
            f"`derived[{d.column!r}]`: the formula differs by more than {_RTOL:.0%} from the "
            f"observed values of {d.column!r} in {off.mean():.0%} of the {int(both.sum())} rows "
            "where both exist; its imputations come from the formula, so check it (units, a "
            "typo) before trusting them.", UserWarning, stacklevel=stacklevel)


def apply(completed: pd.DataFrame, missing: pd.DataFrame, plan_: list[Derivation],
          stacklevel: int) -> pd.DataFrame:
    """``completed`` (modified in place and returned) with each derived column's missing cells
    (``missing``, the original data's ``isna()``) set to its formula on the completed row. A row
    where the formula gives no value (a division by zero) is left missing, with a warning
    (one whose dtype cannot hold a missing value keeps the model's draw)."""
    for d in plan_:
        rows = missing.iloc[:, d.position].to_numpy()
        if not rows.any():
            continue
        values = d.values(completed)
        col = completed.iloc[:, d.position]
        new = values[rows]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        ok = new.notna().to_numpy().copy()
        if numeric:
            with np.errstate(invalid="ignore"):
                ok &= np.isfinite(pd.to_numeric(new, errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan))
        # numpy's integers and bools cannot hold a missing value; floats, nullable and
        # categorical columns can
        holds_na = not (isinstance(col.dtype, np.dtype) and col.dtype.kind in "iub")
        if not ok.all():
            warnings.warn(
                f"`derived[{d.column!r}]`: the formula gave no finite value in {int((~ok).sum())} "
                f"row(s) where {d.column!r} was missing (a division by zero, a log of 0, or a part "
                "left missing); "
                + ("those cells stay missing." if holds_na else
                   f"{col.dtype} cannot hold a missing value, so those cells keep the model's "
                   "draw."), UserWarning, stacklevel=stacklevel)
        index = np.flatnonzero(rows)[ok]
        out = _written(col, index, new[ok], d.column)
        if holds_na and not ok.all():
            sparse = isinstance(out.dtype, pd.SparseDtype)
            out = out.sparse.to_dense() if sparse else out.copy()
            out.iloc[np.flatnonzero(rows)[~ok]] = None
            if sparse:
                out = out.astype(col.dtype)
        completed.isetitem(d.position, out)
    return completed


def _written(col: pd.Series, index: np.ndarray, new: pd.Series, name) -> pd.Series:
    """``col`` with ``new`` written at positions ``index``, in ``col``'s dtype; values the dtype
    cannot hold (a fraction in an integer column, a level the factor lacks) are an error."""
    out = col.copy()
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        bad = ~new.isin(dtype.categories)
        if bad.any():
            value = new[bad].iloc[0]
            value = value.item() if isinstance(value, np.generic) else value
            raise ValueError(f"`derived[{name!r}]` gives {value!r}, which is not a level of the "
                             f"categorical column {name!r} (a formula string gives numbers; from "
                             "Python, a function can give levels).")
        out.iloc[index] = new.to_numpy()
        return out
    # numbers are written into a float64 (or nullable Int64 / boolean) copy and cast back, so
    # that float32, int8 or sparse columns keep their dtype (pandas 3 refuses to write float64
    # values into a float32 column)
    if pd.api.types.is_bool_dtype(dtype):
        out = col.astype("boolean")
        out.iloc[index] = new.astype(bool).to_numpy()
        return out.astype(dtype)
    if pd.api.types.is_numeric_dtype(dtype):
        try:
            v = pd.to_numeric(new).to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"`derived[{name!r}]` gives values that are not numbers (e.g. "
                             f"{new.iloc[0]!r}) for the numeric column {name!r}.") from None
        dense = col.sparse.to_dense() if isinstance(dtype, pd.SparseDtype) else col
        if pd.api.types.is_integer_dtype(dtype):
            if np.any(v != np.round(v)):
                raise ValueError(
                    f"`derived[{name!r}]` gives fractions (e.g. {v[v != np.round(v)][0]:g}) for "
                    f"the integer column {name!r}; round in the formula (e.g. 'floor(x / 2)') "
                    "or make the column float.")
            out = dense.astype("Int64")
            out.iloc[index] = v.astype(np.int64)
        else:
            out = dense.astype("float64")
            out.iloc[index] = v
        return out.astype(dtype)
    out.iloc[index] = new.to_numpy()
    return out


def describe(derived: dict) -> dict:
    """``derived`` for ``.options`` and saved files: formulas as given, functions by name."""
    return {c: (f if isinstance(f, str) else f"<function {getattr(f, '__name__', repr(f))}>")
            for c, f in derived.items()}


Formula = str | Callable
