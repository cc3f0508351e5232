"""The result of :func:`socgan.pool`: R's ``mipo`` as a small class with plain-type views.

A :class:`Pooled` holds numbers only (DataFrames, floats), so reticulate users get
data.frames from every view. The column names are those of mice 3.15:

=====================  ========================================================================
``.pooled``            ``pool(fit)$pooled``: term, m, estimate, ubar, b, t, dfcom, df, riv,
                       lambda, fmi
``.summary()``         ``summary(pool(fit), conf.int = TRUE)``: term, estimate, std.error,
                       statistic, df, p.value, ``2.5 %``, ``97.5 %`` (``type="all"`` adds m, riv,
                       lambda, fmi, ubar, b, t, dfcom in mice's order)
``.table``             one tidy frame with every column under mice's names, the interval as
                       ``tidy(pool(fit), conf.int = TRUE)`` names it (conf.low, conf.high)
=====================  ========================================================================

Until socgan 0.1 :func:`socgan.pool` returned a DataFrame with the columns ``term``,
``estimate``, ``std_error``, ``statistic``, ``df``, ``p_value``, ``conf_low``, ``conf_high``,
``riv``, ``lambda``, ``fmi``. Code that indexes the result as that DataFrame keeps working
with a ``FutureWarning`` (see :meth:`Pooled.__getitem__`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._params import (PROBABILITY, FilePath, Flag, OneOf, Optional, Rule, Text,
                       validate_params)

__all__ = ["Pooled", "PooledScalar", "TABLE_COLUMNS"]

#: Columns of :attr:`Pooled.table`, in order (mice's names).
TABLE_COLUMNS = ["term", "estimate", "std.error", "statistic", "df", "p.value", "conf.low",
                 "conf.high", "riv", "lambda", "fmi", "m", "ubar", "b", "t", "dfcom"]
# mice's pool(fit)$pooled and summary.mipo's column orders (mice 3.15)
_POOLED_COLUMNS = ["term", "m", "estimate", "ubar", "b", "t", "dfcom", "df", "riv", "lambda",
                   "fmi"]
_SUMMARY_ALL_EXTRA = ["riv", "lambda", "fmi", "ubar", "b", "t", "dfcom"]
# the DataFrame pool() returned before it returned a Pooled: its names for mice's
_OLD_NAMES = {"std.error": "std_error", "p.value": "p_value", "conf.low": "conf_low",
              "conf.high": "conf_high"}
_OLD_COLUMNS = ["term", "estimate", "std_error", "statistic", "df", "p_value", "conf_low",
                "conf_high", "riv", "lambda", "fmi"]
_OLD_DETAIL_COLUMNS = ["m", "ubar", "b", "t", "dfcom"]
_SUMMARY_TYPES = ("tests", "all")


def t_tests(qbar, t, df, conf_level):
    """``summary.mipo``'s standard error, statistic and p-value, and ``confint.mipo``'s
    interval: ``qbar + qt(c(a, 1 - a), df) * sqrt(t)`` with ``a = (1 - conf_level) / 2``
    (the p-value floors ``df`` at 0.001 as mice does; the interval uses ``df`` itself)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(t)
        statistic = qbar / se
        p_value = 2.0 * stats.t.sf(np.abs(statistic), np.maximum(df, 0.001))
        a = (1.0 - conf_level) / 2.0
        conf_low = qbar + stats.t.ppf(a, df) * se
        conf_high = qbar + stats.t.ppf(1.0 - a, df) * se
    return se, statistic, p_value, conf_low, conf_high


def _percents(probs) -> list[str]:
    """mice's interval column names, as R's ``stats:::format.perc(probs, 3)`` writes them:
    ``format(100 * probs, digits = 3)`` formats the values together, with the decimals the
    most precise of them needs at 3 significant digits (``"2.5 %"``, ``"97.5 %"``; ``"0.05 %"``,
    ``"99.95 %"``)."""
    values = [100.0 * float(p) for p in probs]
    decimals = 0
    for v in values:
        shown = f"{float(f'{v:.3g}'):.10f}".rstrip("0")
        decimals = max(decimals, len(shown.split(".")[1]) if "." in shown else 0)
    return [f"{v:.{decimals}f} %" for v in values]


def _terms(value, name):
    """``terms``: None, one name, or a list of names (which names, is checked with the data)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if np.ndim(value) != 1 or isinstance(value, (dict, set)):
        raise TypeError(f"`{name}` must be a list of term names, got {value!r}.")
    return value


_TERMS = Rule(_terms, "None or a list of term names")
_TITLE = Optional(Text("a string"))
_PLOT_PATH = Optional(FilePath(file_object=True))


class Pooled:
    """Estimates pooled with Rubin's rules: R's ``mipo`` (``mice::pool``) as plain data.

    Made by :func:`socgan.pool` and by :meth:`socgan.Imputations.fit` / ``.analyze``; not
    meant to be built by hand.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per term with every pooled quantity under mice's names: ``term``,
        ``estimate``, ``std.error``, ``statistic``, ``df``, ``p.value``, ``conf.low``,
        ``conf.high`` (the interval at :attr:`conf_level`, named as mice's
        ``tidy(pool(fit), conf.int = TRUE)`` names it), ``riv``, ``lambda``, ``fmi``, ``m``,
        ``ubar``, ``b``, ``t`` and ``dfcom``. A copy on every access.
    pooled : pandas.DataFrame
        ``pool(fit)$pooled``: ``term``, ``m``, ``estimate``, ``ubar``, ``b``, ``t``,
        ``dfcom``, ``df``, ``riv``, ``lambda``, ``fmi``.
    estimates, variances : pandas.DataFrame
        The m completed-data estimates and their variances (squared standard errors) that
        were pooled: one row per imputation, one column per term (mice's ``qhat`` and ``u``).
    m : int
        Number of imputations.
    conf_level : float
        Level of the interval in :attr:`table`.
    terms : list of str
        The term names, in order.

    Methods
    -------
    summary(type="tests", conf_int=True, conf_level=None)
        ``summary(pool(fit), ...)`` as a DataFrame, columns named as in R.
    plot(conf_level=None, terms=None, path=None, title=None)
        The estimates with their intervals and each term's fraction of missing information.
    """

    def __init__(self, table: pd.DataFrame, *, estimates: pd.DataFrame,
                 variances: pd.DataFrame, conf_level: float, legacy_details: bool = False):
        missing = [c for c in TABLE_COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"`table` lacks the column(s) {missing}.")
        self._table = table[TABLE_COLUMNS].reset_index(drop=True)
        self._estimates = estimates
        self._variances = variances
        self._conf_level = float(conf_level)
        self._legacy_details = bool(legacy_details)

    # -- plain-type views ----------------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        return self._table.copy()

    @property
    def pooled(self) -> pd.DataFrame:
        return self._table[_POOLED_COLUMNS].copy()

    @property
    def estimates(self) -> pd.DataFrame:
        return self._estimates.copy()

    @property
    def variances(self) -> pd.DataFrame:
        return self._variances.copy()

    @property
    def m(self) -> int:
        return int(self._table["m"].iloc[0])

    @property
    def conf_level(self) -> float:
        return self._conf_level

    @property
    def terms(self) -> list:
        return [str(t) for t in self._table["term"]]

    @validate_params({"type": OneOf(*_SUMMARY_TYPES), "conf_int": Flag(),
                      "conf_level": Optional(PROBABILITY), "exponentiate": Flag()})
    def summary(self, *, type: str = "tests", conf_int: bool = True,
                conf_level: float | None = None, exponentiate: bool = False) -> pd.DataFrame:
        """The pooled tests as ``summary(pool(fit), type, conf.int, conf.level)`` gives them.

        Parameters
        ----------
        type : {"tests", "all"}
            ``"tests"``: ``term``, ``estimate``, ``std.error``, ``statistic``, ``df``,
            ``p.value`` (and the interval); ``"all"`` adds ``m`` after ``term`` and ``riv``,
            ``lambda``, ``fmi``, ``ubar``, ``b``, ``t``, ``dfcom`` at the end, as mice does.
        conf_int : bool
            Add the confidence interval, in columns named as mice names them (``"2.5 %"`` and
            ``"97.5 %"`` for a 95% interval). Default True (mice's default is FALSE).
        conf_level : float or None
            Level of the interval, in (0, 1); ``None`` (default): :attr:`conf_level`, the level
            given to :func:`socgan.pool`.
        exponentiate : bool
            ``exp()`` of the estimate and the interval's bounds (odds ratios of a logit, rate
            ratios of a Poisson GLM), as mice's ``summary(..., exponentiate = TRUE)``; the
            standard error, statistic and p-value stay those of the coefficient. Default False.

        Returns
        -------
        pandas.DataFrame
            One row per term.
        """
        level = self._conf_level if conf_level is None else conf_level
        tab = self._table
        out = pd.DataFrame({"term": tab["term"]})
        if type == "all":
            out["m"] = tab["m"]
        for col in ("estimate", "std.error", "statistic", "df", "p.value"):
            out[col] = tab[col]
        if exponentiate:
            out["estimate"] = np.exp(out["estimate"])
        if conf_int:
            if level == self._conf_level:
                lo, hi = tab["conf.low"].to_numpy(), tab["conf.high"].to_numpy()
            else:
                *_, lo, hi = t_tests(tab["estimate"].to_numpy(), tab["t"].to_numpy(),
                                     tab["df"].to_numpy(), level)
            a = (1.0 - level) / 2.0
            low_name, high_name = _percents([a, 1.0 - a])
            out[low_name] = np.exp(lo) if exponentiate else lo
            out[high_name] = np.exp(hi) if exponentiate else hi
        if type == "all":
            for col in _SUMMARY_ALL_EXTRA:
                out[col] = tab[col]
        return out

    @validate_params({"conf_level": Optional(PROBABILITY), "terms": _TERMS, "path": _PLOT_PATH,
                      "title": _TITLE})
    def plot(self, *, conf_level: float | None = None, terms=None, path=None,
             title: str | None = None):
        """The pooled estimates with their intervals, one row per term (a matplotlib Figure).

        Each term's interval is drawn at ``conf_level`` (default :attr:`conf_level`) and
        labelled with its fraction of missing information (``fmi``), the share of its variance
        that the missing data add. ``terms`` picks and orders the terms shown (default all);
        ``path`` saves the figure (format from the extension).
        """
        from matplotlib.figure import Figure

        summ = self.summary(conf_level=conf_level)
        level = self._conf_level if conf_level is None else conf_level
        if terms is not None:
            terms = list(terms)
            unknown = [t for t in terms if t not in self.terms]
            if unknown:
                raise ValueError(f"`terms` names term(s) {unknown} that were not pooled; "
                                 f"pooled: {self.terms}.")
            summ = summ.set_index("term").loc[terms].reset_index()
        lo, hi = summ.iloc[:, -2].to_numpy(), summ.iloc[:, -1].to_numpy()
        fmi = self._table.set_index("term").loc[summ["term"], "fmi"].to_numpy()
        n = len(summ)
        y = np.arange(n)[::-1]
        fig = Figure(figsize=(6.0, max(2.0, 0.45 * n + 1.0)))
        ax = fig.subplots()
        ax.hlines(y, lo, hi, color="0.45", linewidth=1.6)
        ax.plot(summ["estimate"], y, "o", color="C0", markersize=5)
        ax.axvline(0.0, color="0.8", linewidth=0.8, zorder=0)
        ax.set_yticks(y)
        ax.set_yticklabels([f"{t}  (fmi {f:.2f})" for t, f in zip(summ["term"], fmi)])
        ax.set_xlabel(f"pooled estimate with {level:.0%} interval (m = {self.m})")
        ax.grid(axis="x", alpha=0.3)
        if title:
            ax.set_title(title)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=150)
        return fig

    def __repr__(self) -> str:
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            body = self.summary().to_string(index=False)
        return (f"<Pooled: m = {self.m}, {len(self._table)} term(s), "
                f"{self._conf_level:.0%} intervals; Rubin's rules as mice::pool>\n{body}")

    # -- the DataFrame pool() used to return ---------------------------------------------------
    def _legacy(self) -> pd.DataFrame:
        old = self._table.rename(columns=_OLD_NAMES)
        return old[_OLD_COLUMNS + (_OLD_DETAIL_COLUMNS if self._legacy_details else [])].copy()

    def _deprecated(self, what: str) -> pd.DataFrame:
        warnings.warn(
            f"socgan.pool() now returns a Pooled result, not a DataFrame; {what} on it reads "
            "the old DataFrame (columns std_error, p_value, conf_low, conf_high) and will stop "
            "working. Use .table (mice's column names: std.error, p.value, conf.low, "
            "conf.high) or .summary().", FutureWarning, stacklevel=3)
        return self._legacy()

    def __getitem__(self, key):
        """Deprecated: index the result as the DataFrame :func:`socgan.pool` used to return."""
        return self._deprecated(f"[{key!r}]")[key]

    def __getattr__(self, name):
        # Only reached for names the class lacks: DataFrame attributes (.loc, .columns, ...)
        # of the old result, with a warning. Private names never (pickle, copy probe them).
        if name.startswith("_") or not hasattr(pd.DataFrame, name):
            raise AttributeError(f"'Pooled' object has no attribute {name!r}")
        return getattr(self._deprecated(f".{name}"), name)

    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self):
        """Deprecated: iterates over the old DataFrame's column names."""
        return iter(self._deprecated("iteration"))


class PooledScalar(Pooled):
    """One scalar pooled with Rubin's rules: ``mice::pool.scalar``'s list as plain attributes.

    Made by :func:`socgan.pool_scalar`. Besides the views of :class:`Pooled` (one term named
    ``"estimate"``), the numbers of ``mice::pool.scalar`` are attributes under its names:
    ``m`` (int), ``qhat``, ``u`` (numpy arrays, copies of the inputs), ``qbar``, ``ubar``,
    ``b``, ``t``, ``df``, ``r`` and ``fmi``; and beyond mice ``riv`` (same as ``r``),
    ``lambda_`` (``lambda``), ``dfcom``, ``std_error``, ``statistic``, ``p_value``,
    ``conf_low``, ``conf_high`` and ``conf_level``, computed as ``summary.mipo`` and
    ``confint.mipo`` do. :meth:`to_dict` gives them all as a dict (what
    :func:`socgan.pool_scalar` returned before, keyed as before).
    """

    def __init__(self, values: dict, table: pd.DataFrame, *, estimates, variances):
        super().__init__(table, estimates=estimates, variances=variances,
                         conf_level=values["conf_level"])
        self._values = values

    def to_dict(self) -> dict:
        """Every number as a dict (keys as mice names them; ``lambda`` under its own name)."""
        out = dict(self._values)
        out["qhat"], out["u"] = out["qhat"].copy(), out["u"].copy()
        return out

    def __getitem__(self, key):
        """Deprecated: look a number up as in the dict :func:`socgan.pool_scalar` returned."""
        if key not in self._values:
            raise KeyError(key)
        warnings.warn(f"socgan.pool_scalar() now returns a PooledScalar, not a dict; use "
                      f".{'lambda_' if key == 'lambda' else key} or .to_dict()[{key!r}]; "
                      "indexing it will stop working.", FutureWarning, stacklevel=2)
        return self.to_dict()[key]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(f"'PooledScalar' object has no attribute {name!r}")
        values = self.__dict__.get("_values", {})
        key = "lambda" if name == "lambda_" else name
        if key in values:
            value = values[key]
            return value.copy() if isinstance(value, np.ndarray) else value
        if name in ("keys", "items", "values", "get"):
            warnings.warn(f"socgan.pool_scalar() now returns a PooledScalar, not a dict; "
                          f".{name}() on it will stop working: use .to_dict().{name}().",
                          FutureWarning, stacklevel=2)
            return getattr(self.to_dict(), name)
        raise AttributeError(f"'PooledScalar' object has no attribute {name!r}")

    def __len__(self) -> int:
        return 1

    def __iter__(self):
        raise TypeError("'PooledScalar' is not iterable; use .to_dict() or .table.")

    def __repr__(self) -> str:
        v = self._values
        return (f"<PooledScalar: m = {v['m']}, qbar = {v['qbar']:.6g}, t = {v['t']:.6g}, "
                f"df = {v['df']:.6g}, fmi = {v['fmi']:.4g}; mice::pool.scalar>")
