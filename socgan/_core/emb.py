"""EM with bootstrapping under a multivariate normal (Amelia II): the model and its design matrix.

Used by :func:`socgan.baselines.emb_impute` (the multiple imputer; its module docstring states
the method with its references) and by small-area stacking with ``method="amelia"``
(:mod:`socgan.sae._stacking`). Honaker, King & Blackwell (2011), "Amelia II: A Program for
Missing Data", *J. Stat. Softw.* 45(7); the C++ of Amelia 1.8 (``emcore``, ``startval``,
``amsubset``, ``unsubset``, ``amelia.prep``) for the details followed.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

_MAX_RESAMPLES = 1000


# -- the model ----------------------------------------------------------------------------------

@dataclass
class EMFit:
    """Mean and covariance of the standardised data by EM, with how EM went."""

    mean: np.ndarray
    cov: np.ndarray
    iterations: int
    converged: bool


def em(z: np.ndarray, *, empri: float, tol: float, max_iter: int) -> EMFit:
    """EM for the mean and covariance of a multivariate normal with missing cells (NaN),
    with Amelia's ridge prior; Amelia's ``emarch``/``emcore``."""
    n, k = z.shape
    miss = np.isnan(z)
    if not miss.any():  # Amelia's shortcut: no EM needed, sample moments (ddof = 1)
        return EMFit(z.mean(0), np.atleast_2d(np.cov(z, rowvar=False)), 0, True)
    mean, cov = _start_values(z, miss)
    groups = _patterns(miss)
    filled = np.where(miss, 0.0, z)
    for it in range(1, max_iter + 1):
        cross = np.zeros((k, k))
        for mis, obs, rows in groups:
            coef, cond, intercept = _regression(mean, cov, obs, mis)
            filled[np.ix_(rows, mis)] = intercept + z[np.ix_(rows, obs)] @ coef
            cross[np.ix_(mis, mis)] += len(rows) * cond
        total = filled.sum(0)
        cross += filled.T @ filled
        if empri > 0:
            simple = np.outer(total, total) / n
            cross = n / (n + empri + k + 2) * (cross - simple + empri * np.eye(k)) + simple
        new_mean = total / n
        new_cov = cross / n - np.outer(new_mean, new_mean)
        change = max(np.abs(new_mean - mean).max(), np.abs(new_cov - cov).max())
        mean, cov = new_mean, new_cov
        if change <= tol:
            return EMFit(mean, cov, it, True)
    return EMFit(mean, cov, max_iter, False)


def _start_values(z: np.ndarray, miss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Amelia's ``startval``: moments of the complete rows if there are more of them than
    columns and their covariance is positive definite, else zero means and the identity."""
    k = z.shape[1]
    complete = z[~miss.any(1)]
    if len(complete) > k:
        cov = np.atleast_2d(np.cov(complete, rowvar=False))
        if np.all(np.linalg.eigvalsh(cov) > 10 * np.finfo(float).eps):
            return complete.mean(0), cov
    return np.zeros(k), np.eye(k)


def _patterns(miss: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(missing columns, observed columns, rows) for every pattern with a missing cell.

    The patterns come in the order of ``np.unique(miss, axis=0)`` (rows sorted
    lexicographically, ``False`` before ``True``) and each pattern's rows in ascending order,
    but grouped by sorting the rows packed into big-endian 64-bit words: ``np.unique`` with
    ``axis=0`` sorts the rows as opaque byte strings, 0.8 s for 55,000 rows of 80 columns
    (80% of small-area stacking with ``method="amelia"``), the words' lexsort ~100× less."""
    miss = np.asarray(miss, dtype=bool)
    n, k = miss.shape
    if n == 0:
        return []
    packed = np.packbits(miss, axis=1)  # the first column is the first byte's highest bit
    pad = -packed.shape[1] % 8
    if pad or packed.shape[1] == 0:
        packed = np.pad(packed, ((0, 0), (0, pad if packed.shape[1] else 8)))
    words = np.ascontiguousarray(packed).view(">u8")  # byte 0 most significant: row order
    order = np.lexsort(words.T[::-1])  # stable: equal rows keep their ascending indices
    ordered = words[order]
    starts = np.flatnonzero(np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)])
    ends = np.r_[starts[1:], n]
    out = []
    for start, end in zip(starts, ends):
        pattern = miss[order[start]]
        if pattern.any():
            out.append((np.flatnonzero(pattern), np.flatnonzero(~pattern), order[start:end]))
    return out


def _regression(mean, cov, obs, mis):
    """Coefficients, residual covariance and intercept of the missing on the observed columns
    (the sweep on the observed columns; a pseudo-inverse where their covariance is near
    singular, as Amelia's ``sweep``)."""
    s_oo = cov[np.ix_(obs, obs)]
    vals, vecs = np.linalg.eigh(s_oo)
    cutoff = np.sqrt(np.finfo(float).eps)
    if np.any(vals <= cutoff):
        keep = vals > cutoff
        inv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    else:
        inv = np.linalg.inv(s_oo)
    coef = inv @ cov[np.ix_(obs, mis)]
    cond = cov[np.ix_(mis, mis)] - cov[np.ix_(mis, obs)] @ coef
    return coef, cond, mean[mis] - mean[obs] @ coef


def bootstrap_rows(z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A bootstrap resample of the rows in which every column has an observed value
    (Amelia's ``bootx`` redraws until so)."""
    n = len(z)
    observed = ~np.isnan(z)
    for _ in range(_MAX_RESAMPLES):
        rows = rng.integers(0, n, size=n)
        if observed[rows].any(0).all():
            return rows
    raise ValueError(f"No bootstrap resample in {_MAX_RESAMPLES} tries had every column "
                     "observed: some column has too few observed values to impute.")


def draw(z: np.ndarray, fit: EMFit, rng: np.random.Generator) -> np.ndarray:
    """The rows of ``z`` with missing cells drawn from their conditional normal under ``fit``."""
    out = z.copy()
    for mis, obs, rows in _patterns(np.isnan(z)):
        coef, cond, intercept = _regression(fit.mean, fit.cov, obs, mis)
        vals, vecs = np.linalg.eigh((cond + cond.T) / 2)
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        noise = rng.standard_normal((len(rows), len(mis))) @ root.T
        out[np.ix_(rows, mis)] = intercept + z[np.ix_(rows, obs)] @ coef + noise
    return out


# -- from the DataFrame to the model's matrix and back ------------------------------------------

@dataclass
class Design:
    """The modelled columns as a standardised float matrix (nominal columns as dummies), and
    how to turn imputed values back into the DataFrame's columns."""

    z: np.ndarray            # standardised, NaN where missing; rows of data, blank rows refused
    names: list[str]         # model columns: numeric and ordinal first, then dummies (Amelia)
    center: np.ndarray
    scale: np.ndarray
    plain: list[tuple]       # (column position, model column) for numeric and ordinal columns
    nominal: list[tuple]     # (column position, model columns, levels in order of appearance)
    noms: list
    ords: list

    @classmethod
    def build(cls, data: pd.DataFrame, noms, ords) -> Design:
        noms = _column_list(data, noms, "noms")
        ords = _column_list(data, ords, "ords")
        both = [c for c in noms if c in ords]
        if both:
            raise ValueError(f"Columns cannot be both in `noms` and `ords`: {both}.")
        where = data.isna()
        cols, names, plain, nominal, nom_used, ord_used = [], [], [], [], [], []
        dummies = []
        for j, col in enumerate(data.columns):
            s = data.iloc[:, j]
            if not where.iloc[:, j].any() and s.nunique(dropna=True) <= 1:
                continue  # complete and constant: carried along
            if where.iloc[:, j].all():
                raise ValueError(f"Column {col!r} has no observed values; drop it.")
            role = _role(s, col, col in noms, col in ords)
            if role == "nominal":
                codes, uniques = pd.factorize(s, sort=False)  # levels in order of appearance
                levels = list(uniques)
                if len(levels) < 2:
                    raise ValueError(f"Nominal column {col!r} has a single observed level "
                                     f"({levels[0]!r}) and missing values; it cannot be imputed.")
                nom_used.append(col)
                block = []
                for i, level in enumerate(levels[1:], start=1):
                    d = np.where(codes < 0, np.nan, (codes == i).astype(float))
                    block.append(len(dummies))
                    dummies.append((d, f"{col}={level}"))
                nominal.append((j, block, levels))
                continue
            values = _as_float(s, col, ordinal=role == "ordinal")
            observed = values[~np.isnan(values)]
            if np.isinf(observed).any():
                raise ValueError(f"Column {col!r} has infinite values; replace them first.")
            if np.unique(observed).size < 2:
                raise ValueError(f"Column {col!r} has a single observed value and missing "
                                 "values: a constant cannot be modelled; fill or drop it.")
            if role == "ordinal":
                ord_used.append(col)
            plain.append((j, len(cols), role))
            cols.append(values)
            names.append(str(col))
        offset = len(cols)
        nominal = [(j, [offset + b for b in block], levels) for j, block, levels in nominal]
        cols += [d for d, _ in dummies]
        names += [name for _, name in dummies]
        x = np.column_stack(cols) if cols else np.zeros((len(data), 0))
        x[np.isnan(x)] = np.nan  # R's NA is a NaN with a payload that trips numpy's warnings
        blank = np.isnan(x).all(1) if x.shape[1] else np.zeros(len(data), bool)
        if blank.any() and where.to_numpy().any():
            raise ValueError(
                f"{int(blank.sum())} row(s) of `data` have every modelled value missing (first "
                f"at index {data.index[np.flatnonzero(blank)[0]]!r}); Amelia leaves such rows "
                "unimputed. Drop them before imputing.")
        center, scale = _moments(x)
        z = (x - center) / np.where(scale > 0, scale, 1.0)
        return cls(z, names, center, scale, plain, nominal, nom_used, ord_used)

    def check_size(self, empri: float) -> None:
        """Amelia's check on the number of parameters against the number of rows."""
        n, k = self.z.shape
        if 2 * k > n + empri:
            raise ValueError(f"Too few rows ({n}) for the {k} modelled columns (dummies "
                             "included): Amelia needs 2k <= n + empri. Remove columns or raise "
                             "`empri`.")
        if 4 * k > n + empri:
            warnings.warn(f"Few rows ({n}) for the {k} modelled columns (dummies included); "
                          "consider fewer columns or a ridge prior (`empri`).", UserWarning,
                          stacklevel=4)

    def complete(self, data: pd.DataFrame, z: np.ndarray, rng: np.random.Generator
                 ) -> pd.DataFrame:
        """``data`` with its missing cells filled from the imputed matrix ``z``."""
        x = z * self.scale + self.center
        where = data.isna()
        out = data.copy()
        for j, k, role in self.plain:
            miss = where.iloc[:, j].to_numpy()
            if not miss.any():
                continue
            s = data.iloc[:, j]
            if role == "ordinal":
                codes = _ordinal_codes(s)
                low, high = np.nanmin(codes), np.nanmax(codes)
                p = np.clip((x[miss, k] - low) / (high - low), 0.0, 1.0)
                drawn = low + rng.binomial(int(high - low), p)
                out.isetitem(j, _fill(s, miss, drawn, "ordinal"))
            else:
                out.isetitem(j, _fill(s, miss, x[miss, k], "numeric"))
        for j, block, levels in self.nominal:
            miss = where.iloc[:, j].to_numpy()
            # Amelia draws a level for every row and keeps it where the cell was missing: one
            # uniform per row keeps its random stream the same length
            u = rng.random(len(data))[miss]
            p = np.clip(x[np.ix_(miss, block)], 0.0, 1.0)
            total = p.sum(1, keepdims=True)
            p = p / np.where(total > 1, total, 1.0)
            cum = np.cumsum(np.column_stack([1 - p.sum(1), p]), axis=1)
            pick = np.minimum((u[:, None] >= cum).sum(1), len(levels) - 1)
            if not miss.any():  # a complete nominal column (its uniforms are still drawn)
                continue
            s = data.iloc[:, j]
            out.isetitem(j, _fill(s, miss, np.array(levels, dtype=object)[pick], "nominal"))
        return out


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and sds (ddof 1) of ``x``, ignoring NaN. Where the squares overflow
    (magnitudes above ~1e154) a column's moments are taken on its values divided by their
    largest magnitude and scaled back, instead of an infinite sd that makes the column 0."""
    if not x.shape[1]:
        return np.zeros(0), np.zeros(0)
    with np.errstate(over="ignore", invalid="ignore"):
        center, scale = np.nanmean(x, 0), np.nanstd(x, 0, ddof=1)
    for k in np.flatnonzero(~(np.isfinite(center) & np.isfinite(scale))):
        top = np.nanmax(np.abs(x[:, k]))
        center[k] = np.nanmean(x[:, k] / top) * top
        scale[k] = np.nanstd(x[:, k] / top, ddof=1) * top
    return center, scale


def _column_list(data: pd.DataFrame, value, name: str) -> list:
    if value is None:
        return []
    cols = [value] if isinstance(value, (str, numbers.Number)) else list(value)
    unknown = [c for c in cols if c not in data.columns]
    if unknown:
        raise ValueError(f"`{name}` names columns that `data` lacks: {unknown}.")
    return cols


def _role(s: pd.Series, col, in_noms: bool, in_ords: bool) -> str:
    dtype = s.dtype
    if in_noms:
        return "nominal"
    if in_ords:
        if isinstance(dtype, pd.CategoricalDtype) or _is_number(dtype):
            return "ordinal"
        raise TypeError(f"Column {col!r} in `ords` must be numeric or categorical, got {dtype}.")
    if isinstance(dtype, pd.CategoricalDtype):
        return "ordinal" if dtype.ordered else "nominal"
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_string_dtype(dtype) \
            or dtype == object:
        return "nominal"
    if _is_number(dtype):
        return "numeric"
    raise TypeError(f"Column {col!r} has dtype {dtype}, which EMB cannot model; convert it to "
                    "numbers or categories, or drop it.")


def _is_number(dtype) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _ordinal_codes(s: pd.Series) -> np.ndarray:
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(float)
        codes[codes < 0] = np.nan
        return codes
    return s.to_numpy(dtype=float, na_value=np.nan)


def _as_float(s: pd.Series, col, *, ordinal: bool) -> np.ndarray:
    if ordinal:
        values = _ordinal_codes(s)
        observed = values[~np.isnan(values)]
        if np.any(observed != np.round(observed)):
            raise ValueError(f"Ordinal column {col!r} must hold whole numbers (Amelia's `ords` "
                             "rule draws whole steps between the observed minimum and maximum).")
        return values
    return s.to_numpy(dtype=float, na_value=np.nan)


def _fill(s: pd.Series, miss: np.ndarray, values, kind: str) -> pd.Series:
    """``s`` with ``values`` in its missing cells, keeping its dtype where it can hold them."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().copy()
        if kind == "ordinal":
            codes[miss] = np.asarray(values, dtype=int)
        else:
            codes[miss] = s.cat.categories.get_indexer(list(values))
        return pd.Series(pd.Categorical.from_codes(codes, dtype=s.dtype), index=s.index,
                         name=s.name)
    if kind == "numeric" and pd.api.types.is_integer_dtype(s.dtype):
        # Amelia imputes integers on the continuous scale, unrounded
        out = s.to_numpy(dtype=float, na_value=np.nan)
        out[miss] = values
        return pd.Series(out, index=s.index, name=s.name)
    # A sparse column cannot be written into: it is filled dense and made sparse again.
    sparse = isinstance(s.dtype, pd.SparseDtype)
    out = s.sparse.to_dense() if sparse else s.copy()
    if kind != "numeric" and _is_number(out.dtype):
        values = np.asarray(values, dtype=float)  # whole numbers: an integer dtype holds them
    # Cast first: pandas refuses to write float64 values into a float32 or float16 column.
    out[miss] = pd.array(values, dtype=out.dtype)
    if _is_number(out.dtype) and not np.isfinite(out[miss].to_numpy(dtype=float,
                                                                  na_value=np.nan)).all():
        raise FloatingPointError(f"Column {s.name!r}: imputed values are not finite numbers; "
                                 "check the column for extreme values.")
    return out.astype(s.dtype) if sparse else out
