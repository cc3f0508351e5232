"""The result of ``socgan.impute``: m completed datasets and what to do with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .._checks import as_real

_MODELS = ("ols", "wls", "logit", "glm")


@dataclass
class Imputations:
    """m completed versions of a DataFrame, as made by :func:`socgan.impute`.

    Attributes
    ----------
    data
        A copy of the incomplete input.
    datasets
        The m completed DataFrames (same columns, index and dtypes as ``data``).
    loss_history
        Training diagnostics: one row per imputation model and epoch with the discriminator
        loss and the generator's adversarial and reconstruction losses.
    options
        The settings used (method, seed, GAIN hyper-parameters).
    """

    data: pd.DataFrame
    datasets: list[pd.DataFrame]
    loss_history: pd.DataFrame
    options: dict = field(default_factory=dict)

    @property
    def m(self) -> int:
        """Number of imputations."""
        return len(self.datasets)

    @property
    def where(self) -> pd.DataFrame:
        """Boolean DataFrame: True where ``data`` was missing (mice's ``where``)."""
        return self.data.isna()

    def __repr__(self) -> str:
        miss = self.where.sum()
        miss = miss[miss > 0]
        cells = ", ".join(f"{k}: {v}" for k, v in miss.items()) or "none"
        return (f"<Imputations: m={self.m}, {len(self.data)} rows x {self.data.shape[1]} columns; "
                f"imputed cells per column: {cells}>")

    def long(self, *, include: bool = True) -> pd.DataFrame:
        """All datasets stacked in mice's long format.

        Columns ``.imp`` (0 = the original data with its missing values, then 1..m) and ``.id``
        (the input's index values; 1..n if the index has duplicates or several levels) come first, then the data columns; rows are ordered by
        ``.imp``. This is what ``mice::complete(imp, "long", include = TRUE)`` returns and what
        ``mice::as.mids()`` accepts.
        """
        clash = [c for c in (".imp", ".id") if c in self.data.columns]
        if clash:
            raise ValueError(f"The data have columns named {clash}, which mice's long format "
                             "reserves; rename them before calling long().")
        index = self.data.index
        # as.mids() makes .id the row names: they must be unique scalars, else 1..n as in R.
        ids = (np.asarray(index) if index.is_unique and index.nlevels == 1
               else np.arange(1, len(index) + 1))
        frames = ([self.data] if include else []) + list(self.datasets)
        start = 0 if include else 1
        parts = []
        for k, df in enumerate(frames, start=start):
            part = df.reset_index(drop=True)
            part.insert(0, ".id", ids)
            part.insert(0, ".imp", k)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    # -- analysis -----------------------------------------------------------------------------
    def fit(self, formula: str, model: str = "ols", *, conf_level: float = 0.95,
            fit_options: dict | None = None, **kwargs) -> pd.DataFrame:
        """Fit a statsmodels formula model on every completed dataset and pool with Rubin's rules.

        Parameters
        ----------
        formula
            A statsmodels/patsy formula, e.g. ``"Y ~ X * Bin"``.
        model
            ``"ols"`` (``smf.ols``), ``"wls"`` (``smf.wls``; pass ``weights=`` as a column name or
            array), ``"logit"`` (``smf.logit``) or ``"glm"`` (``smf.glm``; pass ``family=`` and,
            for survey weights, ``freq_weights=`` or ``var_weights=``).
        conf_level
            Level of the pooled confidence intervals.
        fit_options
            Keyword arguments for the model's ``.fit()`` (e.g. ``{"cov_type": "HC1"}``).
        **kwargs
            Keyword arguments for the model constructor (e.g. ``family=``). A string value
            that names a column (e.g. ``weights="wt"``) is taken from each completed dataset.

        Returns
        -------
        pandas.DataFrame
            The pooled table of :func:`socgan.pool`, with the complete-data degrees of freedom
            taken from each fit's residual degrees of freedom, as ``mice::pool`` does.
        """
        import statsmodels.formula.api as smf

        if model not in _MODELS:
            raise ValueError(f"`model` must be one of {_MODELS}, got {model!r}.")
        constructor = {"ols": smf.ols, "wls": smf.wls, "logit": smf.logit, "glm": smf.glm}[model]
        if model == "ols" and "weights" in kwargs:
            raise ValueError("statsmodels' OLS ignores `weights`; use model='wls' (or 'glm' with "
                             "freq_weights/var_weights).")
        opts = dict(fit_options or {})
        if model == "logit":
            opts.setdefault("disp", 0)

        def one(df: pd.DataFrame):
            kw = {k: (df[v] if isinstance(v, str) and v in df.columns else v)
                  for k, v in kwargs.items()}
            return constructor(formula, data=df, **kw).fit(**opts)

        return self.analyze(one, conf_level=conf_level)

    def analyze(self, func: Callable, *, conf_level: float = 0.95, dfcom: float | None = None
                ) -> pd.DataFrame:
        """Apply ``func`` to every completed dataset and pool its estimates (mice's ``with`` + ``pool``).

        ``func(df)`` must return either a fitted statsmodels results object (``params``,
        ``cov_params()`` and ``df_resid`` are used), or a tuple ``(estimates, covariance)`` or
        ``(estimates, covariance, dfcom)`` where ``estimates`` is a Series (or 1-d array) and
        ``covariance`` a matrix or a vector of variances.
        """
        from ..pooling import pool

        conf_level = as_real(conf_level, "conf_level")
        estimates, variances, dfcoms = [], [], []
        for df in self.datasets:
            res = func(df.copy())
            if hasattr(res, "params") and hasattr(res, "cov_params"):
                est = pd.Series(res.params)
                var = np.diag(np.asarray(res.cov_params()))
                dfc = getattr(res, "df_resid", None)
            elif isinstance(res, tuple) and len(res) in (2, 3):
                est = res[0] if isinstance(res[0], pd.Series) else pd.Series(np.ravel(res[0]))
                cov = np.asarray(res[1], dtype=float)
                var = np.diag(cov) if cov.ndim == 2 else cov
                dfc = res[2] if len(res) == 3 else None
            else:
                raise TypeError(
                    "`func` must return a statsmodels results object or a tuple "
                    f"(estimates, covariance[, dfcom]); got {type(res).__name__}."
                )
            estimates.append(est)
            variances.append(pd.Series(np.asarray(var, dtype=float), index=est.index))
            dfcoms.append(dfc)
        if dfcom is None and all(d is not None for d in dfcoms):
            dfcom = float(min(dfcoms))
        return pool(estimates, variances, dfcom=dfcom, conf_level=conf_level)

    # -- plots ---------------------------------------------------------------------------------
    def plot(self, columns: list | None = None, *, path=None):
        """Observed against imputed distributions of each imputed column (a matplotlib Figure).

        Numeric columns: kernel densities of the observed values and of the imputed values of
        all m datasets (as in mice's ``densityplot``); discrete columns: the share of each level
        among observed and among imputed values. Imputed values should look like observed ones
        only where the data are missing completely at random; under MAR they may differ.
        """
        from ._plot import plot_densities

        return plot_densities(self, columns=columns, path=path)

    def plot_losses(self, *, path=None):
        """Training losses per epoch, one line per imputation model (a matplotlib Figure)."""
        from ._plot import plot_losses

        return plot_losses(self.loss_history, path=path)
