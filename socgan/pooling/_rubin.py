"""Rubin's rules, computed exactly as R's ``mice`` (3.15) computes them.

The formulas follow ``mice:::pool.fitlist`` (rule ``"rubin1987"``), ``mice:::barnard.rubin``,
``mice::pool.scalar``, ``mice:::summary.mipo`` and ``mice:::confint.mipo``:

=========  ==============================================================================
qbar       ``mean(Q)``, the pooled estimate
ubar       ``mean(U)``, the within-imputation variance (``U`` = squared standard errors)
b          ``var(Q)`` (denominator ``m - 1``), the between-imputation variance
t          ``ubar + (1 + 1/m) * b``, the total variance
riv        ``(1 + 1/m) * b / ubar``, the relative increase in variance due to nonresponse
lambda     ``(1 + 1/m) * b / t``, the proportion of the variance due to nonresponse
df         Barnard & Rubin (1999): with ``lambda* = max(lambda, 1e-4)``,
           ``dfold = (m - 1) / lambda*^2``,
           ``dfobs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lambda*)``,
           ``df = dfold * dfobs / (dfold + dfobs)``; ``df = dfold`` when ``dfcom`` is infinite
fmi        ``(riv + 2 / (df + 3)) / (riv + 1)``, the fraction of missing information
=========  ==============================================================================

Tests: ``statistic = qbar / sqrt(t)``, ``p_value = 2 * pt(|statistic|, max(df, 0.001),
lower.tail = FALSE)`` and the interval ``qbar + qt(c(a, 1 - a), df) * sqrt(t)`` with
``a = (1 - conf_level) / 2`` (the interval uses ``df`` itself, not the 0.001 floor).

Two mice details are kept on purpose, so that results agree with R to rounding error:

* ``barnard.rubin`` floors ``lambda`` at ``1e-4`` *only* for the degrees of freedom. With
  identical estimates (``b == 0``) the reported ``riv`` and ``lambda`` are 0, while ``df`` is
  the finite ``(m - 1) * 1e8`` (infinite ``dfcom``) or just below ``dfobs`` (finite ``dfcom``).
* The default complete-data degrees of freedom. ``mice::pool`` (3.x) reads ``dfcom`` from the
  fitted models (``df.residual``, else ``nobs - length(coef)``) and otherwise warns "Infinite
  sample size assumed." and uses ``Inf``; ``mice::pool.scalar`` defaults to ``n = Inf, k = 1``,
  hence ``dfcom = Inf``. (mice 2.x used the large finite value 999999 instead; 3.x does not.)
  Here raw estimates carry no model, so ``dfcom=None`` means ``Inf``, i.e. the Rubin (1987)
  ``df = dfold``: pass ``dfcom = n - k`` for small samples. ``mice::pool`` raises a given
  ``dfcom`` to at least 1 (``max(dfcom, 1)``); :func:`pool` does the same, per term.

Amelia's ``mi.meld``/``mi.combine`` are *not* followed (they use the old Rubin df and other
conventions).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd

from .._params import PROBABILITY, Count, Rule, Unchecked, validate_params
from ._result import TABLE_COLUMNS, Pooled, PooledScalar, _terms, t_tests

__all__ = ["pool", "pool_scalar", "barnard_rubin"]

_LAMBDA_FLOOR = 1e-4  # mice:::barnard.rubin: lambda[lambda < 1e-04] <- 1e-04

#: Columns of the DataFrame :func:`pool` returned before it returned a :class:`Pooled` (what its
#: deprecated DataFrame indexing still reads; ``details=True`` appended m, ubar, b, t, dfcom).
#: The current names are :data:`TABLE_COLUMNS` (mice's).
POOL_COLUMNS = ["term", "estimate", "std_error", "statistic", "df", "p_value",
                "conf_low", "conf_high", "riv", "lambda", "fmi"]


# --------------------------------------------------------------------------------------------
# The arithmetic (vectorised over terms)
# --------------------------------------------------------------------------------------------

@validate_params({"m": Count(1), "b": Unchecked("a number or array (cast to float)"),
                  "t": Unchecked("a number or array (cast to float)"),
                  "dfcom": Unchecked("a number or array (cast to float; inf allowed)")})
def barnard_rubin(m, b, t, dfcom=np.inf):
    """Barnard & Rubin (1999) degrees of freedom, as ``mice:::barnard.rubin``.

    Parameters
    ----------
    m : int
        Number of imputations.
    b, t : float or numpy.ndarray
        Between-imputation and total variance.
    dfcom : float or numpy.ndarray, default inf
        Complete-data degrees of freedom; infinite values give the Rubin (1987) ``dfold``.

    Returns
    -------
    numpy.ndarray
        The degrees of freedom (``lambda`` is floored at ``1e-4`` first, as in mice).
    """
    b = np.asarray(b, dtype=float)
    t = np.asarray(t, dtype=float)
    dfcom = np.asarray(dfcom, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lam = (1.0 + 1.0 / m) * b / t
        lam = np.where(lam < _LAMBDA_FLOOR, _LAMBDA_FLOOR, lam)  # NaN stays NaN, as in R
        dfold = (m - 1) / lam**2
        dfobs = (dfcom + 1.0) / (dfcom + 3.0) * dfcom * (1.0 - lam)
        df = np.where(np.isinf(dfcom), dfold, dfold * dfobs / (dfold + dfobs))
    return df


def _warn_zero_total(t, terms, where):
    zero = np.flatnonzero(t == 0)
    if zero.size:
        names = ", ".join(str(terms[i]) for i in zero)
        warnings.warn(f"{where}: total variance is 0 for {names} (identical estimates and zero "
                      f"`variances`); their statistics are NaN, as in mice.",
                      RuntimeWarning, stacklevel=3)


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------

def _is_scalar(x) -> bool:
    return np.ndim(x) == 0 and not isinstance(x, (str, bytes))


def _dfcom(value, name):
    """``dfcom``'s type (None, a number, or one number per term); its values and length are
    checked with the terms, by :func:`_as_dfcom`."""
    if value is None:
        return None
    if isinstance(value, bool) or (np.ndim(value) == 0 and not isinstance(value, numbers.Real)
                                   and not isinstance(value, np.number)):
        raise TypeError(f"`{name}` must be a positive number, infinity or None, got {value!r}.")
    return value


def _sample_size(value, name):
    """mice's ``n`` (now ``n_rows``) or ``k``: a number (``inf`` allowed for ``n_rows``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"`{name}` must be a number, got {value!r}.")
    return float(value)


_ESTIMATES = Unchecked("the m sets of estimates (array-like, DataFrame or list; checked with "
                       "`variances`)")
_VARIANCES = Unchecked("their variances or covariance matrices (checked with `estimates`)")
_DFCOM = Rule(_dfcom, "None, a positive number (inf allowed) or one per term")
#: The declared arguments of :func:`pool` and :func:`pool_scalar` (socgan._params).
POOL_CONSTRAINTS = {
    "estimates": _ESTIMATES, "variances": _VARIANCES, "dfcom": _DFCOM,
    "conf_level": PROBABILITY, "terms": Rule(_terms, "None or a list of term names"),
    "details": Unchecked("deprecated; read as True or False"),
}
POOL_SCALAR_CONSTRAINTS = {
    "estimates": _ESTIMATES, "variances": _VARIANCES, "dfcom": _DFCOM,
    "n_rows": Rule(_sample_size, "None or a number (inf allowed)"),
    "k": Rule(_sample_size, "None or a number"), "conf_level": PROBABILITY,
}


def _to_float(x, name):
    try:
        arr = np.array(x, dtype=float)  # always a copy: inputs are never modified
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be numeric: {exc}") from None
    return arr


def _unique_terms(names, name):
    """``names`` (term labels) must not repeat: pooling matches terms by name."""
    if names is None:
        return names
    names = list(names)
    dup = sorted({str(t) for t in names if names.count(t) > 1})
    if dup:
        raise ValueError(f"`{name}` names term(s) {dup} more than once; pooling matches terms "
                         "by name, so every term needs its own.")
    return names


def _rows(obj, name):
    """Return (m x p float array, term names or None) from the accepted layouts of a table.

    Layouts: DataFrame (rows = imputations, columns = terms); 2-d array-like; a list of m
    1-d arrays or Series (Series index = terms); a 1-d array-like (m values of one term).
    """
    if isinstance(obj, pd.DataFrame):
        return (_to_float(obj.to_numpy(dtype=float, na_value=np.nan), name),
                _unique_terms(obj.columns, name))
    if isinstance(obj, pd.Series):
        label = obj.name if isinstance(obj.name, str) else None
        return _to_float(obj.to_numpy(dtype=float, na_value=np.nan), name)[:, None], \
            ([label] if label is not None else None)
    if isinstance(obj, (list, tuple)) and obj and not all(_is_scalar(v) for v in obj):
        names = None
        rows = []
        for i, v in enumerate(obj):
            if isinstance(v, pd.Series):
                idx = _unique_terms(v.index, f"{name}[{i}]")
                if names is None:
                    names = idx
                elif set(idx) != set(names) or len(idx) != len(names):
                    raise ValueError(f"`{name}`[{i}] has terms {idx}, but `{name}`[0] has "
                                     f"{names}.")
                rows.append(_to_float(v.loc[names].to_numpy(dtype=float, na_value=np.nan),
                                      name))
            else:
                r = _to_float(v, name)
                if r.ndim != 1:
                    raise ValueError(f"`{name}`[{i}] must be 1-d (one value per term), got "
                                     f"shape {r.shape}.")
                rows.append(r)
        lengths = {r.shape[0] for r in rows}
        if len(lengths) != 1:
            raise ValueError(f"`{name}` entries differ in length: {[r.shape[0] for r in rows]}.")
        return np.vstack(rows), names
    arr = _to_float(obj, name)
    if arr.ndim == 1:
        return arr[:, None], None
    if arr.ndim == 2:
        return arr, None
    raise ValueError(f"`{name}` must be 1-d or 2-d (imputations x terms), got shape {arr.shape}.")


def _cov_diagonals(obj, name, terms):
    """Diagonals of m covariance matrices (m x p x p array or a list of 2-d arrays/DataFrames)."""
    if isinstance(obj, np.ndarray) and obj.ndim == 3:
        arr = _to_float(obj, name)
        if arr.shape[1] != arr.shape[2]:
            raise ValueError(f"`{name}` as covariance matrices must be m x p x p, got "
                             f"{arr.shape}.")
        return np.stack([np.diag(a) for a in arr]), None
    diags = []
    names = None
    for i, v in enumerate(obj):
        if isinstance(v, pd.DataFrame):
            if list(v.index) != list(v.columns) and set(v.index) != set(v.columns):
                raise ValueError(f"`{name}`[{i}] must have the same term labels on rows and "
                                 f"columns.")
            _unique_terms(v.columns, f"{name}[{i}]")
            labels = terms if terms is not None and set(terms) == set(v.columns) \
                else list(v.columns)
            if names is None:
                names = labels
            elif set(labels) != set(names):
                raise ValueError(f"`{name}`[{i}] has terms {labels}, but `{name}`[0] has "
                                 f"{names}.")
            diags.append(_to_float(np.diag(v.loc[names, names].to_numpy(dtype=float)), name))
        else:
            a = _to_float(v, name)
            if a.ndim != 2 or a.shape[0] != a.shape[1]:
                raise ValueError(f"`{name}`[{i}] must be a square covariance matrix, got shape "
                                 f"{a.shape}.")
            diags.append(np.diag(a).copy())
    if len({d.shape[0] for d in diags}) != 1:
        raise ValueError(f"`{name}` covariance matrices differ in size: "
                         f"{[d.shape[0] for d in diags]}.")
    return np.vstack(diags), names


def _is_cov_input(obj) -> bool:
    if isinstance(obj, np.ndarray):
        return obj.ndim == 3
    if isinstance(obj, (list, tuple)) and obj:
        return all(isinstance(v, pd.DataFrame) or np.ndim(v) == 2 for v in obj)
    return False


def _align(values, names, terms, name):
    """Reorder the columns of ``values`` (labelled ``names``) to ``terms``."""
    if names is None or terms is None or list(names) == list(terms):
        return values
    if set(names) != set(terms) or len(names) != len(terms):
        raise ValueError(f"`{name}` has terms {list(names)}, but `estimates` has {list(terms)}.")
    pos = {n: i for i, n in enumerate(names)}
    return values[:, [pos[t] for t in terms]]


def _prepare(estimates, variances, terms):
    q, q_names = _rows(estimates, "estimates")
    if _is_cov_input(variances):
        u, u_names = _cov_diagonals(variances, "variances", q_names)
    else:
        u, u_names = _rows(variances, "variances")
    if q.shape != u.shape:
        raise ValueError(f"`variances` must have the shape of `estimates` (m imputations x p "
                         f"terms) {q.shape}, got {u.shape}.")
    u = _align(u, u_names, q_names, "variances")
    m, p = q.shape
    if terms is not None:  # a list of names (socgan.pool's table, _terms)
        terms = _unique_terms(terms, "terms")
        if len(terms) != p:
            raise ValueError(f"`terms` must name the {p} term(s), got {len(terms)} names.")
    else:
        terms = list(q_names) if q_names is not None else (
            list(u_names) if u_names is not None else [f"term{j + 1}" for j in range(p)])
    if p == 0:
        raise ValueError("`estimates` has no terms.")
    if m < 2:
        raise ValueError(f"`estimates` holds m = {m} imputation(s); Rubin's rules need m >= 2 "
                         f"for the between-imputation variance (mice::pool warns and returns "
                         f"the single fit unpooled; mice::pool.scalar returns NA).")
    if not np.all(np.isfinite(q)):
        raise ValueError("`estimates` must be finite (no NaN or infinite values).")
    if not np.all(np.isfinite(u)):
        raise ValueError("`variances` must be finite (no NaN or infinite values).")
    if np.any(u < 0):
        raise ValueError("`variances` must be non-negative (they are squared standard errors).")
    return q, u, terms


def _as_dfcom(dfcom, p, terms, name="dfcom"):
    """``None`` -> inf; a positive scalar or per-term array (infinite values allowed)."""
    dfcom = _dfcom(dfcom, name)
    if dfcom is None:
        return np.full(p, np.inf)
    if isinstance(dfcom, pd.Series) and set(dfcom.index) == set(terms):
        dfcom = dfcom.loc[terms]
    arr = _to_float(dfcom, name)
    if arr.ndim == 0:
        arr = np.full(p, float(arr))
    elif arr.shape != (p,):
        raise ValueError(f"`{name}` must be a scalar or have one value per term ({p}), got "
                         f"shape {arr.shape}.")
    if np.any(np.isnan(arr)) or np.any(arr <= 0):
        raise ValueError(f"`{name}` must be positive (or infinite), got {dfcom!r}.")
    return arr


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------

@validate_params(POOL_CONSTRAINTS)
def pool(estimates, variances, *, dfcom=None, conf_level=0.95, terms=None, details=None):
    """Pool m completed-data analyses with Rubin's rules, exactly as R's ``mice::pool``.

    Computes, per term, the pooled estimate ``qbar``, the within- (``ubar``), between- (``b``)
    and total (``t``) variance, the Barnard & Rubin (1999) degrees of freedom with the
    complete-data ``dfcom``, ``riv``, ``lambda`` and ``fmi``, and the t-test and confidence
    interval of ``summary(mice::pool(fit), conf.int = TRUE)``.

    Parameters
    ----------
    estimates : array-like, pandas.DataFrame or list
        The m sets of estimates: an (m x p) array-like or DataFrame (rows = imputations,
        columns = terms), a list of m 1-d arrays or pandas Series (a Series index names the
        terms), or a 1-d array-like of m estimates of one term.
    variances : array-like, pandas.DataFrame or list
        The squared standard errors in the layout of ``estimates``; or the m covariance
        matrices (an (m x p x p) array, or a list of m 2-d arrays or DataFrames labelled by
        term), whose diagonals are used. Labelled variances are matched to the terms of
        ``estimates`` by name.
    dfcom : float, array-like or None, keyword-only
        Complete-data degrees of freedom (for a regression, ``n - k``; R's
        ``df.residual(fit)``), one value or one per term. ``None`` (default) and ``inf`` mean a
        large sample: ``df`` is then Rubin's (1987) ``(m - 1) / lambda^2``, which is what
        ``mice::pool`` falls back to ("Infinite sample size assumed.") when the fits do not
        report their residual df. Values below 1 are raised to 1, as ``mice::pool`` does.
    conf_level : float, keyword-only
        Confidence level of the interval, in (0, 1). Default 0.95.
    terms : sequence of str, keyword-only
        Term names; by default taken from the labels of ``estimates`` (or ``variances``), else
        ``"term1"``, ``"term2"``, ...
    details : bool, keyword-only
        Deprecated, and without effect on the result's views: :attr:`Pooled.table` always
        holds ``m``, ``ubar``, ``b``, ``t`` and ``dfcom``. It only adds those columns to the
        deprecated DataFrame indexing of the result (``result["std_error"]``), as it added
        them to the DataFrame ``pool`` used to return.

    Returns
    -------
    Pooled
        R's ``mipo`` as plain data. ``.table``: one row per term with the columns ``term``,
        ``estimate``, ``std.error``, ``statistic``, ``df``, ``p.value``, ``conf.low``,
        ``conf.high``, ``riv``, ``lambda``, ``fmi``, ``m``, ``ubar``, ``b``, ``t``, ``dfcom``
        (mice's names; the interval named as ``tidy(pool(fit), conf.int = TRUE)`` names it);
        ``.summary()``: ``summary(pool(fit), conf.int = TRUE)`` with its column names
        (``"2.5 %"``, ``"97.5 %"``); ``.pooled``: ``pool(fit)$pooled``; ``.estimates`` and
        ``.variances``: the inputs, one row per imputation. Indexing the result as the
        DataFrame ``pool`` returned before (columns ``std_error``, ``p_value``,
        ``conf_low``, ``conf_high``) still works, with a ``FutureWarning``.

    Raises
    ------
    ValueError
        For fewer than 2 imputations, mismatched shapes or terms, non-finite estimates,
        negative or non-finite variances, ``dfcom <= 0`` or ``conf_level`` outside (0, 1).

    Notes
    -----
    With identical estimates (``b == 0``), ``riv = lambda = 0`` while, as in mice, the df uses
    ``lambda`` floored at ``1e-4``. If also all variances are 0, the total variance is 0 and
    the statistics are NaN (with a warning), as in R.

    References
    ----------
    Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.
    Barnard, J. and Rubin, D. B. (1999). Small-sample degrees of freedom with multiple
    imputation. *Biometrika*, 86(4), 948-955.
    van Buuren, S. (2018). *Flexible Imputation of Missing Data*, 2nd ed., sections 2.3
    (Rubin's rules, ``riv``, ``lambda``, ``fmi``, df) and 5.2 (pooling in practice).

    Examples
    --------
    About 0.01 s:

    >>> est = [[1.0, 10.0], [2.0, 12.0], [3.0, 11.0]]
    >>> var = [[0.5, 2.0], [0.5, 2.0], [0.5, 2.0]]
    >>> res = pool(est, var, dfcom=50, terms=["a", "b"])
    >>> res.table[["term", "estimate", "std.error"]].round(4).to_dict("list")
    {'term': ['a', 'b'], 'estimate': [2.0, 11.0], 'std.error': [1.354, 1.8257]}
    >>> float(round(res.table.loc[0, "riv"], 4)), float(round(res.table.loc[0, "df"], 3))
    (2.6667, 2.935)
    >>> list(res.summary().columns)
    ['term', 'estimate', 'std.error', 'statistic', 'df', 'p.value', '2.5 %', '97.5 %']
    """
    q, u, terms = _prepare(estimates, variances, terms)
    m, p = q.shape
    dfcom = np.maximum(_as_dfcom(dfcom, p, terms), 1.0)  # mice:::get.dfcom: max(dfcom, 1L)

    with np.errstate(divide="ignore", invalid="ignore"):
        qbar = q.mean(axis=0)
        ubar = u.mean(axis=0)
        b = q.var(axis=0, ddof=1)
        t = ubar + (1.0 + 1.0 / m) * b
        df = barnard_rubin(m, b, t, dfcom)
        riv = (1.0 + 1.0 / m) * b / ubar
        lam = (1.0 + 1.0 / m) * b / t
        fmi = (riv + 2.0 / (df + 3.0)) / (riv + 1.0)
    _warn_zero_total(t, terms, "pool")
    se, statistic, p_value, lo, hi = t_tests(qbar, t, df, conf_level)

    if details is not None:
        warnings.warn("`details` of socgan.pool() is deprecated: the result's .table always has "
                      "m, ubar, b, t and dfcom; `details` only shapes the deprecated DataFrame "
                      "indexing of the result.", FutureWarning, stacklevel=2)
    names = [str(x) for x in terms]
    table = pd.DataFrame({
        "term": names,
        "estimate": qbar, "std.error": se, "statistic": statistic, "df": df,
        "p.value": p_value, "conf.low": lo, "conf.high": hi,
        "riv": riv, "lambda": lam, "fmi": fmi,
        "m": m, "ubar": ubar, "b": b, "t": t, "dfcom": dfcom,
    }, columns=TABLE_COLUMNS)
    return Pooled(table, estimates=pd.DataFrame(q, columns=names),
                  variances=pd.DataFrame(u, columns=names), conf_level=conf_level,
                  legacy_details=bool(details))


@validate_params(POOL_SCALAR_CONSTRAINTS, renamed={"n": "n_rows"})
def pool_scalar(estimates, variances, *, dfcom=None, n_rows=None, k=None, conf_level=0.95):
    """Pool m estimates of one scalar with Rubin's rules, exactly as ``mice::pool.scalar``.

    Mirrors ``mice::pool.scalar(Q, U, n, k, rule = "rubin1987")``: ``estimates`` is ``Q``,
    ``variances`` is ``U``, ``n_rows`` is ``n`` and the complete-data degrees of freedom are
    ``dfcom = n_rows - k``.

    Parameters
    ----------
    estimates : 1-d array-like
        The m estimates ``Q`` (a pandas Series is fine).
    variances : 1-d array-like
        Their m variances ``U`` (squared standard errors).
    dfcom : float or None, keyword-only
        Complete-data degrees of freedom. ``None`` (default) or ``inf`` means a large sample
        (mice's default ``n = Inf``), giving Rubin's (1987) df. Give either ``dfcom`` or
        ``n_rows``/``k``, not both. Unlike :func:`pool`, values below 1 are not raised to 1
        (``mice::pool.scalar`` does not do it either).
    n_rows, k : float, keyword-only
        Sample size (mice's ``n``, here ``n_rows`` as socgan calls every number of rows; ``n``
        still works, with a FutureWarning) and number of parameters, as in mice:
        ``dfcom = n_rows - k``, with mice's defaults ``n = inf`` and ``k = 1``. Whole-number
        floats (R's ``5``) are fine.
    conf_level : float, keyword-only
        Confidence level of the interval in the result, in (0, 1). Default 0.95.

    Returns
    -------
    PooledScalar
        The numbers as attributes named as in mice's result: ``m`` (int), ``qhat`` and ``u``
        (copies of the inputs, numpy arrays), ``qbar``, ``ubar``, ``b``, ``t``, ``df``, ``r``
        (the relative increase in variance) and ``fmi``; and, beyond mice: ``riv`` (same as
        ``r``), ``lambda_`` (``lambda``), ``dfcom``, ``std_error`` (``sqrt(t)``),
        ``statistic`` (``qbar / std_error``), ``p_value``, ``conf_low``, ``conf_high`` and
        ``conf_level``, computed as ``summary.mipo`` and ``confint.mipo`` do. Numbers are
        Python floats. ``.to_dict()`` gives them as the dict ``pool_scalar`` returned before
        (``res["qbar"]`` still works, with a ``FutureWarning``); ``.table`` and ``.summary()``
        are those of :class:`Pooled`, with one term named ``"estimate"``.

    References
    ----------
    Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.
    Barnard, J. and Rubin, D. B. (1999). Small-sample degrees of freedom with multiple
    imputation. *Biometrika*, 86(4), 948-955.
    van Buuren, S. (2018). *Flexible Imputation of Missing Data*, 2nd ed., sections 2.3 and 5.2.

    Examples
    --------
    About 0.01 s:

    >>> res = pool_scalar([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], n_rows=52, k=2)
    >>> res.qbar, res.b, round(res.t, 4), round(res.r, 4), round(res.df, 3)
    (2.0, 1.0, 1.8333, 2.6667, 2.935)
    """
    q, u, _ = _prepare(_scalar_input(estimates, "estimates"),
                       _scalar_input(variances, "variances"), ["estimate"])
    q, u = q[:, 0], u[:, 0]
    if dfcom is not None and (n_rows is not None or k is not None):
        raise ValueError("Give either `dfcom` or `n_rows`/`k` (dfcom = n_rows - k), not both.")
    if dfcom is None and (n_rows is not None or k is not None):
        n_ = np.inf if n_rows is None else n_rows
        k_ = 1.0 if k is None else k
        if np.isnan(n_ - k_) or n_ - k_ <= 0:
            raise ValueError(f"`n_rows` - `k` (the complete-data df) must be positive, got "
                             f"n_rows = {n_rows!r}, k = {k!r}.")
        dfcom = n_ - k_
    dfc = float(_as_dfcom(dfcom, 1, ["estimate"])[0])
    m = q.shape[0]

    with np.errstate(divide="ignore", invalid="ignore"):
        qbar = q.mean()
        ubar = u.mean()
        b = q.var(ddof=1)
        r = (1.0 + 1.0 / m) * b / ubar
        t = ubar + (m + 1) * b / m  # as written in mice::pool.scalar
        df = float(barnard_rubin(m, b, t, dfc))
        fmi = (r + 2.0 / (df + 3.0)) / (r + 1.0)
        lam = (1.0 + 1.0 / m) * b / t
    _warn_zero_total(np.array([t]), ["the estimate"], "pool_scalar")
    se, statistic, p_value, lo, hi = t_tests(np.array([qbar]), np.array([t]), np.array([df]),
                                            conf_level)
    values = {
        "m": int(m), "qhat": q, "u": u,
        "qbar": float(qbar), "ubar": float(ubar), "b": float(b), "t": float(t),
        "df": df, "r": float(r), "fmi": float(fmi),
        "riv": float(r), "lambda": float(lam), "dfcom": dfc,
        "std_error": float(se[0]), "statistic": float(statistic[0]),
        "p_value": float(p_value[0]), "conf_low": float(lo[0]), "conf_high": float(hi[0]),
        "conf_level": conf_level,
    }
    table = pd.DataFrame({
        "term": ["estimate"], "estimate": [values["qbar"]], "std.error": [values["std_error"]],
        "statistic": [values["statistic"]], "df": [df], "p.value": [values["p_value"]],
        "conf.low": [values["conf_low"]], "conf.high": [values["conf_high"]],
        "riv": [values["riv"]], "lambda": [values["lambda"]], "fmi": [values["fmi"]],
        "m": [int(m)], "ubar": [values["ubar"]], "b": [values["b"]], "t": [values["t"]],
        "dfcom": [dfc]}, columns=TABLE_COLUMNS)
    return PooledScalar(values, table, estimates=pd.DataFrame({"estimate": q.copy()}),
                        variances=pd.DataFrame({"estimate": u.copy()}))


def _scalar_input(x, name):
    """A 1-d array of m values (an (m x 1) array or one-column DataFrame is accepted)."""
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise ValueError(f"`{name}` must be 1-d (m values of one scalar), got a DataFrame "
                             f"with {x.shape[1]} columns.")
        return _to_float(x.iloc[:, 0].to_numpy(dtype=float, na_value=np.nan), name)
    if isinstance(x, pd.Series):
        return _to_float(x.to_numpy(dtype=float, na_value=np.nan), name)
    arr = _to_float(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-d (m values of one scalar), got shape {arr.shape}.")
    return arr


