"""Tests of several parameters at once, and R², from multiply imputed analyses, as R's ``mice``
computes them (``mice::D1``, ``mice::D2`` and ``anova`` on ``mira`` objects, through
``mitml::testModels``; ``mice::pool.r.squared``).

D1, the multivariate Wald test (Li, Raghunathan & Rubin 1991; ``mitml:::.D1``). For the k
tested parameters, with Q̂_l and Û_l the estimates and their covariance matrix in imputation l
and Q0 their values under the null hypothesis (0 unless given):

=========  ==============================================================================
Q̄, Ū       the means of the Q̂_l − Q0 and of the Û_l
B          the covariance of the Q̂_l across imputations (denominator m − 1)
r          ``(1 + 1/m) tr(B Ū⁻¹) / k``, the average relative increase in variance
statistic  ``Q̄ᵀ ((1 + r) Ū)⁻¹ Q̄ / k``, referred to an F(k, df2) distribution
df2        with ``t = k (m − 1)``: ``4 + (t − 4) (1 + (1 − 2/t) / r)²`` if ``t > 4``, else
           ``t (1 + 1/k) (1 + 1/r)² / 2``; with the complete-data degrees of freedom ``dfcom``
           the small-sample df of Reiter (2007) instead, as ``mitml`` computes it
=========  ==============================================================================

D2, which combines the m Wald chi-squares d_l = (Q̂_l − Q0)ᵀ Û_l⁻¹ (Q̂_l − Q0) (Li, Meng,
Raghunathan & Rubin 1991; ``mitml:::.D2``): ``r = (1 + 1/m) var(√d)``, statistic
``(mean(d)/k − (m + 1)/(m − 1) r) / (1 + r)``, ``df2 = k^(−3/m) (m − 1) (1 + 1/r)²``. It needs
only the chi-squares, and is less accurate than D1 (the literature recommends D1 when the
covariance matrices are at hand; mice's ``anova`` uses D1 by default). mitml ignores ``dfcom``
with D2; so does :func:`pool_wald`.

The p-value is ``P(F(k, df2) > statistic)`` (``pf(..., lower.tail = FALSE)``). D1 and D2 lean
on the tested parameters' fraction of missing information being about equal across them (the
proportional-B assumption); with a handful of imputations ``B`` is noisy: use m >= 20 for tests.

R² (``mice::pool.r.squared``, Harel 2009): each imputation's √R² is Fisher-transformed,
z_l = atanh(√R²_l), with variance 1/(n − 3); the z_l are pooled with ``pool.scalar``'s rules
and ``tanh(z̄)²`` is the pooled R², ``tanh(z̄ ± 1.96 √T)²`` its 95% interval (squared as mice
squares them: a lower limit below zero comes back positive), ``fmi`` the fraction of missing
information of z̄.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._params import OneOf, Rule, Unchecked, validate_params

__all__ = ["WaldTest", "pool_wald", "pool_r_squared"]

#: The columns of ``summary(D1(fit1, fit0))$comparisons`` in mice (``mice.anova.summary``).
TEST_COLUMNS = ["test", "statistic", "df1", "df2", "dfcom", "p.value", "riv"]


class WaldTest:
    """A pooled test of several parameters: ``mice::D1``/``D2`` (R's ``mice.anova``).

    Attributes (plain Python numbers): ``statistic`` (the F statistic), ``df1`` (k, the number
    of tested parameters), ``df2``, ``p_value``, ``riv`` (r, the average relative increase in
    variance), ``dfcom`` (``inf`` when not used), ``m``, ``method`` (``"D1"`` or ``"D2"``) and
    ``terms`` (the tested parameters). ``.table`` is a one-row DataFrame under the names of
    ``summary(D1(...))$comparisons``; ``.to_dict()`` gives every number.
    """

    def __init__(self, *, statistic, df1, df2, p_value, riv, dfcom, m, method, terms, test):
        self.statistic, self.df1, self.df2 = float(statistic), int(df1), float(df2)
        self.p_value, self.riv, self.dfcom = float(p_value), float(riv), float(dfcom)
        self.m, self.method, self.terms, self.test = int(m), method, list(terms), test

    @property
    def table(self) -> pd.DataFrame:
        """``summary(mice::D1(fit1, fit0))$comparisons``: test, statistic, df1, df2, dfcom,
        p.value, riv (``dfcom`` is NaN where mice prints NA: D2, or none given)."""
        return pd.DataFrame([{"test": self.test, "statistic": self.statistic, "df1": self.df1,
                              "df2": self.df2,
                              "dfcom": self.dfcom if np.isfinite(self.dfcom) else np.nan,
                              "p.value": self.p_value, "riv": self.riv}], columns=TEST_COLUMNS)

    def to_dict(self) -> dict:
        return {"statistic": self.statistic, "df1": self.df1, "df2": self.df2,
                "p_value": self.p_value, "riv": self.riv, "dfcom": self.dfcom, "m": self.m,
                "method": self.method, "terms": list(self.terms), "test": self.test}

    def __repr__(self) -> str:
        return (f"<WaldTest {self.method} of {self.df1} parameter(s) ({self.test}): F = "
                f"{self.statistic:.4g} on {self.df1} and {self.df2:.4g} df, p = "
                f"{self.p_value:.4g}, riv = {self.riv:.4g}, m = {self.m}>")


def _d1(q: np.ndarray, u: np.ndarray, dfcom: float) -> tuple[float, float, float]:
    """``mitml:::.D1``: q (k, m) estimates minus the null values, u (k, k, m) covariances."""
    k, m = q.shape
    qbar = q.mean(axis=1)
    ubar = u.mean(axis=2)
    b = np.atleast_2d(np.cov(q))  # denominator m - 1, as R's cov
    r = float((1 + 1 / m) * np.trace(b @ np.linalg.inv(ubar)) / k)
    stat = float(qbar @ np.linalg.solve((1 + r) * ubar, qbar) / k)
    t = k * (m - 1)
    if np.isfinite(dfcom) and t == 4:
        v = 4.0  # mitml: c0 = 1/(t - 4) is infinite, so z is and v = 4 + 1/z = 4
    elif np.isfinite(dfcom):
        a = r * t / (t - 2)
        vstar = (dfcom + 1) / (dfcom + 3) * dfcom
        c0 = 1 / (t - 4)
        c1 = vstar - 2 * (1 + a)
        c2 = vstar - 4 * (1 + a)
        z = (1 / c2 + c0 * (a ** 2 * c1 / ((1 + a) ** 2 * c2))
             + c0 * (8 * a ** 2 * c1 / ((1 + a) * c2 ** 2) + 4 * a ** 2 / ((1 + a) * c2))
             + c0 * (4 * a ** 2 / (c2 * c1) + 16 * a ** 2 * c1 / c2 ** 3)
             + c0 * (8 * a ** 2 / c2 ** 2))
        v = 4 + 1 / z
    elif r == 0:
        v = np.inf  # identical imputations: the complete-data test
    elif t > 4:
        v = 4 + (t - 4) * (1 + (1 - 2 / t) / r) ** 2
    else:
        v = t * (1 + 1 / k) * (1 + 1 / r) ** 2 / 2
    return stat, float(v), float(r)


def _d2(q: np.ndarray, u: np.ndarray) -> tuple[float, float, float]:
    """``mitml:::.D2`` from the m Wald chi-squares."""
    k, m = q.shape
    d = np.array([q[:, i] @ np.linalg.solve(u[:, :, i], q[:, i]) for i in range(m)])
    r = float((1 + 1 / m) * np.var(np.sqrt(d), ddof=1))
    stat = (d.mean() / k - (m + 1) / (m - 1) * r) / (1 + r)
    v = np.inf if r == 0 else k ** (-3 / m) * (m - 1) * (1 + 1 / r) ** 2
    return float(stat), float(v), float(r)


def _as_series(est, i: int) -> pd.Series:
    if isinstance(est, pd.Series):
        return est.astype(float)
    arr = np.ravel(np.asarray(est, dtype=float))
    return pd.Series(arr, index=[f"x{j}" for j in range(len(arr))])


def _as_matrix(cov, names: list, i: int) -> pd.DataFrame:
    if isinstance(cov, pd.DataFrame):
        missing = [n for n in names if n not in cov.index or n not in cov.columns]
        if missing:
            raise ValueError(f"`covariances[{i}]` has no row/column for {missing[:5]}; give the "
                             "full covariance matrix of the estimates, labelled by term.")
        return cov.loc[names, names].astype(float)
    arr = np.asarray(cov, dtype=float)
    if arr.shape != (len(names), len(names)):
        raise ValueError(f"`covariances[{i}]` has shape {arr.shape}; it must be the "
                         f"{len(names)} x {len(names)} covariance matrix of the estimates.")
    return pd.DataFrame(arr, index=names, columns=names)


def _sequence(value, name: str):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"`{name}` must be a list with one entry per imputation.")
    return list(value)


@validate_params({"estimates": Rule(_sequence, "a list, one entry per imputation"),
                  "covariances": Rule(_sequence, "a list, one per imputation"),
                  "terms": Unchecked("None or the names (or positions) of the tested parameters"),
                  "null": Unchecked("None, a number, or one value per tested parameter"),
                  "dfcom": Unchecked("None or a positive number"),
                  "method": OneOf("D1", "D2")})
def pool_wald(estimates, covariances, *, terms=None, null=None, dfcom=None,
              method: str = "D1") -> WaldTest:
    """Test several parameters at once from m imputed analyses: ``mice::D1`` (or ``D2``).

    Parameters
    ----------
    estimates
        One vector of estimates per imputation (pandas Series labelled by term, or arrays).
    covariances
        Their covariance matrices, one per imputation (DataFrames labelled by term, or
        arrays), e.g. ``result.cov_params()`` of a statsmodels fit.
    terms
        The parameters tested jointly (names, or positions for unlabelled arrays); default all.
    null
        Their values under the null hypothesis: a number for all, or one per term; default 0.
    dfcom
        Complete-data degrees of freedom (e.g. ``n - p`` of a regression): D1 then uses the
        small-sample df of Reiter (2007), as ``mice::D1`` does (it reads ``df.residual`` from
        the fits). ``None``: the large-sample df. Not used by D2 (as in mitml).
    method
        ``"D1"`` (the Wald test, default) or ``"D2"`` (combined chi-squares).

    Returns
    -------
    WaldTest
        ``.statistic``, ``.df1``, ``.df2``, ``.p_value``, ``.riv``; ``.table`` as
        ``summary(D1(...))$comparisons``. The formulas are in :mod:`socgan.pooling._tests`.
    """
    estimates, covariances = list(estimates), list(covariances)
    m = len(estimates)
    if m < 2:
        raise ValueError(f"A pooled test needs at least 2 imputations; got {m}.")
    if len(covariances) != m:
        raise ValueError(f"`estimates` has {m} entries but `covariances` {len(covariances)}; "
                         "give one covariance matrix per imputation.")
    ests = [_as_series(e, i) for i, e in enumerate(estimates)]
    names = list(ests[0].index)
    if any(list(e.index) != names for e in ests[1:]):
        raise ValueError("The imputations' estimates name different terms (or in a different "
                         "order); fit the same model to every imputed dataset.")
    covs = [_as_matrix(c, names, i) for i, c in enumerate(covariances)]
    if terms is None:
        tested = names
    else:
        terms = [terms] if isinstance(terms, (str, int, np.integer)) else list(terms)
        if not terms:
            raise ValueError("`terms` is empty; name at least one parameter to test.")
        if all(isinstance(t, (int, np.integer)) and not isinstance(t, bool) for t in terms) \
                and not any(isinstance(n, (int, np.integer)) for n in names):
            bad = [t for t in terms if not 0 <= t < len(names)]
            if bad:
                raise ValueError(f"`terms` positions {bad} are outside 0..{len(names) - 1}.")
            tested = [names[t] for t in terms]
        else:
            unknown = [t for t in terms if t not in names]
            if unknown:
                raise ValueError(f"`terms` {unknown} are not among the estimates' terms "
                                 f"{names[:10]}{' ...' if len(names) > 10 else ''}.")
            tested = list(dict.fromkeys(terms))
    k = len(tested)
    q0 = np.zeros(k)
    if null is not None:
        if isinstance(null, (pd.Series, dict)):
            values = pd.Series(null, dtype=float) if isinstance(null, dict) else null
            lacking = [t for t in tested if t not in values.index]
            if lacking:
                raise ValueError(f"`null` gives no value for the tested term(s) {lacking[:5]}.")
            q0 = values.reindex(tested).to_numpy(dtype=float)
        else:
            given = np.ravel(np.asarray(null, dtype=float))
            if given.size not in (1, k):
                raise ValueError(f"`null` has {given.size} values for {k} tested terms; give "
                                 "one number for all, one per term, or a dict by term.")
            q0 = np.broadcast_to(given, (k,)).copy()
        if not np.isfinite(q0).all():
            raise ValueError("`null` must hold finite numbers (one per tested term, or one).")
    q = np.column_stack([e[tested].to_numpy() for e in ests]) - q0[:, None]
    u = np.stack([c.loc[tested, tested].to_numpy() for c in covs], axis=2)
    if not (np.isfinite(q).all() and np.isfinite(u).all()):
        raise ValueError("The estimates or covariances of the tested terms are not all finite.")
    if dfcom is None or method == "D2":
        dfc = np.inf
    else:
        dfc = float(dfcom)
        if not dfc > 0:
            raise ValueError(f"`dfcom` must be a positive number, got {dfcom!r}.")
        dfc = max(dfc, 1.0)
    if method == "D1" and np.isfinite(dfc) and k * (m - 1) < 4:
        raise ValueError(f"The small-sample df of D1 (Reiter 2007) needs k(m - 1) >= 4 (at 4 "
                         f"it is 4, as mitml gives; below, its formula has no meaning); here "
                         f"k = {k} tested parameter(s) and m = {m} imputations. Use more "
                         "imputations (m >= 5 for one parameter), or the large-sample df "
                         "(Imputations.wald_test's dfcom=inf, pool_wald's dfcom=None).")
    try:
        stat, df2, r = _d1(q, u, dfc) if method == "D1" else _d2(q, u)
    except np.linalg.LinAlgError:
        raise ValueError("The covariance matrix of the tested terms is singular (a term that "
                         "cannot be estimated, or a term named twice); test other terms.") from None
    # no between-imputation variance (no imputed variable in the model): df2 is infinite, and
    # F(k, inf) is chi-square(k) / k, as R's pf() takes it (scipy gives NaN there)
    p = float(stats.chi2.sf(stat * k, k) if np.isinf(df2) else stats.f.sf(stat, k, df2))
    test = f"{method}: {', '.join(map(str, tested))}"
    return WaldTest(statistic=stat, df1=k, df2=df2, p_value=p, riv=r, dfcom=dfc, m=m,
                    method=method, terms=tested, test=test)


def pool_r_squared(r_squared, n_obs) -> pd.DataFrame:
    """The pooled R² of a linear regression: ``mice::pool.r.squared`` (Harel 2009).

    ``r_squared``: one R² per imputation (or adjusted R², for ``pool.r.squared(adjusted =
    TRUE)``; a negative one makes the result NaN, with a warning, as in R); ``n_obs``: the
    number of observations (one, or one per imputation). Returns a one-row DataFrame with
    mice's columns ``est``, ``lo 95``, ``hi 95``, ``fmi``.
    """
    from ._rubin import pool_scalar

    r2 = np.ravel(np.asarray(r_squared, dtype=float))
    if len(r2) < 2:
        raise ValueError("At least two imputations are needed for pooling.")
    if not (r2 < 1).all() or np.isnan(r2).any():
        raise ValueError("Each R² must be a number below 1.")
    if (r2 < 0).any():  # an adjusted R² can be negative: √ is NaN, so is the result (as in R)
        import warnings

        warnings.warn(f"{int((r2 < 0).sum())} of the R² values are negative (an adjusted R² "
                      "below 0: the model explains less than its terms cost); the pooled R² is "
                      "NaN, as mice::pool.r.squared gives.", RuntimeWarning, stacklevel=2)
        return pd.DataFrame([{"est": np.nan, "lo 95": np.nan, "hi 95": np.nan, "fmi": np.nan}])
    n = np.broadcast_to(np.asarray(n_obs, dtype=float), r2.shape)
    if not (n > 3).all():
        raise ValueError("`n_obs` must exceed 3 (the Fisher transform's variance is 1/(n - 3)).")
    r = np.sqrt(r2)
    z = 0.5 * np.log((r + 1) / (1 - r))
    fit = pool_scalar(z, 1 / (n - 3))
    qbar, t = fit.qbar, fit.t

    def back(v):
        return ((np.exp(2 * v) - 1) / (1 + np.exp(2 * v))) ** 2

    return pd.DataFrame([{"est": back(qbar), "lo 95": back(qbar - 1.96 * np.sqrt(t)),
                          "hi 95": back(qbar + 1.96 * np.sqrt(t)), "fmi": float(fit.fmi)}])
